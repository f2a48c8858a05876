/**
 * Whole-chain evaluation: predict every chain of a split (no crop, graphs per
 * 32-residue length bucket) and score it against its true structure —
 * lDDT-Cα, TM-score, GDT-TS and Cα RMSD (analysis/metrics.ts, residues paired
 * by number), mean pLDDT, and the extended-chain baseline's lDDT-Cα — with the
 * chain's length and secondary-structure composition (DSSP of the truth).
 * Training's validation and `deno task eval` report the same figures.
 *
 * @module
 */

import type { ModelConfig } from "../model/af2/config.ts";
import { af2Plan } from "../model/exec/plan.ts";
import { Executor } from "../model/exec/executor.ts";
import {
  buildFeatures,
  exampleFeeds,
  type FeatureExample,
  type FeatureInput,
} from "../model/features/pipeline.ts";
import type { FeatureTensor } from "../model/features/feature_tensor.ts";
import type { Protein } from "../model/protein/protein.ts";
import { ATOM_ORDER, ATOM_TYPE_NUM } from "../model/protein/residue_constants.ts";
import { hashSeed, Rng } from "../model/util/rng.ts";
import { ParseError } from "../model/util/errors.ts";
import { compareStructures } from "../analysis/metrics.ts";
import { lddt } from "../analysis/lddt.ts";
import { dsspProtein, toThreeState } from "../analysis/dssp.ts";

/** How chains are predicted for evaluation (`Evaluator`). */
export interface EvalSettings {
  /** Recycling iterations (the number the model was trained with is a fair choice). */
  recycles: number;
  /** MSA cluster rows. */
  msaClusters: number;
  /** Extra MSA rows. */
  extraMsa: number;
  /** Seed of the MSA sampling (each chain draws from (seed, its id)). */
  seed: number;
  /** Memory budget of chunked ops (long chains). */
  chunkBudget?: number;
  /** Templates per chain, best first (the model's template stack needs them; default 0). */
  maxTemplates?: number;
}

/** The figures of one chain. */
export interface ChainMetrics {
  /** Chain id (backbone id or `<file>_<chain>`). */
  id: string;
  /** Residues in the chain. */
  length: number;
  /** Residues with an observed Cα. */
  observed: number;
  /** Global lDDT-Cα over the observed residues. */
  lddt_ca: number;
  /** TM-score normalised by the observed length. */
  tm_score: number;
  /** GDT-TS (1, 2, 4, 8 Å). */
  gdt_ts: number;
  /** Cα RMSD after optimal superposition (Å). */
  rmsd_ca: number;
  /** Mean predicted lDDT (0–100 scale divided by 100, comparable to lddt_ca). */
  plddt_mean: number;
  /** lDDT-Cα of an ideal extended chain (3.8 Å steps on a line): the trivial baseline. */
  baseline_lddt_ca: number;
  /** Fraction of observed residues in helix (DSSP H, G, I of the truth). */
  helix: number;
  /** Fraction of observed residues in strand (DSSP E, B). */
  strand: number;
  /** Fraction of observed residues in neither. */
  coil: number;
}

/** Means, medians and the pLDDT–lDDT correlation over chains. */
export interface EvalSummary {
  /** Chains scored. */
  n: number;
  /** Mean and median lDDT-Cα. */
  lddt_ca_mean: number;
  /** Median lDDT-Cα. */
  lddt_ca_median: number;
  /** Mean TM-score. */
  tm_score_mean: number;
  /** Median TM-score. */
  tm_score_median: number;
  /** Mean GDT-TS. */
  gdt_ts_mean: number;
  /** Median GDT-TS. */
  gdt_ts_median: number;
  /** Mean Cα RMSD (Å). */
  rmsd_ca_mean: number;
  /** Mean of the chains' mean pLDDT (0–1). */
  plddt_mean: number;
  /** Mean lDDT-Cα of the extended-chain baseline. */
  baseline_lddt_ca_mean: number;
  /** Pearson correlation of per-chain mean pLDDT with lDDT-Cα (NaN below 3 chains). */
  plddt_lddt_pearson: number;
}

