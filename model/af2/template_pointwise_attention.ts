/**
 * Template pointwise attention (AF2 supplement Algorithm 17): every pair
 * position (i, j) of `z` attends over the templates' pair representations at
 * (i, j). OpenFold `template.TemplatePointwiseAttention`.
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import type { Scope } from "../nn/scope.ts";
import { attention } from "../nn/attention.ts";

/** Sizes of the pointwise attention (the config's `template.pointwise_attention`). */
export interface TemplatePointwiseAttentionDims {
  /** Per-head hidden size. */
  c_hidden: number;
  no_heads: number;
  /** Mask-bias magnitude for masked templates (1e5 in OpenFold). */
  inf: number;
}

/**
 * Algorithm 17: query `z [*, N_res, N_res, C_z]` (one token per pair), keys
 * and values `t [*, N_templ, N_res, N_res, C_t]` over templates, with
 * `templateMask [*, N_templ]` as the additive bias `inf·(mask − 1)`. No
 * gating. Returns the update `[*, N_res, N_res, C_z]`. Parameters
 * `mha.linear_q/k/v/o`. Chunked over rows i with the scope's chunk size.
 */
export function templatePointwiseAttention(
  s: Scope,
  t: Tensor,
  z: Tensor,
  templateMask: Tensor,
  dims: TemplatePointwiseAttentionDims,
): Tensor {
  const nb = z.rank - 3;
  // [*, T, I, J, C_t] -> [*, I, J, T, C_t]
  const kv = G.transpose(t, [...Array(nb).keys(), nb + 1, nb + 2, nb, nb + 3]);
  const q = G.unsqueeze(z, -2); // [*, I, J, 1, C_z]
  // [*, 1, 1, 1, 1, T] against logits [*, I, J, H, 1, T].
  const bias = G.unsqueeze(
    G.mul(G.sub(templateMask, 1), dims.inf),
    [nb, nb + 1, nb + 2, nb + 3],
  );
  const o = attention(s.child("mha"), q, kv, [bias], {
    cHidden: dims.c_hidden,
    heads: dims.no_heads,
    gating: false,
  }, nb);
  return G.squeeze(o, -2);
}
