import {
  crc32,
  encodeNpy,
  encodeNpz,
  fp32Noise,
  parityMeta,
  parseNpy,
  parseNpz,
  readNpz,
} from "../../model/io/npz.ts";
import type { NdArray } from "../../model/io/ndarray.ts";
import { asFloat32, asInt32 } from "../../model/io/ndarray.ts";
import { ParseError } from "../../model/util/errors.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "../assert.ts";
import { SHARED_PARITY } from "../shared_data.ts";
import { pythonWith, runPython } from "./python_ref.ts";

/** Run a numpy script, or return undefined (with a printed reason) when there is no numpy. */
async function python(script: string, args: string[] = []): Promise<string | undefined> {
  const exe = pythonWith(["numpy"]);
  return exe ? await runPython(exe, script, args) : undefined;
}

function dataBytes(a: NdArray): Uint8Array {
  if (a.dtype === "unicode") throw new Error("unicode");
  return new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
}

const NUMPY_DIGEST = `
import sys, json, zlib, numpy as np
out = {}
for f in sys.argv[1:]:
    z = np.load(f)
    d = {}
    for k in z.files:
        a = z[k]
        if a.dtype.kind == 'U':
            d[k] = ['U', list(a.shape), a.tolist()]
        else:
            d[k] = [a.dtype.str, list(a.shape), zlib.crc32(np.ascontiguousarray(a).tobytes())]
    out[f] = d
print(json.dumps(out))
`;

const DTYPE_STR: Record<string, string> = {
  float32: "<f4",
  float64: "<f8",
  int32: "<i4",
  int64: "<i8",
  uint8: "|u1",
  bool: "|b1",
};

function assertMatchesNumpy(
  file: string,
  ours: Map<string, NdArray>,
  ref: Record<string, unknown[]>,
) {
  assertEquals([...ours.keys()].sort(), Object.keys(ref).sort(), `${file} keys`);
  for (const [k, a] of ours) {
    const [dt, shape, digest] = ref[k];
    assertEquals(a.shape, shape, `${file} ${k} shape`);
    if (a.dtype === "unicode") {
      assertEquals(dt, "U", `${file} ${k}`);
      assertEquals(a.data, digest as string | string[], `${file} ${k} text`);
    } else {
      assertEquals(DTYPE_STR[a.dtype], dt, `${file} ${k} dtype`);
      assertEquals(crc32(dataBytes(a)), digest, `${file} ${k} bytes (C order)`);
    }
  }
}

Deno.test("every parity fixture reads exactly as numpy reads it", async () => {
  const files = [...Deno.readDirSync(SHARED_PARITY)].filter((f) => f.name.endsWith(".npz"))
    .map((f) => `${SHARED_PARITY}/${f.name}`).sort();
  assert(files.length >= 50, `expected the parity fixtures, found ${files.length}`);
  const json = await python(NUMPY_DIGEST, files);
  if (json === undefined) return;
  const ref = JSON.parse(json) as Record<string, Record<string, unknown[]>>;
  let arrays = 0, fortran = 0;
  for (const f of files) {
    const ours = await readNpz(f);
    assertMatchesNumpy(f, ours, ref[f]);
    arrays += ours.size;
    if (f.includes("af2format")) fortran++;
  }
  console.log(
    `${files.length} fixtures, ${arrays} arrays identical to numpy (incl. Fortran-order)`,
  );
  assert(fortran === 1);
});

Deno.test("parity meta JSON is parsed and validated", async () => {
  const npz = await readNpz(`${SHARED_PARITY}/14a_gt_feature_transforms.npz`);
  const meta = parityMeta(npz);
  assertEquals(meta.case, "14a_gt_feature_transforms");
  // The unicode `meta` scalar holds the same JSON as the meta_utf8 bytes.
  const u = npz.get("meta");
  assert(u?.dtype === "unicode" && typeof u.data === "string");
  assertEquals(JSON.parse(u.data), JSON.parse(JSON.stringify(meta)));
  assertEquals(fp32Noise(meta, "atom14_gt_positions")?.[0], 0);
  const loss = parityMeta(await readNpz(`${SHARED_PARITY}/14z_alphafold_loss_tiny_model.npz`));
  const fape = fp32Noise(loss, "breakdown/fape");
  assert(fape !== undefined && fape[1] > 0.5 && fape[1] < 1, `nested noise entry ${fape}`);
});

