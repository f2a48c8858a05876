/**
 * safetensors read/write: the checkpoint format (8-byte little-endian header
 * length, a JSON header naming each tensor's dtype, shape and byte range, then
 * the raw little-endian data).
 *
 * Reading trusts nothing: the header length is bounded, the JSON is validated
 * with zod, every byte range must lie inside the data area, ranges may not
 * overlap or leave holes, and each range's length must equal shape × dtype
 * size. Writing goes through {@link writeFileAtomicWith}, so a crash never
 * leaves a torn checkpoint.
 *
 * @module
 */

import { z } from "zod";
import { InputError, ParseError } from "../util/errors.ts";
import { writeAll, writeFileAtomicWith } from "./atomic.ts";
import { readFileBounded, regularFile } from "./bounded.ts";
import { checkShape, DTYPE_BYTES, type NdArray, numel } from "./ndarray.ts";

/** A safetensors file's tensors (insertion order = data order) and string metadata. */
export interface Safetensors {
  /** The tensors by name, in file order. */
  tensors: Map<string, NdArray>;
  /** The header's `__metadata__` strings ({} when absent). */
  metadata: Record<string, string>;
}

/** The reference implementation refuses headers above 100 MB; so do we. */
const MAX_HEADER = 100_000_000;

const ST_DTYPES = {
  F32: "float32",
  F64: "float64",
  I32: "int32",
  I64: "int64",
  U8: "uint8",
  BOOL: "bool",
} as const;
type StDtype = keyof typeof ST_DTYPES;
const ST_OF: Record<string, StDtype> = Object.fromEntries(
  Object.entries(ST_DTYPES).map(([k, v]) => [v, k as StDtype]),
);

const dim = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const tensorInfo = z.strictObject({
  dtype: z.enum(Object.keys(ST_DTYPES) as [StDtype, ...StDtype[]]),
  shape: z.array(dim).max(32),
  data_offsets: z.tuple([dim, dim]),
});
const metadataSchema = z.record(z.string(), z.string());

/**
 * Parse a safetensors image.
 *
 * @example
 * ```ts
 * import { encodeSafetensors, parseSafetensors } from "denofold";
 *
 * const w = { dtype: "float32" as const, shape: [2], data: new Float32Array([1, 2]) };
 * const bytes = encodeSafetensors({ w });
 * const { tensors } = parseSafetensors(bytes, "mem.safetensors");
 * console.log(tensors.get("w")?.data); // Float32Array [1, 2]
 * ```
 */
export function parseSafetensors(bytes: Uint8Array, file = "<safetensors>"): Safetensors {
  const { metadata, sorted, dataStart } = parseHeader(bytes, bytes.length, file);
  const tensors = new Map<string, NdArray>();
  for (const { name, info } of sorted) {
    const [b, e] = info.data_offsets;
    const buf = new ArrayBuffer(e - b);
    new Uint8Array(buf).set(bytes.subarray(dataStart + b, dataStart + e));
    const shape = info.shape;
    let a: NdArray;
    switch (info.dtype) {
      case "F32":
        a = { dtype: "float32", shape, data: new Float32Array(buf) };
        break;
      case "F64":
        a = { dtype: "float64", shape, data: new Float64Array(buf) };
        break;
      case "I32":
        a = { dtype: "int32", shape, data: new Int32Array(buf) };
        break;
      case "I64":
        a = { dtype: "int64", shape, data: new BigInt64Array(buf) };
        break;
      case "U8":
        a = { dtype: "uint8", shape, data: new Uint8Array(buf) };
        break;
      case "BOOL":
        a = { dtype: "bool", shape, data: new Uint8Array(buf) };
        break;
    }
    tensors.set(name, a);
  }
  return { tensors, metadata };
}

/** What a safetensors header says of one tensor. */
export interface TensorInfo {
  /** Its dtype, in denofold's names. */
  dtype: NdArray["dtype"];
  /** Its shape. */
  shape: number[];
}

/**
 * Validate a safetensors header: `head` holds at least the length prefix and
 * the JSON header of a file of `total` bytes; every range is checked against
 * `total` (the data itself need not be in `head`).
 */
