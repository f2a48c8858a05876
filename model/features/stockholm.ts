/**
 * Stockholm alignments (HMMER's jackhmmer/hmmsearch `-A` output, Pfam seeds):
 * parsing of multi-block files with `#=GF/#=GS/#=GR/#=GC` annotation, AF2's
 * query-first conversion into an {@link Msa}, and AF2's Stockholm clean-ups
 * (empty-column removal, truncation).
 *
 * @module
 */

import { readText } from "../io/text.ts";
import { clip } from "./fasta.ts";
import type { Msa } from "./msa.ts";
import { ParseError } from "../util/errors.ts";
import type { TemplateHit } from "./hhr.ts";

/** One parsed Stockholm alignment: rows concatenated over all blocks. */
export interface StockholmAlignment {
  /** Sequence names in order of first appearance. */
  names: string[];
  /** Per name: the gapped row, exactly as written (all blocks joined). */
  rows: string[];
  /** Per name: the 1-based line of its first row (for later error messages). */
  lines: number[];
  /** `#=GF` file annotation: feature -> lines of text. */
  gf: Map<string, string[]>;
  /** `#=GS` per-sequence annotation: name -> feature -> text (repeated lines joined by a space). */
  gs: Map<string, Map<string, string>>;
  /** `#=GR` per-residue annotation: name -> feature -> row (blocks joined). */
  gr: Map<string, Map<string, string>>;
  /** `#=GC` per-column annotation (e.g. `RF`, `SS_cons`): feature -> row. */
  gc: Map<string, string>;
}

// Residues of any case and the gap conventions: '-' (deletion in a match column),
// '.' (gap in an insert column) and '~' (unaligned end, written by some tools).
const ROW_CHARS = /^[A-Za-z.~-]+$/;

function isGap(c: string): boolean {
  return c === "-" || c === "." || c === "~";
}

function emptyAlignment(): StockholmAlignment {
  return {
    names: [],
    rows: [],
    lines: [],
    gf: new Map(),
    gs: new Map(),
    gr: new Map(),
    gc: new Map(),
  };
}

/**
 * Parses every alignment in Stockholm text (a file may hold several, each ended by
 * `//`). Throws {@link ParseError} with file:line for a missing `# STOCKHOLM`
 * header, a missing final `//` (a truncated file), malformed lines, characters that
 * are not residues or gaps, and rows or annotations of unequal length.
 */
