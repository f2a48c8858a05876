/**
 * The training dataset over a data root (../shared/data or the bundled
 * data/sample): backbone-corpus chains and fullatom chains, deduplicated across
 * the two by sequence, clustered (see clusters.ts), split by cluster (splits.ts),
 * sampled with AF2's weights (sampling.ts), and turned into features by
 * `buildFeatures`. A root in OpenFold's layout (`alignments/` or
 * `alignment_db/` beside `mmcif/`, see openfold_root.ts) is read as that
 * instead: its chains filtered on their mmCIF headers, clustered by the
 * cluster file when there is one, with template candidates from each chain's
 * hits when asked for.
 *
 * A run is reproducible from (data root, options, seed) and resumable from the
 * stream position of its last sample.
 *
 * @module
 */

import { z } from "zod";
import type { Same } from "../../model/util/types.ts";
import type { Protein } from "../../model/protein/protein.ts";
import { readStructure } from "../../model/protein/structure_file.ts";
import {
  type BackboneChain,
  backboneToProtein,
  readBackboneCorpus,
  readProfiles,
} from "../../model/features/backbone_corpus.ts";
import {
  ALIGNMENT_FILES,
  type AlignmentSource,
  chainTemplateHits,
  listAlignmentChains,
  readAlignmentDir,
} from "../../model/features/alignment_dir.ts";
import {
  type MmcifDirReader,
  mmcifDirTemplateReader,
  templateDateCutoff,
  templateFeatures,
} from "../../model/features/templates.ts";
import { fitsQuery, structureOnQuery } from "../../model/features/structure_to_query.ts";
import {
  buildFeatures,
  type FeatureConfigInput,
  type FeatureExample,
  type FeatureInput,
} from "../../model/features/pipeline.ts";
import { hashSeed, Rng } from "../../model/util/rng.ts";
import { dataPaths, readBackboneManifest, readFullatomManifest } from "./manifests.ts";
import { clusterChains } from "./clusters.ts";
import {
  type SplitConfig,
  type SplitConfigInput,
  SplitConfigSchema,
  type SplitName,
  splitOfCluster,
} from "./splits.ts";
import { af2SampleWeights, type SampleDraw, WeightedSampler } from "./sampling.ts";
import { InputError } from "../../model/util/errors.ts";
import {
  dominantResidueFraction,
  openFoldRoot,
  type OpenFoldRootPaths,
  parseClusterFile,
  scanOpenFoldRoot,
} from "./openfold_root.ts";
import { readText } from "../../model/io/text.ts";

/** One chain of the dataset. */
export interface ChainEntry {
  /** Unique key: `bb:<id>` or `fa:<file>:<chain>`. */
  key: string;
  /** Which part of the data root it comes from (`openfold`: an OpenFold root's chain). */
  source: "backbone" | "fullatom" | "openfold";
  /** Backbone id, or `<file stem>_<chain>`. */
  id: string;
  /** Sequence (manifest). */
  seq: string;
  /** Sequence length. */
  length: number;
  /** Identity cluster. */
  cluster: string;
  /** Split of the cluster. */
  split: SplitName;
  /** Fullatom: structure file relative to the data root. */
  file?: string;
  /** Fullatom: chain identifier in the file ("" = the only chain). */
  chain?: string;
  /**
   * Fullatom: chain directory name under `msa/openfold/`, when alignments
   * exist; OpenFold root: the chain's alignment id.
   */
  msaChain?: string;
  /** OpenFold root: the entry's release date (mmCIF header), for the template cutoff. */
  releaseDate?: string;
  /** OpenFold root: the entry's resolution in Å (0: none given, e.g. NMR). */
  resolution?: number;
  /** OpenFold root with a cluster file: the members the file lists for the chain's cluster. */
  clusterSize?: number;
}

/** Reads one chain of a structure file (mmCIF or PDB, gzip-aware). */
export type StructureReader = (path: string, chain: string) => Promise<Protein>;

