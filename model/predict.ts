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

/** What to predict and how. */
export interface PredictRequest {
  /** Identifier for messages. */
  id: string;
  /** The query sequence (20 amino acids; X for unknown). */
  sequence: string;
  /** Alignments (row 0 = the query), one per database; none → single sequence. */
  msas?: Msa[];
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
}

/** Predict the structure of one chain. */
export async function predictStructure(req: PredictRequest): Promise<Prediction> {
  const cfg: Partial<FeatureConfig> = {
    crop: false,
    maxMsaClusters: req.msaClusters,
    maxExtraMsa: req.extraMsa,
    blockDeletion: null,
    msaSamples: req.recycles + 1,
    // Exact sizes: the graph is built for this protein, so no padded residue
    // enters pTM or the attention.
    pad: false,
  };
  const ex = buildFeatures(
    { id: req.id, sequence: req.sequence, msas: req.msas },
    cfg,
    new Rng(req.seed ?? 0),
  );
  const L = ex.meta.numRes, np = ex.meta.paddedLength;
  const tm = req.config.heads.tm.enabled;
  const rows = (k: string) =>
    (ex.features as unknown as Record<string, { shape: number[] }>)[k].shape[0];
  const plan = af2Plan(
    req.config,
    { nRes: np, nSeq: rows("msa_feat"), nExtra: rows("extra_msa"), nTempl: 0 },
    {
      chunkBudget: req.chunkBudget,
      outputs: [
        "final_atom_positions",
        "final_atom_mask",
        "plddt",
        "distogram_logits",
        ...(tm ? ["ptm_score", "predicted_aligned_error"] : []),
      ],
    },
  );
  const model = await Executor.create(
    plan,
    req.chunkBudget !== undefined ? { memArena: false } : {},
  );
  const feats = ex.features as unknown as Record<string, { data: TypedArray }>;
  const r = await model.infer(req.params, (k) => exampleFeeds(ex, k), req.recycles);
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
  const out: Prediction = { protein, plddt, distogramLogits: dgram };
  if (tm) {
    out.ptm = (r.ptm_score.data as Float32Array)[0];
    const paeFull = r.predicted_aligned_error.data as Float32Array;
    out.pae = new Float32Array(L * L);
    for (let i = 0; i < L; i++) out.pae.set(paeFull.subarray(i * np, i * np + L), i * L);
  }
  return out;
}