export function parseStockholmAll(text: string, file = "<string>"): StockholmAlignment[] {
  const out: StockholmAlignment[] = [];
  let aln: StockholmAlignment | undefined;
  const index = new Map<string, number>();
  // Lengths are checked where each row ends; keep the line of every contribution.
  const grLines = new Map<string, number>();
  const gcLines = new Map<string, number>();
  const finish = (endLine: number) => {
    if (!aln) return;
    validateLengths(aln, file, grLines, gcLines, endLine);
    out.push(aln);
    aln = undefined;
    index.clear();
    grLines.clear();
    gcLines.clear();
  };
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i].endsWith("\r") ? lines[i].slice(0, -1) : lines[i];
    const trimmed = line.trim();
    if (trimmed.length === 0) continue;
    if (!aln) {
      if (trimmed.startsWith("# STOCKHOLM")) {
        aln = emptyAlignment();
        continue;
      }
      throw new ParseError(
        { file, line: lineNo },
        out.length === 0 ? "missing '# STOCKHOLM 1.0' header" : "text after '//' end of alignment",
      );
    }
    const loc = { file, line: lineNo };
    if (trimmed === "//") {
      finish(lineNo);
      continue;
    }
    if (trimmed.startsWith("#=GF")) {
      const m = /^#=GF\s+(\S+)\s*(.*)$/.exec(trimmed);
      if (!m) throw new ParseError(loc, "#=GF line without a feature");
      const list = aln.gf.get(m[1]) ?? [];
      list.push(m[2]);
      aln.gf.set(m[1], list);
    } else if (trimmed.startsWith("#=GS")) {
      const m = /^#=GS\s+(\S+)\s+(\S+)\s*(.*)$/.exec(trimmed);
      if (!m) throw new ParseError(loc, "#=GS line needs a sequence name and a feature");
      const per = aln.gs.get(m[1]) ?? new Map<string, string>();
      const prev = per.get(m[2]);
      per.set(m[2], prev === undefined ? m[3] : `${prev} ${m[3]}`);
      aln.gs.set(m[1], per);
    } else if (trimmed.startsWith("#=GR")) {
      const f = trimmed.split(/\s+/);
      if (f.length !== 4) {
        throw new ParseError(loc, "#=GR line needs a sequence name, a feature and one row");
      }
      const per = aln.gr.get(f[1]) ?? new Map<string, string>();
      per.set(f[2], (per.get(f[2]) ?? "") + f[3]);
      aln.gr.set(f[1], per);
      grLines.set(`${f[1]}\u0000${f[2]}`, lineNo);
    } else if (trimmed.startsWith("#=GC")) {
      const f = trimmed.split(/\s+/);
      if (f.length !== 3) throw new ParseError(loc, "#=GC line needs a feature and one row");
      aln.gc.set(f[1], (aln.gc.get(f[1]) ?? "") + f[2]);
      gcLines.set(f[1], lineNo);
    } else if (trimmed.startsWith("#")) {
      continue; // Free comments and the header repeated by some writers.
    } else {
      const f = trimmed.split(/\s+/);
      if (f.length !== 2) {
        throw new ParseError(loc, `sequence line needs "name row", got ${f.length} fields`);
      }
      const [name, row] = f;
      if (!ROW_CHARS.test(row)) {
        const bad = [...row].find((c) => !ROW_CHARS.test(c)) ?? "?";
        throw new ParseError(
          loc,
          `invalid character ${JSON.stringify(bad)} in row "${clip(name)}"`,
        );
      }
      const k = index.get(name);
      if (k === undefined) {
        index.set(name, aln.names.length);
        aln.names.push(name);
        aln.rows.push(row);
        aln.lines.push(lineNo);
      } else {
        aln.rows[k] += row;
      }
    }
  }
  if (aln) {
    // Every writer ends an alignment with `//`; without it the file was cut short
    // (an interrupted copy would otherwise load as a smaller, plausible MSA).
    throw new ParseError(
      { file, line: lines.length },
      "alignment not ended by '//' (truncated file?)",
    );
  }
  return out;
}

function validateLengths(
  aln: StockholmAlignment,
  file: string,
  grLines: Map<string, number>,
  gcLines: Map<string, number>,
  endLine: number,
) {
  if (aln.rows.length === 0) return;
  const width = aln.rows[0].length;
  aln.rows.forEach((row, k) => {
    if (row.length !== width) {
      throw new ParseError(
        { file, line: aln.lines[k] },
        `row "${clip(aln.names[k])}" has ${row.length} columns, "${
          clip(aln.names[0])
        }" has ${width} (alignment ends at line ${endLine})`,
      );
    }
  });
  for (const [name, per] of aln.gr) {
    for (const [feature, row] of per) {
      if (row.length !== width) {
        throw new ParseError(
          { file, line: grLines.get(`${name}\u0000${feature}`) },
          `#=GR ${clip(name)} ${feature} has ${row.length} columns, the rows have ${width}`,
        );
      }
    }
  }
  for (const [feature, row] of aln.gc) {
    if (row.length !== width) {
      throw new ParseError(
        { file, line: gcLines.get(feature) },
        `#=GC ${feature} has ${row.length} columns, the rows have ${width}`,
      );
    }
  }
}

/**
 * Parses the first alignment of Stockholm text; see {@link parseStockholmAll}.
 *
 * @example
 * ```ts
 * import { parseStockholm } from "denofold";
 *
 * const aln = parseStockholm("# STOCKHOLM 1.0\nquery MKV-L\nhit   MRVAL\n//\n", "x.sto");
 * console.log(aln.names, aln.rows); // ["query", "hit"] ["MKV-L", "MRVAL"]
 * ```
 */
export function parseStockholm(text: string, file = "<string>"): StockholmAlignment {
  const all = parseStockholmAll(text, file);
  if (all.length === 0) throw new ParseError({ file }, "no alignment in Stockholm file");
  return all[0];
}

/** Options for {@link stockholmToMsa}. */
export interface StockholmToMsaOptions {
  /** Keep only the first N rows (query included), as AF2's `max_sequences`. */
  maxSequences?: number;
}

