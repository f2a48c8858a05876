/**
 * The OpenProteinSet / OpenFold per-chain alignment layout,
 * `<alignment_dir>/<chain_id>/{uniref90_hits.sto, bfd_uniclust_hits.a3m, ...}`,
 * and OpenFold's `alignment_db` packing of the same files: one concatenated `.db`
 * file plus a JSON index `{chain: {db: "file.db", files: [[name, start, size], ...]}}`.
 *
 * @module
 */

import { z } from "zod";
import { writeAll, writeFileAtomicWith, writeTextFileAtomic } from "../io/atomic.ts";
import { readBytes } from "../io/text.ts";
import { formatBytes, notRegular, READ_LIMITS } from "../io/bounded.ts";
import { parseA3m } from "./a3m.ts";
import { type HhrResult, parseHhr, type TemplateHit } from "./hhr.ts";
import type { Msa } from "./msa.ts";
import { ParseError } from "../util/errors.ts";
import { hmmsearchTemplateHits, parseStockholm, stockholmToMsa } from "./stockholm.ts";

/** What a file of the layout is used for. */
export type AlignmentRole = "msa" | "pairing" | "templates";

/** One known file name of the layout. */
export interface AlignmentFileSpec {
  /** File name inside the chain directory (a `.gz` twin is accepted too). */
  file: string;
  /** Database the search ran against. */
  database: "uniref90" | "bfd" | "mgnify" | "uniprot" | "pdb70" | "pdb_seqres";
  /** The file format: A3M, Stockholm or an HHsearch report. */
  format: "a3m" | "sto" | "hhr";
  /** `msa`: merged into the main MSA; `pairing`: multimer species pairing; `templates`. */
  role: AlignmentRole;
  /** Rows kept (query included); undefined = all. */
  maxSequences?: number;
}

/**
 * The files of the layout, in AF2's MSA merge order (`DataPipeline.process`:
 * uniref90, then BFD, then MGnify). Row limits are the ones the searches were run
 * with: uniref90 10,000 (AF2 `uniref_max_hits`), MGnify 5,000 (OpenFold's
 * `AlignmentRunner.mgnify_max_hits`; AF2 itself keeps 501), UniProt 50,000 (AF2
 * multimer `uniprot_max_hits`); hhblits' BFD/Uniclust A3M and the template searches
 * are not cut here (templates are limited later, by the template featuriser).
 */
export const ALIGNMENT_FILES: readonly AlignmentFileSpec[] = [
  {
    file: "uniref90_hits.sto",
    database: "uniref90",
    format: "sto",
    role: "msa",
    maxSequences: 10000,
  },
  { file: "bfd_uniclust_hits.a3m", database: "bfd", format: "a3m", role: "msa" },
  // AF2's reduced_dbs preset searches small BFD with jackhmmer instead.
  { file: "small_bfd_hits.sto", database: "bfd", format: "sto", role: "msa" },
  { file: "mgnify_hits.sto", database: "mgnify", format: "sto", role: "msa", maxSequences: 5000 },
  {
    file: "uniprot_hits.sto",
    database: "uniprot",
    format: "sto",
    role: "pairing",
    maxSequences: 50000,
  },
  { file: "pdb70_hits.hhr", database: "pdb70", format: "hhr", role: "templates" },
  // OpenProteinSet's name for the same hhsearch report.
  { file: "hhsearch_output.hhr", database: "pdb70", format: "hhr", role: "templates" },
  { file: "hmm_output.sto", database: "pdb_seqres", format: "sto", role: "templates" },
];

/** One database's MSA of a chain. */
export interface DatabaseMsa {
  /** The database the search ran against. */
  database: AlignmentFileSpec["database"];
  /** The file it came from (path, or `index.json:chain/name` for an alignment_db). */
  source: string;
  /** The alignment, cut to the file's row limit. */
  msa: Msa;
}

/** Everything found for one chain. */
export interface ChainAlignments {
  /** The chain directory's name (`<pdb>_<chain>`). */
  chainId: string;
  /** The ungapped query sequence (row 0 of every MSA; all files must agree). */
  query: string;
  /** The main-MSA databases present, in AF2's merge order. */
  msas: DatabaseMsa[];
  /** UniProt hits for multimer pairing, if present. */
  uniprot?: DatabaseMsa;
  /** hhsearch hits from `pdb70_hits.hhr` and `hhsearch_output.hhr`, if present (in that order). */
  pdb70Hits?: TemplateHit[];
  /** hmmsearch hits from `hmm_output.sto`, if present. */
  hmmsearchHits?: TemplateHit[];
}

