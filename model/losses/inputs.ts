/**
 * Graph inputs for the supervision a loss graph reads: one input per
 * {@link LossBatch} tensor, named by its OpenFold feature name and shaped for a
 * crop of `nRes` residues and `nSeq` MSA rows, so the training step feeds the
 * data pipeline's ground-truth features by name. Inputs the model graph
 * already has (`aatype`, `residue_index`, `seq_mask`) are reused.
 *
 * @module
 */

import type { DType, Graph, Tensor } from "../graph/mod.ts";
import type { LossBatch } from "./total.ts";

/** Sizes of a loss graph. */
export interface LossBatchDims {
  /** Residues in the crop. */
  nRes: number;
  /** MSA rows the masked-MSA head predicts. */
  nSeq: number;
}

/** `[name, shape (N = nRes, S = nSeq), int?]` of every supervision tensor, OpenFold names. */
const SUPERVISION: readonly [keyof LossBatch, (n: number, s: number) => number[], boolean][] = [
  ["seq_length", () => [], true],
  ["resolution", () => [], false],
  ["use_clamped_fape", () => [], false],
  ["all_atom_positions", (n) => [n, 37, 3], false],
  ["all_atom_mask", (n) => [n, 37], false],
  ["atom37_atom_exists", (n) => [n, 37], false],
  ["atom14_atom_exists", (n) => [n, 14], false],
  ["residx_atom14_to_atom37", (n) => [n, 14], true],
  ["atom14_gt_positions", (n) => [n, 14, 3], false],
  ["atom14_alt_gt_positions", (n) => [n, 14, 3], false],
  ["atom14_gt_exists", (n) => [n, 14], false],
  ["atom14_alt_gt_exists", (n) => [n, 14], false],
  ["atom14_atom_is_ambiguous", (n) => [n, 14], false],
  ["rigidgroups_gt_frames", (n) => [n, 8, 4, 4], false],
  ["rigidgroups_alt_gt_frames", (n) => [n, 8, 4, 4], false],
  ["rigidgroups_gt_exists", (n) => [n, 8], false],
  ["backbone_rigid_tensor", (n) => [n, 4, 4], false],
  ["backbone_rigid_mask", (n) => [n], false],
  ["chi_angles_sin_cos", (n) => [n, 4, 2], false],
  ["chi_mask", (n) => [n, 4], false],
  ["pseudo_beta", (n) => [n, 3], false],
  ["pseudo_beta_mask", (n) => [n], false],
  ["true_msa", (n, s) => [s, n], true],
  ["bert_mask", (n, s) => [s, n], false],
];

/** Names of every supervision tensor (OpenFold batch keys), in {@link lossBatchInputs} order. */
export const SUPERVISION_KEYS: readonly (keyof LossBatch)[] = SUPERVISION.map(([name]) => name);

/**
 * One graph input per supervision tensor (int32 for integer data, `dtype`
 * otherwise), plus the model's own `aatype`, `residue_index` and `seq_mask`.
 * `use_clamped_fape` is a `[]` input: feed 1 (clamped) with probability 0.9
 * per example, else 0 (OpenFold `data.supervised.clamp_prob`).
 *
 * @example
 * ```ts
 * const { features, prev } = featureInputs(b.g, cfg, dims);
 * const out = alphafoldIteration(b.scope(), cfg, features, prev);
 * const batch = lossBatchInputs(b.g, { nRes: dims.nRes, nSeq: dims.nSeq }, features);
 * const { loss, terms } = alphafoldLoss(out, batch, lossConfig("initial"));
 * ```
 */
export function lossBatchInputs(
  g: Graph,
  dims: LossBatchDims,
  model: Pick<LossBatch, "aatype" | "residue_index" | "seq_mask">,
  dtype: DType = "float32",
): LossBatch {
  const batch: Partial<Record<keyof LossBatch, Tensor>> = {
    aatype: model.aatype,
    residue_index: model.residue_index,
    seq_mask: model.seq_mask,
  };
  for (const [name, shape, int] of SUPERVISION) {
    batch[name] = g.input(name, shape(dims.nRes, dims.nSeq), int ? "int32" : dtype);
  }
  return batch as LossBatch;
}