/**
 * An ideal extended chain (Cα every 3.8 Å on a line): the trivial baseline.
 *
 * @example
 * ```ts
 * import { extendedChain } from "denofold";
 *
 * console.log(extendedChain(3)); // Float64Array [0,0,0, 3.8,0,0, 7.6,0,0]
 * ```
 */
export function extendedChain(n: number): Float64Array {
  const out = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) out[3 * i] = 3.8 * i;
  return out;
}

type AnyFeature = FeatureTensor<Float32Array> | FeatureTensor<Int32Array>;

/** The true structure of an example's first `n` residues (atom37, residue numbers). */
function truthOf(ex: FeatureExample): Protein {
  const f = ex.features as unknown as Record<string, AnyFeature>;
  const n = ex.meta.numRes;
  return {
    aatype: Int32Array.from(f.aatype.data.slice(0, n)),
    atomPositions: Float32Array.from(f.all_atom_positions.data.slice(0, n * ATOM_TYPE_NUM * 3)),
    atomMask: Float32Array.from(f.all_atom_mask.data.slice(0, n * ATOM_TYPE_NUM)),
    residueIndex: Int32Array.from(f.residue_index.data.slice(0, n)),
    chainIds: new Array(n).fill("A"),
    bFactors: new Float32Array(n * ATOM_TYPE_NUM),
  };
}