/** Options for reading a chain's alignments. */
export interface ReadAlignmentsOptions {
  /** The chain's sequence; when given, every MSA's query row must equal it. */
  querySequence?: string;
  /** Override the per-database row limits of {@link ALIGNMENT_FILES} (by file name). */
  maxSequences?: Partial<Record<string, number>>;
  /** Parse the template hit files too (default true; false skips them). */
  templateHits?: boolean;
}

/** The raw texts of one chain's files, by layout file name. */
type ChainTexts = Map<string, { text: string; source: string }>;

function specByName(name: string): AlignmentFileSpec | undefined {
  const base = name.endsWith(".gz") ? name.slice(0, -3) : name;
  return ALIGNMENT_FILES.find((s) => s.file === base);
}

function ungapped(row: string): string {
  return row.replaceAll("-", "");
}

/**
 * The query side of every hhsearch hit must be the chain's sequence at the
 * indices the report gives; a report for another sequence would silently give
 * wrong template features later.
 */
function checkHitQuery(hits: TemplateHit[], query: string, source: string) {
  for (const hit of hits) {
    hit.indicesQuery.forEach((i, c) => {
      if (i >= 0 && query[i] !== hit.query[c]) {
        throw new ParseError(
          { file: source },
          `hit ${hit.index} (${hit.name.split(/\s/)[0]}): query residue ${i + 1} is ` +
            `${hit.query[c]} in the report, ${
              query[i] ?? "beyond the end"
            } in the chain's sequence`,
        );
      }
    });
  }
}

/** Parses one chain's files (from a directory or an alignment_db) into {@link ChainAlignments}. */
function parseChain(
  chainId: string,
  texts: ChainTexts,
  options: ReadAlignmentsOptions,
): ChainAlignments {
  let query = options.querySequence;
  let querySource = "the given query sequence";
  const checkQuery = (msa: Msa, source: string) => {
    const q = ungapped(msa.sequences[0]);
    if (query === undefined) {
      query = q;
      querySource = source;
    } else if (q !== query) {
      throw new ParseError(
        { file: source },
        `query row ${q.slice(0, 30)}… differs from ${querySource}`,
      );
    }
  };
  const msaOf = (spec: AlignmentFileSpec, text: string, source: string): Msa => {
    const max = options.maxSequences?.[spec.file] ?? spec.maxSequences;
    const msa = spec.format === "a3m"
      ? parseA3m(text, source, { maxSequences: max })
      : stockholmToMsa(parseStockholm(text, source), source, { maxSequences: max });
    checkQuery(msa, source);
    return msa;
  };
  const out: ChainAlignments = { chainId, query: "", msas: [] };
  for (const spec of ALIGNMENT_FILES) {
    const entry = texts.get(spec.file);
    if (!entry || spec.role === "templates") continue;
    const dbMsa = {
      database: spec.database,
      source: entry.source,
      msa: msaOf(spec, entry.text, entry.source),
    };
    if (spec.role === "msa") out.msas.push(dbMsa);
    else out.uniprot = dbMsa;
  }
  if (options.templateHits === false) {
    out.query = query ?? "";
    return out;
  }
  for (const name of ["pdb70_hits.hhr", "hhsearch_output.hhr"]) {
    const hhr = texts.get(name);
    if (!hhr) continue;
    const parsed: HhrResult = parseHhr(hhr.text, hhr.source);
    if (query !== undefined) checkHitQuery(parsed.hits, query, hhr.source);
    out.pdb70Hits = [...(out.pdb70Hits ?? []), ...parsed.hits];
  }
  const hmm = texts.get("hmm_output.sto");
  if (hmm) {
    if (query === undefined) {
      throw new ParseError(
        { file: hmm.source },
        "hmmsearch hits need the query sequence: give it or an MSA file beside them",
      );
    }
    out.hmmsearchHits = hmmsearchTemplateHits(
      parseStockholm(hmm.text, hmm.source),
      query,
      hmm.source,
    );
  }
  out.query = query ?? "";
  return out;
}

/**
 * Every template hit of a chain, as OpenFold's data pipeline gathers them from
 * the hit files beside the MSAs: the hhsearch reports' hits, then hmmsearch's.
 *
 * @example
 * ```ts
 * import { chainTemplateHits, readAlignmentDir } from "denofold";
 *
 * const a = await readAlignmentDir("data/sample/msa/openfold", "3zee_A");
 * console.log(chainTemplateHits(a).length); // 0: the sample ships no hit files
 * ```
 */
export function chainTemplateHits(a: ChainAlignments): TemplateHit[] {
  return [...(a.pdb70Hits ?? []), ...(a.hmmsearchHits ?? [])];
}

/**
 * Chain directories under an alignment directory, sorted.
 *
 * @example
 * ```ts
 * import { listAlignmentChains } from "denofold";
 *
 * console.log(await listAlignmentChains("data/sample/msa/openfold")); // ["1hf9_A", "1psm_A", ...]
 * ```
 */
