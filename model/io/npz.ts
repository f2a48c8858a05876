/**
 * numpy `.npy` and `.npz` files: read (stored and deflate zip entries, zip64)
 * and write (stored). This is how the OpenFold parity fixtures and DeepMind's
 * AF2 `params_model_*.npz` weights come in.
 *
 * Every malformed input throws a {@link ParseError} naming the file, the byte
 * offset and the problem; nothing is trusted: header lengths, zip offsets and
 * sizes are bounds-checked against the file, entries may not overlap, declared
 * sizes must match the bytes, inflated data is capped (no decompression
 * bombs) and CRC-32 is verified.
 *
 * @module
 */

import { z } from "zod";
import { InputError, ParseError } from "../util/errors.ts";
import { checkShape, DTYPE_BYTES, type NdArray, numel } from "./ndarray.ts";
import { readFileBounded } from "./bounded.ts";

export type { NdArray } from "./ndarray.ts";

/** Limits and filters for {@link readNpz} / {@link parseNpz}. */
export interface NpzOptions {
  /** Largest uncompressed entry accepted, in bytes (default 1 GiB). */
  maxEntryBytes?: number;
  /** Largest total of uncompressed entries, in bytes (default 8 GiB). */
  maxTotalBytes?: number;
  /** Check each entry's CRC-32 (default true). */
  verifyCrc?: boolean;
  /** Keep only the arrays whose key (entry name without `.npy`) passes. */
  keys?: (key: string) => boolean;
}

const DEFAULT_MAX_ENTRY = 1 << 30;
const DEFAULT_MAX_TOTAL = 8 * 2 ** 30;
/** numpy refuses headers above 10000 bytes by default; we allow more but not unbounded. */
const MAX_NPY_HEADER = 1 << 20;
const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

// ---------------------------------------------------------------- CRC-32

const CRC_TABLE = (() => {
  const t = new Uint32Array(256 * 8);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  // Slicing-by-8 tables: weights are hundreds of MB, a byte-at-a-time loop is slow.
  for (let n = 0; n < 256; n++) {
    let c = t[n];
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff] ^ (c >>> 8);
      t[k * 256 + n] = c >>> 0;
    }
  }
  return t;
})();

