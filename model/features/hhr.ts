/**
 * HHR: the text report of HH-suite's hhsearch/hhblits (`-o out.hhr`). A header,
 * a summary table, then one paragraph per template hit starting `No <n>`, each
 * with a `Probab=... E-value=...` line and the pairwise alignment in blocks of
 * `Q <name> <start> <residues> <end> (<length>)` / `T ...` lines.
 *
 * @module
 */

import { readText } from "../io/text.ts";
import { ParseError } from "../util/errors.ts";

/**
 * A template hit, as AF2's `TemplateHit` plus the summary numbers. The aligned
 * strings have one character per alignment column; `indicesQuery`/`indicesHit`
 * give per column the 0-based residue index in the query/template, or -1 at a gap.
 */
export interface TemplateHit {
  /** Hit number in the report (1-based). */
  index: number;
  /** The `>` line of the hit without `>`: template id and description. */
  name: string;
  /** HHsearch probability of a true hit, in percent (0 for hmmsearch hits). */
  probability: number;
  /** E-value (NaN where the source has none). */
  eValue: number;
  /** Number of aligned match columns. */
  alignedCols: number;
  /** Sum of posterior probabilities of the aligned pairs (NaN where absent). */
  sumProbs: number;
  /** First aligned query residue, 1-based. */
  queryStart: number;
  /** Last aligned query residue, 1-based inclusive. */
  queryEnd: number;
  /** First aligned template residue, 1-based. */
  templateStart: number;
  /** Last aligned template residue, 1-based inclusive. */
  templateEnd: number;
  /** The template's full length as printed `(<length>)`, or -1 if unknown. */
  templateLength: number;
  /** Aligned query residues and `-`, upper-case. */
  query: string;
  /** Aligned template residues and `-`, upper-case. */
  hitSequence: string;
  /** Per column: 0-based query residue index, -1 at a query gap. */
  indicesQuery: number[];
  /** Per column: 0-based template residue index, -1 at a template gap. */
  indicesHit: number[];
}

/** The parsed report: query name, its length, and the hits in report order. */
export interface HhrResult {
  /** From the `Query` header line ("" if absent). */
  queryName: string;
  /** From `Match_columns` (-1 if absent). */
  matchColumns: number;
  /** The hits, in report order. */
  hits: TemplateHit[];
}

// HH-suite prints these annotation tracks as Q/T lines with no residue numbers.
const TRACK_NAMES = new Set(["ss_pred", "ss_dssp", "ss_conf", "Consensus"]);
const ALIGNED = /^[A-Za-z-]+$/;
const INTEGER = /^\d{1,9}$/;

/**
 * Per column, AF2's `_update_hhr_residue_indices_list`: residues get consecutive
 * indices from `start` (0-based), gaps -1.
 */
function appendIndices(seq: string, start: number, out: number[]) {
  let k = start;
  for (const c of seq) out.push(c === "-" ? -1 : k++);
}

function residues(seq: string): number {
  let n = 0;
  for (const c of seq) if (c !== "-") n++;
  return n;
}

/** `Q name 8 MEGP...ER 87 (97)` split into its numbers and residues; undefined for tracks. */
function alignmentLine(line: string, file: string, lineNo: number) {
  const f = line.trim().split(/\s+/);
  if (f.length >= 2 && TRACK_NAMES.has(f[1])) return undefined;
  if (f.length < 6 || f.length > 6) {
    // An empty block line "Q name" cannot occur; anything else is damage.
    throw new ParseError(
      { file, line: lineNo },
      `alignment line needs "${f[0]} name start residues end (length)"`,
    );
  }
  const [, , startS, seq, endS, lenS] = f;
  const lenM = /^\((\d{1,9})\)$/.exec(lenS);
  if (!INTEGER.test(startS) || !INTEGER.test(endS) || !lenM || !ALIGNED.test(seq)) {
    throw new ParseError(
      { file, line: lineNo },
      `alignment line needs "${f[0]} name start residues end (length)"`,
    );
  }
  const start = Number(startS), end = Number(endS), length = Number(lenM[1]);
  const n = residues(seq);
  // Same consistency check as AF2: residues in the block = end - start + 1.
  if (n > 0 && end - start + 1 !== n) {
    throw new ParseError(
      { file, line: lineNo },
      `block ${start}-${end} should hold ${end - start + 1} residues, it holds ${n}`,
    );
  }
  if (end > length || (n > 0 && start < 1)) {
    throw new ParseError(
      { file, line: lineNo },
      `residues ${start}-${end} outside length ${length}`,
    );
  }
  return { start, end, seq: seq.toUpperCase(), length, residues: n };
}

function summaryNumbers(line: string, file: string, lineNo: number) {
  const values = new Map<string, string>();
  for (const tok of line.trim().split(/\s+/)) {
    const eq = tok.indexOf("=");
    if (eq > 0) values.set(tok.slice(0, eq), tok.slice(eq + 1).replace(/%$/, ""));
  }
  const num = (key: string) => {
    const v = values.get(key);
    const x = v === undefined || v === "" ? NaN : Number(v);
    if (!Number.isFinite(x)) {
      throw new ParseError({ file, line: lineNo }, `hit summary lacks a number for ${key}=`);
    }
    return x;
  };
  const optional = (key: string) => (values.has(key) ? num(key) : NaN);
  return {
    probability: num("Probab"),
    eValue: num("E-value"),
    alignedCols: num("Aligned_cols"),
    sumProbs: optional("Sum_probs"),
  };
}