export async function listAlignmentChains(alignmentDir: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of Deno.readDir(alignmentDir)) if (e.isDirectory) ids.push(e.name);
  return ids.sort();
}

/** The layout files present in one chain directory: layout name -> path (`.gz` or not). */
export async function chainFiles(chainDir: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for await (const e of Deno.readDir(chainDir)) {
    if (!e.isFile) continue;
    const spec = specByName(e.name);
    if (!spec) continue;
    if (found.has(spec.file)) {
      throw new ParseError(
        { file: `${chainDir}/${e.name}` },
        `both ${spec.file} and ${spec.file}.gz present: keep one`,
      );
    }
    found.set(spec.file, `${chainDir}/${e.name}`);
  }
  return found;
}

/**
 * Reads `<alignmentDir>/<chainId>/`: every layout file present (any subset, plain
 * or gzipped) parsed, main MSAs in AF2's merge order with the row limits of
 * {@link ALIGNMENT_FILES}. Throws {@link ParseError} for malformed files and for
 * query rows that disagree between files.
 *
 * @example A chain's MSAs in AF2's merge order
 * ```ts
 * import { readAlignmentDir } from "denofold";
 *
 * const a = await readAlignmentDir("data/sample/msa/openfold", "1psm_A");
 * for (const m of a.msas) console.log(m.database, m.msa.sequences.length, "rows");
 * ```
 */
export async function readAlignmentDir(
  alignmentDir: string,
  chainId: string,
  options: ReadAlignmentsOptions = {},
): Promise<ChainAlignments> {
  const texts: ChainTexts = new Map();
  const decoder = new TextDecoder();
  for (const [name, path] of await chainFiles(`${alignmentDir}/${chainId}`)) {
    texts.set(name, { text: decoder.decode(await readBytes(path, "alignment")), source: path });
  }
  return parseChain(chainId, texts, options);
}

// ---------------------------------------------------------------------------
// alignment_db

const SAFE_FILE_NAME = /^[A-Za-z0-9_.-]+$/;

/** zod schema of OpenFold's alignment_db index. */
export const AlignmentDbIndexSchema = z.record(
  z.string(),
  z.object({
    db: z.string().regex(SAFE_FILE_NAME, "db must be a plain file name").refine(
      (s) => s !== "." && s !== "..",
      "db must be a plain file name",
    ),
    files: z.array(
      z.tuple([
        z.string().min(1),
        z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
        z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
      ]),
    ),
  }),
);

/** The alignment_db index: chain -> db file and `[name, start, size]` byte ranges. */
export type AlignmentDbIndex = z.infer<typeof AlignmentDbIndexSchema>;

/**
 * Parses and validates an alignment_db index (JSON). When `dbSizes` (db file
 * name -> byte size) is given, every byte range is bounds-checked against it.
 * Throws {@link ParseError} naming the index file and the offending entry.
 */
export function parseAlignmentDbIndex(
  text: string,
  file = "<string>",
  dbSizes?: Map<string, number>,
): AlignmentDbIndex {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ParseError({ file }, `not JSON: ${(e as Error).message}`);
  }
  const parsed = AlignmentDbIndexSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ParseError({ file }, `${issue.path.join(".") || "index"}: ${issue.message}`);
  }
  if (dbSizes) checkRanges(parsed.data, file, dbSizes);
  return parsed.data;
}

function checkRanges(index: AlignmentDbIndex, file: string, dbSizes: Map<string, number>) {
  for (const [chain, entry] of Object.entries(index)) {
    const size = dbSizes.get(entry.db);
    if (size === undefined) {
      throw new ParseError({ file }, `${chain}: db file ${entry.db} not found`);
    }
    for (const [name, start, length] of entry.files) {
      if (start + length > size) {
        throw new ParseError(
          { file },
          `${chain}/${name}: bytes ${start}..${
            start + length
          } beyond the end of ${entry.db} (${size} bytes)`,
        );
      }
    }
  }
}

function dirOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** A opened alignment_db: its validated index and a reader of chains. */
export interface AlignmentDb {
  /** The validated index: chain → files → byte ranges in the db file. */
  index: AlignmentDbIndex;
  /** Chain ids in the index, sorted. */
  chains: string[];
  /** Reads and parses one chain (as {@link readAlignmentDir}). */
  readChain(chainId: string, options?: ReadAlignmentsOptions): Promise<ChainAlignments>;
}

/**
 * Opens an alignment_db from its index file; the `.db` files are looked up beside
 * the index and every byte range is bounds-checked before any read.
 */
