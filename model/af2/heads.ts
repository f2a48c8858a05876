/**
 * Implements Algorithm 29 (predictPerResidueLDDT_Ca).
 *
 * Output heads and confidence metrics (AF2 supplement 1.9; OpenFold `heads.py`
 * and `utils/loss.py` `compute_plddt` / `compute_tm` /
 * `compute_predicted_aligned_error`).
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import type { Scope } from "../nn/scope.ts";
import { layerNorm, linear } from "../nn/linear.ts";
import type { ModelConfig } from "./config.ts";

/**
 * Algorithm 29 (OpenFold `PerResidueLDDTCaPredictor`): pLDDT logits
 * `[*, N, no_bins]` from the structure module's single `s [*, N, C_s]`.
 * Parameters `layer_norm`, `linear_1..3`.
 */
export function plddtHead(scope: Scope, x: Tensor, noBins: number, cHidden: number): Tensor {
  const h1 = G.relu(
    linear(scope.child("linear_1"), layerNorm(scope.child("layer_norm"), x), cHidden, {
      init: "relu",
    }),
  );
  const h2 = G.relu(linear(scope.child("linear_2"), h1, cHidden, { init: "relu" }));
  return linear(scope.child("linear_3"), h2, noBins, { init: "final" });
}

/**
 * OpenFold `compute_plddt`: expected lDDT-Cα in [0, 100] per residue `[*, N]`,
 * the softmax over bins weighted by bin centres `(i + 0.5) / no_bins`.
 */
export function computePlddt(logits: Tensor): Tensor {
  const n = logits.shape[logits.rank - 1];
  const centres = logits.graph.constant(
    Array.from({ length: n }, (_, i) => (i + 0.5) / n),
    [n],
    logits.dtype,
  );
  return G.mul(G.sum(G.mul(G.softmax(logits, -1), centres), -1), 100);
}

/**
 * Supplement 1.9.8 (OpenFold `DistogramHead`): distance-bin logits
 * `[*, N, N, no_bins]` from `z [*, N, N, C_z]`, symmetrised as `l + lᵀ`.
 * Parameter `linear`.
 */
export function distogramHead(scope: Scope, z: Tensor, noBins: number): Tensor {
  const logits = linear(scope.child("linear"), z, noBins, { init: "final" });
  const perm = [...logits.shape.keys()];
  const r = logits.rank;
  [perm[r - 3], perm[r - 2]] = [perm[r - 2], perm[r - 3]];
  return G.add(logits, G.transpose(logits, perm));
}

/**
 * Supplement 1.9.9 (OpenFold `MaskedMSAHead`): logits `[*, N_seq, N, c_out]`
 * over the MSA alphabet from `m [*, N_seq, N, C_m]`. Parameter `linear`.
 */
export function maskedMsaHead(scope: Scope, m: Tensor, cOut: number): Tensor {
  return linear(scope.child("linear"), m, cOut, { init: "final" });
}

/**
 * Supplement 1.9.10 (OpenFold `ExperimentallyResolvedHead`): per-atom37 logits
 * `[*, N, c_out]` from the Evoformer single `s [*, N, C_s]`. Parameter `linear`.
 */
export function experimentallyResolvedHead(scope: Scope, x: Tensor, cOut: number): Tensor {
  return linear(scope.child("linear"), x, cOut, { init: "final" });
}

/**
 * Supplement 1.9.7 (OpenFold `TMScoreHead`): aligned-error bin logits
 * `[*, N, N, no_bins]` from `z [*, N, N, C_z]`. Parameter `linear`.
 */
export function tmHead(scope: Scope, z: Tensor, noBins: number): Tensor {
  return linear(scope.child("linear"), z, noBins, { init: "final" });
}

/**
 * Centres of the aligned-error bins: breaks `linspace(0, max_bin, no_bins − 1)`,
 * centres at break + step/2, plus one more centre past the last break.
 */
export function alignedErrorBinCentres(maxBin: number, noBins: number): number[] {
  const nBreaks = noBins - 1;
  const step = maxBin / (nBreaks - 1);
  return Array.from({ length: noBins }, (_, i) => i * step + step / 2);
}

/** Predicted aligned error (supplement 1.9.7, OpenFold `compute_predicted_aligned_error`). */
export interface PredictedAlignedError {
  /** `[*, N, N, no_bins]` softmax of the TM logits. */
  aligned_confidence_probs: Tensor;
  /** `[*, N, N]` expected aligned error (Å) of residue j when aligned on i's frame. */
  predicted_aligned_error: Tensor;
  /** Scalar: the largest bin centre (the largest value the expectation can take). */
  max_predicted_aligned_error: Tensor;
}

