/**
 * Distogram loss (AF2 supplement 1.9.8, OpenFold `distogram_loss`): cross-entropy
 * of the distogram head's 64 bins against the binned ground-truth Cβ (Cα for
 * glycine) distances, averaged over pairs of present residues.
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import { binIndex, linspace, softmaxCrossEntropy, squaredNorm } from "./common.ts";

/** The `loss.distogram` section (OpenFold names). */
export interface DistogramConfig {
  min_bin: number;
  max_bin: number;
  no_bins: number;
  eps: number;
}

/**
 * Supplement 1.9.8: the true bin of each pair is the number of the `no_bins − 1`
 * edges `linspace(min_bin, max_bin)` its distance exceeds (squared on both
 * sides); loss = `Σ_i (Σ_j CE_ij m_ij) / (eps + Σ m)` with `m_ij = m_i m_j`.
 *
 * @param logits `[N, N, no_bins]`
 * @param pseudoBeta `[N, 3]` ground-truth Cβ (Cα for Gly) positions.
 * @param pseudoBetaMask `[N]`
 */
export function distogramLoss(
  logits: Tensor,
  pseudoBeta: Tensor,
  pseudoBetaMask: Tensor,
  cfg: DistogramConfig,
): Tensor {
  const edges = linspace(cfg.min_bin, cfg.max_bin, cfg.no_bins - 1).map((b) => b * b);
  const d2 = squaredNorm(G.sub(G.unsqueeze(pseudoBeta, -2), G.unsqueeze(pseudoBeta, -3)));
  const labels = G.oneHot(binIndex(d2, edges), cfg.no_bins, logits.dtype);
  const errors = softmaxCrossEntropy(logits, labels); // [N, N]
  const square = G.mul(G.unsqueeze(pseudoBetaMask, -1), G.unsqueeze(pseudoBetaMask, -2));
  const denom = G.add(G.sum(square, [-2, -1]), cfg.eps);
  return G.sum(G.div(G.sum(G.mul(errors, square), -1), denom), -1);
}
