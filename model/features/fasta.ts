/**
 * FASTA: `>` header lines, each followed by sequence lines that may be wrapped.
 * Also the reader behind A3M (which is FASTA with lower-case insertions).
 *
 * @module
 */

import { readText } from "../io/text.ts";
import { ParseError } from "../util/errors.ts";

/** One FASTA record. */
export interface FastaRecord {
  /** The header line without its `>` (trimmed). */
  description: string;
  /** The sequence with line breaks and blanks removed, letters as written. */
  sequence: string;
  /** 1-based line of the `>` header, for error messages further on. */
  line: number;
}

/** Options for {@link parseFasta}. */
export interface FastaOptions {
  /** Accept records without sequence lines (default false: they are an error). */
  allowEmpty?: boolean;
}

// Letters, gaps of either convention, and '*' (translation stop some databases keep).
const SEQUENCE_CHARS = /^[A-Za-z.*-]*$/;

/**
 * Parses FASTA text into records. Blank lines are skipped; lines starting with `#`
 * before the first header are comments (ColabFold writes a `#` line atop A3M files).
 * Throws {@link ParseError} (file:line) for sequence data before the first header,
 * characters that are not residues or gaps, and empty records.
 *
 * @example
 * ```ts
 * import { parseFasta } from "denofold";
 *
 * const [rec] = parseFasta(">q1 demo\nMKV\nLA\n", "q.fasta");
 * console.log(rec.description, rec.sequence); // "q1 demo" "MKVLA"
 * ```
 */
export function parseFasta(
  text: string,
  file = "<string>",
  options: FastaOptions = {},
): FastaRecord[] {
  const records: FastaRecord[] = [];
  let current: { description: string; parts: string[]; line: number } | undefined;
  const close = () => {
    if (!current) return;
    const sequence = current.parts.join("");
    if (sequence.length === 0 && !options.allowEmpty) {
      throw new ParseError(
        { file, line: current.line },
        `record "${clip(current.description)}" has no sequence`,
      );
    }
    records.push({ description: current.description, sequence, line: current.line });
  };
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].endsWith("\r") ? lines[i].slice(0, -1) : lines[i];
    const lineNo = i + 1;
    if (raw.startsWith(">")) {
      close();
      current = { description: raw.slice(1).trim(), parts: [], line: lineNo };
      continue;
    }
    const seq = raw.replace(/[ \t]+/g, "");
    if (seq.length === 0) continue;
    if (!current) {
      if (seq.startsWith("#")) continue;
      throw new ParseError({ file, line: lineNo }, "sequence data before the first '>' header");
    }
    if (!SEQUENCE_CHARS.test(seq)) {
      const bad = [...seq].find((c) => !SEQUENCE_CHARS.test(c)) ?? "?";
      throw new ParseError(
        { file, line: lineNo },
        `invalid character ${JSON.stringify(bad)} in sequence of "${clip(current.description)}"`,
      );
    }
    current.parts.push(seq);
  }
  close();
  return records;
}

/**
 * Reads and parses a FASTA file (gzip-aware, by the `.gz` suffix).
 *
 * @example
 * ```ts
 * import { readFasta } from "denofold";
 *
 * await Deno.writeTextFile("query.fasta", ">q1 demo\nMKV\nLA\n");
 * const records = await readFasta("query.fasta");
 * console.log(records.map((r) => `${r.description}: ${r.sequence.length} residues`));
 * ```
 */
export async function readFasta(path: string, options: FastaOptions = {}): Promise<FastaRecord[]> {
  return parseFasta(await readText(path, "fasta"), path, options);
}

/**
 * Formats records as FASTA text, sequences wrapped at `width` letters (0: no wrap).
 *
 * @example
 * ```ts
 * import { formatFasta } from "denofold";
 *
 * console.log(formatFasta([{ description: "q1", sequence: "MKVLA" }], 3)); // ">q1\nMKV\nLA\n"
 * ```
 */
export function formatFasta(
  records: { description: string; sequence: string }[],
  width = 60,
): string {
  const out: string[] = [];
  for (const r of records) {
    out.push(`>${r.description}`);
    if (width <= 0) out.push(r.sequence);
    else {for (let i = 0; i < r.sequence.length; i += width) {
        out.push(r.sequence.slice(i, i + width));
      }}
  }
  return out.join("\n") + "\n";
}

/** A description shortened for error messages. */
export function clip(s: string, n = 40): string {
  return s.length > n ? s.slice(0, n) + "…" : s;
}