/**
 * AF2's `parse_stockholm` conversion: the first sequence is the query; keep the
 * columns where the query has a residue, count per row the residues in the dropped
 * columns as deletions before the next kept column (residues after the last kept
 * column are dropped), upper-case, and write every gap as `-`. Descriptions are the
 * sequence names, as in AF2.
 *
 * @example Columns where the query has a gap become deletions
 * ```ts
 * import { parseStockholm, stockholmToMsa } from "denofold";
 *
 * const aln = parseStockholm("# STOCKHOLM 1.0\nquery MKV-L\nhit   MRVAL\n//\n", "x.sto");
 * const msa = stockholmToMsa(aln, "x.sto");
 * console.log(msa.sequences, msa.deletions[1]); // ["MKVL", "MRVL"] Int32Array [0, 0, 0, 1]
 * ```
 */
export function stockholmToMsa(
  aln: StockholmAlignment,
  file = "<string>",
  options: StockholmToMsaOptions = {},
): Msa {
  if (aln.rows.length === 0) throw new ParseError({ file }, "Stockholm alignment has no sequences");
  const query = aln.rows[0];
  const keep: number[] = [];
  for (let c = 0; c < query.length; c++) if (!isGap(query[c])) keep.push(c);
  const n = Math.min(aln.rows.length, options.maxSequences ?? Infinity);
  const msa: Msa = { sequences: [], deletions: [], descriptions: [] };
  for (let k = 0; k < n; k++) {
    const row = aln.rows[k];
    const seq = new Array<string>(keep.length);
    const del = new Int32Array(keep.length);
    let pending = 0, j = 0;
    for (let c = 0; c < row.length; c++) {
      const ch = row[c];
      if (c === keep[j]) {
        seq[j] = isGap(ch) ? "-" : ch.toUpperCase();
        del[j++] = pending;
        pending = 0;
      } else if (!isGap(ch)) pending++;
    }
    msa.sequences.push(seq.join(""));
    msa.deletions.push(del);
    msa.descriptions.push(aln.names[k]);
  }
  return msa;
}

/**
 * AF2's `remove_empty_columns_from_stockholm_msa`: drops the columns where every
 * sequence row has a gap (`#=GR`/`#=GC` rows lose the same columns). Returns a new
 * alignment.
 */
export function removeEmptyColumns(aln: StockholmAlignment): StockholmAlignment {
  const width = aln.rows[0]?.length ?? 0;
  const keep: boolean[] = new Array(width).fill(false);
  for (const row of aln.rows) {
    for (let c = 0; c < width; c++) if (!keep[c] && !isGap(row[c])) keep[c] = true;
  }
  const mask = (s: string) => {
    let out = "";
    for (let c = 0; c < s.length; c++) if (keep[c]) out += s[c];
    return out;
  };
  const gr = new Map<string, Map<string, string>>();
  for (const [name, per] of aln.gr) {
    gr.set(name, new Map([...per].map(([f, r]) => [f, mask(r)])));
  }
  return {
    ...aln,
    rows: aln.rows.map(mask),
    gr,
    gc: new Map([...aln.gc].map(([f, r]) => [f, mask(r)])),
  };
}

/**
 * AF2's `truncate_stockholm_msa`: keeps the first `maxSequences` sequences and their
 * `#=GS`/`#=GR` annotation. Returns a new alignment.
 */
export function truncateStockholm(
  aln: StockholmAlignment,
  maxSequences: number,
): StockholmAlignment {
  const names = aln.names.slice(0, maxSequences);
  const kept = new Set(names);
  const pick = <V>(m: Map<string, V>) => new Map([...m].filter(([k]) => kept.has(k)));
  return {
    ...aln,
    names,
    rows: aln.rows.slice(0, maxSequences),
    lines: aln.lines.slice(0, maxSequences),
    gs: pick(aln.gs),
    gr: pick(aln.gr),
  };
}

/**
 * Reads a Stockholm file (gzip-aware) and converts its first alignment, query first.
 *
 * @example
 * ```ts
 * import { readStockholmMsa } from "denofold";
 *
 * const msa = await readStockholmMsa("data/sample/msa/openfold/1psm_A/uniref90_hits.sto.gz", {
 *   maxSequences: 10000,
 * });
 * console.log(msa.sequences.length, "rows");
 * ```
 */
export async function readStockholmMsa(
  path: string,
  options: StockholmToMsaOptions = {},
): Promise<Msa> {
  return stockholmToMsa(parseStockholm(await readText(path, "alignment"), path), path, options);
}

