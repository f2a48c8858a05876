/**
 * Implements Algorithm 28 (computeFAPE).
 *
 * Frame aligned point error (AF2 supplement 1.9.2, Algorithm 28 `computeFAPE`)
 * and the two FAPE losses built on it: backbone FAPE over the structure-module
 * trajectory (Algorithm 20 line 17, clamped at 10 Å for a sampled 90% of
 * training examples) and side-chain FAPE on the renamed symmetric ground truth
 * (Algorithm 20 line 20, Algorithm 26 renaming in `renaming.ts`). Matches
 * OpenFold `compute_fape`, `backbone_loss` and `sidechain_loss`.
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import {
  type Frames,
  fromTensor4x4,
  fromTensor7,
  quatFramesToFrames,
  transposeRot,
} from "../af2/rigid.ts";

/** Inputs of {@link computeFape}; `*` batch dims broadcast between prediction and target. */
export interface FapeInputs {
  /** Predicted frames, batch `[*, N_frames]`. */
  predFrames: Frames;
  /** Ground-truth frames, batch `[*, N_frames]`. */
  targetFrames: Frames;
  /** `[*, N_frames]` 1 where the ground-truth frame exists. */
  framesMask: Tensor;
  /** `[*, N_pts, 3]` predicted positions (Å). */
  predPositions: Tensor;
  /** `[*, N_pts, 3]` ground-truth positions (Å). */
  targetPositions: Tensor;
  /** `[*, N_pts]` 1 where the ground-truth point exists. */
  positionsMask: Tensor;
}

/** Options of {@link computeFape}. */
export interface FapeOptions {
  /** Errors are divided by this (Z = 10 Å in Algorithm 28). */
  lengthScale: number;
  /** Clamp of each point error (d_clamp = 10 Å); none when omitted. */
  clampDistance?: number;
  /** Inside the square root and in the normalisers (FAPE uses 1e-4). */
  eps: number;
}

/**
 * `x_local[*, i, :, p] = T_i⁻¹ x_p` for every frame i and point p, laid out
 * `[*, N_frames, 3, N_pts]` so both the rotation and the points enter one MatMul.
 */
function localPoints(frames: Frames, points: Tensor): Tensor {
  const rotT = transposeRot(frames.rot); // [*, F, 3, 3]
  const pts = G.unsqueeze(G.transpose(points, transposeLast2(points.rank)), -3); // [*, 1, 3, P]
  const rotated = G.matmul(rotT, pts); // [*, F, 3, P]
  const shift = G.unsqueeze(G.squeeze(G.matmul(rotT, G.unsqueeze(frames.trans, -1)), -1), -1);
  return G.sub(rotated, shift);
}

function transposeLast2(rank: number): number[] {
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return perm;
}

/**
 * Algorithm 28 (`computeFAPE`, OpenFold `compute_fape` without pair mask): for
 * every frame i and point j, `d_ij = sqrt(|T_i⁻¹ x_j − T_i^true⁻¹ x_j^true|² + eps)`,
 * clamped to `[0, d_clamp]` when a clamp is given, divided by the length scale,
 * masked, then averaged: summed over points, divided by `eps + Σ frame mask`,
 * summed over frames, divided by `eps + Σ point mask` (OpenFold's
 * fp16-friendly order). Returns `[*]`.
 */
export function computeFape(x: FapeInputs, opts: FapeOptions): Tensor {
  const diff = G.sub(
    localPoints(x.predFrames, x.predPositions),
    localPoints(x.targetFrames, x.targetPositions),
  ); // [*, F, 3, P]
  let err = G.sqrt(G.add(G.sum(G.mul(diff, diff), -2), opts.eps)); // [*, F, P]
  if (opts.clampDistance !== undefined) err = G.clip(err, 0, opts.clampDistance);
  const fm = G.unsqueeze(x.framesMask, -1);
  const pm = G.unsqueeze(x.positionsMask, -2);
  const normed = G.mul(G.mul(G.div(err, opts.lengthScale), fm), pm);
  const perFrame = G.div(
    G.sum(normed, -1),
    G.unsqueeze(G.add(G.sum(x.framesMask, -1), opts.eps), -1),
  );
  return G.div(G.sum(perFrame, -1), G.add(G.sum(x.positionsMask, -1), opts.eps));
}

/** The backbone FAPE section of the loss config (OpenFold `loss.fape.backbone` + `loss.fape.eps`). */
export interface BackboneFapeConfig {
  clamp_distance: number;
  loss_unit_distance: number;
  eps: number;
}