Deno.test("npz written here reads back in numpy; numpy's compressed npz reads here", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const big = new Float32Array(70000).map((_, i) => Math.sin(i) * 1e3);
    const arrays: Record<string, NdArray> = {
      "a/f32": {
        dtype: "float32",
        shape: [2, 3],
        data: new Float32Array([1, -2, 3.5, 4, 5, 1e-30]),
      },
      f64: { dtype: "float64", shape: [3], data: new Float64Array([Math.PI, -0, 1e300]) },
      i32: {
        dtype: "int32",
        shape: [2, 2],
        data: new Int32Array([-1, 2, 2147483647, -2147483648]),
      },
      i64: { dtype: "int64", shape: [2], data: new BigInt64Array([-5n, 9007199254740993n]) },
      u8: { dtype: "uint8", shape: [4], data: new Uint8Array([0, 1, 254, 255]) },
      b: { dtype: "bool", shape: [3], data: new Uint8Array([1, 0, 1]) },
      empty: { dtype: "float32", shape: [0, 5], data: new Float32Array(0) },
      scalar: { dtype: "float64", shape: [], data: new Float64Array([2.5]) },
      text: { dtype: "unicode", shape: [], data: '{"é": "\u{1F600}"}' },
      texts: { dtype: "unicode", shape: [2], data: ["ab", "c"] },
      big: { dtype: "float32", shape: [350, 200], data: big },
    };
    await Deno.writeFile(`${dir}/ours.npz`, encodeNpz(arrays));
    const check = await python(
      `
import sys, numpy as np
z = np.load(sys.argv[1])
assert z['a/f32'].dtype == np.float32 and z['a/f32'][0].tolist() == [1, -2, 3.5]
assert z['a/f32'].shape == (2, 3) and abs(z['a/f32'][1, 2] - 1e-30) < 1e-36
assert z['f64'][0] == np.pi and z['f64'][2] == 1e300
assert z['i32'].tolist() == [[-1, 2], [2147483647, -2147483648]]
assert z['i64'].tolist() == [-5, 9007199254740993]
assert z['u8'].tolist() == [0, 1, 254, 255] and z['b'].dtype == bool and z['b'].tolist() == [True, False, True]
assert z['empty'].shape == (0, 5) and z['scalar'].shape == () and z['scalar'] == 2.5
assert str(z['text']) == '{"\\u00e9": "\\U0001F600"}', repr(z['text'])
assert z['texts'].tolist() == ['ab', 'c']
assert z['big'].shape == (350, 200) and abs(float(z['big'][1, 0]) - np.sin(200) * 1e3) < 1e-3
rng = np.random.default_rng(0)
np.savez_compressed(sys.argv[2], w=rng.standard_normal((300, 257)).astype(np.float32),
    f=np.asfortranarray(np.arange(24, dtype=np.int64).reshape(2, 3, 4)),
    m=np.array('meta text'), u=np.zeros(5, np.uint8))
print('ok')
`,
      [`${dir}/ours.npz`, `${dir}/theirs.npz`],
    );
    const back = await readNpz(`${dir}/ours.npz`);
    assertEquals(back.get("i64"), arrays.i64);
    assertEquals(back.get("text"), arrays.text);
    assertEquals(back.get("big"), arrays.big);
    if (check === undefined) return;
    assertEquals(check.trim(), "ok");
    const theirs = await readNpz(`${dir}/theirs.npz`);
    const ref = JSON.parse((await python(NUMPY_DIGEST, [`${dir}/theirs.npz`]))!);
    assertMatchesNumpy("theirs.npz", theirs, ref[`${dir}/theirs.npz`]);
    const f = theirs.get("f")!;
    assertEquals(Array.from(asInt32(f)), Array.from({ length: 24 }, (_, i) => i));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ---------------------------------------------------------------- hostile inputs

/** A zip of one deflated entry, with its declared sizes overridable. */
async function deflateZip(
  name: string,
  body: Uint8Array,
  declaredSize?: number,
): Promise<Uint8Array> {
  const comp = new Uint8Array(
    await new Response(
      new Blob([body as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
        new CompressionStream("deflate-raw"),
      ),
    ).arrayBuffer(),
  );
  const nm = new TextEncoder().encode(name);
  const size = declaredSize ?? body.length;
  const lh = new Uint8Array(30 + nm.length);
  const l = new DataView(lh.buffer);
  l.setUint32(0, 0x04034b50, true);
  l.setUint16(8, 8, true);
  l.setUint32(14, crc32(body), true);
  l.setUint32(18, comp.length, true);
  l.setUint32(22, size, true);
  l.setUint16(26, nm.length, true);
  lh.set(nm, 30);
  const ch = new Uint8Array(46 + nm.length);
  const c = new DataView(ch.buffer);
  c.setUint32(0, 0x02014b50, true);
  c.setUint16(10, 8, true);
  c.setUint32(16, crc32(body), true);
  c.setUint32(20, comp.length, true);
  c.setUint32(24, size, true);
  c.setUint16(28, nm.length, true);
  ch.set(nm, 46);
  const eocd = new Uint8Array(22);
  const e = new DataView(eocd.buffer);
  e.setUint32(0, 0x06054b50, true);
  e.setUint16(8, 1, true);
  e.setUint16(10, 1, true);
  e.setUint32(12, ch.length, true);
  e.setUint32(16, lh.length + comp.length, true);
  const out = new Uint8Array(lh.length + comp.length + ch.length + 22);
  out.set(lh);
  out.set(comp, lh.length);
  out.set(ch, lh.length + comp.length);
  out.set(eocd, lh.length + comp.length + ch.length);
  return out;
}

const SMALL: Record<string, NdArray> = {
  w: { dtype: "float32", shape: [3, 2], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
  i: { dtype: "int32", shape: [2], data: new Int32Array([7, 8]) },
};

Deno.test("deflate entries inflate; bombs and size lies are refused", async () => {
  const body = encodeNpy({ dtype: "float64", shape: [5000], data: new Float64Array(5000) });
  const ok = await parseNpz(await deflateZip("z.npy", body));
  assertEquals(ok.get("z")?.shape, [5000]);
  // 40 kB of zeros declared as 100 bytes: inflation must stop, not allocate.
  const lie = await deflateZip("z.npy", body, 100);
  await assertRejects(() => parseNpz(lie), ParseError, "past its declared");
  const short = await deflateZip("z.npy", body, body.length + 8);
  await assertRejects(() => parseNpz(short), ParseError, "declared");
  await assertRejects(
    async () => parseNpz(await deflateZip("z.npy", body), "bomb", { maxEntryBytes: 1000 }),
    ParseError,
    "cap",
  );
  // 1 GiB declared for a few hundred compressed bytes: refused before any allocation.
  const huge = await deflateZip("z.npy", body, 2 ** 30);
  await assertRejects(() => parseNpz(huge), ParseError, "cannot inflate");
  const corrupt = await deflateZip("z.npy", body);
  corrupt.fill(0xff, 40, 60);
  await assertRejects(() => parseNpz(corrupt), ParseError);
});

Deno.test("hostile npz: offsets, sizes, overlap, duplicates all give ParseError", async () => {
  const good = encodeNpz(SMALL);
  const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  const cdOff = dv(good).getUint32(good.length - 6, true);
  const mutate = (f: (b: Uint8Array) => void) => {
    const b = good.slice();
    f(b);
    return b;
  };
  const cases: [string, Uint8Array, string][] = [
    [
      "not a zip",
      new TextEncoder().encode("hello world, this is not a zip file"),
      "end-of-central",
    ],
    [
      "cd offset past end",
      mutate((b) => dv(b).setUint32(b.length - 6, b.length, true)),
      "central directory",
    ],
    [
      "local offset past data",
      mutate((b) => dv(b).setUint32(cdOff + 42, cdOff + 10, true)),
      "outside",
    ],
    ["local offset wrong", mutate((b) => dv(b).setUint32(cdOff + 42, 7, true)), "signature"],
    [
      "size larger than file",
      mutate((b) => {
        dv(b).setUint32(cdOff + 20, 1e6, true);
        dv(b).setUint32(cdOff + 24, 1e6, true);
      }),
      "run past",
    ],
    ["stored sizes differ", mutate((b) => dv(b).setUint32(cdOff + 24, 12, true)), "stored"],
    ["unknown method", mutate((b) => dv(b).setUint16(cdOff + 10, 12, true)), "method"],
    ["encrypted", mutate((b) => dv(b).setUint16(cdOff + 8, 1, true)), "encrypted"],
    ["entry count too big", mutate((b) => dv(b).setUint16(b.length - 12, 60000, true)), "entries"],
    ["data flipped (CRC)", mutate((b) => (b[170] ^= 0x40)), "CRC"],
  ];
  // Second entry pointing at the first one's data: overlapping entries.
  const second = cdOff + 46 + 5;
  cases.push(["overlap", mutate((b) => dv(b).setUint32(second + 42, 0, true)), ""]);
  for (const [what, bytes, msg] of cases) {
    await assertRejects(() => parseNpz(bytes, what), ParseError, msg);
  }
  // Duplicate names: rename 'i.npy' to 'w.npy' in both headers.
  const dup = good.slice();
  for (let p = 0; p + 5 <= dup.length; p++) {
    if (dup[p] === 0x69 && dup[p + 1] === 0x2e && dup[p + 2] === 0x6e) dup[p] = 0x77; // "i.n" -> "w.n"
  }
  await assertRejects(() => parseNpz(dup), ParseError, "duplicate");
});

Deno.test("hostile npy headers: oversized, truncated, bad dtype, shape/bytes mismatch", () => {
  const ok = encodeNpy(SMALL.w);
  assertEquals(asFloat32(parseNpy(ok)), SMALL.w.data as Float32Array);
  const withHeader = (dict: string, body = new Uint8Array(24), v = 1) => {
    const h = new TextEncoder().encode(dict + "\n");
    const pre = v === 1 ? 10 : 12;
    const b = new Uint8Array(pre + h.length + body.length);
    b.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, v, 0]);
    new DataView(b.buffer).setUint32(8, h.length, true);
    if (v === 1) new DataView(b.buffer).setUint16(8, h.length, true);
    b.set(h, pre);
    b.set(body, pre + h.length);
    return b;
  };
  const bad: [Uint8Array, string][] = [
    [ok.subarray(0, 7), "too short"],
    [ok.subarray(0, 40), "runs past"],
    [ok.subarray(0, ok.length - 1), "needs 24 bytes"],
    [withHeader("{'descr': '<c8', 'fortran_order': False, 'shape': (3,), }"), "not supported"],
    [withHeader("{'descr': '>f4', 'fortran_order': False, 'shape': (6,), }"), "big-endian"],
    [withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (7,), }"), "needs 28"],
    [withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (-6,), }"), "dimension"],
    [withHeader("{'descr': '<f4', 'shape': (6,), }"), "missing"],
    [
      withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'x': 1}"),
      "unexpected key",
    ],
    [withHeader("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (6,), }"), "True or False"],
    [
      withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999,), }"),
      "dimension",
    ],
    [withHeader("{'descr': '<U2', 'fortran_order': False, 'shape': (4,), }"), "needs 32"],
    [
      withHeader(
        "{'descr': '<U1', 'fortran_order': False, 'shape': (6,), }",
        new Uint8Array(24).fill(0xff),
      ),
      "code point",
    ],
    [
      withHeader(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }",
        new Uint8Array(24),
        7,
      ),
      "version",
    ],
  ];
  bad.forEach(([b, msg], k) => {
    try {
      assertThrows(() => parseNpy(b, "h.npy"), ParseError, msg);
    } catch (e) {
      throw new Error(`case ${k}: ${e}`);
    }
  });
  // A v2 header claiming 2 GiB is refused before anything is read.
  const huge = withHeader("{}", new Uint8Array(0), 2);
  new DataView(huge.buffer).setUint32(8, 0x7fffffff, true);
  const e = assertThrows(() => parseNpy(huge, "h.npy"), ParseError, "exceeds");
  assertEquals(e.offset, 8);
});

