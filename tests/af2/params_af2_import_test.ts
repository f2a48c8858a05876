/**
 * Import of DeepMind AlphaFold2 parameters (`params_model_*.npz`) into our
 * OpenFold-named parameters. The reference is OpenFold itself: fixture 15b's
 * raw DeepMind-format file, loaded by OpenFold's `import_jax_weights_`,
 * reproduced the 15a model's state dict bit for bit, so our import of that
 * file must equal 15a's `param/` arrays bit for bit. At AF2 model_1 size the
 * key set must be exactly DeepMind's, with 48/4/2 stacked blocks.
 */
import { SHARED_PARITY } from "../shared_data.ts";
import { readNpz } from "../../model/io/npz.ts";
import type { NdArray } from "../../model/io/ndarray.ts";
import { loadCase } from "../../analysis/parity/harness.ts";
import { fromOpenFoldModelConfig } from "../../model/af2/openfold_config.ts";
import { modelConfig } from "../../model/af2/config.ts";
import {
  AF2_KEY_PREFIX,
  af2SourceOf,
  convertAf2Params,
  importAf2Npz,
  modelParamSpecs,
  ParamStoreError,
} from "../../model/params.ts";
import { fixtureAf2Arrays, fixtureAf2Params } from "../../analysis/parity/runners_af2params.ts";
import { assert, assertEquals, assertThrows } from "../assert.ts";
import { deepmindArrays } from "./deepmind_format.ts";

const RAW = `${SHARED_PARITY}/15b_alphafold_tiny_params_model_1_af2format.npz`;
const P = AF2_KEY_PREFIX;

async function fixture15a() {
  const c = await loadCase(`${SHARED_PARITY}/15a_alphafold_tiny.npz`);
  const cfg = fromOpenFoldModelConfig((c.meta.ctor as { config: { model: unknown } }).config.model);
  const ref = new Map<string, Float32Array>();
  for (const [k, a] of c.arrays) {
    if (k.startsWith("param/")) ref.set(k.slice(6), a.data as Float32Array);
  }
  return { cfg, ref, specs: modelParamSpecs(cfg) };
}

/** Bitwise equality of two float32 arrays (NaN payloads and -0 included). */
function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return ua.every((v, i) => v === ub[i]);
}

Deno.test("importing 15b's DeepMind-format params reproduces 15a's OpenFold state dict bit for bit", async () => {
  const { ref, specs } = await fixture15a();
  assertEquals(specs.map((p) => p.name).sort(), [...ref.keys()].sort());
  const fromRaw = await importAf2Npz(RAW, specs);
  // The same dictionary stored inside the 15b fixture under af2param/.
  const c15b = await readNpz(`${SHARED_PARITY}/15b_alphafold_tiny_af2params.npz`);
  const inner = new Map<string, NdArray>();
  for (const [k, a] of c15b) if (k.startsWith("af2param/")) inner.set(k.slice(9), a);
  const fromFixture = await importAf2Npz(inner, specs);
  // A float64 copy of the file imports to the same float32 values.
  const wide = new Map<string, NdArray>();
  for (const [k, a] of inner) {
    wide.set(k, {
      dtype: "float64",
      shape: a.shape,
      data: Float64Array.from(a.data as Float32Array),
    });
  }
  const fromWide = convertAf2Params(wide, specs);
  let values = 0;
  const differ: string[] = [];
  for (const [name, want] of ref) {
    values += want.length;
    if (!sameBits(fromRaw.get(name)!, want)) differ.push(name);
    if (!sameBits(fromFixture.get(name)!, want)) differ.push(`${name} (af2param/)`);
    if (!sameBits(fromWide.get(name)!, want)) differ.push(`${name} (float64)`);
  }
  console.log(`${ref.size} tensors, ${values} values from ${inner.size} DeepMind arrays`);
  assertEquals(differ, []);
  assertEquals(fromRaw.size, ref.size);
});