/** CRC-32 (zip/PNG polynomial) of a byte range. */
export function crc32(bytes: Uint8Array): number {
  const t = CRC_TABLE;
  let c = 0xffffffff;
  let i = 0;
  const n = bytes.length;
  for (; i + 8 <= n; i += 8) {
    const a = (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)) ^ c;
    const b = bytes[i + 4] | (bytes[i + 5] << 8) | (bytes[i + 6] << 16) | (bytes[i + 7] << 24);
    c = t[1792 + (a & 0xff)] ^ t[1536 + ((a >>> 8) & 0xff)] ^ t[1280 + ((a >>> 16) & 0xff)] ^
      t[1024 + (a >>> 24)] ^ t[768 + (b & 0xff)] ^ t[512 + ((b >>> 8) & 0xff)] ^
      t[256 + ((b >>> 16) & 0xff)] ^ t[b >>> 24];
  }
  for (; i < n; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------- .npy

interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

/**
 * Parse the Python dict literal of a `.npy` header, e.g.
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
 * Only the three keys numpy writes are accepted.
 */
function parseNpyHeaderDict(text: string, file: string, offset: number): NpyHeader {
  let i = 0;
  const fail = (msg: string): never => {
    throw new ParseError({ file, offset: offset + i }, `npy header: ${msg}`);
  };
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const expect = (ch: string) => {
    ws();
    if (text[i] !== ch) fail(`expected '${ch}' at header char ${i}`);
    i++;
  };
  const str = (): string => {
    ws();
    const q = text[i];
    if (q !== "'" && q !== '"') fail(`expected a string at header char ${i}`);
    const end = text.indexOf(q, i + 1);
    if (end < 0) fail("unterminated string");
    const s = text.slice(i + 1, end);
    i = end + 1;
    return s;
  };
  const int = (): number => {
    ws();
    const m = /^\d{1,16}/.exec(text.slice(i, i + 17));
    if (!m) fail(`expected a dimension at header char ${i}`);
    i += m![0].length;
    if (text[i] === "L") i++; // Python 2 long suffix
    const v = Number(m![0]);
    if (!Number.isSafeInteger(v)) fail(`dimension ${m![0]} too large`);
    return v;
  };
  const out: Partial<NpyHeader> = {};
  expect("{");
  for (;;) {
    ws();
    if (text[i] === "}") {
      i++;
      break;
    }
    const key = str();
    expect(":");
    ws();
    if (key === "descr") out.descr = str();
    else if (key === "fortran_order") {
      if (text.startsWith("True", i)) (out.fortranOrder = true), (i += 4);
      else if (text.startsWith("False", i)) (out.fortranOrder = false), (i += 5);
      else fail("fortran_order must be True or False");
    } else if (key === "shape") {
      expect("(");
      const dims: number[] = [];
      for (;;) {
        ws();
        if (text[i] === ")") {
          i++;
          break;
        }
        dims.push(int());
        ws();
        if (text[i] === ",") i++;
        else if (text[i] !== ")") fail("bad shape tuple");
        if (dims.length > 32) fail("more than 32 dimensions");
      }
      out.shape = dims;
    } else fail(`unexpected key '${key}'`);
    ws();
    if (text[i] === ",") i++;
    else if (text[i] !== "}") fail("expected ',' or '}'");
  }
  ws();
  if (i !== text.length) fail("trailing characters after the dict");
  if (out.descr === undefined || out.fortranOrder === undefined || out.shape === undefined) {
    fail("missing descr, fortran_order or shape");
  }
  return out as NpyHeader;
}

const NUMERIC_DESCR: Record<string, Exclude<NdArray["dtype"], "unicode">> = {
  "<f4": "float32",
  "<f8": "float64",
  "<i4": "int32",
  "<i8": "int64",
  "|u1": "uint8",
  "|b1": "bool",
};

/** A typed array over a fresh, aligned copy of `bytes[start, start+len)`. */
function copyOut(bytes: Uint8Array, start: number, len: number): ArrayBuffer {
  const buf = new ArrayBuffer(len);
  new Uint8Array(buf).set(bytes.subarray(start, start + len));
  return buf;
}

/**
 * Copy Fortran-order elements (`bpe` array slots each) of `shape` from `src`
 * into C order in `dst`.
 */
function reverseAxes<T extends { [i: number]: unknown; length: number }>(
  src: T,
  dst: T,
  shape: readonly number[],
  bpe: number,
): void {
  const nd = shape.length;
  const n = numel(shape);
  // Fortran strides (in elements): axis 0 is fastest.
  const fstride = new Array<number>(nd);
  let s = 1;
  for (let k = 0; k < nd; k++) (fstride[k] = s), (s *= shape[k]);
  const idx = new Array<number>(nd).fill(0);
  let f = 0;
  for (let c = 0; c < n; c++) {
    for (let b = 0; b < bpe; b++) dst[c * bpe + b] = src[f * bpe + b];
    // Advance the C-order multi-index (last axis fastest), tracking the Fortran offset.
    for (let k = nd - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) {
        f += fstride[k];
        break;
      }
      f -= fstride[k] * (shape[k] - 1);
      idx[k] = 0;
    }
  }
}