function median(v: number[]): number {
  if (v.length === 0) return NaN;
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function mean(v: number[]): number {
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
}

function pearson(x: number[], y: number[]): number {
  if (x.length < 3) return NaN;
  const mx = mean(x), my = mean(y);
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/**
 * The summary of per-chain figures.
 *
 * @example
 * ```ts
 * import { type ChainMetrics, summarize } from "denofold";
 *
 * declare const rows: ChainMetrics[];
 * const s = summarize(rows);
 * console.log(s.n, s.lddt_ca_mean, s.tm_score_median);
 * ```
 */
export function summarize(rows: readonly ChainMetrics[]): EvalSummary {
  const col = (k: keyof ChainMetrics) => rows.map((r) => r[k] as number);
  return {
    n: rows.length,
    lddt_ca_mean: mean(col("lddt_ca")),
    lddt_ca_median: median(col("lddt_ca")),
    tm_score_mean: mean(col("tm_score")),
    tm_score_median: median(col("tm_score")),
    gdt_ts_mean: mean(col("gdt_ts")),
    gdt_ts_median: median(col("gdt_ts")),
    rmsd_ca_mean: mean(col("rmsd_ca")),
    plddt_mean: mean(col("plddt_mean")),
    baseline_lddt_ca_mean: mean(col("baseline_lddt_ca")),
    plddt_lddt_pearson: pearson(col("plddt_mean"), col("lddt_ca")),
  };
}

/**
 * The columns of the per-chain CSV, in order.
 *
 * @example
 * ```ts
 * import { CHAIN_COLUMNS } from "denofold";
 *
 * console.log(CHAIN_COLUMNS.join(","));
 * ```
 */
export const CHAIN_COLUMNS: readonly (keyof ChainMetrics)[] = [
  "id",
  "length",
  "observed",
  "lddt_ca",
  "tm_score",
  "gdt_ts",
  "rmsd_ca",
  "plddt_mean",
  "baseline_lddt_ca",
  "helix",
  "strand",
  "coil",
];

/**
 * Per-chain figures as CSV (a header line, then one line per chain).
 *
 * @example
 * ```ts
 * import { type ChainMetrics, chainsCsv } from "denofold";
 *
 * declare const rows: ChainMetrics[];
 * await Deno.writeTextFile("chains.csv", chainsCsv(rows));
 * ```
 */
export function chainsCsv(rows: readonly ChainMetrics[]): string {
  const cell = (v: unknown) =>
    typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : String(v);
  return [
    CHAIN_COLUMNS.join(","),
    ...rows.map((r) => CHAIN_COLUMNS.map((k) => cell(r[k])).join(",")),
  ]
    .join("\n") + "\n";
}

/**
 * Per-chain figures read back from {@link chainsCsv}'s text (`file` names it
 * in errors): the header must be {@link CHAIN_COLUMNS}; a malformed line is a
 * ParseError naming the file and line.
 *
 * @example
 * ```ts
 * import { parseChainsCsv } from "denofold";
 *
 * const rows = parseChainsCsv(await Deno.readTextFile("eval/chains.csv"), "eval/chains.csv");
 * console.log(rows.length, rows[0]?.lddt_ca);
 * ```
 */
export function parseChainsCsv(text: string, file = "<chains.csv>"): ChainMetrics[] {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  if (lines[0] !== CHAIN_COLUMNS.join(",")) {
    throw new ParseError(
      { file, line: 1 },
      `not a chains.csv header (want ${CHAIN_COLUMNS.join(",")})`,
    );
  }
  return lines.slice(1).map((line, k) => {
    const cells = line.split(",");
    if (cells.length !== CHAIN_COLUMNS.length) {
      throw new ParseError(
        { file, line: k + 2 },
        `${cells.length} fields, want ${CHAIN_COLUMNS.length}`,
      );
    }
    const row: Record<string, string | number> = { id: cells[0] };
    CHAIN_COLUMNS.forEach((c, i) => {
      if (i === 0) return;
      const v = Number(cells[i]);
      if (cells[i] === "" || Number.isNaN(v)) {
        throw new ParseError({ file, line: k + 2 }, `${c} is not a number ("${cells[i]}")`);
      }
      row[c] = v;
    });
    return row as unknown as ChainMetrics;
  });
}

/**
 * The figures of one chain: `predicted` against `truth` (atom37, residues
 * paired by number), with per-residue pLDDT `plddt` (0–100).
 *
 * @example A model read from a PDB file against the experimental structure
 * ```ts
 * import { readStructure, scoreChain } from "denofold";
 *
 * const model = await readStructure("model.pdb");
 * const truth = await readStructure("truth.pdb");
 * const m = scoreChain("query", model, truth, new Float32Array(truth.aatype.length).fill(80));
 * console.log(m.lddt_ca, m.tm_score);
 * ```
 */
export function scoreChain(
  id: string,
  predicted: Protein,
  truth: Protein,
  plddt: ArrayLike<number>,
): ChainMetrics {
  const n = truth.aatype.length;
  const cmp = compareStructures(predicted, truth);
  // The baseline: an extended chain over the same observed residues.
  const ca: number[] = [], caMask: number[] = [];
  for (let i = 0; i < n; i++) {
    const at = (i * ATOM_TYPE_NUM + ATOM_ORDER.CA) * 3;
    ca.push(truth.atomPositions[at], truth.atomPositions[at + 1], truth.atomPositions[at + 2]);
    caMask.push(truth.atomMask[i * ATOM_TYPE_NUM + ATOM_ORDER.CA]);
  }
  const baseline = lddt(extendedChain(n), Float64Array.from(ca), Float64Array.from(caMask));
  const ss = toThreeState(dsspProtein(truth).ss);
  let helix = 0, strand = 0, observed = 0;
  for (let i = 0; i < n; i++) {
    if (!caMask[i]) continue;
    observed++;
    if (ss[i] === "H") helix++;
    else if (ss[i] === "E") strand++;
  }
  return {
    id,
    length: n,
    observed,
    lddt_ca: cmp.lddtCa,
    tm_score: cmp.tm.tmScore,
    gdt_ts: cmp.tm.gdtTs,
    rmsd_ca: cmp.rmsdCa,
    plddt_mean: mean(Array.from(plddt)) / 100,
    baseline_lddt_ca: baseline.global,
    helix: helix / Math.max(1, observed),
    strand: strand / Math.max(1, observed),
    coil: (observed - helix - strand) / Math.max(1, observed),
  };
}

/**
 * Predicts and scores whole chains, keeping one compiled inference plan per
 * length bucket (so repeated validation reuses them).
 *
 * @example Score the EMA parameters of a checkpoint on two held-out chains
 * ```ts
 * import { Dataset, Evaluator, loadTrainedModel, summarize } from "denofold";
 *
 * const model = await loadTrainedModel("runs/default/ckpt-00001500.json");
 * const data = await Dataset.open("data/sample");
 * const ev = new Evaluator(model.config, { recycles: 0, msaClusters: 16, extraMsa: 32, seed: 0 });
 * const rows = [];
 * for (const entry of data.split("val").slice(0, 2)) {
 *   rows.push((await ev.chain(model.params, await data.loadInput(entry))).metrics);
 * }
 * console.log(summarize(rows).lddt_ca_mean);
 * await ev.release();
 * ```
 */
export class Evaluator {
  readonly #plans = new Map<number, Promise<Executor>>();

  /**
   * An evaluator of `config`'s model with `settings`; `compile` places its
   * graphs (device, threads).
   */
  constructor(
    readonly config: ModelConfig,
    readonly settings: EvalSettings,
    readonly compile: { device?: "cpu" | "cuda"; threads?: number } = {},
  ) {}

  /** Whole-chain features of `input` (no crop; padded to its 32-residue bucket). */
  features(input: FeatureInput): FeatureExample {
    return buildFeatures(input, {
      crop: false,
      maxMsaClusters: this.settings.msaClusters,
      maxExtraMsa: this.settings.extraMsa,
      blockDeletion: null,
      msaSamples: this.settings.recycles + 1,
      maxTemplates: this.settings.maxTemplates ?? 0,
    }, new Rng(hashSeed("eval", this.settings.seed, input.id)));
  }

  #executor(ex: FeatureExample): Promise<Executor> {
    const np = ex.meta.paddedLength;
    let e = this.#plans.get(np);
    if (!e) {
      const rows = (k: string) =>
        (ex.features as unknown as Record<string, { shape: number[] }>)[k].shape[0];
      e = Executor.create(
        af2Plan(
          this.config,
          {
            nRes: np,
            nSeq: rows("msa_feat"),
            nExtra: rows("extra_msa"),
            nTempl: this.settings.maxTemplates ?? 0,
          },
          {
            chunkBudget: this.settings.chunkBudget,
            outputs: ["final_atom_positions", "plddt"],
          },
        ),
        this.compile,
      );
      this.#plans.set(np, e);
    }
    return e;
  }

  /** Predict chain `input` with `params` and score it against its structure. */
  async chain(
    params: ReadonlyMap<string, Float32Array>,
    input: FeatureInput,
  ): Promise<{ metrics: ChainMetrics; predicted: Protein; truth: Protein }> {
    const ex = this.features(input);
    const e = await this.#executor(ex);
    const r = await e.infer(params, (i) => exampleFeeds(ex, i), this.settings.recycles);
    const truth = truthOf(ex);
    const n = ex.meta.numRes;
    const positions = (r.final_atom_positions.data as Float32Array).slice(0, n * ATOM_TYPE_NUM * 3);
    const plddt = (r.plddt.data as Float32Array).slice(0, n);
    const predicted: Protein = {
      ...truth,
      atomPositions: positions,
      atomMask: truth.atomMask.map((_, k) => (k % ATOM_TYPE_NUM === ATOM_ORDER.CA ? 1 : 0)),
      bFactors: Float32Array.from(
        { length: n * ATOM_TYPE_NUM },
        (_, k) => plddt[Math.floor(k / ATOM_TYPE_NUM)],
      ),
    };
    return {
      metrics: scoreChain(input.id, predicted, truth, plddt),
      predicted,
      truth,
    };
  }

  /** Release every compiled plan. */
  async release(): Promise<void> {
    for (const e of this.#plans.values()) await (await e).release();
    this.#plans.clear();
  }
}
