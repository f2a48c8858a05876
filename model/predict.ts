/**
 * Structure prediction as a library call: features from a sequence (and
 * alignments), the recycling model, and the result as a {@link Protein} with
 * per-residue pLDDT, plus pTM and the predicted aligned error when the model
 * has a TM head.
 *
 * @module
 */

import type { ModelConfig } from "./af2/config.ts";
import { af2Plan } from "./exec/plan.ts";
import { Executor } from "./exec/executor.ts";
import { buildFeatures, exampleFeeds, type FeatureConfig } from "./features/pipeline.ts";
import type { Msa } from "./features/msa.ts";
import { Rng } from "./util/rng.ts";
import type { TypedArray } from "./graph/mod.ts";
import { ATOM_TYPE_NUM } from "./protein/residue_constants.ts";
import type { Protein } from "./protein/protein.ts";
import type { OutputName } from "./af2/recycling.ts";
import type { TemplateFeatures } from "./features/templates.ts";

/** What to predict and how. */
export interface PredictRequest {
  /** Identifier for messages. */
  id: string;
  /** The query sequence (20 amino acids; X for unknown). */
  sequence: string;
  /** Alignments (row 0 = the query), one per database; none → single sequence. */
  msas?: Msa[];
  /**
   * Template features of the whole query, best first (`templateFeatures`);
   * used when the model has a template stack.
   */
  templates?: TemplateFeatures;
  /** Model parameters by OpenFold name. */
  params: ReadonlyMap<string, Float32Array>;
  config: ModelConfig;
  /** Recycling iterations (AF2: 3). */
  recycles: number;
  /** MSA cluster and extra rows. */
  msaClusters: number;
  extraMsa: number;
  /**
   * The memory budget for long sequences: chunk every op to at most this many
   * elements per intermediate (`BuildOptions.chunkBudget`; the bench uses
   * 2^25); it also turns onnxruntime's memory arena off, which holds freed blocks.
   */
  chunkBudget?: number;
  /** Seed of the MSA sampling (BERT masking, clusters). */
  seed?: number;
  /** Where the graphs run (default "cpu"; "cuda" needs onnxruntime's CUDA provider). */
  device?: "cpu" | "cuda";
  /** Told when each stage starts and ends (progress bars, timings). */
  onStage?: (event: StageEvent) => void;
  /**
   * Compiled models to reuse: several models of one configuration, or several
   * records of one length, compile once. Without it the compiled model is
   * released when the prediction ends.
   */
  executors?: ExecutorCache;
}

/** A stage of one prediction: building features, compiling, or recycling iteration `iteration`. */
export interface StageEvent {
  stage: "features" | "compile" | "iteration";
  /** 0-based iteration (for "iteration"). */
  iteration?: number;
  /** Iterations in all (recycles + 1). */
  iterations: number;
  phase: "start" | "end";
}

/** Where the time of one prediction went (seconds), as AF2's `timings.json` counts it. */
export interface PredictTimings {
  /** Feature building (MSA sampling, clustering). */
  features: number;
  /** Graph building and onnxruntime session creation (0 when reused). */
  compile: number;
  /** Each recycling iteration. */
  iterations: number[];
}

/**
 * Compiled inference models by configuration, sizes and budget, for a batch
 * of predictions; {@link ExecutorCache.release} frees them all.
 */
export class ExecutorCache {
  readonly #m = new Map<string, Promise<Executor>>();

  /** The executor of `plan` under `key`, compiled on first use. */
  get(key: string, make: () => Promise<Executor>): Promise<Executor> {
    let e = this.#m.get(key);
    if (!e) this.#m.set(key, e = make());
    return e;
  }