/** numpy `<U n` data (UTF-32LE, NUL-padded) as strings. */
function decodeUnicode(
  bytes: Uint8Array,
  start: number,
  count: number,
  chars: number,
  file: string,
): string[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: string[] = [];
  for (let e = 0; e < count; e++) {
    const cps: number[] = [];
    for (let c = 0; c < chars; c++) {
      const off = start + 4 * (e * chars + c);
      const cp = dv.getUint32(off, true);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        throw new ParseError({ file, offset: off }, `invalid unicode code point ${cp}`);
      }
      cps.push(cp);
    }
    let end = cps.length;
    while (end > 0 && cps[end - 1] === 0) end--;
    let s = "";
    for (let k = 0; k < end; k += 4096) {
      s += String.fromCodePoint(...cps.slice(k, Math.min(end, k + 4096)));
    }
    out.push(s);
  }
  return out;
}

/**
 * Parse one `.npy` image. `baseOffset` is where `bytes` starts inside `file`
 * (so errors point at the right byte of an `.npz`).
 *
 * @example
 * ```ts
 * import { encodeNpy, parseNpy } from "denofold";
 *
 * const a = { dtype: "float32" as const, shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) };
 * const bytes = encodeNpy(a);
 * console.log(parseNpy(bytes).shape); // [2, 2]
 * ```
 */
