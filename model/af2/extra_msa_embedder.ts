/**
 * The extra-MSA features and their embedding (AF2 supplement Algorithm 2,
 * line 14: `e = Linear(f_extra_msa_feat)`). OpenFold `feats.build_extra_msa_feat`
 * and `embedders.ExtraMSAEmbedder`.
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import type { Scope } from "../nn/scope.ts";
import { linear } from "../nn/linear.ts";

/** Number of MSA token classes (20 amino acids, X, gap, mask). */
const MSA_CLASSES = 23;

/**
 * `extra_msa_feat [*, N_extra, N_res, 25]` = one-hot of the tokens
 * `extraMsa [*, N_extra, N_res]` (23 classes), `has_deletion` and
 * `deletion_value` (both `[*, N_extra, N_res]`).
 */
export function buildExtraMsaFeat(
  extraMsa: Tensor,
  hasDeletion: Tensor,
  deletionValue: Tensor,
): Tensor {
  return G.concat([
    G.oneHot(extraMsa, MSA_CLASSES, hasDeletion.dtype),
    G.unsqueeze(hasDeletion, -1),
    G.unsqueeze(deletionValue, -1),
  ], -1);
}

/**
 * Embed extra-MSA features `[*, N_extra, N_res, c_in]` to `[*, N_extra, N_res, C_e]`
 * with one Linear (parameter `linear`).
 */
export function extraMsaEmbedder(scope: Scope, feat: Tensor, cE: number): Tensor {
  return linear(scope.child("linear"), feat, cE);
}