Deno.test("AF2 layouts by explicit index: incoming tri-mul swap, [in,H,C] heads, OPM [C,C,out]", async () => {
  const { specs } = await fixture15a();
  const raw = await readNpz(RAW);
  const ref = convertAf2Params(raw, specs);
  const af2 = (k: string) => {
    const a = raw.get(P + k)!;
    const d = Float32Array.from(a.data as Float32Array);
    return { d, s: a.shape };
  };
  // Incoming triangle multiplication: AF2 `left_projection` is OpenFold linear_b_p, block 1.
  const left = af2(
    "evoformer/evoformer_iteration/triangle_multiplication_incoming/left_projection//weights",
  );
  const [, cin, cout] = left.s;
  const b1 = ref.get("evoformer.blocks.1.pair_stack.tri_mul_in.linear_b_p.weight")!;
  for (let o = 0; o < cout; o++) {
    for (let i = 0; i < cin; i++) assertEquals(b1[o * cin + i], left.d[(cin + i) * cout + o]);
  }
  // Outgoing: no swap, left = linear_a_p.
  const outLeft = af2(
    "evoformer/evoformer_iteration/triangle_multiplication_outgoing/left_projection//weights",
  );
  const a0 = ref.get("evoformer.blocks.0.pair_stack.tri_mul_out.linear_a_p.weight")!;
  assertEquals(a0[3 * cin + 5], outLeft.d[5 * cout + 3]);
  // Attention query [in, H, C] → our row h*C + c (head-major), block 1 of 2.
  const q = af2(
    "evoformer/evoformer_iteration/msa_row_attention_with_pair_bias/attention//query_w",
  );
  const [, qin, H, C] = q.s;
  const ourQ = ref.get("evoformer.blocks.1.msa_att_row.mha.linear_q.weight")!;
  for (let i = 0; i < qin; i++) {
    for (let h = 0; h < H; h++) {
      for (let c = 0; c < C; c++) {
        assertEquals(ourQ[(h * C + c) * qin + i], q.d[((qin + i) * H + h) * C + c]);
      }
    }
  }
  // Output [H, C, out] → our [out, h*C + c].
  const o = af2("evoformer/extra_msa_stack/msa_column_global_attention/attention//output_w");
  const [, oh, oc, oout] = o.s;
  const ourO = ref.get("extra_msa_stack.blocks.0.msa_att_col.global_attention.linear_o.weight")!;
  assertEquals(ourO[(oout - 1) * oh * oc + (oh * oc - 1)], o.d[oh * oc * oout - 1]);
  assertEquals(ourO[2 * oh * oc + 1 * oc + 3], o.d[(1 * oc + 3) * oout + 2]);
  // OPM output [C, C, c_z] → our [c_z, C·C].
  const w = af2("evoformer/evoformer_iteration/outer_product_mean//output_w");
  const [, c1, c2, cz] = w.s;
  const ourW = ref.get("evoformer.blocks.0.outer_product_mean.linear_out.weight")!;
  for (let z = 0; z < cz; z++) {
    for (let a = 0; a < c1 * c2; a++) assertEquals(ourW[z * c1 * c2 + a], w.d[a * cz + z]);
  }
});

Deno.test("missing, unexpected and mis-shaped AF2 keys are reported together in one error", async () => {
  const { specs } = await fixture15a();
  const raw = await readNpz(RAW);
  const arrays = new Map(raw);
  const gone = `${P}masked_msa_head/logits//bias`;
  const extra = `${P}evoformer/no_such_module//weights`;
  const flipped = `${P}evoformer/preprocess_1d//weights`;
  const oneBlock = `${P}evoformer/evoformer_iteration/pair_transition/transition1//bias`;
  arrays.delete(gone);
  arrays.set(extra, { dtype: "float32", shape: [2], data: new Float32Array(2) });
  const f = raw.get(flipped)!;
  arrays.set(flipped, {
    dtype: "float32",
    shape: [f.shape[1], f.shape[0]],
    data: f.data as Float32Array,
  });
  const s = raw.get(oneBlock)!;
  arrays.set(oneBlock, {
    dtype: "float32",
    shape: [1, s.shape[1]],
    data: (s.data as Float32Array).slice(0, s.shape[1]),
  });
  const e = assertThrows(() => convertAf2Params(arrays, specs, "edited.npz"), ParamStoreError);
  assertEquals(e.missing, [gone]);
  assertEquals(e.unexpected, [extra]);
  assertEquals(e.misshaped.map((m) => m.name).sort(), [flipped, oneBlock].sort());
  for (const k of [gone, extra, flipped, oneBlock, "edited.npz", "2 blocks"]) {
    assert(e.message.includes(k), `message lacks ${k}:\n${e.message}`);
  }
  console.log(e.message);
  // Unused keys can be allowed explicitly (e.g. a pTM file for a model without the TM head).
  const ok = new Map(raw);
  ok.set(extra, arrays.get(extra)!);
  assertEquals(convertAf2Params(ok, specs, "x", { allowUnexpected: true }).size, specs.length);
  assertThrows(() => convertAf2Params(ok, specs, "x"), ParamStoreError, "unexpected: " + extra);
});