export function parseNpy(bytes: Uint8Array, file = "<npy>", baseOffset = 0): NdArray {
  const fail = (off: number, msg: string): never => {
    throw new ParseError({ file, offset: baseOffset + off }, msg);
  };
  if (bytes.length < 10) fail(0, `npy: ${bytes.length} bytes is too short for a header`);
  for (let k = 0; k < 6; k++) if (bytes[k] !== NPY_MAGIC[k]) fail(k, "npy: bad magic");
  const major = bytes[6];
  let headerLen: number, headerStart: number;
  if (major === 1) {
    headerLen = bytes[8] | (bytes[9] << 8);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail(0, "npy: truncated v2 header length");
    headerLen = (bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (bytes[11] << 24)) >>> 0;
    headerStart = 12;
  } else {
    return fail(6, `npy: unsupported format version ${major}.${bytes[7]}`);
  }
  if (headerLen > MAX_NPY_HEADER) {
    fail(8, `npy: header length ${headerLen} exceeds ${MAX_NPY_HEADER}`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) {
    fail(8, `npy: header length ${headerLen} runs past the end (${bytes.length} bytes)`);
  }
  const headerBytes = bytes.subarray(headerStart, dataStart);
  const text = major === 3
    ? new TextDecoder("utf-8", { fatal: true }).decode(headerBytes)
    : new TextDecoder("latin1").decode(headerBytes);
  const h = parseNpyHeaderDict(text.trimEnd(), file, baseOffset + headerStart);
  const n = numel(h.shape);
  // Fortran-order data is C-order data of the reversed shape; it is transposed on read
  // so every NdArray is C order (the AF2-format fixture stores transposed weights so).
  const fortran = h.fortranOrder && h.shape.filter((d) => d > 1).length > 1;
  const avail = bytes.length - dataStart;
  const dtype = NUMERIC_DESCR[h.descr];
  if (dtype !== undefined) {
    const need = n * DTYPE_BYTES[dtype];
    if (need !== avail) {
      fail(dataStart, `npy: shape [${h.shape}] of ${h.descr} needs ${need} bytes, found ${avail}`);
    }
    const buf = copyOut(bytes, dataStart, need);
    const shape = h.shape;
    if (fortran) {
      const bpe = DTYPE_BYTES[dtype];
      const t = new Uint8Array(need);
      reverseAxes(new Uint8Array(buf), t, h.shape, bpe);
      new Uint8Array(buf).set(t);
    }
    switch (dtype) {
      case "float32":
        return { dtype, shape, data: new Float32Array(buf) };
      case "float64":
        return { dtype, shape, data: new Float64Array(buf) };
      case "int32":
        return { dtype, shape, data: new Int32Array(buf) };
      case "int64":
        return { dtype, shape, data: new BigInt64Array(buf) };
      case "uint8":
        return { dtype, shape, data: new Uint8Array(buf) };
      case "bool":
        return { dtype, shape, data: new Uint8Array(buf) };
    }
  }
  const um = /^<U(\d{1,9})$/.exec(h.descr);
  if (um) {
    const chars = Number(um[1]);
    const need = n * chars * 4;
    if (need !== avail) {
      fail(dataStart, `npy: shape [${h.shape}] of ${h.descr} needs ${need} bytes, found ${avail}`);
    }
    let strs = decodeUnicode(bytes, dataStart, n, chars, file);
    if (fortran) {
      const t: string[] = new Array(n);
      reverseAxes(strs, t, h.shape, 1);
      strs = t;
    }
    return { dtype: "unicode", shape: h.shape, data: h.shape.length === 0 ? strs[0] : strs };
  }
  if (/^>/.test(h.descr)) {
    return fail(headerStart, `npy: big-endian dtype '${h.descr}' not supported`);
  }
  return fail(
    headerStart,
    `npy: dtype '${h.descr}' not supported (allowed: <f4 <f8 <i4 <i8 |u1 |b1 <U)`,
  );
}

/**
 * Encode an array as a `.npy` (format 1.0, or 2.0 if the header needs it).
 *
 * @example
 * ```ts
 * import { encodeNpy } from "denofold";
 *
 * const bytes = encodeNpy({ dtype: "int32", shape: [3], data: new Int32Array([1, 2, 3]) });
 * await Deno.writeFile("x.npy", bytes); // numpy.load("x.npy") reads it
 * ```
 */
export function encodeNpy(a: NdArray): Uint8Array {
  checkShape("encodeNpy", a.shape);
  let descr: string;
  let body: Uint8Array;
  if (a.dtype === "unicode") {
    const strs = typeof a.data === "string" ? [a.data] : a.data;
    if (strs.length !== numel(a.shape)) throw new InputError("encodeNpy: data length != shape");
    const cps = strs.map((s) => Array.from(s, (ch) => ch.codePointAt(0)!));
    const width = Math.max(1, ...cps.map((c) => c.length));
    descr = `<U${width}`;
    const u32 = new Uint32Array(strs.length * width);
    cps.forEach((c, e) => u32.set(c, e * width));
    body = new Uint8Array(u32.buffer);
  } else {
    descr = Object.entries(NUMERIC_DESCR).find(([, d]) => d === a.dtype)![0];
    if (a.data.length !== numel(a.shape)) throw new InputError("encodeNpy: data length != shape");
    body = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  }
  const shapeStr = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(", ")})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  const v1 = dict.length + 11 <= 65535;
  const pre = v1 ? 10 : 12;
  // numpy pads the header with spaces to a multiple of 64 bytes, ending in '\n'.
  const total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  dict = dict + " ".repeat(total - pre - dict.length - 1) + "\n";
  const out = new Uint8Array(total + body.length);
  out.set(NPY_MAGIC);
  out[6] = v1 ? 1 : 2;
  out[7] = 0;
  const hl = total - pre;
  out[8] = hl & 0xff;
  out[9] = (hl >>> 8) & 0xff;
  if (!v1) (out[10] = (hl >>> 16) & 0xff), (out[11] = hl >>> 24);
  for (let k = 0; k < dict.length; k++) out[pre + k] = dict.charCodeAt(k);
  out.set(body, total);
  return out;
}

/**
 * Read one `.npy` file.
 *
 * @example
 * ```ts
 * import { encodeNpy, readNpy } from "denofold";
 *
 * await Deno.writeFile("x.npy", encodeNpy({ dtype: "int32", shape: [2], data: new Int32Array(2) }));
 * const a = await readNpy("x.npy");
 * console.log(a.dtype, a.shape);
 * ```
 */
export async function readNpy(path: string): Promise<NdArray> {
  return parseNpy(await readFileBounded(path, "npz"), path);
}

// ---------------------------------------------------------------- zip

interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compSize: number;
  size: number;
  localOffset: number;
  cdOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_LOC64 = 0x07064b50;
const SIG_CD = 0x02014b50;
const SIG_LOCAL = 0x04034b50;

