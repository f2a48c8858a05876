/**
 * Implements Algorithm 26 (renameSymmetricGroundTruthAtoms).
 *
 * Algorithm 26 (`renameSymmetricGroundTruthAtoms`, OpenFold
 * `compute_renamed_ground_truth`): for residues with 180°-symmetric side
 * chains (ASP, GLU, PHE, TYR) choose, per residue, the naming of the ground
 * truth that better matches the prediction's distances to all non-ambiguous
 * atoms. The choice is a discrete decision on the prediction, so no gradient
 * flows through it; the losses then use the chosen ground truth.
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import { RESTYPE_ATOM14_AMBIGUOUS_ATOMS } from "../protein/residue_constants.ts";
import { squaredNorm } from "./common.ts";

/**
 * The atom14 slots that are ambiguous for some residue type (6..9: OD1/OD2,
 * OE1/OE2, CD1/CD2/CE1/CE2). Only these can be the ambiguous atom of a pair, so
 * the distance matrices need rows for these slots only: 4 of 14.
 */
const AMBIGUOUS_SLOTS: readonly [number, number] = (() => {
  const slots = [...RESTYPE_ATOM14_AMBIGUOUS_ATOMS.keys()]
    .filter((k) => RESTYPE_ATOM14_AMBIGUOUS_ATOMS[k] === 1)
    .map((k) => k % 14);
  return [Math.min(...slots), Math.max(...slots) + 1];
})();

/** Ground-truth inputs of {@link renameSymmetricGroundTruth} (OpenFold batch names). */
export interface RenamingTruth {
  /** `[N, 14, 3]` */
  atom14_gt_positions: Tensor;
  /** `[N, 14, 3]` with the symmetric atoms swapped. */
  atom14_alt_gt_positions: Tensor;
  /** `[N, 14]` */
  atom14_gt_exists: Tensor;
  /** `[N, 14]` */
  atom14_alt_gt_exists: Tensor;
  /** `[N, 14]` 1 for atoms whose name the swap changes. */
  atom14_atom_is_ambiguous: Tensor;
}

/** The chosen ground truth. */
export interface RenamedTruth {
  /** `[N]` 1 where the alternative naming is better (stop-gradient'ed). */
  alt_naming_is_better: Tensor;
  /** `[N, 14, 3]` */
  renamed_atom14_gt_positions: Tensor;
  /** `[N, 14]` */
  renamed_atom14_gt_exists: Tensor;
}

/**
 * Algorithm 26 lines 1–9: with `d` the distances between ambiguous atoms of
 * residue i and non-ambiguous atoms of every residue, compare
 * `Σ sqrt(eps + (d_pred − d_true)²)` under both namings; the alternative wins
 * where its sum is strictly smaller.
 *
 * @param atom14PredPositions `[N, 14, 3]` predicted positions (the last structure-module layer).
 * @param eps OpenFold's 1e-10 inside the square roots.
 */
export function renameSymmetricGroundTruth(
  atom14PredPositions: Tensor,
  truth: RenamingTruth,
  eps = 1e-10,
): RenamedTruth {
  const [n, a] = atom14PredPositions.shape;
  const [lo, hi] = AMBIGUOUS_SLOTS;
  const k = hi - lo;
  // Distances from the candidate ambiguous slots of every residue to every atom:
  // [N·k, N·14] = [(i, a), (j, b)].
  const dists = (x: Tensor) => {
    const rows = G.reshape(G.slice(x, 1, lo, hi), [n * k, 1, 3]);
    const cols = G.reshape(x, [1, n * a, 3]);
    return G.sqrt(G.add(squaredNorm(G.sub(rows, cols)), eps));
  };
  const pred = dists(G.stopGradient(atom14PredPositions));
  const gt = dists(truth.atom14_gt_positions);
  const alt = dists(truth.atom14_alt_gt_positions);
  const dev = (d: Tensor) => G.sqrt(G.add(G.square(G.sub(pred, d)), eps));
  const exists = truth.atom14_gt_exists, amb = truth.atom14_atom_is_ambiguous;
  const rowMask = G.reshape(G.slice(G.mul(exists, amb), 1, lo, hi), [n * k, 1]);
  const colMask = G.reshape(G.mul(exists, G.sub(1, amb)), [1, n * a]);
  const mask = G.mul(rowMask, colMask);
  const perResidue = (d: Tensor) => G.sum(G.reshape(G.sum(G.mul(mask, dev(d)), 1), [n, k]), 1);
  const better = G.stopGradient(
    G.cast(G.less(perResidue(alt), perResidue(gt)), atom14PredPositions.dtype),
  );
  const b3 = G.reshape(better, [n, 1, 1]);
  const b2 = G.reshape(better, [n, 1]);
  return {
    alt_naming_is_better: better,
    renamed_atom14_gt_positions: G.add(
      G.mul(G.sub(1, b3), truth.atom14_gt_positions),
      G.mul(b3, truth.atom14_alt_gt_positions),
    ),
    renamed_atom14_gt_exists: G.add(
      G.mul(G.sub(1, b2), truth.atom14_gt_exists),
      G.mul(b2, truth.atom14_alt_gt_exists),
    ),
  };
}