/** Parses one `No <n>` paragraph (AF2's `_parse_hhr_hit`). `first` is its line index. */
function parseHit(lines: string[], first: number, last: number, file: string): TemplateHit {
  const noLine = lines[first].trim().split(/\s+/);
  if (noLine.length !== 2 || !INTEGER.test(noLine[1])) {
    throw new ParseError({ file, line: first + 1 }, 'hit paragraph must start "No <number>"');
  }
  const index = Number(noLine[1]);
  const nameLine = first + 1 < last ? lines[first + 1] : "";
  if (!nameLine.startsWith(">")) {
    throw new ParseError({ file, line: first + 2 }, `hit ${index}: expected the ">name" line`);
  }
  const summaryLine = first + 2 < last ? lines[first + 2] : "";
  if (!summaryLine.startsWith("Probab=")) {
    throw new ParseError({ file, line: first + 3 }, `hit ${index}: expected the "Probab=" line`);
  }
  const summary = summaryNumbers(summaryLine, file, first + 3);
  let query = "", hitSequence = "";
  const indicesQuery: number[] = [], indicesHit: number[] = [];
  let blockLength = -1;
  let queryStart = -1, queryEnd = -1, templateStart = -1, templateEnd = -1, templateLength = -1;
  for (let i = first + 3; i < last; i++) {
    const line = lines[i];
    if (!line.startsWith("Q ") && !line.startsWith("T ")) continue;
    const parsed = alignmentLine(line, file, i + 1);
    if (!parsed) continue;
    if (line[0] === "Q") {
      if (blockLength >= 0) {
        throw new ParseError({ file, line: i + 1 }, `hit ${index}: query line without its T line`);
      }
      blockLength = parsed.seq.length;
      query += parsed.seq;
      appendIndices(parsed.seq, parsed.start - 1, indicesQuery);
      if (parsed.residues > 0) {
        if (queryStart < 0) queryStart = parsed.start;
        queryEnd = parsed.end;
      }
    } else {
      if (blockLength < 0) {
        throw new ParseError(
          { file, line: i + 1 },
          `hit ${index}: template line before query line`,
        );
      }
      if (parsed.seq.length !== blockLength) {
        throw new ParseError(
          { file, line: i + 1 },
          `hit ${index}: template block has ${parsed.seq.length} columns, query block ${blockLength}`,
        );
      }
      blockLength = -1;
      hitSequence += parsed.seq;
      appendIndices(parsed.seq, parsed.start - 1, indicesHit);
      templateLength = parsed.length;
      if (parsed.residues > 0) {
        if (templateStart < 0) templateStart = parsed.start;
        templateEnd = parsed.end;
      }
    }
  }
  if (blockLength >= 0) {
    throw new ParseError({ file, line: last }, `hit ${index}: last query block has no T line`);
  }
  if (query.length === 0) {
    throw new ParseError({ file, line: first + 1 }, `hit ${index} has no alignment`);
  }
  return {
    index,
    name: nameLine.slice(1).trim(),
    ...summary,
    queryStart,
    queryEnd,
    templateStart,
    templateEnd,
    templateLength,
    query,
    hitSequence,
    indicesQuery,
    indicesHit,
  };
}

/**
 * Parses an HHR report (AF2's `parse_hhr`): every `No <n>` paragraph is one hit.
 * Throws {@link ParseError} (file:line) on malformed summary or alignment lines,
 * blocks whose residue count disagrees with their start/end, or Q/T blocks of
 * unequal width.
 *
 * @example
 * ```ts
 * import { parseHhr } from "denofold";
 *
 * const report = parseHhr(await Deno.readTextFile("pdb70_hits.hhr"), "pdb70_hits.hhr");
 * for (const hit of report.hits) console.log(hit.name, hit.probability, hit.alignedCols);
 * ```
 */
export function parseHhr(text: string, file = "<string>"): HhrResult {
  const lines = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  let queryName = "", matchColumns = -1;
  const starts: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith("No ")) starts.push(i);
    else if (starts.length === 0 && line.startsWith("Query ")) queryName = line.slice(6).trim();
    else if (starts.length === 0 && line.startsWith("Match_columns")) {
      const v = line.slice(13).trim();
      if (!INTEGER.test(v)) {
        throw new ParseError({ file, line: i + 1 }, "Match_columns is not a number");
      }
      matchColumns = Number(v);
    }
  }
  const hits: TemplateHit[] = [];
  for (let h = 0; h < starts.length; h++) {
    hits.push(
      parseHit(lines, starts[h], h + 1 < starts.length ? starts[h + 1] : lines.length, file),
    );
  }
  return { queryName, matchColumns, hits };
}

/**
 * Reads and parses an HHR file (gzip-aware).
 *
 * @example
 * ```ts
 * import { readHhr } from "denofold";
 *
 * const { queryName, hits } = await readHhr("pdb70_hits.hhr");
 * console.log(queryName, hits.length, "template hits");
 * ```
 */
export async function readHhr(path: string): Promise<HhrResult> {
  return parseHhr(await readText(path, "alignment"), path);
}

/**
 * The residue correspondence of a hit: query residue index -> template residue
 * index (0-based) for every column where both have a residue. This is what AF2's
 * template featurisation (`_build_query_to_hit_index_mapping`) starts from.
 */
export function queryToTemplateMapping(hit: TemplateHit): Map<number, number> {
  const map = new Map<number, number>();
  for (let c = 0; c < hit.indicesQuery.length; c++) {
    const q = hit.indicesQuery[c], t = hit.indicesHit[c];
    if (q >= 0 && t >= 0) map.set(q, t);
  }
  return map;
}
