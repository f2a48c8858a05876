/**
 * A3M (HH-suite's aligned FASTA): upper-case letters and `-` are aligned to the
 * query's columns; lower-case letters are insertions relative to the query.
 *
 * @module
 */

import { readText } from "../io/text.ts";
import { clip, parseFasta } from "./fasta.ts";
import type { Msa } from "./msa.ts";
import { ParseError } from "../util/errors.ts";

/** Options for {@link parseA3m}. */
export interface A3mOptions {
  /** Keep only the first N rows (query included). */
  maxSequences?: number;
}

const CODE_A = 65, CODE_Z = 90, CODE_LA = 97, CODE_LZ = 122, CODE_DASH = 45, CODE_DOT = 46;

/**
 * One A3M row split into its aligned columns and the deletion counts before each,
 * as AF2's `parse_a3m`: lower-case letters are deleted and counted toward the next
 * aligned column; insertions after the last aligned column are dropped. `.` (a gap
 * in an insert column, written by some converters) is dropped and not counted.
 * Returns undefined when a character is neither a letter nor a gap.
 */
export function splitA3mRow(row: string): { aligned: string; deletions: number[] } | undefined {
  const aligned: string[] = [];
  const deletions: number[] = [];
  let pending = 0;
  for (let i = 0; i < row.length; i++) {
    const c = row.charCodeAt(i);
    if (c >= CODE_LA && c <= CODE_LZ) pending++;
    else if ((c >= CODE_A && c <= CODE_Z) || c === CODE_DASH) {
      aligned.push(row[i]);
      deletions.push(pending);
      pending = 0;
    } else if (c !== CODE_DOT) return undefined;
  }
  return { aligned: aligned.join(""), deletions };
}

/**
 * Parses A3M text into an {@link Msa} (row 0 = the query). Every row must have the
 * query's number of aligned columns; otherwise a {@link ParseError} names the row's
 * header line.
 *
 * @example
 * ```ts
 * import { parseA3m } from "denofold";
 *
 * const msa = parseA3m(">query\nMKV\n>hit\nMkkK-\n", "x.a3m");
 * console.log(msa.sequences[1], msa.deletions[1]); // "MK-" Int32Array [0, 2, 0]
 * ```
 */
export function parseA3m(text: string, file = "<string>", options: A3mOptions = {}): Msa {
  const records = parseFasta(text, file);
  if (records.length === 0) throw new ParseError({ file }, "no sequences in A3M");
  const limit = options.maxSequences ?? Infinity;
  const msa: Msa = { sequences: [], deletions: [], descriptions: [] };
  let width = -1;
  for (const rec of records) {
    if (msa.sequences.length >= limit) break;
    const split = splitA3mRow(rec.sequence);
    if (!split) {
      throw new ParseError(
        { file, line: rec.line },
        `row "${clip(rec.description)}" has a character that is not a residue or gap`,
      );
    }
    if (width < 0) width = split.aligned.length;
    else if (split.aligned.length !== width) {
      throw new ParseError(
        { file, line: rec.line },
        `row "${clip(rec.description)}" has ${split.aligned.length} aligned columns, ` +
          `the query has ${width}`,
      );
    }
    msa.sequences.push(split.aligned);
    msa.deletions.push(Int32Array.from(split.deletions));
    msa.descriptions.push(rec.description);
  }
  return msa;
}

/**
 * Reads and parses an A3M file (gzip-aware).
 *
 * @example
 * ```ts
 * import { readA3m } from "denofold";
 *
 * const msa = await readA3m("data/sample/msa/openfold/1psm_A/bfd_uniclust_hits.a3m.gz", {
 *   maxSequences: 100,
 * });
 * console.log(msa.sequences.length, "rows of", msa.sequences[0].length, "columns");
 * ```
 */
export async function readA3m(path: string, options: A3mOptions = {}): Promise<Msa> {
  return parseA3m(await readText(path, "alignment"), path, options);
}