Deno.test("fuzz: 4500 truncated or byte-mutated npz files (stored and deflate) only throw ParseError", async () => {
  const good = encodeNpz(SMALL);
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  let rejected = 0;
  for (let t = 0; t < 3000; t++) {
    let b: Uint8Array;
    if (t < good.length) b = good.subarray(0, t);
    else {
      b = good.slice();
      const flips = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < flips; k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
    }
    try {
      await parseNpz(b, "fuzz");
    } catch (err) {
      if (!(err instanceof ParseError)) throw new Error(`case ${t}: ${err}`);
      rejected++;
    }
  }
  assert(rejected > 1000, `only ${rejected} rejected`);
  // Deflated entries: corrupt streams, lying sizes and CRCs are all ParseErrors too.
  const deflated = await deflateZip("w.npy", encodeNpy(SMALL.w));
  let deflateRejected = 0;
  for (let t = 0; t < 1500; t++) {
    const b = deflated.slice();
    const flips = 1 + Math.floor(rand() * 3);
    for (let k = 0; k < flips; k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
    try {
      await parseNpz(b, "fuzz-deflate");
    } catch (err) {
      if (!(err instanceof ParseError)) throw new Error(`deflate case ${t}: ${err}`);
      deflateRejected++;
    }
  }
  assert(deflateRejected > 500, `only ${deflateRejected} deflate cases rejected`);
});

Deno.test("zip64: 70,000 entries (zip64 end record, written by Python's zipfile) read back", async () => {
  const exe = pythonWith(["numpy"]);
  if (!exe) return;
  const dir = await Deno.makeTempDir();
  try {
    await runPython(
      exe,
      `
import sys, io, zipfile, numpy as np
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    def npy(i):
        b = io.BytesIO(); np.save(b, np.array([i, -i], dtype=np.int64)); return b.getvalue()
    same = npy(7)
    for i in range(69999):
        z.writestr(f'a{i}.npy', same)
    z.writestr('a69999.npy', npy(69999))
`,
      [`${dir}/z64.npz`],
    );
    const bytes = await Deno.readFile(`${dir}/z64.npz`);
    // The classic end record saturates its entry count: only the zip64 record has it.
    assertEquals(new DataView(bytes.buffer).getUint16(bytes.length - 12, true), 0xffff);
    const npz = await parseNpz(bytes, "z64.npz");
    assertEquals(npz.size, 70000);
    assertEquals(npz.get("a69999")?.data, new BigInt64Array([69999n, -69999n]));
    assertEquals(npz.get("a123")?.data, new BigInt64Array([7n, -7n]));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
