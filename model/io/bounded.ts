/**
 * Bounded reads: every file denofold reads goes through here. A path must name
 * a regular file (a FIFO would block the reader forever, a device never ends),
 * and each kind of file has a size limit ({@link READ_LIMITS}) checked before
 * anything is read, again while reading (a file that grows), and on the
 * decompressed bytes of a `.gz` file (a gzip bomb stops at the limit). Every
 * refusal is a {@link ParseError} naming the file.
 *
 * @module
 */

import { ParseError } from "../util/errors.ts";

const MiB = 1 << 20;
const GiB = 1 << 30;

/** A size limit and what it is a limit of ("a FASTA file"), for the message. */
export interface ReadLimit {
  /** Most bytes (decompressed, for `.gz`) a file of the kind may hold. */
  bytes: number;
  /** The kind, with its article: "a FASTA file". */
  what: string;
}

/**
 * The limits by kind of file. Text kinds stay below V8's longest string
 * (2^29 characters); binary kinds fit the largest files of their use (AF2's
 * parameters as `.npz` are 0.4 GB, an af2 checkpoint with Adam's moments and
 * the EMA 1.5 GB).
 */
export const READ_LIMITS = {
  /** Sequences: a query, or a sequence database such as the PDB's seqres (0.27 GB). */
  fasta: { bytes: 512 * MiB, what: "a FASTA file" },
  /** A3M, Stockholm, HHR, and one alignment of an alignment_db. */
  alignment: { bytes: 512 * MiB, what: "an alignment file" },
  /** PDB and mmCIF. */
  structure: { bytes: 512 * MiB, what: "a structure file" },
  /** JSON settings: run configs, checkpoint sidecars, indexes, results. */
  config: { bytes: 64 * MiB, what: "a JSON settings file" },
  /** A list of names, one per line (`eval --ids`). */
  list: { bytes: 16 * MiB, what: "a list file" },
  /** Tables of a data root (manifests, clusters), metrics.jsonl, snapshots. */
  table: { bytes: 512 * MiB, what: "a table file" },
  /**
   * A corpus read line by line (the backbone chains and profiles of a data root:
   * 0.16 GB each for 17,770 chains), never held whole.
   */
  corpus: { bytes: 64 * GiB, what: "a corpus file" },
  /** Jupyter notebooks (executed ones carry figures). */
  notebook: { bytes: 256 * MiB, what: "a notebook" },
  /** NumPy `.npy` / `.npz`. */
  npz: { bytes: 4 * GiB, what: "an .npz/.npy file" },
  /** safetensors (checkpoints, parameter files). */
  safetensors: { bytes: 16 * GiB, what: "a safetensors file" },
  /** Any other text. */
  text: { bytes: 512 * MiB, what: "a text file" },
} as const satisfies Record<string, ReadLimit>;

/** A kind of file with a read limit. */
export type FileKind = keyof typeof READ_LIMITS;

function limitOf(limit: FileKind | ReadLimit): ReadLimit {
  return typeof limit === "string" ? READ_LIMITS[limit] : limit;
}