function parseHeader(head: Uint8Array, total: number, file: string) {
  const bytes = head;
  const fail = (offset: number, msg: string): never => {
    throw new ParseError({ file, offset }, `safetensors: ${msg}`);
  };
  if (total < 8) fail(0, `${total} bytes is too short for the header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = dv.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER)) fail(0, `header length ${n64} exceeds ${MAX_HEADER}`);
  const n = Number(n64);
  if (8 + n > total) fail(0, `header length ${n} runs past the end (${total} bytes)`);
  if (n < 2 || bytes[8] !== 0x7b) fail(8, "header must be a JSON object starting with '{'");
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (err) {
    return fail(8, `header is not valid UTF-8 JSON (${(err as Error).message})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return fail(8, "header is not a JSON object");
  }
  const dataStart = 8 + n;
  const dataLen = total - dataStart;
  let metadata: Record<string, string> = {};
  const infos: { name: string; info: z.infer<typeof tensorInfo> }[] = [];
  for (const [name, raw] of Object.entries(json)) {
    if (name === "__metadata__") {
      const r = metadataSchema.safeParse(raw);
      if (!r.success) fail(8, `__metadata__ must map strings to strings: ${r.error.message}`);
      metadata = r.data!;
      continue;
    }
    const r = tensorInfo.safeParse(raw);
    if (!r.success) {
      fail(
        8,
        `tensor '${name}': ${
          r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")
        }`,
      );
    }
    infos.push({ name, info: r.data! });
  }
  // Byte ranges: inside the data area, of the right length, sorted they must tile it exactly.
  for (const { name, info } of infos) {
    const [b, e] = info.data_offsets;
    if (b > e) fail(8, `tensor '${name}': data_offsets [${b}, ${e}] are reversed`);
    if (e > dataLen) {
      fail(dataStart + b, `tensor '${name}': bytes [${b}, ${e}) run past the data (${dataLen})`);
    }
    const need = numel(info.shape) * DTYPE_BYTES[ST_DTYPES[info.dtype]];
    if (need !== e - b) {
      fail(
        dataStart + b,
        `tensor '${name}': shape [${info.shape}] of ${info.dtype} needs ${need} bytes, range has ${
          e - b
        }`,
      );
    }
  }
  const sorted = [...infos].sort((x, y) =>
    x.info.data_offsets[0] - y.info.data_offsets[0] ||
    x.info.data_offsets[1] - y.info.data_offsets[1]
  );
  let cursor = 0;
  for (const { name, info } of sorted) {
    const [b, e] = info.data_offsets;
    if (b < cursor) fail(dataStart + b, `tensor '${name}' overlaps the previous tensor`);
    if (b > cursor) fail(dataStart + cursor, `hole of ${b - cursor} bytes before tensor '${name}'`);
    cursor = e;
  }
  if (cursor !== dataLen) {
    fail(dataStart + cursor, `${dataLen - cursor} trailing bytes after the last tensor`);
  }
  return { metadata, sorted, dataStart };
}

/**
 * The tensors' dtypes and shapes and the metadata of a safetensors file,
 * from its header alone (every byte range checked against the file's size,
 * no data read): a cheap check that a file is complete and what it holds.
 */
export async function readSafetensorsHeader(
  path: string,
): Promise<{ tensors: Map<string, TensorInfo>; metadata: Record<string, string> }> {
  const info = await regularFile(path);
  const file = await Deno.open(path, { read: true });
  try {
    const readFull = async (buf: Uint8Array) => {
      let got = 0;
      while (got < buf.length) {
        const k = await file.read(buf.subarray(got));
        if (k === null) break;
        got += k;
      }
      return buf.subarray(0, got);
    };
    const prefix = await readFull(new Uint8Array(8));
    let head = prefix;
    if (prefix.length === 8) {
      const n = new DataView(prefix.buffer).getBigUint64(0, true);
      if (n <= BigInt(Math.min(MAX_HEADER, info.size - 8))) {
        head = new Uint8Array(8 + Number(n));
        head.set(prefix);
        head.set(await readFull(head.subarray(8)), 8);
      }
    }
    const { metadata, sorted } = parseHeader(head, info.size, path);
    const tensors = new Map<string, TensorInfo>();
    for (const { name, info: t } of sorted) {
      tensors.set(name, { dtype: ST_DTYPES[t.dtype], shape: t.shape });
    }
    return { tensors, metadata };
  } finally {
    file.close();
  }
}

/**
 * Read a safetensors file (see {@link parseSafetensors}).
 *
 * @example
 * ```ts
 * import { readSafetensors } from "denofold";
 *
 * const { tensors, metadata } = await readSafetensors("runs/default/ckpt-00001500.safetensors");
 * console.log(tensors.size, metadata.step);
 * ```
 */