function u64(dv: DataView, off: number, file: string): number {
  const v = dv.getBigUint64(off, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ParseError({ file, offset: off }, `zip: 64-bit field ${v} is too large`);
  }
  return Number(v);
}

/** The central directory of a zip image, fully bounds-checked. */
function readCentralDirectory(bytes: Uint8Array, file: string): ZipEntry[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = bytes.length;
  const fail = (off: number, msg: string): never => {
    throw new ParseError({ file, offset: off }, `zip: ${msg}`);
  };
  if (len < 22) fail(0, `${len} bytes is too short for a zip file`);
  let eocd = -1;
  for (let p = len - 22; p >= Math.max(0, len - 22 - 65535); p--) {
    if (dv.getUint32(p, true) === SIG_EOCD && p + 22 + dv.getUint16(p + 20, true) === len) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) fail(len, "no end-of-central-directory record (truncated or not a zip)");
  let count = dv.getUint16(eocd + 10, true);
  let cdSize = dv.getUint32(eocd + 12, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  if (dv.getUint16(eocd + 4, true) !== 0 || dv.getUint16(eocd + 6, true) !== 0) {
    fail(eocd, "multi-disk archives are not supported");
  }
  let cdEnd = eocd;
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || dv.getUint32(loc, true) !== SIG_LOC64) fail(eocd, "zip64 locator missing");
    const z64 = u64(dv, loc + 8, file);
    if (z64 + 56 > loc || dv.getUint32(z64, true) !== SIG_EOCD64) {
      fail(loc + 8, `zip64 end record offset ${z64} is invalid`);
    }
    count = u64(dv, z64 + 32, file);
    cdSize = u64(dv, z64 + 40, file);
    cdOffset = u64(dv, z64 + 48, file);
    cdEnd = z64;
  }
  if (cdOffset + cdSize > cdEnd) {
    fail(eocd + 16, `central directory [${cdOffset}, +${cdSize}) runs past its end record`);
  }
  if (count > cdSize / 46) fail(eocd + 10, `${count} entries cannot fit in ${cdSize} bytes`);
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  const cdLimit = cdOffset + cdSize;
  for (let e = 0; e < count; e++) {
    if (p + 46 > cdLimit) fail(p, `central directory entry ${e} is truncated`);
    if (dv.getUint32(p, true) !== SIG_CD) fail(p, `bad central directory signature for entry ${e}`);
    const flags = dv.getUint16(p + 8, true);
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    let compSize = dv.getUint32(p + 20, true);
    let size = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let localOffset = dv.getUint32(p + 42, true);
    const next = p + 46 + nameLen + extraLen + commentLen;
    if (next > cdLimit) fail(p, `central directory entry ${e} runs past the directory`);
    const name = new TextDecoder("utf-8", { fatal: false }).decode(
      bytes.subarray(p + 46, p + 46 + nameLen),
    );
    // zip64 extra field: the 64-bit values of the fields saturated at 0xffffffff, in order.
    let x = p + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = dv.getUint16(x, true);
      const sz = dv.getUint16(x + 2, true);
      if (x + 4 + sz > xEnd) fail(x, `extra field of '${name}' runs past its entry`);
      if (id === 0x0001) {
        let q = x + 4;
        const take = (): number => {
          if (q + 8 > x + 4 + sz) fail(q, `zip64 extra field of '${name}' is too short`);
          const v = u64(dv, q, file);
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = take();
        if (compSize === 0xffffffff) compSize = take();
        if (localOffset === 0xffffffff) localOffset = take();
      }
      x += 4 + sz;
    }
    entries.push({ name, method, flags, crc, compSize, size, localOffset, cdOffset: p });
    p = next;
  }
  return entries;
}

