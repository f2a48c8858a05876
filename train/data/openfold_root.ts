/**
 * An OpenFold training root (the OpenProteinSet layout): per-chain alignments
 * and the PDB's mmCIF files,
 *
 * ```
 * DIR/alignments/<pdb>_<chain>/{bfd_uniclust_hits.a3m, uniref90_hits.sto, mgnify_hits.sto,
 *                               hhsearch_output.hhr | pdb70_hits.hhr | hmm_output.sto}
 *   or DIR/alignment_db/<name>.index (+ its .db files): OpenFold's alignment_db
 * DIR/mmcif/<pdb>.cif            (.cif.gz too)
 * DIR/clusters.txt               (optional; or the run's cluster file)
 * ```
 *
 * and OpenFold's chain filters (`deterministic_train_filter`, AF2 supplement
 * 1.2.5) on what the mmCIF header says: resolution at most `max_resolution`
 * (9 Å; NMR entries carry 0), release date on or before a cutoff (AF2: PDB
 * entries released before 2018-04-30), and, on the chain's sequence (its
 * alignment query, the mmCIF's SEQRES), a minimum length and no residue type
 * over 80 % of it. A cluster file (one cluster per line, chain ids separated by
 * spaces, as OpenFold's `generate_chain_data_cache.py --cluster_file` reads
 * it, case-insensitively) gives each chain its cluster and the `1 / cluster
 * size` sampling factor.
 *
 * @module
 */

import {
  ALIGNMENT_FILES,
  type AlignmentSource,
  openAlignmentSource,
} from "../../model/features/alignment_dir.ts";
import { type MmcifHeader, readMmcifEntry } from "../../model/protein/mmcif.ts";
import type { Protein } from "../../model/protein/protein.ts";
import { fitsQuery } from "../../model/features/structure_to_query.ts";
import { selectChain } from "../../model/features/templates.ts";
import { RESTYPES_WITH_X } from "../../model/protein/residue_constants.ts";
import { InputError, ParseError } from "../../model/util/errors.ts";

