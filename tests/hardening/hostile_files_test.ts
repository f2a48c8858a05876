/**
 * Issue 9: hostile input files — truncated, oversized header (or size claim),
 * wrong offsets, wrong dtype — read through the same file readers the CLIs and
 * the trainer use: safetensors, npz/npy, checkpoint JSON sidecars, PDB, mmCIF
 * and alignments (A3M, Stockholm, FASTA, HHR, alignment_db). Each is rejected
 * with a ParseError naming the file and the problem; files whose headers claim
 * ~100 GB fail before anything is allocated (the resident set stays small).
 *
 * ONNX: denofold never loads an ONNX file back; graphs are built in memory and
 * handed to onnxruntime as bytes (model/graph/runtime.ts), so there is no ONNX
 * reader to harden.
 */
import { readSafetensors, writeSafetensors } from "../../model/io/safetensors.ts";
import { encodeNpy, encodeNpz, readNpy, readNpz } from "../../model/io/npz.ts";
import { loadCheckpoint, readSidecar, saveCheckpoint } from "../../model/checkpoint.ts";
import { readPdb } from "../../model/protein/pdb.ts";
import { readMmcif } from "../../model/protein/mmcif.ts";
import { readA3m } from "../../model/features/a3m.ts";
import { readStockholmMsa } from "../../model/features/stockholm.ts";
import { readFasta } from "../../model/features/fasta.ts";
import { readHhr } from "../../model/features/hhr.ts";
import { openAlignmentDb } from "../../model/features/alignment_dir.ts";
import { readText } from "../../model/io/text.ts";
import { ParseError } from "../../model/util/errors.ts";
import { assert, assertEquals } from "../assert.ts";
import { REPORT as REAL_HHR } from "../features/hhr_fixture.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const SAMPLE_PDB = `${ROOT}data/sample/fullatom/debian/t-coffee-examples/1EXT4.pdb.gz`;
const SAMPLE_CIF = `${ROOT}data/sample/fullatom/github/aqlaboratory_openfold/2q2k.cif.gz`;
const SAMPLE_MSA = `${ROOT}data/sample/msa/openfold/3u8v_A`;

/** A hostile file and what its rejection must say. */
interface Hostile {
  kind: "truncated" | "oversized header" | "wrong offsets" | "wrong dtype";
  what: string;
  file: string;
  read: (path: string) => Promise<unknown>;
  /** The ParseError's message must contain this. */
  want: string;
  /** Claims ~100 GB: the resident set must not grow by more than a few MB. */
  huge?: boolean;
}

const MB = 1 << 20;

function u64le(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, true);
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A safetensors image with an arbitrary JSON header and `dataBytes` zero bytes of data. */
function safetensorsWith(header: unknown, dataBytes: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  return concat(u64le(BigInt(json.length)), json, new Uint8Array(dataBytes));
}

/** An .npy with a hand-written v1 header dict and `body`. */
function npyWith(dict: string, body: Uint8Array): Uint8Array {
  const h = new TextEncoder().encode(dict + "\n");
  const pre = new Uint8Array(10);
  pre.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(pre.buffer).setUint16(8, h.length, true);
  return concat(pre, h, body);
}