/** Locate an entry's data after checking its local header against the directory. */
function entryDataStart(bytes: Uint8Array, e: ZipEntry, limit: number, file: string): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (off: number, msg: string): never => {
    throw new ParseError({ file, offset: off }, `zip entry '${e.name}': ${msg}`);
  };
  const p = e.localOffset;
  if (p + 30 > limit) fail(e.cdOffset + 42, `local header offset ${p} is outside the data area`);
  if (dv.getUint32(p, true) !== SIG_LOCAL) fail(p, "bad local header signature");
  const nameLen = dv.getUint16(p + 26, true);
  const extraLen = dv.getUint16(p + 28, true);
  const start = p + 30 + nameLen + extraLen;
  if (start > limit) fail(p + 26, "local header runs past the data area");
  const localName = new TextDecoder().decode(bytes.subarray(p + 30, p + 30 + nameLen));
  if (localName !== e.name) fail(p + 30, `local name '${localName}' differs from the directory`);
  if (start + e.compSize > limit) {
    fail(e.cdOffset + 20, `${e.compSize} data bytes at ${start} run past the data area (${limit})`);
  }
  return start;
}

/** Inflate raw deflate data into exactly `size` bytes, refusing any more. */
async function inflateExact(
  comp: Uint8Array,
  size: number,
  file: string,
  at: number,
  name: string,
): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let filled = 0;
  const stream = new Blob([comp as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new DecompressionStream("deflate-raw"),
  );
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (filled + value.length > size) {
        throw new ParseError(
          { file, offset: at },
          `zip entry '${name}': inflates past its declared size ${size}`,
        );
      }
      out.set(value, filled);
      filled += value.length;
    }
  } catch (err) {
    await reader.cancel().catch(() => {});
    if (err instanceof ParseError) throw err;
    throw new ParseError({ file, offset: at }, `zip entry '${name}': bad deflate data (${err})`);
  }
  if (filled !== size) {
    throw new ParseError(
      { file, offset: at },
      `zip entry '${name}': inflated to ${filled} bytes, declared ${size}`,
    );
  }
  return out;
}

/**
 * Parse an `.npz` image into arrays keyed by entry name without `.npy`.
 *
 * @example
 * ```ts
 * import { encodeNpz, parseNpz } from "denofold";
 *
 * const bytes = encodeNpz({ w: { dtype: "float32", shape: [2], data: new Float32Array([1, 2]) } });
 * const npz = await parseNpz(bytes, "mem.npz");
 * console.log(npz.get("w")?.shape); // [2]
 * ```
 */