/** Where the parts of an OpenFold root are. */
export interface OpenFoldRootPaths {
  /** The chain directories' parent, or the alignment_db index file. */
  alignments: string;
  /** The mmCIF directory. */
  mmcif: string;
  /** `DIR/clusters.txt` when present. */
  clusters?: string;
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/**
 * The parts of `root` when it is an OpenFold root (an `mmcif/` directory and
 * `alignments/` or `alignment_db/`), else undefined.
 *
 * @example
 * ```ts
 * import { openFoldRoot } from "./openfold_root.ts";
 *
 * console.log(await openFoldRoot("data/sample")); // undefined: our own layout
 * ```
 */
export async function openFoldRoot(root: string): Promise<OpenFoldRootPaths | undefined> {
  const mmcif = `${root}/mmcif`;
  if (!(await isDir(mmcif))) return undefined;
  const clusters = (await isFile(`${root}/clusters.txt`)) ? `${root}/clusters.txt` : undefined;
  if (await isDir(`${root}/alignments`)) {
    return { alignments: `${root}/alignments`, mmcif, clusters };
  }
  if (await isDir(`${root}/alignment_db`)) {
    const index: string[] = [];
    for await (const e of Deno.readDir(`${root}/alignment_db`)) {
      if (e.isFile && e.name.endsWith(".index")) index.push(e.name);
    }
    if (index.length !== 1) {
      throw new InputError(
        `${root}/alignment_db must hold one .index file (OpenFold's super.index), ` +
          `found ${index.length}`,
      );
    }
    return { alignments: `${root}/alignment_db/${index[0]}`, mmcif, clusters };
  }
  throw new InputError(
    `${root} has mmcif/ but neither alignments/ nor alignment_db/ (the OpenFold layout)`,
  );
}

/** One chain's cluster from a cluster file. */
export interface ClusterOf {
  /** The cluster's name: its first member, upper case. */
  cluster: string;
  /** Members the file lists for it. */
  size: number;
}

/**
 * Parse a cluster file: one cluster per line, chain ids (`1ABC_A`) separated
 * by white space; keys upper case, as OpenFold matches them.
 *
 * @example
 * ```ts
 * import { parseClusterFile } from "./openfold_root.ts";
 *
 * const c = parseClusterFile("3ZEE_A 4I6P_A 4I6P_B\n2CRB_A\n");
 * console.log(c.get("4I6P_B")); // { cluster: "3ZEE_A", size: 3 }
 * ```
 */
export function parseClusterFile(text: string, file = "<clusters>"): Map<string, ClusterOf> {
  const out = new Map<string, ClusterOf>();
  text.split("\n").forEach((line, i) => {
    const ids = line.trim().split(/\s+/).filter((s) => s).map((s) => s.toUpperCase());
    if (ids.length === 0) return;
    for (const id of ids) {
      if (!/^[0-9A-Z]{4}_[0-9A-Z.]+$/.test(id)) {
        throw new ParseError({ file, line: i + 1 }, `"${id}" is not a <pdb>_<chain> id`);
      }
      if (out.has(id)) {
        throw new ParseError({ file, line: i + 1 }, `${id} is also in an earlier cluster`);
      }
      out.set(id, { cluster: ids[0], size: ids.length });
    }
  });
  return out;
}

/** The filters of an OpenFold root (see the module comment). */
export interface ChainFilters {
  /** Largest resolution kept, Å (OpenFold: 9). */
  maxResolution: number;
  /** Latest release date kept (`YYYY-MM-DD`); null: no cutoff. */
  maxReleaseDate: string | null;
  /** Shortest sequence kept. */
  minLength: number;
  /** Longest sequence kept. */
  maxLength: number;
  /** Largest fraction of one residue type (AF2: 0.8). */
  maxSingleResidueFraction: number;
}

/** One chain of an OpenFold root with what its files say. */
export interface OpenFoldChain {
  /** The alignment chain id, `<pdb>_<chain>`. */
  chainId: string;
  /** PDB id, lower case. */
  pdb: string;
  /** Author chain id in the mmCIF. */
  chain: string;
  /** The mmCIF file relative to the root (`mmcif/<name>`). */
  file: string;
  /** The chain's sequence: its alignment query. */
  query: string;
  /** The entry's header. */
  header: MmcifHeader;
}

/** What a scan of an OpenFold root found: kept chains and dropped ones with the reason. */
export interface OpenFoldScan {
  /** The alignments. */
  alignments: AlignmentSource;
  /** Chains that pass every filter, in chain-id order. */
  chains: OpenFoldChain[];
  /** Chains left out, and why (one line each). */
  dropped: { id: string; reason: string }[];
}

/**
 * The largest fraction of a sequence taken by one residue type (AF2 supplement
 * 1.2.5 drops chains where it exceeds 0.8).
 *
 * @example
 * ```ts
 * import { dominantResidueFraction } from "./openfold_root.ts";
 *
 * console.log(dominantResidueFraction("AAAAAAAAGG")); // 0.8
 * ```
 */
export function dominantResidueFraction(seq: string): number {
  const counts = new Map<string, number>();
  let max = 0;
  for (const c of seq) {
    const n = (counts.get(c) ?? 0) + 1;
    counts.set(c, n);
    if (n > max) max = n;
  }
  return seq.length ? max / seq.length : 0;
}

/** The one-letter sequence of a chain's observed residues. */
function observedSequence(p: Protein): string {
  return Array.from(p.aatype, (a) => RESTYPES_WITH_X[a] ?? "X").join("");
}

/**
 * Scan an OpenFold root: every alignment chain with its mmCIF (each entry
 * parsed once for its header and chains), filtered. A chain whose mmCIF is
 * missing, lacks the chain, or whose observed residues do not fit its
 * alignment query is dropped with that reason too.
 */
export async function scanOpenFoldRoot(
  paths: OpenFoldRootPaths,
  filters: ChainFilters,
): Promise<OpenFoldScan> {
  const alignments = await openAlignmentSource(paths.alignments);
  const files = new Map<string, string>();
  for await (const e of Deno.readDir(paths.mmcif)) {
    const m = /^([0-9a-z]{4})\.(?:mm)?cif(?:\.gz)?$/i.exec(e.name);
    if (e.isFile && m && !files.has(m[1].toLowerCase())) files.set(m[1].toLowerCase(), e.name);
  }
  const chains: OpenFoldChain[] = [];
  const dropped: OpenFoldScan["dropped"] = [];
  const entries = new Map<string, { header: MmcifHeader; protein: Protein }>();
  // Only the query is needed here: one row of every file, no template hits.
  const firstRowOnly = {
    maxSequences: Object.fromEntries(ALIGNMENT_FILES.map((f) => [f.file, 1])),
    templateHits: false,
  };
  for (const chainId of alignments.chains) {
    const drop = (reason: string) => dropped.push({ id: chainId, reason });
    const m = /^([0-9A-Za-z]{4})_(.+)$/.exec(chainId);
    if (!m) {
      drop("not a <pdb>_<chain> id");
      continue;
    }
    const pdb = m[1].toLowerCase(), chain = m[2];
    const name = files.get(pdb);
    if (!name) {
      drop(`no mmcif/${pdb}.cif`);
      continue;
    }
    let entry = entries.get(pdb);
    if (!entry) {
      entry = await readMmcifEntry(`${paths.mmcif}/${name}`);
      entries.set(pdb, entry);
    }
    const { header } = entry;
    if (header.resolution > filters.maxResolution) {
      drop(`resolution ${header.resolution} Å > ${filters.maxResolution} Å`);
      continue;
    }
    if (filters.maxReleaseDate !== null) {
      if (header.releaseDate === undefined) {
        drop(`no release date in the mmCIF (cutoff ${filters.maxReleaseDate})`);
        continue;
      }
      if (header.releaseDate > filters.maxReleaseDate) {
        drop(`released ${header.releaseDate}, after ${filters.maxReleaseDate}`);
        continue;
      }
    }
    const a = await alignments.readChain(chainId, firstRowOnly);
    const query = a.query;
    if (a.msas.length === 0 || !query) {
      drop("no MSA file");
      continue;
    }
    if (query.length < filters.minLength) {
      drop(`${query.length} residues < ${filters.minLength}`);
      continue;
    }
    if (query.length > filters.maxLength) {
      drop(`${query.length} residues > ${filters.maxLength}`);
      continue;
    }
    const single = dominantResidueFraction(query);
    if (single > filters.maxSingleResidueFraction) {
      drop(
        `one residue type is ${(100 * single).toFixed(0)} % of the sequence (> ${
          100 * filters.maxSingleResidueFraction
        } %)`,
      );
      continue;
    }
    const observed = observedSequence(selectChain(entry.protein, chain));
    if (observed.length === 0) {
      drop(`mmcif/${name} has no protein chain ${chain}`);
      continue;
    }
    if (!fitsQuery(observed, query)) {
      drop(`the observed residues of mmcif/${name} chain ${chain} do not fit its alignment query`);
      continue;
    }
    chains.push({ chainId, pdb, chain, file: `mmcif/${name}`, query, header });
  }
  return { alignments, chains, dropped };
}