Deno.test("a model parameter with no AlphaFold2 equivalent is named in the error", () => {
  const spec = { name: "structure_module.transition.layers.1.linear_1.weight", shape: [4, 4] };
  const e = assertThrows(
    () => convertAf2Params(new Map(), [{ ...spec, init: { kind: "zeros" } }], "none"),
    ParamStoreError,
    "no AlphaFold2 equivalent",
  );
  assertEquals(e.unmapped, [spec.name]);
});

Deno.test("the af2 preset (model_1, 93,229,082 values) maps onto exactly DeepMind's key set, blocks stacked 48/4/2", async () => {
  const specs = modelParamSpecs(modelConfig("af2"));
  assertEquals(specs.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0), 93_229_082);
  const blocks = new Map<string, number>();
  const pairs = new Set<string>();
  for (const p of specs) {
    const src = af2SourceOf(p.name);
    assert(src, `no AF2 source for ${p.name}`);
    const seen = `${src.key}#${src.block ?? "-"}`;
    assert(!pairs.has(seen), `two parameters map to ${seen}`);
    pairs.add(seen);
    blocks.set(src.key, Math.max(blocks.get(src.key) ?? 0, (src.block ?? -1) + 1));
  }
  // The DeepMind key set does not depend on sizes (blocks are stacked): the fixture's is model_1's.
  const deepmind = [...(await readNpz(RAW)).keys()].sort();
  assertEquals([...blocks.keys()].sort(), deepmind);
  const count = (part: string) =>
    new Set([...blocks].filter(([k]) => k.includes(part)).map(([, n]) => n));
  assertEquals([...count("/evoformer_iteration/")], [48]);
  assertEquals([...count("/extra_msa_stack/")], [4]);
  assertEquals([...count("/template_pair_stack/")], [2]);
  assertEquals([...count("/structure_module/")], [0]);
});

Deno.test("AF2 widths with other block counts: a DeepMind-shaped file imports, every value lands once, heads stay head-major", () => {
  const cfg = modelConfig("af2", {
    evoformer: { no_blocks: 2 },
    extra_msa: { no_blocks: 3 },
    template: { pair_stack: { no_blocks: 1 } },
  });
  const specs = modelParamSpecs(cfg);
  // Every value is its global position (exact in float32 below 2^24).
  let next = 0;
  const arrays = deepmindArrays(cfg, () => next++);
  assert(next < 2 ** 24, `${next} values`);
  const params = convertAf2Params(arrays, specs, "synthetic");
  // A permutation: every value of the file appears exactly once.
  const seen = new Uint8Array(next);
  for (const v of params.values()) for (const x of v) seen[x]++;
  assert(seen.every((c) => c === 1), "some AF2 value was dropped or duplicated");
  // Head-major features of an extra-MSA global attention query (8 heads of 8) in block 2.
  const key = `${P}evoformer/extra_msa_stack/msa_column_global_attention/attention//query_w`;
  const a = arrays.get(key)!;
  const [, cin, H, C] = a.shape;
  const ours = params.get("extra_msa_stack.blocks.2.msa_att_col.global_attention.linear_q.weight")!;
  for (const [i, h, c] of [[0, 0, 1], [5, 7, 3], [cin - 1, H - 1, C - 1]]) {
    assertEquals(ours[(h * C + c) * cin + i], a.data[((2 * cin + i) * H + h) * C + c] as number);
  }
  console.log(`${specs.length} tensors, ${next} values imported`);
});

Deno.test("the 15b runner's fallback reads the raw *_af2format.npz its metadata names", async () => {
  const c = await loadCase(`${SHARED_PARITY}/15b_alphafold_tiny_af2params.npz`);
  const inner = await fixtureAf2Params(c);
  const stripped = {
    ...c,
    arrays: new Map([...c.arrays].filter(([k]) => !k.startsWith("af2param/"))),
  };
  assertEquals((await fixtureAf2Arrays(stripped)).size, 336);
  const viaRaw = await fixtureAf2Params(stripped);
  assertEquals([...viaRaw.keys()].sort(), [...inner.keys()].sort());
  for (const [k, v] of inner) assert(sameBits(viaRaw.get(k)!, v), k);
});
