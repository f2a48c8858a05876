import {
  encodeSafetensors,
  parseSafetensors,
  readSafetensors,
  writeSafetensors,
} from "../../model/io/safetensors.ts";
import type { NdArray } from "../../model/io/ndarray.ts";
import { InputError, ParseError } from "../../model/util/errors.ts";
import { assert, assertEquals, assertThrows } from "../assert.ts";
import { pythonWith, runPython } from "./python_ref.ts";

const TENSORS: Record<string, NdArray> = {
  "evoformer.blocks.0.msa_att_row.linear_q.weight": {
    dtype: "float32",
    shape: [3, 2],
    data: new Float32Array([0.5, -1.25, 3e-20, 1e20, -0, 7]),
  },
  "step": { dtype: "int64", shape: [], data: new BigInt64Array([123456789012345n]) },
  "f64": { dtype: "float64", shape: [2], data: new Float64Array([Math.E, -1e-300]) },
  "ids": { dtype: "int32", shape: [1, 3], data: new Int32Array([-7, 0, 2 ** 31 - 1]) },
  "bytes": { dtype: "uint8", shape: [5], data: new Uint8Array([0, 1, 2, 254, 255]) },
  "mask": { dtype: "bool", shape: [2], data: new Uint8Array([1, 0]) },
  "empty": { dtype: "float32", shape: [0, 4], data: new Float32Array(0) },
};
const META = { config: '{"c_m": 16}', step: "12" };

function header(b: Uint8Array): { n: number; json: Record<string, { data_offsets: number[] }> } {
  const n = Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true));
  return { n, json: JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + n))) };
}

async function python(script: string, args: string[]): Promise<string | undefined> {
  const exe = pythonWith(["numpy"]);
  return exe ? await runPython(exe, script, args) : undefined;
}

Deno.test("safetensors round trip keeps every dtype, shape, value and the metadata", () => {
  const bytes = encodeSafetensors(TENSORS, META);
  const { n, json } = header(bytes);
  assertEquals(n % 8, 0, "header padded to 8 bytes");
  for (const [name, a] of Object.entries(TENSORS)) {
    const elt = (a.data as Uint8Array).BYTES_PER_ELEMENT;
    assertEquals(json[name].data_offsets[0] % elt, 0, `${name} aligned`);
  }
  const back = parseSafetensors(bytes);
  assertEquals(back.metadata, META);
  assertEquals([...back.tensors.keys()].sort(), Object.keys(TENSORS).sort());
  for (const [name, a] of Object.entries(TENSORS)) assertEquals(back.tensors.get(name), a, name);
});

const PY_CHECK = `
import sys, json, struct, numpy as np
raw = open(sys.argv[1], 'rb').read()
n, = struct.unpack('<Q', raw[:8])
h = json.loads(raw[8:8+n])
dt = {'F32': '<f4', 'F64': '<f8', 'I32': '<i4', 'I64': '<i8', 'U8': 'u1', 'BOOL': '?'}
out = {}
for k, v in h.items():
    if k == '__metadata__':
        out[k] = v
        continue
    b, e = v['data_offsets']
    a = np.frombuffer(raw[8+n+b:8+n+e], dtype=dt[v['dtype']]).reshape(v['shape'])
    out[k] = [v['dtype'], list(a.shape), [repr(x) for x in a.ravel().tolist()]]
print(json.dumps(out))
# A file written the way the reference library would (its own ordering, no alignment padding).
w = np.arange(6, dtype=np.float32).reshape(2, 3) / 7
i = np.array([5, -6], dtype=np.int64)
body = w.tobytes() + i.tobytes()
hdr = json.dumps({'w': {'dtype': 'F32', 'shape': [2, 3], 'data_offsets': [0, 24]},
                  'i': {'dtype': 'I64', 'shape': [2], 'data_offsets': [24, 40]},
                  '__metadata__': {'format': 'pt'}}).encode()
open(sys.argv[2], 'wb').write(struct.pack('<Q', len(hdr)) + hdr + body)
`;