/** Which chains of a data root the dataset keeps, and how it splits them. */
export interface DatasetOptions {
  /** Cluster split settings. */
  split: SplitConfig;
  /** Shortest chain kept. */
  minLength: number;
  /** Longest chain kept (longer chains are cropped anyway; this bounds memory). */
  maxLength: number;
  /** Include the fullatom chains. */
  fullatom: boolean;
  /**
   * Drop chains in which one amino acid makes up more than this fraction of the
   * sequence (AF2 supplement 1.2.5 filtering: 0.8).
   */
  maxSingleResidueFraction: number;
  /** OpenFold root: largest resolution kept, Å (OpenFold: 9). */
  maxResolution: number;
  /** OpenFold root: latest release date kept (`YYYY-MM-DD`); null: no cutoff. */
  maxReleaseDate: string | null;
  /** OpenFold root: a cluster file (default `DIR/clusters.txt` when present). */
  clusterFile?: string;
  /**
   * OpenFold root: template candidates featurised per chain from its hits (the
   * pool AF2's training samples from: the top 20 prefiltered); 0: none.
   */
  templateCandidates: number;
  /**
   * OpenFold root: latest template release date (`YYYY-MM-DD`), besides the
   * query's own release date minus 60 days (see `templateDateCutoff`).
   */
  maxTemplateDate?: string;
}

/**
 * Dataset options as written; each field defaults on its own (split 0.05/0.05
 * seed 0, minLength 16, maxLength 2000, fullatom true, maxSingleResidueFraction 0.8,
 * maxResolution 9, maxReleaseDate null, templateCandidates 0).
 */
export interface DatasetOptionsInput {
  /** See {@link DatasetOptions.split}. */
  split?: SplitConfigInput;
  /** See {@link DatasetOptions.minLength}. */
  minLength?: number;
  /** See {@link DatasetOptions.maxLength}. */
  maxLength?: number;
  /** See {@link DatasetOptions.fullatom}. */
  fullatom?: boolean;
  /** See {@link DatasetOptions.maxSingleResidueFraction}. */
  maxSingleResidueFraction?: number;
  /** See {@link DatasetOptions.maxResolution}. */
  maxResolution?: number;
  /** See {@link DatasetOptions.maxReleaseDate}. */
  maxReleaseDate?: string | null;
  /** See {@link DatasetOptions.clusterFile}. */
  clusterFile?: string;
  /** See {@link DatasetOptions.templateCandidates}. */
  templateCandidates?: number;
  /** See {@link DatasetOptions.maxTemplateDate}. */
  maxTemplateDate?: string;
}

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD");

/** zod schema of {@link DatasetOptions}. */
export const DatasetOptionsSchema = z.object({
  split: SplitConfigSchema.default({ valFraction: 0.05, testFraction: 0.05, seed: 0 }),
  minLength: z.number().int().positive().default(16),
  maxLength: z.number().int().positive().default(2000),
  fullatom: z.boolean().default(true),
  maxSingleResidueFraction: z.number().min(0).max(1).default(0.8),
  maxResolution: z.number().positive().default(9),
  maxReleaseDate: isoDate.nullable().default(null),
  clusterFile: z.string().optional(),
  templateCandidates: z.number().int().nonnegative().default(0),
  maxTemplateDate: isoDate.optional(),
});

// The interfaces above are the schema's types written out for the docs; these stop them drifting apart.
const _optionsMatch: Same<DatasetOptions, z.output<typeof DatasetOptionsSchema>> = true;
const _inputMatches: Same<DatasetOptionsInput, z.input<typeof DatasetOptionsSchema>> = true;

export { dominantResidueFraction };

/** The parts of an OpenFold root a dataset reads chains from. */
interface OpenFoldParts {
  alignments: AlignmentSource;
  /** The mmCIF directory's template reader, when template candidates are wanted. */
  templates?: MmcifDirReader;
  options: DatasetOptions;
}

/** AF2's training pool of template hits: the top 20 that pass the prefilter (supplement 1.2.3). */
const TEMPLATE_POOL = 20;

/** Fullatom chains kept parsed in memory. */
const FULLATOM_CACHE = 256;

/** The pdb entry of a fullatom file name (`2q2k.cif.gz`, `pdb1ubi`, `d1lfma_`, `1KDQ_A`). */
function pdbOfFile(file: string): string | undefined {
  const stem = file.slice(file.lastIndexOf("/") + 1).replace(/\..*$/, "").toLowerCase();
  const m = /^(?:pdb)?([0-9][a-z0-9]{3})(?:[_.a-z0-9]*)?$/.exec(stem) ??
    /^d([0-9][a-z0-9]{3})[a-z0-9_.]{2}$/.exec(stem);
  return m?.[1];
}

/**
 * The dataset of one data root.
 *
 * @example Open a data root and draw training samples
 * ```ts
 * import { Dataset } from "denofold";
 *
 * const ds = await Dataset.open("data/sample", { minLength: 32 });
 * console.log(ds.entries.length, "chains;", ds.split("val").length, "in validation");
 * for await (const { entry, example } of ds.samples("train", 0, { cropSize: 64 })) {
 *   console.log(entry.id, example.meta.numRes);
 *   break;
 * }
 * ```
 */