/**
 * Backbone FAPE (Algorithm 20 line 17, OpenFold `backbone_loss`): FAPE of the
 * Cα positions under the backbone frames of every structure-module layer,
 * averaged over layers. `useClampedFape` (scalar, 0 or 1, sampled per example
 * as 1 with probability 0.9 by the data pipeline, supplement 1.11.5) mixes
 * `u · clamped + (1 − u) · unclamped`; without it the loss is clamped.
 *
 * @param traj `[L, N, 7]` per-layer backbone frames as tensor_7 (Å), quaternions used as given.
 * @param backboneRigidTensor `[N, 4, 4]` ground-truth backbone frames.
 * @param backboneRigidMask `[N]` 1 where the ground-truth frame exists.
 */
export function backboneFapeLoss(
  traj: Tensor,
  backboneRigidTensor: Tensor,
  backboneRigidMask: Tensor,
  cfg: BackboneFapeConfig,
  useClampedFape?: Tensor,
): Tensor {
  const pred = quatFramesToFrames(fromTensor7(traj));
  const gt = fromTensor4x4(backboneRigidTensor);
  const inputs: FapeInputs = {
    predFrames: pred,
    targetFrames: gt,
    framesMask: backboneRigidMask,
    predPositions: pred.trans,
    targetPositions: gt.trans,
    positionsMask: backboneRigidMask,
  };
  const opts = { lengthScale: cfg.loss_unit_distance, eps: cfg.eps };
  let fape = computeFape(inputs, { ...opts, clampDistance: cfg.clamp_distance }); // [L]
  if (useClampedFape) {
    const unclamped = computeFape(inputs, opts);
    const u = G.cast(useClampedFape, fape.dtype);
    fape = G.add(G.mul(fape, u), G.mul(unclamped, G.sub(1, u)));
  }
  return G.mean(fape);
}

/** The side-chain FAPE section of the loss config (OpenFold `loss.fape.sidechain` + `loss.fape.eps`). */
export interface SidechainFapeConfig {
  clamp_distance: number;
  length_scale: number;
  eps: number;
}

/** Ground truth of {@link sidechainFapeLoss} (OpenFold batch names, renamed by Algorithm 26). */
export interface SidechainFapeTruth {
  /** `[N, 8, 4, 4]` rigid-group frames. */
  rigidgroups_gt_frames: Tensor;
  /** `[N, 8, 4, 4]` frames with the symmetric atoms swapped. */
  rigidgroups_alt_gt_frames: Tensor;
  /** `[N, 8]` 1 where the group frame exists. */
  rigidgroups_gt_exists: Tensor;
  /** `[N, 14, 3]` renamed atom14 positions. */
  renamed_atom14_gt_positions: Tensor;
  /** `[N, 14]` renamed atom14 mask. */
  renamed_atom14_gt_exists: Tensor;
  /** `[N]` 1 where the alternative naming was chosen. */
  alt_naming_is_better: Tensor;
}

/**
 * Side-chain FAPE (Algorithm 20 line 20, OpenFold `sidechain_loss`): the last
 * layer's 8 rigid-group frames per residue against the ground-truth frames of
 * the chosen naming, over all atom14 points, always clamped.
 *
 * @param sidechainFrames `[L, N, 8, 4, 4]` predicted rigid-group frames (Å).
 * @param sidechainAtomPos `[L, N, 14, 3]` predicted atom14 positions (Å).
 */
export function sidechainFapeLoss(
  sidechainFrames: Tensor,
  sidechainAtomPos: Tensor,
  truth: SidechainFapeTruth,
  cfg: SidechainFapeConfig,
): Tensor {
  const alt = G.reshape(G.cast(truth.alt_naming_is_better, sidechainFrames.dtype), [-1, 1, 1, 1]);
  const gtFrames = G.add(
    G.mul(G.sub(1, alt), truth.rigidgroups_gt_frames),
    G.mul(alt, truth.rigidgroups_alt_gt_frames),
  );
  const last = (t: Tensor) => G.select(t, 0, t.shape[0] - 1);
  return computeFape({
    predFrames: fromTensor4x4(G.reshape(last(sidechainFrames), [-1, 4, 4])),
    targetFrames: fromTensor4x4(G.reshape(gtFrames, [-1, 4, 4])),
    framesMask: G.reshape(truth.rigidgroups_gt_exists, [-1]),
    predPositions: G.reshape(last(sidechainAtomPos), [-1, 3]),
    targetPositions: G.reshape(truth.renamed_atom14_gt_positions, [-1, 3]),
    positionsMask: G.reshape(truth.renamed_atom14_gt_exists, [-1]),
  }, { lengthScale: cfg.length_scale, clampDistance: cfg.clamp_distance, eps: cfg.eps });
}