Deno.test("safetensors written here is read identically by an independent python reader", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeSafetensors(`${dir}/a.safetensors`, TENSORS, META);
    const out = await python(PY_CHECK, [`${dir}/a.safetensors`, `${dir}/b.safetensors`]);
    if (out === undefined) return;
    const ref = JSON.parse(out);
    assertEquals(ref.__metadata__, META);
    const pyRepr = (a: NdArray) =>
      Array.from(
        a.data as ArrayLike<number | bigint>,
        (x) => a.dtype === "bool" ? (x ? "True" : "False") : String(x),
      );
    for (const [name, a] of Object.entries(TENSORS)) {
      assertEquals(ref[name][1], a.shape, name);
      if (a.dtype === "float32" || a.dtype === "float64") {
        // Compare numerically: python prints floats in shortest-repr of float64.
        const vals = (ref[name][2] as string[]).map(Number);
        assertEquals(vals.length, a.data.length);
        vals.forEach((v, k) =>
          assert(Object.is(v, Number((a.data as Float32Array)[k])), `${name}[${k}]`)
        );
      } else assertEquals(ref[name][2], pyRepr(a), name);
    }
    const b = await readSafetensors(`${dir}/b.safetensors`);
    assertEquals(b.metadata, { format: "pt" });
    const w = b.tensors.get("w")!;
    assertEquals(w.shape, [2, 3]);
    assertEquals(
      Array.from(w.data as Float32Array),
      [0, 1, 2, 3, 4, 5].map((v) => Math.fround(v / 7)),
    );
    assertEquals(b.tensors.get("i")?.data, new BigInt64Array([5n, -6n]));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A safetensors image with a hand-written header and `dataLen` data bytes. */
function withHeader(head: unknown, dataLen: number, rawHeader?: string): Uint8Array {
  const text = new TextEncoder().encode(rawHeader ?? JSON.stringify(head));
  const b = new Uint8Array(8 + text.length + dataLen);
  new DataView(b.buffer).setBigUint64(0, BigInt(text.length), true);
  b.set(text, 8);
  return b;
}

Deno.test("hostile safetensors headers and ranges give ParseError with the problem", () => {
  const t = (dtype: string, shape: number[], off: [number, number]) => ({
    dtype,
    shape,
    data_offsets: off,
  });
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setBigUint64(0, 2n ** 63n, true);
  const past = new Uint8Array(16);
  new DataView(past.buffer).setBigUint64(0, 100n, true);
  const cases: [Uint8Array, string][] = [
    [new Uint8Array(5), "too short"],
    [huge, "exceeds"],
    [past, "runs past"],
    [withHeader(null, 0, "[1, 2]"), "starting with '{'"],
    [withHeader(null, 0, "{not json}"), "not valid"],
    [withHeader(null, 0, '{"a": 1}'), "tensor 'a'"],
    [withHeader({ a: t("F16", [2], [0, 4]) }, 4), "dtype"],
    [withHeader({ a: t("F32", [-2], [0, 8]) }, 8), "shape"],
    [withHeader({ a: t("F32", [2.5], [0, 10]) }, 10), "shape"],
    [withHeader({ a: { ...t("F32", [2], [0, 8]), extra: 1 } }, 8), "extra"],
    [withHeader({ a: t("F32", [2], [8, 0]) }, 8), "reversed"],
    [withHeader({ a: t("F32", [2], [0, 8]) }, 4), "run past"],
    [withHeader({ a: t("F32", [3], [0, 8]) }, 8), "needs 12"],
    [withHeader({ a: t("F32", [2], [0, 8]), b: t("U8", [4], [4, 8]) }, 8), "overlaps"],
    [withHeader({ a: t("F32", [2], [4, 12]) }, 12), "hole"],
    [withHeader({ a: t("F32", [2], [0, 8]) }, 9), "trailing"],
    [withHeader({ __metadata__: { a: 1 }, x: t("U8", [1], [0, 1]) }, 1), "__metadata__"],
  ];
  cases.forEach(([b, msg], k) => {
    try {
      assertThrows(() => parseSafetensors(b, "bad.safetensors"), ParseError, msg);
    } catch (e) {
      throw new Error(`case ${k}: ${e}`);
    }
  });
});

Deno.test("fuzz: 3000 truncated or mutated safetensors files only ever throw ParseError", () => {
  const good = encodeSafetensors(TENSORS, META);
  let seed = 7;
  const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  let rejected = 0;
  for (let t = 0; t < 3000; t++) {
    let b: Uint8Array;
    if (t < good.length) b = good.subarray(0, t);
    else {
      b = good.slice();
      const n = 1 + Math.floor(rand() * 3);
      // Mutate mostly the header, where the structure is.
      for (let k = 0; k < n; k++) {
        b[Math.floor(rand() * Math.min(b.length, 400))] = Math.floor(rand() * 256);
      }
    }
    try {
      parseSafetensors(b, "fuzz");
    } catch (err) {
      if (!(err instanceof ParseError)) throw new Error(`case ${t}: ${err}`);
      rejected++;
    }
  }
  assert(rejected > 500, `only ${rejected} rejected`);
});

Deno.test("safetensors writer refuses what it cannot store", () => {
  assertThrows(
    () => encodeSafetensors({ s: { dtype: "unicode", shape: [], data: "x" } }),
    InputError,
  );
  assertThrows(
    () => encodeSafetensors({ a: { dtype: "float32", shape: [3], data: new Float32Array(2) } }),
    InputError,
  );
  assertThrows(
    () =>
      encodeSafetensors({ __metadata__: { dtype: "uint8", shape: [0], data: new Uint8Array() } }),
    InputError,
  );
});
