/**
 * The parameter store: safetensors by OpenFold state-dict name, validated
 * against the model's specs. The written file is read back by an independent
 * reader (python3 + numpy, parsing the safetensors header itself) and compared
 * with OpenFold's own parameters of fixture 15a.
 */
import { SHARED_PARITY } from "../shared_data.ts";
import { pythonWith } from "../io/python_ref.ts";
import { loadCase } from "../../analysis/parity/harness.ts";
import { fromOpenFoldModelConfig } from "../../model/af2/openfold_config.ts";
import { modelConfig } from "../../model/af2/config.ts";
import { initParams } from "../../model/nn/init.ts";
import { readSafetensors, writeSafetensors } from "../../model/io/safetensors.ts";
import type { NdArray } from "../../model/io/ndarray.ts";
import {
  checkParamValues,
  loadParams,
  modelParamSpecs,
  ParamStoreError,
  saveParams,
} from "../../model/params.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "../assert.ts";

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return ua.every((v, i) => v === ub[i]);
}

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "denofold_params_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const tinySpecs = () => modelParamSpecs(modelConfig("tiny"));

/** The tensors of a params file as an independent reader sees them: name → [shape, values]. */
const PY_READER = `
import json, struct, sys
import numpy as np
raw = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
head = json.loads(raw[8:8 + n])
head.pop("__metadata__", None)
out = {}
for name, t in head.items():
    a, b = t["data_offsets"]
    assert t["dtype"] == "F32", t
    v = np.frombuffer(raw[8 + n + a: 8 + n + b], dtype="<f4").reshape(t["shape"])
    out[name] = [list(v.shape), float(v.sum(dtype=np.float64)), v.reshape(-1)[:3].tolist()]
print(json.dumps(out))
`;

Deno.test("15a's OpenFold parameters survive save → python reader → load, bit for bit", async () => {
  const c = await loadCase(`${SHARED_PARITY}/15a_alphafold_tiny.npz`);
  const cfg = fromOpenFoldModelConfig((c.meta.ctor as { config: { model: unknown } }).config.model);
  const specs = modelParamSpecs(cfg);
  const ref = new Map<string, NdArray>();
  for (const [k, a] of c.arrays) if (k.startsWith("param/")) ref.set(k.slice(6), a);
  const params = new Map([...ref].map(([k, a]) => [k, a.data as Float32Array]));
  const exe = pythonWith(["numpy"]);
  if (!exe) return;
  await withDir(async (dir) => {
    const path = `${dir}/tiny.safetensors`;
    await saveParams(path, params, specs, { source: "15a" });
    const py = new Deno.Command(exe, { args: ["-c", PY_READER, path] }).outputSync();
    assert(py.success, new TextDecoder().decode(py.stderr));
    const seen = JSON.parse(new TextDecoder().decode(py.stdout)) as Record<
      string,
      [number[], number, number[]]
    >;
    assertEquals(Object.keys(seen).sort(), [...ref.keys()].sort());
    for (const [name, a] of ref) {
      const [shape, sum, first] = seen[name];
      assertEquals(shape, a.shape, name);
      const d = a.data as Float32Array;
      assertEquals(first, Array.from(d.slice(0, 3)), name);
      const want = d.reduce((s, v) => s + v, 0);
      assert(Math.abs(sum - want) <= 1e-9 * (1 + Math.abs(want)), `${name}: ${sum} vs ${want}`);
    }
    const back = await loadParams(path, specs);
    assertEquals([...back.keys()], specs.map((p) => p.name));
    for (const [name, a] of ref) assert(sameBits(back.get(name)!, a.data as Float32Array), name);
    assertEquals((await readSafetensors(path)).metadata, { source: "15a" });
  });
});