/** Expected aligned error from TM logits `[*, N, N, no_bins]`. */
export function computePredictedAlignedError(
  logits: Tensor,
  maxBin: number,
  noBins: number,
): PredictedAlignedError {
  const centres = alignedErrorBinCentres(maxBin, noBins);
  const probs = G.softmax(logits, -1);
  return {
    aligned_confidence_probs: probs,
    predicted_aligned_error: G.sum(
      G.mul(probs, logits.graph.constant(centres, [noBins], logits.dtype)),
      -1,
    ),
    max_predicted_aligned_error: logits.graph.scalar(centres[noBins - 1], logits.dtype),
  };
}

/**
 * Predicted TM-score (supplement 1.9.7 eq. 40, OpenFold `compute_tm`) from TM
 * logits `[N, N, no_bins]`: per alignment frame i, the expected TM term
 * `1 / (1 + (e/d0)²)` averaged over residues j with `residueWeights [N]`
 * (default all ones), where `d0 = 1.24 (max(Σw, 19) − 15)^(1/3) − 1.8`; the
 * result (a scalar) is the value at the frame with the largest weighted score.
 */
export function computePtm(
  logits: Tensor,
  maxBin: number,
  noBins: number,
  residueWeights?: Tensor,
  eps = 1e-8,
): Tensor {
  const g = logits.graph;
  const n = logits.shape[logits.rank - 2];
  const w = residueWeights ?? G.full(logits, [n], 1);
  const clipped = G.maximum(G.sum(w), 19);
  const d0 = G.sub(G.mul(G.pow(G.sub(clipped, 15), 1 / 3), 1.24), 1.8);
  const centres = g.constant(alignedErrorBinCentres(maxBin, noBins), [noBins], logits.dtype);
  const tmPerBin = G.reciprocal(G.add(G.div(G.mul(centres, centres), G.mul(d0, d0)), 1));
  const term = G.sum(G.mul(G.softmax(logits, -1), tmPerBin), -1); // [N, N]
  const pairWeights = G.mul(G.unsqueeze(w, -1), G.unsqueeze(w, -2)); // [N, N]
  const normed = G.div(pairWeights, G.add(G.sum(pairWeights, -1, true), eps));
  const perAlignment = G.sum(G.mul(term, normed), -1); // [N]
  const best = G.argmax(G.mul(perAlignment, w), 0, true); // [1]
  return G.squeeze(G.gather(perAlignment, best, 0), 0);
}

/** The heads' section of the model config (OpenFold names). */
export type HeadsConfig = ModelConfig["heads"];

/** Outputs of {@link auxiliaryHeads} (OpenFold `AuxiliaryHeads` keys). */
export interface AuxiliaryHeadsOutput {
  lddt_logits: Tensor;
  plddt: Tensor;
  distogram_logits: Tensor;
  masked_msa_logits: Tensor;
  experimentally_resolved_logits: Tensor;
  tm_logits?: Tensor;
  ptm_score?: Tensor;
  predicted_aligned_error?: Tensor;
  max_predicted_aligned_error?: Tensor;
  aligned_confidence_probs?: Tensor;
}

/**
 * Every head on the model's outputs (OpenFold `AuxiliaryHeads`, scope
 * `aux_heads`): pLDDT on the structure-module single `sm_single`, distogram and
 * TM on the pair `z`, masked MSA on `msa`, experimentally resolved on the
 * Evoformer `single`. The TM head and pTM exist only with `cfg.tm.enabled`.
 */
export function auxiliaryHeads(
  scope: Scope,
  cfg: HeadsConfig,
  outputs: { sm_single: Tensor; pair: Tensor; msa: Tensor; single: Tensor },
): AuxiliaryHeadsOutput {
  const lddtLogits = plddtHead(
    scope.child("plddt"),
    outputs.sm_single,
    cfg.lddt.no_bins,
    cfg.lddt.c_hidden,
  );
  const out: AuxiliaryHeadsOutput = {
    lddt_logits: lddtLogits,
    plddt: computePlddt(lddtLogits),
    distogram_logits: distogramHead(scope.child("distogram"), outputs.pair, cfg.distogram.no_bins),
    masked_msa_logits: maskedMsaHead(scope.child("masked_msa"), outputs.msa, cfg.masked_msa.c_out),
    experimentally_resolved_logits: experimentallyResolvedHead(
      scope.child("experimentally_resolved"),
      outputs.single,
      cfg.experimentally_resolved.c_out,
    ),
  };
  if (cfg.tm.enabled) {
    const tm = tmHead(scope.child("tm"), outputs.pair, cfg.tm.no_bins);
    out.tm_logits = tm;
    out.ptm_score = computePtm(tm, cfg.tm.max_bin, cfg.tm.no_bins);
    Object.assign(out, computePredictedAlignedError(tm, cfg.tm.max_bin, cfg.tm.no_bins));
  }
  return out;
}
