/**
 * Evoformer block beyond the fixtures: chunked == unchunked at AF2 widths,
 * dropout masks at the places and shapes of Algorithm 6, and the training graph
 * with all-keep masks equal to the inference graph.
 */
import * as G from "../../model/graph/mod.ts";
import { ModelBuilder } from "../../model/nn/scope.ts";
import { initParams } from "../../model/nn/init.ts";
import { AF2_MODEL_1 } from "../../model/af2/config.ts";
import { evoformerBlock } from "../../model/af2/evoformer.ts";
import { extraMsaBlock } from "../../model/af2/extra_msa.ts";
import { rng } from "../graph/fd.ts";
import { assert, assertEquals } from "../assert.ts";

const N_SEQ = 12, N_RES = 20;
const CFG = AF2_MODEL_1.evoformer;
const C_M = AF2_MODEL_1.c_m, C_Z = AF2_MODEL_1.c_z;

interface Built {
  b: ModelBuilder;
  out: { m: G.Tensor; z: G.Tensor };
}

function build(options: { chunkBudget?: number; training?: boolean }, extra = false): Built {
  const b = new ModelBuilder(options);
  const cm = extra ? AF2_MODEL_1.c_e : C_M;
  const m = b.g.input("m", [N_SEQ, N_RES, cm]);
  const z = b.g.input("z", [N_RES, N_RES, C_Z]);
  const msaMask = b.g.input("msa_mask", [N_SEQ, N_RES]);
  const pairMask = b.g.input("pair_mask", [N_RES, N_RES]);
  const blk = extra ? extraMsaBlock : evoformerBlock;
  const cfg = extra ? AF2_MODEL_1.extra_msa : CFG;
  return { b, out: blk(b.scope("blk"), { m, z }, msaMask, pairMask, cfg) };
}

/** Random inputs, masks with ~15 % zeros (no empty rows), and parameters with every path live. */
function feeds(b: ModelBuilder, cm: number): Record<string, Float32Array> {
  const r = rng(7);
  const rand = (n: number, scale = 1) =>
    Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
  const mask = (rows: number, cols: number) =>
    Float32Array.from({ length: rows * cols }, (_, i) => (i % cols === 0 || r() > 0.15 ? 1 : 0));
  const params = initParams(b.params, 5);
  // Zero-initialised 'final'/'gating' weights would hide whole branches from the comparison.
  for (const v of params.values()) if (v.every((e) => e === 0)) v.set(rand(v.length, 0.1));
  return {
    m: rand(N_SEQ * N_RES * cm),
    z: rand(N_RES * N_RES * C_Z),
    msa_mask: mask(N_SEQ, N_RES),
    pair_mask: mask(N_RES, N_RES),
    ...Object.fromEntries(params),
  };
}

async function run(x: Built, f: Record<string, Float32Array>) {
  const r = await (await G.compile({ m_out: x.out.m, z_out: x.out.z })).run(f);
  return { m: r.m_out.data as Float32Array, z: r.z_out.data as Float32Array };
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let err = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(a[i]));
  }
  return err / scale;
}

const count = (b: ModelBuilder, op: string) => b.g.tensors.filter((t) => t.op === op).length;

for (const extra of [false, true]) {
  const name = extra ? "extra-MSA block" : "Evoformer block";
  Deno.test(`${name} at AF2 widths: chunked by a budget equals unchunked`, async () => {
    const plain = build({}, extra), chunked = build({ chunkBudget: 1 << 14 }, extra);
    // The chunked graph really is Slice … Concat: one Concat per chunked op at least.
    assert(
      count(chunked.b, "Concat") >= count(plain.b, "Concat") + 6,
      "chunked graph has no chunks",
    );
    const f = feeds(plain.b, extra ? AF2_MODEL_1.c_e : C_M);
    const [a, c] = [await run(plain, f), await run(chunked, f)];
    const em = maxRelDiff(a.m, c.m), ez = maxRelDiff(a.z, c.z);
    console.log(
      `${name} chunked vs unchunked: rel max diff m ${em.toExponential(2)}, z ${
        ez.toExponential(2)
      }`,
    );
    assert(em < 1e-5 && ez < 1e-5, `m ${em}, z ${ez}`);
  });
}

Deno.test("Evoformer block training graph: dropout masks where and how Algorithm 6 puts them", () => {
  const { b } = build({ training: true });
  const got = b.dropouts.map((d) => [d.name.replace(/\.\d+$/, ""), d.shape.join("x"), d.rate]);
  const row = `1x${N_RES}x${C_Z}`, col = `${N_RES}x1x${C_Z}`;
  assertEquals(got, [
    // MSA row attention: row-wise (shared across sequences) 0.15; column attention has none.
    ["blk.dropout", `1x${N_RES}x${C_M}`, 0.15],
    // Triangle multiplications and starting-node attention row-wise, ending node column-wise.
    ["blk.pair_stack.dropout", row, 0.25],
    ["blk.pair_stack.dropout", row, 0.25],
    ["blk.pair_stack.dropout", row, 0.25],
    ["blk.pair_stack.dropout", col, 0.25],
  ]);
});

Deno.test("Evoformer block training graph with keep-all masks equals the inference graph", async () => {
  const inf = build({}), train = build({ training: true });
  const f = feeds(inf.b, C_M);
  const ones = Object.fromEntries(
    train.b.dropouts.map((
      d,
    ) => [d.name, new Float32Array(d.shape.reduce((p, q) => p * q, 1)).fill(1)]),
  );
  const [a, t] = [await run(inf, f), await run(train, { ...f, ...ones })];
  assert(maxRelDiff(a.m, t.m) === 0 && maxRelDiff(a.z, t.z) === 0, "training graph differs");
  // A dropped row-wise mask entry zeroes that (residue, channel) update of EVERY sequence.
  const msaDrop = train.b.dropouts[0];
  const mask = new Float32Array(N_RES * C_M).fill(1 / 0.85);
  mask[3 * C_M + 5] = 0;
  const t2 = await run(train, { ...f, ...ones, [msaDrop.name]: mask });
  assert(maxRelDiff(a.m, t2.m) > 1e-3, "the MSA dropout mask has no effect");
});