export async function parseNpz(
  bytes: Uint8Array,
  file = "<npz>",
  opts: NpzOptions = {},
): Promise<Map<string, NdArray>> {
  const maxEntry = opts.maxEntryBytes ?? DEFAULT_MAX_ENTRY;
  const maxTotal = opts.maxTotalBytes ?? DEFAULT_MAX_TOTAL;
  const verifyCrc = opts.verifyCrc ?? true;
  const entries = readCentralDirectory(bytes, file);
  // Entry data must lie before the central directory and never overlap (overlapping
  // entries are the classic way to build a zip bomb).
  let cdStart = bytes.length;
  for (const e of entries) cdStart = Math.min(cdStart, e.cdOffset);
  const spans: { start: number; end: number; name: string }[] = [];
  const seen = new Set<string>();
  let total = 0;
  for (const e of entries) {
    const where = { file, offset: e.cdOffset };
    if (seen.has(e.name)) throw new ParseError(where, `zip: duplicate entry '${e.name}'`);
    seen.add(e.name);
    if (e.flags & 1) throw new ParseError(where, `zip entry '${e.name}': encrypted`);
    if (e.method !== 0 && e.method !== 8) {
      throw new ParseError(
        where,
        `zip entry '${e.name}': compression method ${e.method} unsupported`,
      );
    }
    if (e.size > maxEntry) {
      throw new ParseError(
        where,
        `zip entry '${e.name}': ${e.size} bytes exceeds the ${maxEntry} cap`,
      );
    }
    total += e.size;
    if (total > maxTotal) {
      throw new ParseError(where, `zip: entries total more than the ${maxTotal}-byte cap`);
    }
    // Deflate expands at most ~1032:1, so a larger declared size is a lie; refusing it
    // before allocating keeps a tiny file from reserving the whole size cap.
    if (e.method === 8 && e.size > e.compSize * 1032 + 1024) {
      throw new ParseError(
        where,
        `zip entry '${e.name}': ${e.size} bytes cannot inflate from ${e.compSize}`,
      );
    }
    if (e.method === 0 && e.compSize !== e.size) {
      throw new ParseError(
        where,
        `zip entry '${e.name}': stored with sizes ${e.compSize} != ${e.size}`,
      );
    }
    const start = entryDataStart(bytes, e, cdStart, file);
    spans.push({ start: e.localOffset, end: start + e.compSize, name: e.name });
  }
  spans.sort((a, b) => a.start - b.start);
  for (let k = 1; k < spans.length; k++) {
    if (spans[k].start < spans[k - 1].end) {
      throw new ParseError(
        { file, offset: spans[k].start },
        `zip: entries '${spans[k - 1].name}' and '${spans[k].name}' overlap`,
      );
    }
  }
  const out = new Map<string, NdArray>();
  for (const e of entries) {
    if (e.name.endsWith("/")) continue; // directory entry
    const key = e.name.endsWith(".npy") ? e.name.slice(0, -4) : e.name;
    if (opts.keys && !opts.keys(key)) continue;
    const start = entryDataStart(bytes, e, cdStart, file);
    const raw = bytes.subarray(start, start + e.compSize);
    const data = e.method === 0 ? raw : await inflateExact(raw, e.size, file, start, e.name);
    if (verifyCrc && crc32(data) !== e.crc) {
      throw new ParseError({ file, offset: start }, `zip entry '${e.name}': CRC-32 mismatch`);
    }
    out.set(key, parseNpy(data, file, e.method === 0 ? start : 0));
  }
  return out;
}

/**
 * Read an `.npz` file (see {@link parseNpz}).
 *
 * @example
 * ```ts
 * import { readNpz } from "denofold";
 *
 * const arrays = await readNpz("params_model_1.npz");
 * console.log(arrays.size, "arrays");
 * ```
 */
export async function readNpz(path: string, opts: NpzOptions = {}): Promise<Map<string, NdArray>> {
  return parseNpz(await readFileBounded(path, "npz"), path, opts);
}

/**
 * Encode arrays as an uncompressed `.npz` (zip of `.npy`, like `numpy.savez`).
 *
 * @example
 * ```ts
 * import { encodeNpz } from "denofold";
 *
 * const bytes = encodeNpz({ x: { dtype: "float64", shape: [1], data: new Float64Array([3.5]) } });
 * await Deno.writeFile("x.npz", bytes); // numpy.load("x.npz")["x"]
 * ```
 */
export function encodeNpz(arrays: Map<string, NdArray> | Record<string, NdArray>): Uint8Array {
  const items = arrays instanceof Map ? [...arrays] : Object.entries(arrays);
  const enc = new TextEncoder();
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const [key, arr] of items) {
    const name = enc.encode(key + ".npy");
    const body = encodeNpy(arr);
    const crc = crc32(body);
    if (body.length >= 0xffffffff || offset >= 0xffffffff) {
      throw new InputError("encodeNpz: zip64 output is not supported; use safetensors");
    }
    const lh = new Uint8Array(30 + name.length);
    const l = new DataView(lh.buffer);
    l.setUint32(0, SIG_LOCAL, true);
    l.setUint16(4, 20, true);
    l.setUint32(14, crc, true);
    l.setUint32(18, body.length, true);
    l.setUint32(22, body.length, true);
    l.setUint16(26, name.length, true);
    lh.set(name, 30);
    const ch = new Uint8Array(46 + name.length);
    const c = new DataView(ch.buffer);
    c.setUint32(0, SIG_CD, true);
    c.setUint16(4, 20, true);
    c.setUint16(6, 20, true);
    c.setUint32(16, crc, true);
    c.setUint32(20, body.length, true);
    c.setUint32(24, body.length, true);
    c.setUint16(28, name.length, true);
    c.setUint32(42, offset, true);
    ch.set(name, 46);
    locals.push(lh, body);
    centrals.push(ch);
    offset += lh.length + body.length;
  }
  const cdSize = centrals.reduce((s, b) => s + b.length, 0);
  const eocd = new Uint8Array(22);
  const d = new DataView(eocd.buffer);
  d.setUint32(0, SIG_EOCD, true);
  d.setUint16(8, items.length, true);
  d.setUint16(10, items.length, true);
  d.setUint32(12, cdSize, true);
  d.setUint32(16, offset, true);
  const out = new Uint8Array(offset + cdSize + 22);
  let p = 0;
  for (const b of [...locals, ...centrals, eocd]) {
    out.set(b, p);
    p += b.length;
  }
  return out;
}