export async function readSafetensors(path: string): Promise<Safetensors> {
  return parseSafetensors(await readFileBounded(path, "safetensors"), path);
}

/** Named arrays to write, as a map or a plain object (its key order is the file order). */
export type NamedArrays = Map<string, NdArray> | Record<string, NdArray>;

/**
 * The header bytes (length prefix + JSON padded to 8 bytes) and the tensors in
 * data order. Tensors are laid out widest dtype first so every tensor starts
 * on a multiple of its element size (the data area starts 8-aligned).
 */
function layout(
  tensors: NamedArrays,
  metadata: Record<string, string>,
): { header: Uint8Array; order: [string, NdArray][] } {
  const items = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const names = new Set<string>();
  for (const [name, a] of items) {
    if (name === "__metadata__") throw new InputError("safetensors: '__metadata__' is reserved");
    if (names.has(name)) throw new InputError(`safetensors: duplicate tensor '${name}'`);
    names.add(name);
    if (a.dtype === "unicode") throw new InputError(`safetensors: '${name}' is a unicode array`);
    checkShape(`safetensors: '${name}'`, a.shape);
    if (a.data.length !== numel(a.shape)) {
      throw new InputError(
        `safetensors: '${name}' has ${a.data.length} values for shape [${a.shape}]`,
      );
    }
  }
  if (!metadataSchema.safeParse(metadata).success) {
    throw new InputError("safetensors: metadata must map strings to strings");
  }
  const order = [...items].sort(([na, a], [nb, b]) => {
    const wa = a.dtype === "unicode" ? 0 : DTYPE_BYTES[a.dtype];
    const wb = b.dtype === "unicode" ? 0 : DTYPE_BYTES[b.dtype];
    return wb - wa || (na < nb ? -1 : na > nb ? 1 : 0);
  });
  const head: Record<string, unknown> = {};
  if (Object.keys(metadata).length) head.__metadata__ = metadata;
  let off = 0;
  for (const [name, a] of order) {
    if (a.dtype === "unicode") continue;
    const len = a.data.byteLength;
    head[name] = { dtype: ST_OF[a.dtype], shape: a.shape, data_offsets: [off, off + len] };
    off += len;
  }
  let text = JSON.stringify(head);
  const enc = new TextEncoder();
  let body = enc.encode(text);
  const pad = (8 - (body.length % 8)) % 8;
  if (pad) {
    text += " ".repeat(pad);
    body = enc.encode(text);
  }
  const header = new Uint8Array(8 + body.length);
  new DataView(header.buffer).setBigUint64(0, BigInt(body.length), true);
  header.set(body, 8);
  return { header, order };
}

function bytesOf(a: NdArray): Uint8Array {
  if (a.dtype === "unicode") throw new TypeError("unicode");
  return new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
}

/**
 * Encode tensors (+ optional string metadata) as a safetensors image in memory.
 *
 * @example
 * ```ts
 * import { encodeSafetensors } from "denofold";
 *
 * const bytes = encodeSafetensors(
 *   new Map([["b", { dtype: "float32" as const, shape: [3], data: new Float32Array(3) }]]),
 *   { note: "zeros" },
 * );
 * console.log(bytes.length, "bytes");
 * ```
 */
export function encodeSafetensors(
  tensors: NamedArrays,
  metadata: Record<string, string> = {},
): Uint8Array {
  const { header, order } = layout(tensors, metadata);
  const total = header.length + order.reduce((s, [, a]) => s + bytesOf(a).length, 0);
  const out = new Uint8Array(total);
  out.set(header);
  let p = header.length;
  for (const [, a] of order) {
    const b = bytesOf(a);
    out.set(b, p);
    p += b.length;
  }
  return out;
}

/**
 * Write tensors to `path` atomically (temp file + fsync + rename), streaming
 * each tensor so a checkpoint is never held twice in memory.
 *
 * @example
 * ```ts
 * import { writeSafetensors } from "denofold";
 *
 * await writeSafetensors("w.safetensors", {
 *   w: { dtype: "float32", shape: [2, 2], data: new Float32Array([1, 0, 0, 1]) },
 * }, { source: "identity" });
 * ```
 */
export async function writeSafetensors(
  path: string,
  tensors: NamedArrays,
  metadata: Record<string, string> = {},
): Promise<void> {
  const { header, order } = layout(tensors, metadata);
  await writeFileAtomicWith(path, async (f) => {
    await writeAll(f, header);
    for (const [, a] of order) await writeAll(f, bytesOf(a));
  });
}
