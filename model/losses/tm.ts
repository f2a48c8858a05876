/**
 * TM / predicted-aligned-error loss (AF2 supplement 1.9.7, OpenFold `tm_loss`):
 * the TM head's 64 bins of aligned error are trained by cross-entropy against
 * the binned error of each residue's Cα position seen from every other
 * residue's backbone frame, prediction vs ground truth. The target is
 * stop-gradient'ed (it is data for the head, not a path into the structure).
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import {
  type Frames,
  fromTensor4x4,
  fromTensor7,
  invertApplyFrames,
  quatFramesToFrames,
  unsqueezeFrames,
} from "../af2/rigid.ts";
import {
  binIndex,
  linspace,
  resolutionFilter,
  softmaxCrossEntropy,
  squaredNorm,
} from "./common.ts";

/** The `loss.tm` section (OpenFold names). */
export interface TmLossConfig {
  max_bin: number;
  no_bins: number;
  min_resolution: number;
  max_resolution: number;
  eps: number;
}

/** `[N, N, 3]`: the translation of frame j expressed in frame i. */
function alignedPoints(f: Frames): Tensor {
  return invertApplyFrames(unsqueezeFrames(f), G.unsqueeze(f.trans, -3));
}

/**
 * Supplement 1.9.7: `e_ij = |T_i⁻¹ t_j − T_i^true⁻¹ t_j^true|²` binned against
 * `linspace(0, max_bin, no_bins − 1)²`; loss = `Σ CE_ij m_ij / (eps + Σ m)`
 * over pairs of residues with ground-truth frames (OpenFold's 0.5-scaled
 * normaliser, so the effective eps is 2·eps), times the resolution filter.
 *
 * @param logits `[N, N, no_bins]` TM head logits.
 * @param finalAffineTensor `[N, 7]` final predicted backbone frames (tensor_7, Å).
 * @param backboneRigidTensor `[N, 4, 4]` ground-truth backbone frames.
 * @param backboneRigidMask `[N]`
 * @param resolution `[]`
 */
export function tmLoss(
  logits: Tensor,
  finalAffineTensor: Tensor,
  backboneRigidTensor: Tensor,
  backboneRigidMask: Tensor,
  resolution: Tensor,
  cfg: TmLossConfig,
): Tensor {
  const pred = quatFramesToFrames(fromTensor7(G.stopGradient(finalAffineTensor)));
  const gt = fromTensor4x4(backboneRigidTensor);
  const sqDiff = squaredNorm(G.sub(alignedPoints(pred), alignedPoints(gt))); // [N, N]
  const edges = linspace(0, cfg.max_bin, cfg.no_bins - 1).map((b) => b * b);
  const labels = G.oneHot(binIndex(sqDiff, edges), cfg.no_bins, logits.dtype);
  const errors = softmaxCrossEntropy(logits, labels);
  const square = G.mul(G.unsqueeze(backboneRigidMask, -1), G.unsqueeze(backboneRigidMask, -2));
  const denom = G.add(G.sum(G.mul(square, 0.5), [-2, -1]), cfg.eps);
  const loss = G.mul(G.sum(G.div(G.sum(G.mul(errors, square), -1), denom), -1), 0.5);
  return G.mul(
    loss,
    resolutionFilter(resolution, cfg.min_resolution, cfg.max_resolution, logits.dtype),
  );
}