// ---------------------------------------------------------------- parity meta

/** `[max |fp32 - fp64|, max |fp64|]` per output, possibly nested like the outputs. */
export type ErrTree = [number, number] | { [key: string]: ErrTree };
const errTree: z.ZodType<ErrTree> = z.lazy(() =>
  z.union([z.tuple([z.number(), z.number()]), z.record(z.string(), errTree)])
);

/**
 * The `meta` JSON of a parity fixture (see ../shared/parity/README.md): only
 * the fields code relies on are typed; the rest passes through.
 */
export const parityMetaSchema = z.looseObject({
  case: z.string().optional(),
  module: z.string().optional(),
  fp32_vs_fp64: z.record(z.string(), errTree).optional(),
  fp32_vs_fp64_valid_only: z.record(z.string(), errTree).optional(),
  conventions: z.array(z.string()).optional(),
});

/** Parsed parity-fixture metadata. */
export type ParityMeta = z.infer<typeof parityMetaSchema>;

/**
 * The JSON metadata of an npz: `meta_utf8` (uint8 bytes) when present, else the
 * unicode scalar `meta`. Returns `undefined` when neither exists.
 */
export function npzMetaJson(npz: Map<string, NdArray>, file = "<npz>"): unknown {
  const bytes = npz.get("meta_utf8");
  let text: string | undefined;
  if (bytes && bytes.dtype === "uint8") {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.data);
  } else {
    const m = npz.get("meta");
    if (m && m.dtype === "unicode" && typeof m.data === "string") text = m.data;
  }
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ParseError({ file }, `meta is not valid JSON (${(err as Error).message})`);
  }
}

/** The zod-validated parity metadata of a fixture (throws ParseError if absent or malformed). */
export function parityMeta(npz: Map<string, NdArray>, file = "<npz>"): ParityMeta {
  const json = npzMetaJson(npz, file);
  if (json === undefined) throw new ParseError({ file }, "no meta / meta_utf8 entry");
  const r = parityMetaSchema.safeParse(json);
  if (!r.success) throw new ParseError({ file }, `meta: ${r.error.message}`);
  return r.data;
}

/**
 * The float32 noise estimate `[max |fp32 - fp64|, max |fp64|]` of an output
 * (`key` as in `out/<key>`, nested levels joined by `/`), or undefined.
 */
export function fp32Noise(
  meta: ParityMeta,
  key: string,
  table: "fp32_vs_fp64" | "fp32_vs_fp64_valid_only" = "fp32_vs_fp64",
): [number, number] | undefined {
  const root = meta[table];
  if (!root) return undefined;
  if (Array.isArray(root[key])) return root[key] as [number, number];
  let node: ErrTree | undefined = root;
  for (const part of key.split("/")) {
    if (node === undefined || Array.isArray(node)) return undefined;
    node = node[part];
  }
  return Array.isArray(node) ? node : undefined;
}