  /** Release every compiled model. */
  async release(): Promise<void> {
    for (const e of this.#m.values()) await (await e).release();
    this.#m.clear();
  }
}

/** A prediction. */
export interface Prediction {
  /** atom37 structure; B-factors hold pLDDT. */
  protein: Protein;
  /** Per-residue pLDDT (0–100). */
  plddt: Float32Array;
  /** pTM (when the model has a TM head). */
  ptm?: number;
  /** Predicted aligned error `[L, L]` in Å (when the model has a TM head). */
  pae?: Float32Array;
  /** Distogram logits `[L, L, bins]`. */
  distogramLogits: Float32Array;
  /** Where the time went. */
  timings: PredictTimings;
}

/** Predict the structure of one chain. */
export async function predictStructure(req: PredictRequest): Promise<Prediction> {
  const iterations = req.recycles + 1;
  const stage = (s: StageEvent["stage"], phase: StageEvent["phase"], iteration?: number) =>
    req.onStage?.({ stage: s, phase, iteration, iterations });
  const timings: PredictTimings = { features: 0, compile: 0, iterations: [] };
  let t = performance.now();
  stage("features", "start");
  const templates = req.config.template.enabled ? req.templates : undefined;
  const nTempl = templates ? templates.template_mask.shape[0] : 0;
  const cfg: Partial<FeatureConfig> = {
    crop: false,
    maxMsaClusters: req.msaClusters,
    maxExtraMsa: req.extraMsa,
    blockDeletion: null,
    msaSamples: req.recycles + 1,
    // Exact sizes: the graph is built for this protein, so no padded residue
    // enters pTM or the attention.
    pad: false,
    maxTemplates: nTempl,
  };
  const ex = buildFeatures(
    { id: req.id, sequence: req.sequence, msas: req.msas, templates },
    cfg,
    new Rng(req.seed ?? 0),
  );
  timings.features = (performance.now() - t) / 1000;
  stage("features", "end");
  const L = ex.meta.numRes, np = ex.meta.paddedLength;
  const tm = req.config.heads.tm.enabled;
  const rows = (k: string) =>
    (ex.features as unknown as Record<string, { shape: number[] }>)[k].shape[0];
  const dims = { nRes: np, nSeq: rows("msa_feat"), nExtra: rows("extra_msa"), nTempl };
  const outputs: OutputName[] = [
    "final_atom_positions",
    "final_atom_mask",
    "plddt",
    "distogram_logits",
    ...(tm ? ["ptm_score", "predicted_aligned_error"] as const : []),
  ];
  const compile = () =>
    Executor.create(
      af2Plan(req.config, dims, { chunkBudget: req.chunkBudget, outputs }),
      { device: req.device, ...(req.chunkBudget !== undefined ? { memArena: false } : {}) },
    );
  t = performance.now();
  stage("compile", "start");
  const cache = req.executors ?? new ExecutorCache();
  const model = await cache.get(
    JSON.stringify([req.config, dims, req.chunkBudget ?? null]),
    compile,
  );
  timings.compile = (performance.now() - t) / 1000;
  stage("compile", "end");
  const feats = ex.features as unknown as Record<string, { data: TypedArray }>;
  t = performance.now();
  stage("iteration", "start", 0);
  let r;
  try {
    r = await model.infer(req.params, (k) => exampleFeeds(ex, k), req.recycles, (i) => {
      const now = performance.now();
      timings.iterations.push((now - t) / 1000);
      t = now;
      stage("iteration", "end", i);
      if (i + 1 < iterations) stage("iteration", "start", i + 1);
    });
  } finally {
    if (!req.executors) await cache.release();
  }
  const pos = r.final_atom_positions.data as Float32Array;
  const mask = r.final_atom_mask.data as Float32Array;
  const plddt = (r.plddt.data as Float32Array).slice(0, L);
  const bFactors = new Float32Array(L * ATOM_TYPE_NUM);
  for (let i = 0; i < L; i++) bFactors.fill(plddt[i], i * ATOM_TYPE_NUM, (i + 1) * ATOM_TYPE_NUM);
  const protein: Protein = {
    aatype: (feats.aatype.data as Int32Array).slice(0, L),
    atomPositions: pos.slice(0, L * ATOM_TYPE_NUM * 3),
    atomMask: mask.slice(0, L * ATOM_TYPE_NUM),
    residueIndex: Int32Array.from({ length: L }, (_, i) => i + 1),
    chainIds: new Array(L).fill("A"),
    bFactors,
  };
  const bins = r.distogram_logits.shape[2];
  const dgram = new Float32Array(L * L * bins);
  const full = r.distogram_logits.data as Float32Array;
  for (let i = 0; i < L; i++) {
    dgram.set(full.subarray(i * np * bins, (i * np + L) * bins), i * L * bins);
  }
  const out: Prediction = { protein, plddt, distogramLogits: dgram, timings };
  if (tm) {
    out.ptm = (r.ptm_score.data as Float32Array)[0];
    const paeFull = r.predicted_aligned_error.data as Float32Array;
    out.pae = new Float32Array(L * L);
    for (let i = 0; i < L; i++) out.pae.set(paeFull.subarray(i * np, i * np + L), i * L);
  }
  return out;
}