export class Dataset {
  /** Every kept chain, in a deterministic order (backbone then fullatom manifest order). */
  readonly entries: ChainEntry[];
  /** Backbone keys dropped because a fullatom chain has the same sequence. */
  readonly duplicates: Map<string, string>;
  readonly #root: string;
  readonly #readStructure: StructureReader;
  /**
   * The backbone corpus, compact (N, CA, C, O per residue: 48 bytes); a chain
   * becomes an atom37 Protein (~750 bytes per residue) only when loaded, which
   * keeps the 17,770-chain corpus at a few hundred MB instead of over 3 GB.
   */
  #backbone?: Map<string, { chain: BackboneChain; profile?: Float32Array }>;
  readonly #fullatomCache = new Map<string, FeatureInput>();
  /** An OpenFold root's alignments, template reader and options. */
  readonly #openfold?: OpenFoldParts;
  /** What the scan of an OpenFold root left out, and why. */
  readonly dropped: { id: string; reason: string }[];

  private constructor(
    root: string,
    entries: ChainEntry[],
    duplicates: Map<string, string>,
    readStructure: StructureReader,
    openfold?: OpenFoldParts,
    dropped: { id: string; reason: string }[] = [],
  ) {
    this.#root = root;
    this.entries = entries;
    this.duplicates = duplicates;
    this.#readStructure = readStructure;
    this.#openfold = openfold;
    this.dropped = dropped;
  }

  /**
   * Open the dataset of a data root: read the manifests, cluster, deduplicate
   * and split. `readStructure` reads fullatom chains (default: the mmCIF/PDB
   * readers, chosen by file name).
   */
  static async open(
    root: string,
    options: DatasetOptionsInput = {},
    readStructure: StructureReader = readChain,
  ): Promise<Dataset> {
    const opts = DatasetOptionsSchema.parse(options);
    const openfold = await openFoldRoot(root);
    if (openfold) return Dataset.#openOpenFold(root, openfold, opts, readStructure);
    const keep = (r: { len: number; seq: string }) =>
      r.len >= opts.minLength && r.len <= opts.maxLength &&
      dominantResidueFraction(r.seq) <= opts.maxSingleResidueFraction;
    const bb = (await readBackboneManifest(root)).filter(keep);
    const fa = opts.fullatom ? (await readFullatomManifest(root)).filter(keep) : [];
    // Fullatom chains with OpenFold alignments are featurised on the alignment
    // query (their observed residues placed on it), so that query is the
    // sequence that must be clustered and deduplicated.
    const msaDirs = fa.length ? await openfoldQueries(dataPaths(root).openfoldMsas) : [];
    const faMsa = fa.map((r) => {
      const pdb = pdbOfFile(r.file);
      return msaDirs.find((m) => m.pdb === pdb && fitsQuery(r.seq, m.query));
    });
    const faSeq = fa.map((r, i) => faMsa[i]?.query ?? r.seq);
    const { clusterOf, duplicates } = clusterChains(
      bb.map((r) => ({ key: `bb:${r.id}`, seq: r.seq, cluster: r.clu30 })),
      fa.map((r, i) => ({ key: `fa:${r.file}:${r.chain}`, seq: faSeq[i] })),
    );
    const entries: ChainEntry[] = [];
    const split = (cluster: string) => splitOfCluster(cluster, opts.split as SplitConfig);
    for (const r of bb) {
      const key = `bb:${r.id}`;
      if (duplicates.has(key)) continue;
      const cluster = clusterOf.get(key)!;
      entries.push({
        key,
        source: "backbone",
        id: r.id,
        seq: r.seq,
        length: r.len,
        cluster,
        split: split(cluster),
      });
    }
    fa.forEach((r, i) => {
      const key = `fa:${r.file}:${r.chain}`;
      const cluster = clusterOf.get(key)!;
      const stem = r.file.slice(r.file.lastIndexOf("/") + 1).replace(/\..*$/, "");
      entries.push({
        key,
        source: "fullatom",
        id: `${stem}_${r.chain || "_"}`,
        seq: faSeq[i],
        length: faSeq[i].length,
        cluster,
        split: split(cluster),
        file: r.file,
        chain: r.chain,
        msaChain: faMsa[i]?.chain,
      });
    });
    return new Dataset(root, entries, duplicates, readStructure);
  }

