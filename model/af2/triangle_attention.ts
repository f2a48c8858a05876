/**
 * Implements Algorithm 13 (TriangleAttentionStartingNode).
 * Implements Algorithm 14 (TriangleAttentionEndingNode).
 *
 * Triangle self-attention around the starting node (AF2 supplement Algorithm
 * 13) and the ending node (Algorithm 14); OpenFold `TriangleAttention`
 * (`TriangleAttentionStartingNode` / `TriangleAttentionEndingNode`).
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import type { Scope } from "../nn/scope.ts";
import { layerNorm, linear } from "../nn/linear.ts";
import { attention } from "../nn/attention.ts";
import { permuteLast3, swapAxes } from "./evoformer_axes.ts";

/** Sizes and kind of a triangle attention. */
export interface TriangleAttentionDims {
  /** Per-head hidden size (OpenFold `c_hidden`, AF2 32). */
  cHidden: number;
  /** Number of heads (AF2 4). */
  heads: number;
  /** Algorithm 13 (around the starting node) when true, Algorithm 14 (ending node) when false. */
  starting: boolean;
  /** Mask-bias magnitude (OpenFold 1e9). */
  inf?: number;
}

/**
 * Triangle attention on `z [*, N_res, N_res, C_z]` with `mask [*, N_res, N_res]`
 * (1 = valid). Returns the UPDATE `[*, N_res, N_res, C_z]` (the caller applies
 * dropout — row-wise for the starting node, column-wise for the ending node —
 * and adds the residual). Parameters: `layer_norm`, `linear` (triangle bias,
 * no bias term), `mha.linear_q/k/v/g/o`.
 *
 * Starting node: row i attends over k with bias `b_jk` shared by all rows. The
 * ending node is the same computation on `zᵀ`, `maskᵀ`, transposed back
 * (OpenFold's formulation; same parameter names). Chunked over rows i when the
 * scope has a chunk size.
 *
 * @example
 * ```ts
 * const upd = triangleAttention(scope.child("tri_att_end"), z, pairMask,
 *   { cHidden: 32, heads: 4, starting: false, inf: 1e9 });
 * z = G.add(z, scope.dropout(upd, 0.25, [-2]));
 * ```
 */
export function triangleAttention(
  scope: Scope,
  z: Tensor,
  mask: Tensor,
  dims: TriangleAttentionDims,
): Tensor {
  const inf = dims.inf ?? 1e9;
  const zz = dims.starting ? z : swapAxes(z, -2, -3);
  const mk = dims.starting ? mask : swapAxes(mask, -1, -2);
  const nb = zz.rank - 3;
  const x = layerNorm(scope.child("layer_norm"), zz);
  // [*, I, 1, 1, K]: each row i masks its own keys k.
  const maskBias = G.unsqueeze(G.mul(G.sub(mk, 1), inf), [nb + 1, nb + 2]);
  // [*, 1, H, J, K]: the triangle bias b_jk, shared by every row i.
  const triBias = G.unsqueeze(
    permuteLast3(
      linear(scope.child("linear"), x, dims.heads, { bias: false, init: "normal" }),
      [2, 0, 1],
    ),
    nb,
  );
  const o = attention(scope.child("mha"), x, x, [maskBias, triBias], {
    cHidden: dims.cHidden,
    heads: dims.heads,
  }, nb);
  return dims.starting ? o : swapAxes(o, -2, -3);
}
