/**
 * Implements Algorithm 27 (torsionAngleLoss).
 *
 * Supervised chi-angle loss with the angle-norm penalty (AF2 supplement 1.9.1,
 * Algorithm 27 `torsionAngleLoss`, as OpenFold `supervised_chi_loss`): the
 * squared (sin, cos) error of χ1..χ4 of every structure-module layer, with the
 * π-periodic chis (ASP χ2, GLU χ3, PHE χ2, TYR χ2) compared against both the
 * angle and the angle + π, plus a penalty keeping the unnormalised (sin, cos)
 * predictions near unit length.
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import { CHI_PI_PERIODIC } from "../protein/residue_constants.ts";
import { maskedMean, squaredNorm } from "./common.ts";

/** The `loss.supervised_chi` section (OpenFold names). */
export interface SupervisedChiConfig {
  chi_weight: number;
  angle_norm_weight: number;
  eps: number;
}

/** Ground truth of {@link supervisedChiLoss} (OpenFold batch names). */
export interface ChiTruth {
  /** `[N]` residue types (int). */
  aatype: Tensor;
  /** `[N]` 1 for real residues. */
  seq_mask: Tensor;
  /** `[N, 4]` 1 where the chi angle exists in the ground truth. */
  chi_mask: Tensor;
  /** `[N, 4, 2]` ground-truth (sin, cos) of χ1..χ4. */
  chi_angles_sin_cos: Tensor;
}

/**
 * Algorithm 27: `chi_weight · mean_masked(min(|a_true − a|², |a_alt − a|²))
 * + angle_norm_weight · mean_masked(|‖a_unnormalised‖ − 1|)`, both means over
 * (layers, residues, angles). `a_alt = −a_true` for π-periodic chis (the
 * (sin, cos) of angle + π), `a_true` otherwise.
 *
 * @param angles `[L, N, 7, 2]` normalised (sin, cos) of (ω, φ, ψ, χ1..χ4) per layer.
 * @param unnormalizedAngles `[L, N, 7, 2]` the raw predictions.
 */
export function supervisedChiLoss(
  angles: Tensor,
  unnormalizedAngles: Tensor,
  truth: ChiTruth,
  cfg: SupervisedChiConfig,
): Tensor {
  const dtype = angles.dtype;
  const predChi = G.slice(angles, 2, 3, 7); // [L, N, 4, 2]
  const periodicTable = angles.graph.constant(CHI_PI_PERIODIC.flat(), [21, 4], dtype);
  const periodic = G.gather(periodicTable, truth.aatype, 0); // [N, 4]
  const trueChi = truth.chi_angles_sin_cos;
  const shifted = G.mul(G.unsqueeze(G.sub(1, G.mul(periodic, 2)), -1), trueChi);
  const sqErr = G.minimum(
    squaredNorm(G.sub(trueChi, predChi)),
    squaredNorm(G.sub(shifted, predChi)),
  ); // [L, N, 4]
  const chiLoss = maskedMean(truth.chi_mask, sqErr, [0, 1, 2]);
  const norm = G.sqrt(G.add(squaredNorm(unnormalizedAngles), cfg.eps)); // [L, N, 7]
  const normErr = G.abs(G.sub(norm, 1));
  const normLoss = maskedMean(G.reshape(truth.seq_mask, [1, -1, 1]), normErr, [0, 1, 2]);
  return G.add(G.mul(chiLoss, cfg.chi_weight), G.mul(normLoss, cfg.angle_norm_weight));
}