  /**
   * An OpenFold root: every alignment chain whose mmCIF passes the filters
   * (AF2 supplement 1.2.5), clustered by the cluster file (its cluster sizes
   * become the sampling factor, as OpenFold's) or else by sequence as the
   * fullatom chains are (clusters.ts), split by cluster.
   */
  static async #openOpenFold(
    root: string,
    paths: OpenFoldRootPaths,
    opts: DatasetOptions,
    readStructure: StructureReader,
  ): Promise<Dataset> {
    const scan = await scanOpenFoldRoot(paths, {
      maxResolution: opts.maxResolution,
      maxReleaseDate: opts.maxReleaseDate,
      minLength: opts.minLength,
      maxLength: opts.maxLength,
      maxSingleResidueFraction: opts.maxSingleResidueFraction,
    });
    const clusterPath = opts.clusterFile ?? paths.clusters;
    const fromFile = clusterPath
      ? parseClusterFile(await readText(clusterPath, "table"), clusterPath)
      : undefined;
    const bySequence = fromFile ? undefined : clusterChains(
      [],
      scan.chains.map((c) => ({ key: `of:${c.chainId}`, seq: c.query })),
    ).clusterOf;
    const entries = scan.chains.map((c): ChainEntry => {
      const listed = fromFile?.get(c.chainId.toUpperCase());
      // A chain the cluster file does not list is a cluster of its own.
      const cluster = listed?.cluster ?? bySequence?.get(`of:${c.chainId}`) ??
        c.chainId.toUpperCase();
      return {
        key: `of:${c.chainId}`,
        source: "openfold",
        id: c.chainId,
        seq: c.query,
        length: c.query.length,
        cluster,
        split: splitOfCluster(cluster, opts.split as SplitConfig),
        file: c.file,
        chain: c.chain,
        msaChain: c.chainId,
        releaseDate: c.header.releaseDate,
        resolution: c.header.resolution,
        ...(fromFile ? { clusterSize: listed?.size ?? 1 } : {}),
      };
    });
    const templates = opts.templateCandidates > 0 ? mmcifDirTemplateReader(paths.mmcif) : undefined;
    return new Dataset(root, entries, new Map(), readStructure, {
      alignments: scan.alignments,
      templates,
      options: opts,
    }, scan.dropped);
  }

  /** The chains of one split. */
  split(name: SplitName): ChainEntry[] {
    return this.entries.filter((e) => e.split === name);
  }

  /** The AF2-weighted sample stream of a split for a seed. */
  sampler(name: SplitName, seed: number): { chains: ChainEntry[]; sampler: WeightedSampler } {
    const chains = this.split(name);
    if (chains.length === 0) {
      throw new InputError(`${this.#root}: split ${name} has no chains (see the split fractions)`);
    }
    return { chains, sampler: new WeightedSampler(af2SampleWeights(chains), seed) };
  }

  /** Load what `buildFeatures` needs for one chain (structure, MSAs or profile). */
  async loadInput(entry: ChainEntry): Promise<FeatureInput> {
    if (entry.source === "backbone") {
      const bb = (await this.#loadBackbone()).get(entry.id);
      if (!bb) {
        throw new InputError(
          `${entry.id} is in the backbone manifest but not in ${this.#root}/backbone's chains`,
        );
      }
      return {
        id: entry.id,
        sequence: bb.chain.seq,
        structure: backboneToProtein(bb.chain),
        profile: bb.profile,
        backboneOnly: true,
      };
    }
    const cached = this.#fullatomCache.get(entry.key);
    if (cached) return cached;
    if (entry.source === "openfold") return this.#cache(entry, await this.#loadOpenFold(entry));
    const raw = await this.#readStructure(`${this.#root}/${entry.file}`, entry.chain ?? "");
    const { protein } = structureOnQuery(raw, entry.seq);
    const msas = entry.msaChain
      ? (await readAlignmentDir(dataPaths(this.#root).openfoldMsas, entry.msaChain, {
        querySequence: entry.seq,
      })).msas.map((d) => d.msa)
      : undefined;
    return this.#cache(entry, { id: entry.id, sequence: entry.seq, structure: protein, msas });
  }

  /**
   * Parsing mmCIF and alignments costs far more than featurising: keep the
   * most recent chains (oldest evicted first).
   */
  #cache(entry: ChainEntry, input: FeatureInput): FeatureInput {
    if (this.#fullatomCache.size >= FULLATOM_CACHE) {
      this.#fullatomCache.delete(this.#fullatomCache.keys().next().value!);
    }
    this.#fullatomCache.set(entry.key, input);
    return input;
  }

  /**
   * One chain of an OpenFold root: its mmCIF chain placed on the alignment
   * query, its MSAs, and (when asked for) its template candidates: the usable
   * hits among the top 20 prefiltered ones released before the cutoff
   * (AF2 supplement 1.2.3; OpenFold's template featurizer in training).
   */
  async #loadOpenFold(entry: ChainEntry): Promise<FeatureInput> {
    const of = this.#openfold!;
    const raw = await this.#readStructure(`${this.#root}/${entry.file}`, entry.chain ?? "");
    const { protein } = structureOnQuery(raw, entry.seq);
    const a = await of.alignments.readChain(entry.msaChain!, {
      querySequence: entry.seq,
      templateHits: of.templates !== undefined,
    });
    const input: FeatureInput = {
      id: entry.id,
      sequence: entry.seq,
      structure: protein,
      msas: a.msas.map((d) => d.msa),
    };
    if (of.templates) {
      input.templates = (await templateFeatures(entry.seq, chainTemplateHits(a), of.templates, {
        maxTemplates: of.options.templateCandidates,
        prefilteredTopK: TEMPLATE_POOL,
        queryPdbId: entry.id.slice(0, 4),
        maxTemplateDate: templateDateCutoff({
          maxDate: of.options.maxTemplateDate,
          queryReleaseDate: entry.releaseDate,
        }),
        releaseDate: of.templates.releaseDate,
      })).features;
    }
    return input;
  }

  /**
   * Features for the samples of a split from stream position `start` on: each
   * sample's features are built with its own seed, so the stream is the same
   * whether started at 0 or resumed.
   */
  async *samples(
    name: SplitName,
    seed: number,
    config: FeatureConfigInput,
    start = 0,
  ): AsyncGenerator<{ draw: SampleDraw; entry: ChainEntry; example: FeatureExample }> {
    const { chains, sampler } = this.sampler(name, seed);
    for (const draw of sampler.from(start)) {
      const entry = chains[draw.index];
      const input = await this.loadInput(entry);
      yield { draw, entry, example: buildFeatures(input, config, new Rng(draw.seed)) };
    }
  }

  /**
   * Every chain of a split once, in dataset order, each featurised with a seed
   * derived from `seed` and its key (for validation/test: same features every
   * time). Pass `crop: false` in `config` to evaluate whole chains.
   */
  async *examples(
    name: SplitName,
    seed: number,
    config: FeatureConfigInput,
  ): AsyncGenerator<{ entry: ChainEntry; example: FeatureExample }> {
    for (const entry of this.split(name)) {
      const input = await this.loadInput(entry);
      const rng = new Rng(hashSeed("eval", seed, entry.key));
      yield { entry, example: buildFeatures(input, config, rng) };
    }
  }

  async #loadBackbone() {
    if (this.#backbone) return this.#backbone;
    const paths = dataPaths(this.#root);
    const ids = new Set(this.entries.filter((e) => e.source === "backbone").map((e) => e.id));
    const map = new Map<string, { chain: BackboneChain; profile?: Float32Array }>();
    for await (const c of readBackboneCorpus(paths.backboneChains, { ids })) {
      map.set(c.id, { chain: c });
    }
    for await (const p of readProfiles(paths.backboneProfiles, { ids })) {
      const e = map.get(p.id);
      if (e && p.profile.length === e.chain.seq.length * 20) e.profile = p.profile;
    }
    this.#backbone = map;
    return map;
  }
}

/** One chain of an mmCIF/PDB file ("" = every chain, for single-chain files). */
function readChain(path: string, chain: string): Promise<Protein> {
  return readStructure(path, chain ? { chains: [chain] } : {});
}

/**
 * Query sequence of every chain directory of an OpenFold alignment directory
 * (rows limited to 1 per file: only the query is needed here).
 */
async function openfoldQueries(
  root: string,
): Promise<{ chain: string; pdb: string; query: string }[]> {
  let chains: string[];
  try {
    chains = await listAlignmentChains(root);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  const firstRowOnly = Object.fromEntries(ALIGNMENT_FILES.map((f) => [f.file, 1]));
  const out: { chain: string; pdb: string; query: string }[] = [];
  for (const chain of chains) {
    const a = await readAlignmentDir(root, chain, { maxSequences: firstRowOnly });
    if (a.msas.length === 0) continue;
    out.push({ chain, pdb: chain.slice(0, 4).toLowerCase(), query: a.query });
  }
  return out;
}