/** "1.5 GB"-style size for messages. */
export function formatBytes(n: number): string {
  if (n >= GiB) return `${(n / GiB).toFixed(n % GiB === 0 ? 0 : 1)} GiB`;
  if (n >= MiB) return `${(n / MiB).toFixed(n % MiB === 0 ? 0 : 1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/** What a non-regular file is, in words; undefined for a regular file. */
export function notRegular(info: Deno.FileInfo): string | undefined {
  if (info.isFile) return undefined;
  if (info.isDirectory) return "a directory";
  if (info.isSymlink) return "a symbolic link";
  if (info.isFifo) return "a FIFO (named pipe)";
  if (info.isCharDevice) return "a character device";
  if (info.isBlockDevice) return "a block device";
  if (info.isSocket) return "a socket";
  return "not a regular file";
}

/**
 * The file information of `path`, which must be a regular file (symbolic links
 * followed): a FIFO, device, socket or directory is a {@link ParseError}. A
 * missing file throws `Deno.errors.NotFound` as it is.
 */
export async function regularFile(path: string): Promise<Deno.FileInfo> {
  const info = await Deno.stat(path);
  const what = notRegular(info);
  if (what) throw new ParseError({ file: path }, `${what}, not a regular file`);
  return info;
}

/** {@link regularFile}, synchronously. */
export function regularFileSync(path: string): Deno.FileInfo {
  const info = Deno.statSync(path);
  const what = notRegular(info);
  if (what) throw new ParseError({ file: path }, `${what}, not a regular file`);
  return info;
}

function tooBig(path: string, limit: ReadLimit, size?: number): ParseError {
  const has = size === undefined ? "more than" : formatBytes(size) + ", above";
  return new ParseError(
    { file: path },
    `${has} the ${formatBytes(limit.bytes)} limit of ${limit.what}`,
  );
}

/** Read an open file to its end, at most `limit.bytes` bytes (one more is an error). */
async function readToEnd(
  file: Deno.FsFile,
  size: number,
  limit: ReadLimit,
  path: string,
): Promise<Uint8Array> {
  // The size from stat is a hint: the file may grow or shrink while it is read.
  let buf = new Uint8Array(Math.min(limit.bytes + 1, Math.max(size + 1, 4096)));
  let n = 0;
  for (;;) {
    if (n === buf.length) {
      if (n > limit.bytes) throw tooBig(path, limit);
      const bigger = new Uint8Array(Math.min(limit.bytes + 1, buf.length * 2));
      bigger.set(buf);
      buf = bigger;
    }
    const got = await file.read(buf.subarray(n));
    if (got === null) break;
    n += got;
  }
  if (n > limit.bytes) throw tooBig(path, limit);
  return n === buf.length ? buf : buf.slice(0, n);
}

/**
 * Gunzip `raw`, stopping at `limit.bytes` decompressed bytes; corrupt data is
 * a {@link ParseError} naming `path`.
 */
export async function gunzipBounded(
  raw: Uint8Array,
  limit: FileKind | ReadLimit,
  path: string,
): Promise<Uint8Array> {
  const lim = limitOf(limit);
  const reader = new Blob([raw as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new DecompressionStream("gzip")).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > lim.bytes) {
        await reader.cancel().catch(() => {});
        throw new ParseError(
          { file: path },
          `decompresses to more than the ${formatBytes(lim.bytes)} limit of ${lim.what}`,
        );
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof ParseError) throw e;
    throw new ParseError({ file: path }, `not valid gzip data (${(e as Error).message})`);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/**
 * The bytes of the regular file `path`, at most the limit of its kind
 * (gunzipped, and bounded after decompression, when the name ends in `.gz`).
 *
 * @example
 * ```ts
 * import { readFileBounded } from "./bounded.ts";
 *
 * const bytes = await readFileBounded("data/sample/README.md", "text");
 * console.log(bytes.length);
 * ```
 */
export async function readFileBounded(
  path: string,
  limit: FileKind | ReadLimit,
): Promise<Uint8Array> {
  const lim = limitOf(limit);
  const info = await regularFile(path);
  // A compressed file larger than the limit decompresses to more than the limit.
  if (info.size > lim.bytes) throw tooBig(path, lim, info.size);
  const file = await Deno.open(path, { read: true });
  let raw: Uint8Array;
  try {
    // What was opened is what was checked (a file replaced in between is caught).
    const what = notRegular(await file.stat());
    if (what) throw new ParseError({ file: path }, `${what}, not a regular file`);
    raw = await readToEnd(file, info.size, lim, path);
  } finally {
    file.close();
  }
  return path.endsWith(".gz") ? await gunzipBounded(raw, lim, path) : raw;
}

/** The UTF-8 text of the regular file `path`, bounded as {@link readFileBounded}. */
export async function readTextBounded(
  path: string,
  limit: FileKind | ReadLimit,
): Promise<string> {
  return new TextDecoder().decode(await readFileBounded(path, limit));
}