async function build(dir: string): Promise<Hostile[]> {
  const put = async (name: string, bytes: Uint8Array | string) => {
    const path = `${dir}/${name}`;
    if (typeof bytes === "string") await Deno.writeTextFile(path, bytes);
    else await Deno.writeFile(path, bytes);
    return path;
  };
  const cases: Hostile[] = [];
  const add = (c: Hostile) => cases.push(c);

  // ---- safetensors (a real two-tensor file written by our writer, then damaged)
  const w = new Float32Array(1024).map((_, i) => Math.sin(i));
  await writeSafetensors(`${dir}/good.safetensors`, {
    w: { dtype: "float32", shape: [32, 32], data: w },
    i: { dtype: "int32", shape: [4], data: new Int32Array([1, 2, 3, 4]) },
  });
  const st = await Deno.readFile(`${dir}/good.safetensors`);
  const st32 = (h: unknown, n: number) => safetensorsWith(h, n);
  add({
    kind: "truncated",
    what: "safetensors cut in the data",
    file: await put("trunc.safetensors", st.subarray(0, st.length - 100)),
    read: readSafetensors,
    want: "run past the data",
  });
  add({
    kind: "oversized header",
    what: "safetensors header length 2^60",
    file: await put("hdr.safetensors", concat(u64le(2n ** 60n), st.subarray(8))),
    read: readSafetensors,
    want: "exceeds",
    huge: true,
  });
  add({
    kind: "oversized header",
    what: "safetensors tensor claiming 100 GB",
    file: await put(
      "100gb.safetensors",
      st32({ w: { dtype: "F32", shape: [25_000_000_000], data_offsets: [0, 100e9] } }, 64),
    ),
    read: readSafetensors,
    want: "run past the data",
    huge: true,
  });
  add({
    kind: "wrong offsets",
    what: "safetensors overlapping ranges",
    file: await put(
      "overlap.safetensors",
      st32({
        a: { dtype: "F32", shape: [4], data_offsets: [0, 16] },
        b: { dtype: "F32", shape: [4], data_offsets: [8, 24] },
      }, 24),
    ),
    read: readSafetensors,
    want: "overlaps",
  });
  add({
    kind: "wrong offsets",
    what: "safetensors range past the end",
    file: await put(
      "past.safetensors",
      st32({ a: { dtype: "F32", shape: [4], data_offsets: [16, 32] } }, 16),
    ),
    read: readSafetensors,
    want: "run past the data",
  });
  add({
    kind: "wrong dtype",
    what: "safetensors unknown dtype F16",
    file: await put(
      "f16.safetensors",
      st32({ a: { dtype: "F16", shape: [4], data_offsets: [0, 8] } }, 8),
    ),
    read: readSafetensors,
    want: "dtype",
  });
  add({
    kind: "wrong dtype",
    what: "safetensors dtype disagreeing with the byte range",
    file: await put(
      "f64.safetensors",
      st32({ a: { dtype: "F64", shape: [4], data_offsets: [0, 16] } }, 16),
    ),
    read: readSafetensors,
    want: "needs 32 bytes, range has 16",
  });

  // ---- npy / npz
  const f4 = new Float32Array([1, 2, 3, 4, 5, 6]);
  const npy = encodeNpy({ dtype: "float32", shape: [2, 3], data: f4 });
  const npz = encodeNpz({ w: { dtype: "float32", shape: [2, 3], data: f4 } });
  add({
    kind: "truncated",
    what: "npz without its end record",
    file: await put("trunc.npz", npz.subarray(0, npz.length - 30)),
    read: (p) => readNpz(p),
    want: "end-of-central-directory",
  });
  add({
    kind: "truncated",
    what: "npy cut in the data",
    file: await put("trunc.npy", npy.subarray(0, npy.length - 5)),
    read: readNpy,
    want: "needs 24 bytes",
  });
  add({
    kind: "oversized header",
    what: "npy shape claiming 100 GB",
    file: await put(
      "100gb.npy",
      npyWith(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (25000000000,), }",
        new Uint8Array(64),
      ),
    ),
    read: readNpy,
    want: "needs 100000000000 bytes",
    huge: true,
  });
  {
    // A zip entry whose sizes claim 100 GB (zip64 is not needed for the lie: 0xfffffffe each).
    const b = npz.slice();
    const dv = new DataView(b.buffer);
    const cd = dv.getUint32(b.length - 6, true);
    dv.setUint32(cd + 20, 0xfffffffe, true);
    dv.setUint32(cd + 24, 0xfffffffe, true);
    add({
      kind: "oversized header",
      what: "npz entry claiming 4 GB in a 300-byte file",
      file: await put("bigentry.npz", b),
      read: (p) => readNpz(p),
      want: "4294967294 bytes exceeds the 1073741824 cap",
      huge: true,
    });
    const c = npz.slice();
    new DataView(c.buffer).setUint32(cd + 42, c.length - 10, true);
    add({
      kind: "wrong offsets",
      what: "npz local header offset past the data",
      file: await put("offset.npz", c),
      read: (p) => readNpz(p),
      want: "outside",
    });
  }
  add({
    kind: "wrong dtype",
    what: "npy complex dtype",
    file: await put(
      "c8.npy",
      npyWith("{'descr': '<c8', 'fortran_order': False, 'shape': (3,), }", new Uint8Array(24)),
    ),
    read: readNpy,
    want: "not supported",
  });
  add({
    kind: "wrong dtype",
    what: "npy object dtype (pickles are never loaded)",
    file: await put(
      "obj.npy",
      npyWith("{'descr': '|O', 'fortran_order': False, 'shape': (3,), }", new Uint8Array(24)),
    ),
    read: readNpy,
    want: "not supported",
  });

  // ---- checkpoint sidecars (a real checkpoint written by saveCheckpoint, then damaged)
  const ck = `${dir}/ck`;
  await Deno.mkdir(ck);
  const state = {
    step: 7,
    params: new Map([["w", w.slice()]]),
    m: new Map([["w", new Float32Array(1024)]]),
    v: new Map([["w", new Float32Array(1024)]]),
    ema: new Map([["w", w.slice()]]),
  };
  const side = await saveCheckpoint(
    ck,
    state,
    { config: {}, trainer: {}, metrics: {} },
    new Map([["w", [32, 32]]]),
  );
  assertEquals((await loadCheckpoint(side)).state.step, 7);
  const sideText = await Deno.readTextFile(side);
  const sideJson = JSON.parse(sideText);
  const putSide = (name: string, text: string) => put(`ck/ckpt-${name}.json`, text);
  add({
    kind: "truncated",
    what: "sidecar cut mid-JSON",
    file: await putSide("00000101", sideText.slice(0, sideText.length / 2)),
    read: loadCheckpoint,
    want: "not a readable JSON sidecar",
  });
  {
    // 80 MB of (sparse) sidecar: refused by its size, never read into memory.
    const path = `${ck}/ckpt-00000102.json`;
    const f = await Deno.open(path, { write: true, create: true });
    await f.truncate(80 * MB);
    f.close();
    add({
      kind: "oversized header",
      what: "sidecar of 80 MB",
      file: path,
      read: readSidecar,
      want: "above the",
      huge: true,
    });
  }
  add({
    kind: "oversized header",
    what: "sidecar shapes claiming a 100 GB tensor",
    file: await putSide(
      "00000103",
      JSON.stringify({ ...sideJson, shapes: { w: [5_000_000, 5_000_000] } }),
    ),
    read: loadCheckpoint,
    want: "tensor param/w missing or not float32[5000000,5000000]",
    huge: true,
  });
  add({
    kind: "wrong offsets",
    what: "sidecar naming a tensor file outside its directory",
    file: await putSide("00000104", JSON.stringify({ ...sideJson, tensors: "../x.safetensors" })),
    read: loadCheckpoint,
    want: "field tensors",
  });
  add({
    kind: "wrong offsets",
    what: "sidecar shapes disagreeing with the tensors",
    file: await putSide("00000105", JSON.stringify({ ...sideJson, shapes: { w: [16, 32] } })),
    read: loadCheckpoint,
    want: "tensor param/w missing or not float32[16,32]",
  });
  add({
    kind: "wrong dtype",
    what: "sidecar step as a string",
    file: await putSide("00000106", JSON.stringify({ ...sideJson, step: "7" })),
    read: loadCheckpoint,
    want: "field step",
  });
  {
    // The tensors as int32 under the same names and shapes.
    await writeSafetensors(`${ck}/int.safetensors`, {
      "param/w": { dtype: "int32", shape: [32, 32], data: new Int32Array(1024) },
      "adam_m/w": { dtype: "int32", shape: [32, 32], data: new Int32Array(1024) },
      "adam_v/w": { dtype: "int32", shape: [32, 32], data: new Int32Array(1024) },
      "ema/w": { dtype: "int32", shape: [32, 32], data: new Int32Array(1024) },
    });
    add({
      kind: "wrong dtype",
      what: "checkpoint tensors of dtype int32",
      file: await putSide("00000107", JSON.stringify({ ...sideJson, tensors: "int.safetensors" })),
      read: loadCheckpoint,
      want: "not float32[32,32]",
    });
  }

  // ---- PDB (a real NMR/X-ray file of the sample, then damaged)
  const pdb = (await readText(SAMPLE_PDB)).split("\n");
  const atom = pdb.findIndex((l) => l.startsWith("ATOM"));
  const withLine = (i: number, line: string) =>
    [...pdb.slice(0, i), line, ...pdb.slice(i + 1)].join("\n");
  add({
    kind: "truncated",
    what: "PDB cut inside an ATOM record's coordinates",
    file: await put(
      "trunc.pdb",
      [...pdb.slice(0, atom + 5), pdb[atom + 5].slice(0, 36)].join("\n"),
    ),
    read: (p) => readPdb(p),
    want: ":" + String(atom + 6) + ":",
  });
  add({
    kind: "oversized header",
    what: "PDB ATOM record of 8 MB of garbage",
    file: await put("long.pdb", withLine(atom, "ATOM  " + "x".repeat(8 * MB))),
    read: (p) => readPdb(p),
    want: `:${atom + 1}:`,
  });
  add({
    kind: "wrong offsets",
    what: "PDB coordinates shifted by two columns",
    file: await put(
      "shift.pdb",
      withLine(atom, pdb[atom].slice(0, 30) + "  " + pdb[atom].slice(30)),
    ),
    read: (p) => readPdb(p),
    want: `:${atom + 1}:`,
  });
  add({
    kind: "wrong dtype",
    what: "PDB x coordinate that is not a number",
    file: await put(
      "nan.pdb",
      withLine(atom, pdb[atom].slice(0, 30) + "   abcde" + pdb[atom].slice(38)),
    ),
    read: (p) => readPdb(p),
    want: `:${atom + 1}:`,
  });

  // ---- mmCIF (a real OpenFold chain's entry, then damaged)
  const cif = await readText(SAMPLE_CIF);
  const lines = cif.split("\n");
  const firstAtom = lines.findIndex((l) => l.startsWith("ATOM"));
  const cifLine = (i: number, line: string) =>
    [...lines.slice(0, i), line, ...lines.slice(i + 1)].join("\n");
  const fields = lines[firstAtom].trim().split(/\s+/);
  const xCol = lines.slice(0, firstAtom).filter((l) => l.startsWith("_atom_site.")).findIndex((
    l,
  ) => l.trim() === "_atom_site.Cartn_x");
  assert(xCol >= 0, "no _atom_site.Cartn_x column");
  add({
    kind: "truncated",
    what: "mmCIF cut inside the atom_site loop (a short last row)",
    file: await put("trunc.cif", lines.slice(0, firstAtom + 3).join("\n") + "\nATOM 1 N"),
    read: (p) => readMmcif(p),
    want: "has 66 values, not a multiple",
  });
  add({
    kind: "oversized header",
    what: "mmCIF unterminated text field of 8 MB",
    file: await put(
      "textfield.cif",
      lines.slice(0, firstAtom).join("\n") + "\n;" + "x".repeat(8 * MB) + "\n",
    ),
    read: (p) => readMmcif(p),
    want: "unterminated ';' text field",
  });
  add({
    kind: "wrong offsets",
    what: "mmCIF atom row with a value missing (columns shift)",
    file: await put("shift.cif", cifLine(firstAtom, fields.slice(0, -1).join(" "))),
    read: (p) => readMmcif(p),
    want: "not a multiple",
  });
  add({
    kind: "wrong dtype",
    what: "mmCIF Cartn_x that is not a number",
    file: await put(
      "nan.cif",
      cifLine(firstAtom, fields.map((f, i) => i === xCol ? "abc" : f).join(" ")),
    ),
    read: (p) => readMmcif(p),
    want: '_atom_site.cartn_x "abc" is not a number',
  });

  // ---- alignments (real OpenFold MSAs of 3u8v_A, then damaged)
  const a3m = (await readText(`${SAMPLE_MSA}/bfd_uniclust_hits.a3m.gz`)).split("\n");
  add({
    kind: "truncated",
    what: "A3M cut inside a row",
    file: await put("trunc.a3m", a3m.slice(0, 7).join("\n") + "\n" + a3m[7].slice(0, 10) + "\n"),
    read: (p) => readA3m(p),
    want: "has 10 aligned columns, the query has 93",
  });
  add({
    kind: "wrong offsets",
    what: "A3M row with one match column more",
    file: await put("wide.a3m", [...a3m.slice(0, 3), a3m[3] + "A", ...a3m.slice(4)].join("\n")),
    read: (p) => readA3m(p),
    want: "has 94 aligned columns, the query has 93",
  });
  add({
    kind: "wrong dtype",
    what: "A3M row with digits",
    file: await put(
      "digits.a3m",
      [...a3m.slice(0, 3), "12" + a3m[3].slice(2), ...a3m.slice(4)].join("\n"),
    ),
    read: (p) => readA3m(p),
    want: 'invalid character "1"',
  });
  const sto = (await readText(`${SAMPLE_MSA}/uniref90_hits.sto.gz`)).split("\n");
  const row = sto.findIndex((l) =>
    l && !l.startsWith("#") && !l.startsWith("//") && /\S\s+\S/.test(l)
  );
  add({
    kind: "truncated",
    what: "Stockholm without its // terminator",
    file: await put("trunc.sto", sto.slice(0, row + 10).join("\n")),
    read: (p) => readStockholmMsa(p),
    want: "alignment not ended by '//' (truncated file?)",
  });
  add({
    kind: "wrong offsets",
    what: "Stockholm row of another length",
    file: await put(
      "len.sto",
      [...sto.slice(0, row), sto[row] + "AAA", ...sto.slice(row + 1)].join("\n"),
    ),
    read: (p) => readStockholmMsa(p),
    want: "has 193 columns",
  });
  add({
    kind: "wrong dtype",
    what: "Stockholm row with digits",
    file: await put(
      "digits.sto",
      [
        ...sto.slice(0, row),
        sto[row].replace(/\S+$/, (s) => "9".repeat(s.length)),
        ...sto.slice(row + 1),
      ]
        .join("\n"),
    ),
    read: (p) => readStockholmMsa(p),
    want: 'invalid character "9"',
  });
  add({
    kind: "truncated",
    what: "FASTA header without a sequence",
    file: await put("trunc.fasta", ">q1 only a header\n"),
    read: (p) => readFasta(p),
    want: "has no sequence",
  });
  add({
    kind: "wrong dtype",
    what: "FASTA with digits in the sequence",
    file: await put("digits.fasta", ">q1\nMKV123\n"),
    read: (p) => readFasta(p),
    want: 'invalid character "1"',
  });
  const hhr = REAL_HHR.split("\n");
  add({
    kind: "truncated",
    what: "HHR cut inside the first alignment block",
    file: await put(
      "trunc.hhr",
      hhr.slice(0, hhr.findIndex((l) => l.startsWith("No 1")) + 4).join("\n"),
    ),
    read: readHhr,
    want: "hit 1 has no alignment",
  });
  // alignment_db: an index whose byte ranges lie outside the db, or claim 100 GB.
  await put("a.db", a3m.slice(0, 4).join("\n"));
  const index = (files: unknown) => JSON.stringify({ "3u8v_A": { db: "a.db", files } });
  add({
    kind: "wrong offsets",
    what: "alignment_db range past the end of the db",
    file: await put("past.index", index([["bfd_uniclust_hits.a3m", 10, 1_000_000]])),
    read: openAlignmentDb,
    want: "beyond the end of a.db",
  });
  add({
    kind: "oversized header",
    what: "alignment_db range claiming 100 GB",
    file: await put("huge.index", index([["bfd_uniclust_hits.a3m", 0, 100e9]])),
    read: openAlignmentDb,
    want: "beyond the end of a.db",
    huge: true,
  });
  add({
    kind: "wrong dtype",
    what: "alignment_db offsets as strings",
    file: await put("str.index", index([["bfd_uniclust_hits.a3m", "0", "10"]])),
    read: openAlignmentDb,
    want: "files.0.1",
  });
  add({
    kind: "truncated",
    what: "alignment_db index cut mid-JSON",
    file: await put("trunc.index", index([["bfd_uniclust_hits.a3m", 0, 10]]).slice(0, 30)),
    read: openAlignmentDb,
    want: "not JSON",
  });
  return cases;
}