// AF2's `_parse_hmmsearch_description`: "<pdb>_<chain>/<start>-<end> ... length:<n> ...".
const HMMSEARCH_NAME = /^([A-Za-z0-9]+)_(\w+)\/(\d{1,9})-(\d{1,9})$/;
const PROTEIN_LENGTH = /mol:protein length:(\d{1,9})/;

/**
 * Template hits from hmmsearch output (`hmm_output.sto`: the query profile searched
 * against PDB seqres), as AF2's `Hmmsearch.get_template_hits` /
 * `parse_hmmsearch_a3m`: insert columns (`.` and lower case) are not aligned but
 * advance the template residue counter; rows without `mol:protein` in their `#=GS DE`
 * are skipped. `querySequence` is the ungapped query; the match columns must
 * correspond to its residues one to one.
 */
export function hmmsearchTemplateHits(
  aln: StockholmAlignment,
  querySequence: string,
  file = "<string>",
): TemplateHit[] {
  const hits: TemplateHit[] = [];
  const indicesQuery = Array.from({ length: querySequence.length }, (_, i) => i);
  for (let k = 0; k < aln.rows.length; k++) {
    const name = aln.names[k];
    const de = aln.gs.get(name)?.get("DE") ?? "";
    const lengthMatch = PROTEIN_LENGTH.exec(de);
    if (!lengthMatch) continue;
    const m = HMMSEARCH_NAME.exec(name);
    if (!m) {
      throw new ParseError(
        { file, line: aln.lines[k] },
        `hmmsearch hit "${clip(name)}" is not named <pdb>_<chain>/<start>-<end>`,
      );
    }
    const [, pdb, chain, fromS, toS] = m;
    let counter = Number(fromS) - 1;
    const cols: string[] = [];
    const indicesHit: number[] = [];
    for (const c of aln.rows[k]) {
      if (c === ".") continue;
      if (c === "-") {
        cols.push("-");
        indicesHit.push(-1);
      } else if (c >= "a" && c <= "z") counter++;
      else {
        cols.push(c.toUpperCase());
        indicesHit.push(counter++);
      }
    }
    if (cols.length !== querySequence.length) {
      throw new ParseError(
        { file, line: aln.lines[k] },
        `hmmsearch hit "${clip(name)}" has ${cols.length} match columns, the query has ` +
          `${querySequence.length} residues`,
      );
    }
    const paired = indicesHit.flatMap((t, q) => (t >= 0 ? [q] : []));
    hits.push({
      index: k + 1,
      name: `${pdb}_${chain}`,
      probability: NaN,
      eValue: NaN,
      alignedCols: paired.length,
      sumProbs: NaN,
      queryStart: paired.length ? paired[0] + 1 : -1,
      queryEnd: paired.length ? paired[paired.length - 1] + 1 : -1,
      templateStart: Number(fromS),
      templateEnd: Number(toS),
      templateLength: Number(lengthMatch[1]),
      query: querySequence,
      hitSequence: cols.join(""),
      indicesQuery: indicesQuery.slice(),
      indicesHit,
    });
  }
  return hits;
}

/**
 * Writes an alignment as Stockholm text in one block (names padded to one column),
 * `#=GR` lines after their row; {@link parseStockholm} reads it back unchanged.
 */
export function formatStockholm(aln: StockholmAlignment): string {
  const out = ["# STOCKHOLM 1.0"];
  for (const [feature, texts] of aln.gf) for (const t of texts) out.push(`#=GF ${feature} ${t}`);
  for (const [name, per] of aln.gs) {
    for (const [feature, text] of per) out.push(`#=GS ${name} ${feature} ${text}`);
  }
  out.push("");
  const labels = [
    ...aln.names,
    ...[...aln.gr].flatMap(([n, per]) => [...per.keys()].map((f) => `#=GR ${n} ${f}`)),
    ...[...aln.gc.keys()].map((f) => `#=GC ${f}`),
  ];
  const width = Math.max(0, ...labels.map((l) => l.length)) + 1;
  aln.names.forEach((name, k) => {
    out.push(name.padEnd(width) + aln.rows[k]);
    for (const [f, row] of aln.gr.get(name) ?? []) {
      out.push(`#=GR ${name} ${f}`.padEnd(width) + row);
    }
  });
  for (const [f, row] of aln.gc) out.push(`#=GC ${f}`.padEnd(width) + row);
  out.push("//");
  return out.join("\n") + "\n";
}
