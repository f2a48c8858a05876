/**
 * Implements Algorithm 7 (MSARowAttentionWithPairBias).
 * Implements Algorithm 8 (MSAColumnAttention).
 * Implements Algorithm 19 (MSAColumnGlobalAttention).
 *
 * Attention over the MSA representation: row-wise gated self-attention with
 * pair bias (AF2 supplement Algorithm 7), column-wise gated self-attention
 * (Algorithm 8) and the extra-MSA stack's column-wise global attention
 * (Algorithm 19). OpenFold `MSARowAttentionWithPairBias`, `MSAColumnAttention`,
 * `MSAColumnGlobalAttention`.
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import type { Scope } from "../nn/scope.ts";
import { layerNorm, linear } from "../nn/linear.ts";
import { attention, globalAttention } from "../nn/attention.ts";
import { permuteLast3, swapAxes } from "./evoformer_axes.ts";

/** Sizes of an MSA attention module. */
export interface MsaAttentionDims {
  /** Per-head hidden size (OpenFold `c_hidden`; AF2 32, extra MSA 8). */
  cHidden: number;
  /** Number of heads (AF2 8). */
  heads: number;
  /** Mask-bias magnitude (OpenFold 1e9). */
  inf?: number;
}

/**
 * Gated self-attention along the last sequence axis of `m [*, B, L, C]` with
 * `mask [*, B, L]`, chunked over B; parameters `layer_norm_m` and `mha`, plus
 * the pair bias `layer_norm_z`/`linear_z` of `z [*, L, L, C_z]` when given.
 */
function rowAttention(
  scope: Scope,
  m: Tensor,
  mask: Tensor,
  dims: MsaAttentionDims,
  z?: Tensor,
): Tensor {
  const nb = m.rank - 3;
  const x = layerNorm(scope.child("layer_norm_m"), m);
  // [*, B, 1, 1, L]: every row masks its own keys.
  const biases = [G.unsqueeze(G.mul(G.sub(mask, 1), dims.inf ?? 1e9), [nb + 1, nb + 2])];
  if (z) {
    // [*, 1, H, L, L]: the pair bias b_ij, shared by every row.
    const zb = linear(
      scope.child("linear_z"),
      layerNorm(scope.child("layer_norm_z"), z),
      dims.heads,
      {
        bias: false,
        init: "normal",
      },
    );
    biases.push(G.unsqueeze(permuteLast3(zb, [2, 0, 1]), nb));
  }
  return attention(
    scope.child("mha"),
    x,
    x,
    biases,
    { cHidden: dims.cHidden, heads: dims.heads },
    nb,
  );
}

/**
 * MSA row-wise gated self-attention with pair bias (Algorithm 7) of
 * `m [*, N_seq, N_res, C_m]` with `z [*, N_res, N_res, C_z]` and
 * `mask [*, N_seq, N_res]`. Returns the UPDATE `[*, N_seq, N_res, C_m]` (the
 * Evoformer block applies row-wise dropout 0.15 and adds it). Parameters:
 * `layer_norm_m`, `layer_norm_z`, `linear_z`, `mha.*`. Chunked over sequences.
 */
export function msaRowAttentionWithPairBias(
  scope: Scope,
  m: Tensor,
  z: Tensor,
  mask: Tensor,
  dims: MsaAttentionDims,
): Tensor {
  return rowAttention(scope, m, mask, dims, z);
}

/**
 * MSA column-wise gated self-attention (Algorithm 8) of `m [*, N_seq, N_res, C_m]`
 * with `mask [*, N_seq, N_res]`: row attention (no pair bias) on the transposed
 * MSA, transposed back. Returns the UPDATE. Parameters `_msa_att.layer_norm_m`,
 * `_msa_att.mha.*` (OpenFold wraps an `MSAAttention` as `_msa_att`). Chunked over residues.
 */
export function msaColumnAttention(
  scope: Scope,
  m: Tensor,
  mask: Tensor,
  dims: MsaAttentionDims,
): Tensor {
  const o = rowAttention(
    scope.child("_msa_att"),
    swapAxes(m, -2, -3),
    swapAxes(mask, -1, -2),
    dims,
  );
  return swapAxes(o, -2, -3);
}

/** Sizes of {@link msaColumnGlobalAttention}. */
export interface MsaGlobalAttentionDims extends MsaAttentionDims {
  /** Added to the mask count of the averaged query (OpenFold 1e-10; 1e-8 in the extra-MSA stack). */
  eps?: number;
}

/**
 * MSA column-wise global attention (Algorithm 19) of `m [*, N_seq, N_res, C]`
 * with `mask [*, N_seq, N_res]`, used by the extra-MSA stack. Returns the UPDATE.
 * Parameters `layer_norm_m`, `global_attention.*`. Chunked over residues.
 */
export function msaColumnGlobalAttention(
  scope: Scope,
  m: Tensor,
  mask: Tensor,
  dims: MsaGlobalAttentionDims,
): Tensor {
  const mt = layerNorm(scope.child("layer_norm_m"), swapAxes(m, -2, -3));
  const o = globalAttention(scope.child("global_attention"), mt, swapAxes(mask, -1, -2), {
    cHidden: dims.cHidden,
    heads: dims.heads,
    inf: dims.inf,
    eps: dims.eps,
  }, m.rank - 3);
  return swapAxes(o, -2, -3);
}