export async function openAlignmentDb(indexPath: string): Promise<AlignmentDb> {
  const text = new TextDecoder().decode(await readBytes(indexPath, "table"));
  const raw = parseAlignmentDbIndex(text, indexPath);
  const dir = dirOf(indexPath);
  const sizes = new Map<string, number>();
  for (const entry of Object.values(raw)) {
    if (sizes.has(entry.db)) continue;
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(`${dir}/${entry.db}`);
    } catch {
      continue; // Reported by checkRanges as a missing db file.
    }
    // A FIFO or device would block or never end the reads below.
    const what = notRegular(info);
    if (what) throw new ParseError({ file: `${dir}/${entry.db}` }, `${what}, not a regular file`);
    sizes.set(entry.db, info.size);
  }
  checkRanges(raw, indexPath, sizes);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  return {
    index: raw,
    chains: Object.keys(raw).sort(),
    async readChain(chainId, options = {}) {
      const entry = Object.hasOwn(raw, chainId) ? raw[chainId] : undefined;
      if (!entry) throw new ParseError({ file: indexPath }, `chain ${chainId} is not in the index`);
      const texts: ChainTexts = new Map();
      const f = await Deno.open(`${dir}/${entry.db}`, { read: true });
      try {
        for (const [name, start, size] of entry.files) {
          const spec = specByName(name);
          if (!spec) continue; // OpenFold also skips unknown names.
          if (size > READ_LIMITS.alignment.bytes) {
            throw new ParseError(
              { file: `${indexPath}:${chainId}/${name}` },
              `${formatBytes(size)}, above the ${
                formatBytes(READ_LIMITS.alignment.bytes)
              } limit of ${READ_LIMITS.alignment.what}`,
            );
          }
          const bytes = new Uint8Array(size);
          await f.seek(start, Deno.SeekMode.Start);
          let got = 0;
          while (got < size) {
            const n = await f.read(bytes.subarray(got));
            if (n === null) break;
            got += n;
          }
          const source = `${indexPath}:${chainId}/${name}`;
          if (got < size) {
            throw new ParseError({ file: source }, `short read: ${got} of ${size} bytes`);
          }
          let text: string;
          try {
            text = decoder.decode(bytes);
          } catch {
            throw new ParseError({ file: source }, "not UTF-8 text");
          }
          texts.set(spec.file, { text, source });
        }
      } finally {
        f.close();
      }
      return parseChain(chainId, texts, options);
    },
  };
}

/**
 * Packs chain directories of the layout into one alignment_db: `dbPath` holds the
 * (gunzipped) files back to back, `indexPath` the JSON index with `db` = the db's
 * file name. Both are written atomically. Returns the index.
 */
export async function writeAlignmentDb(
  alignmentDir: string,
  dbPath: string,
  indexPath: string,
  chainIds?: string[],
): Promise<AlignmentDbIndex> {
  const ids = chainIds ?? await listAlignmentChains(alignmentDir);
  const index: AlignmentDbIndex = {};
  const db = baseOf(dbPath);
  await writeFileAtomicWith(dbPath, async (out) => {
    let offset = 0;
    for (const id of ids) {
      const files: [string, number, number][] = [];
      for (const [name, path] of await chainFiles(`${alignmentDir}/${id}`)) {
        const bytes = await readBytes(path, "alignment");
        await writeAll(out, bytes);
        files.push([name, offset, bytes.length]);
        offset += bytes.length;
      }
      index[id] = { db, files };
    }
  });
  await writeTextFileAtomic(indexPath, JSON.stringify(index));
  return index;
}

// ---------------------------------------------------------------------------
// Either form

/** The chains of an alignment directory or alignment_db, and a reader of one chain. */
export interface AlignmentSource {
  /** The directory, or the alignment_db index file. */
  path: string;
  /** Chain ids, sorted. */
  chains: string[];
  /** Reads and parses one chain (as {@link readAlignmentDir}). */
  readChain(chainId: string, options?: ReadAlignmentsOptions): Promise<ChainAlignments>;
}

/**
 * Opens OpenFold's per-chain alignments in either form: a directory of chain
 * directories, or an alignment_db index file (`.index`, its `.db` files beside it).
 *
 * @example
 * ```ts
 * import { openAlignmentSource } from "denofold";
 *
 * const src = await openAlignmentSource("data/sample/msa/openfold");
 * const a = await src.readChain(src.chains[0]);
 * console.log(src.chains.length, a.query.length);
 * ```
 */
export async function openAlignmentSource(path: string): Promise<AlignmentSource> {
  if ((await Deno.stat(path)).isDirectory) {
    const chains = await listAlignmentChains(path);
    return { path, chains, readChain: (id, o) => readAlignmentDir(path, id, o) };
  }
  const db = await openAlignmentDb(path);
  return { path, chains: db.chains, readChain: db.readChain };
}
