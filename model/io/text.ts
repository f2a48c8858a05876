/**
 * Reading text files that may be gzip-compressed: whole or line by line, every
 * read bounded by the limit of its kind of file (model/io/bounded.ts): only
 * regular files, at most so many (decompressed) bytes, errors naming the file.
 *
 * @module
 */

import { ParseError } from "../util/errors.ts";
import {
  type FileKind,
  formatBytes,
  READ_LIMITS,
  readFileBounded,
  type ReadLimit,
  regularFile,
} from "./bounded.ts";

function isGzip(path: string): boolean {
  return path.endsWith(".gz");
}

/**
 * The bytes of a file, gunzipped when its name ends in `.gz`; at most the
 * limit of `kind` (default: any text), else a {@link ParseError}.
 */
export function readBytes(path: string, kind: FileKind | ReadLimit = "text"): Promise<Uint8Array> {
  return readFileBounded(path, kind);
}

/** The text of a file, gunzipped when its name ends in `.gz`; bounded as {@link readBytes}. */
export async function readText(path: string, kind: FileKind | ReadLimit = "text"): Promise<string> {
  return new TextDecoder().decode(await readBytes(path, kind));
}

/** The longest line {@link readLines} yields. */
export const MAX_LINE_BYTES = 64 << 20;

/**
 * The lines of a (possibly gzipped) text file, streamed, without their line
 * endings. Line numbers are 1-based and count every line. The file must be
 * regular; its (decompressed) size is bounded by the limit of `kind`
 * (default: tables) and each line by {@link MAX_LINE_BYTES}.
 */
export async function* readLines(
  path: string,
  kind: FileKind | ReadLimit = "table",
): AsyncGenerator<{ line: string; lineNo: number }> {
  const limit = typeof kind === "string" ? READ_LIMITS[kind] : kind;
  const info = await regularFile(path);
  if (info.size > limit.bytes) {
    throw new ParseError(
      { file: path },
      `${formatBytes(info.size)}, above the ${formatBytes(limit.bytes)} limit of ${limit.what}`,
    );
  }
  const file = await Deno.open(path);
  let total = 0;
  const count = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, ctl) {
      total += chunk.length;
      if (total > limit.bytes) {
        ctl.error(
          new ParseError(
            { file: path },
            `${isGzip(path) ? "decompresses to " : ""}more than the ` +
              `${formatBytes(limit.bytes)} limit of ${limit.what}`,
          ),
        );
      } else ctl.enqueue(chunk);
    },
  });
  const raw: ReadableStream<Uint8Array> = isGzip(path)
    ? file.readable.pipeThrough(
      new DecompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>,
    )
    : file.readable;
  const text = raw.pipeThrough(count).pipeThrough(new TextDecoderStream());
  let rest = "";
  let lineNo = 0;
  const reader = text.getReader();
  try {
    for (;;) {
      let r;
      try {
        r = await reader.read();
      } catch (e) {
        if (e instanceof ParseError) throw e;
        throw new ParseError(
          { file: path, line: lineNo + 1 },
          isGzip(path) ? `not valid gzip data (${(e as Error).message})` : (e as Error).message,
        );
      }
      if (r.done) break;
      rest += r.value;
      let nl: number;
      while ((nl = rest.indexOf("\n")) >= 0) {
        const line = rest.slice(0, nl).replace(/\r$/, "");
        rest = rest.slice(nl + 1);
        yield { line, lineNo: ++lineNo };
      }
      if (rest.length > MAX_LINE_BYTES) {
        throw new ParseError(
          { file: path, line: lineNo + 1 },
          `line longer than ${formatBytes(MAX_LINE_BYTES)}`,
        );
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  if (rest.length > 0) yield { line: rest.replace(/\r$/, ""), lineNo: ++lineNo };
}
