/**
 * Implements Algorithm 17 (TemplatePointwiseAttention).
 *
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
  scope: Scope,
  t: Tensor,
  z: Tensor,
  templateMask: Tensor,
  dims: TemplatePointwiseAttentionDims,
): Tensor {
  const nb = z.rank - 3;
  // [*, 1, 1, 1, 1, T] against logits [*, I, J, H, 1, T].
  const bias = G.unsqueeze(
    G.mul(G.sub(templateMask, 1), dims.inf),
    [nb, nb + 1, nb + 2, nb + 3],
  );
  const att = (tt: Tensor, zz: Tensor) => {
    // [*, T, i, J, C_t] -> [*, i, J, T, C_t]
    const kv = G.transpose(tt, [...Array(nb).keys(), nb + 1, nb + 2, nb, nb + 3]);
    const q = G.unsqueeze(zz, -2); // [*, i, J, 1, C_z]
    const o = attention(scope.child("mha"), q, kv, [bias], {
      cHidden: dims.c_hidden,
      heads: dims.no_heads,
      gating: false,
    }, nb);
    return G.squeeze(o, -2);
  };
  // Chunked: slice rows i of t before the transpose, so the transposed copy of
  // all templates (as large as t) never exists whole. Per row: that copy and the
  // keys and values, J·T·max(C_t, H·c).
  const [nT, n] = [t.shape[nb], t.shape[nb + 1]];
  const cT = t.shape[t.rank - 1];
  const size = scope.chunkRows(n * nT * Math.max(cT, dims.no_heads * dims.c_hidden));
  if (size === undefined || size >= n) return att(t, z);
  const parts: Tensor[] = [];
  for (let i = 0; i < n; i += size) {
    const e = Math.min(i + size, n);
    parts.push(att(G.slice(t, nb + 1, i, e), G.slice(z, nb, i, e)));
  }
  return G.concat(parts, nb);
}