Deno.test("hostile files: every reader rejects truncated, oversized, mis-offset and mis-typed files with a ParseError", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denofold_hostile_" });
  const cases = await build(dir);
  const failures: string[] = [];
  const kinds = new Map<string, Set<string>>();
  for (const c of cases) {
    const format = c.file.slice(c.file.lastIndexOf(".") + 1);
    const before = Deno.memoryUsage().rss;
    let err: unknown;
    try {
      await c.read(c.file);
    } catch (e) {
      err = e;
    }
    const grew = Deno.memoryUsage().rss - before;
    const msg = (err as Error | undefined)?.message ?? "";
    if (!(err instanceof ParseError)) {
      failures.push(
        `${c.kind} / ${c.what}: ${err ? `${(err as Error).name}: ${msg}` : "accepted"}`,
      );
    } else if (!err.file || !msg.includes(c.want)) {
      failures.push(`${c.kind} / ${c.what}: message "${msg.slice(0, 200)}" lacks "${c.want}"`);
    } else if (c.huge && grew > 64 * MB) {
      failures.push(`${c.kind} / ${c.what}: resident set grew by ${(grew / MB).toFixed(0)} MB`);
    }
    if (!kinds.has(format)) kinds.set(format, new Set());
    kinds.get(format)!.add(c.kind);
  }
  assertEquals(failures, [], failures.join("\n"));
  console.log(
    `${cases.length} hostile files rejected: ` +
      [...kinds].map(([f, k]) => `${f} (${[...k].join(", ")})`).join("; "),
  );
  await Deno.remove(dir, { recursive: true });
});