Deno.test("a file with missing, unexpected and mis-shaped tensors is refused with one error naming them", async () => {
  const specs = tinySpecs();
  const params = initParams(specs, 7);
  const tensors = new Map<string, NdArray>();
  for (const p of specs) {
    tensors.set(p.name, { dtype: "float32", shape: p.shape, data: params.get(p.name)! });
  }
  const gone = "aux_heads.plddt.linear_3.bias";
  const flipped = "evoformer.blocks.1.msa_transition.linear_1.weight";
  const extra = "evoformer.blocks.2.msa_transition.linear_1.weight";
  tensors.delete(gone);
  const f = tensors.get(flipped)!;
  tensors.set(flipped, { ...f, shape: [f.shape[1], f.shape[0]] } as NdArray);
  tensors.set(extra, f);
  await withDir(async (dir) => {
    const path = `${dir}/bad.safetensors`;
    await writeSafetensors(path, tensors);
    const e = await assertRejects(() => loadParams(path, specs), ParamStoreError);
    assertEquals(e.missing, [gone]);
    assertEquals(e.unexpected, [extra]);
    assertEquals(e.misshaped.map((m) => m.name), [flipped]);
    const [o, i] = f.shape;
    for (const s of [path, gone, extra, `${flipped} is [${i}, ${o}], model wants [${o}, ${i}]`]) {
      assert(e.message.includes(s), `message lacks "${s}":\n${e.message}`);
    }
    // The extra tensor alone is accepted when asked for; the other two problems remain.
    const e2 = await assertRejects(
      () => loadParams(path, specs, { allowUnexpected: true }),
      ParamStoreError,
    );
    assertEquals([e2.missing.length, e2.unexpected.length, e2.misshaped.length], [1, 0, 1]);
  });
});

Deno.test("a training checkpoint's param/ tensors load by prefix; float64 is rounded, int32 refused", async () => {
  const specs = tinySpecs();
  const params = initParams(specs, 3);
  await withDir(async (dir) => {
    const ckpt = new Map<string, NdArray>();
    for (const p of specs) {
      const v = params.get(p.name)!;
      ckpt.set(`param/${p.name}`, { dtype: "float64", shape: p.shape, data: Float64Array.from(v) });
      ckpt.set(`adam_m/${p.name}`, {
        dtype: "float32",
        shape: p.shape,
        data: new Float32Array(v.length),
      });
    }
    await writeSafetensors(`${dir}/ckpt.safetensors`, ckpt);
    const back = await loadParams(`${dir}/ckpt.safetensors`, specs, { prefix: "param/" });
    for (const p of specs) assert(sameBits(back.get(p.name)!, params.get(p.name)!), p.name);
    // Without the prefix every tensor is foreign and every parameter missing.
    const e = await assertRejects(
      () => loadParams(`${dir}/ckpt.safetensors`, specs),
      ParamStoreError,
    );
    assertEquals([e.missing.length, e.unexpected.length], [specs.length, 2 * specs.length]);

    const name = specs[0].name;
    const ints = new Map<string, NdArray>([...ckpt].filter(([k]) => k.startsWith("param/")));
    ints.set(`param/${name}`, {
      dtype: "int32",
      shape: specs[0].shape,
      data: new Int32Array(params.get(name)!.length),
    });
    await writeSafetensors(`${dir}/ints.safetensors`, ints);
    const e2 = await assertRejects(
      () => loadParams(`${dir}/ints.safetensors`, specs, { prefix: "param/" }),
      ParamStoreError,
    );
    assertEquals(e2.misshaped.map((m) => m.name), [name]);
    assert(e2.message.includes("int32"), e2.message);
  });
});

Deno.test("saveParams checks values against the specs and writes nothing on error", async () => {
  const specs = tinySpecs();
  const params = initParams(specs, 5);
  const short = specs[3].name;
  params.set(short, params.get(short)!.subarray(1));
  params.set("not.a.parameter", new Float32Array(1));
  assertThrows(() => checkParamValues(params, specs), ParamStoreError, short);
  await withDir(async (dir) => {
    const e = await assertRejects(
      () => saveParams(`${dir}/p.safetensors`, params, specs),
      ParamStoreError,
    );
    assertEquals(e.unexpected, ["not.a.parameter"]);
    assertEquals(e.misshaped.map((m) => m.name), [short]);
    const files = [...Deno.readDirSync(dir)];
    assertEquals(files.length, 0);
  });
});
