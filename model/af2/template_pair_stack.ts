/**
 * Implements Algorithm 16 (TemplatePairStack).
 *
 * The template pair stack (AF2 supplement Algorithm 16): per template,
 * triangle attention around the starting and ending node, triangle
 * multiplicative updates with outgoing and incoming edges, and a pair
 * transition, repeated for `no_blocks` blocks, then a final LayerNorm.
 * OpenFold `template.TemplatePairStackBlock` / `TemplatePairStack`.
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import type { Scope } from "../nn/scope.ts";
import { layerNorm } from "../nn/linear.ts";
import { transition } from "../nn/transition.ts";
import { triangleAttention } from "./triangle_attention.ts";
import { triangleMultiplication } from "./triangle_multiplication.ts";

/** Sizes of the template pair stack (the config's `template.pair_stack`). */
export interface TemplatePairStackDims {
  c_hidden_tri_att: number;
  c_hidden_tri_mul: number;
  no_blocks: number;
  no_heads: number;
  pair_transition_n: number;
  /** Dropout of every update in training graphs (AF2 0.25). */
  dropout_rate: number;
  /** Triangle-attention mask-bias magnitude (1e9). */
  inf: number;
  /**
   * Mask the pair transition (OpenFold `_mask_trans`; the AF2 model config
   * leaves it off, so the default is false).
   */
  mask_transition?: boolean;
}

/** Axis of the pair tensor `[*, N_i, N_j, C]` that row-wise dropout shares its mask along. */
const ROWWISE = [-3];
/** Axis that column-wise dropout shares its mask along. */
const COLUMNWISE = [-2];

/**
 * One block of Algorithm 16 on the template pair representations
 * `t [*, N_templ, N_res, N_res, C_t]` with `mask [*, N_templ, N_res, N_res]`.
 * Each template is processed independently (its own dropout masks). Returns
 * the new `t` (residuals added here). Parameters `tri_att_start`,
 * `tri_att_end`, `tri_mul_out`, `tri_mul_in`, `pair_transition`.
 */
export function templatePairStackBlock(
  scope: Scope,
  t: Tensor,
  mask: Tensor,
  dims: TemplatePairStackDims,
): Tensor {
  const rate = dims.dropout_rate;
  const att = { cHidden: dims.c_hidden_tri_att, heads: dims.no_heads, inf: dims.inf };
  const mul = { cHidden: dims.c_hidden_tri_mul };
  let x = t;
  x = G.add(
    x,
    scope.dropout(
      triangleAttention(scope.child("tri_att_start"), x, mask, { ...att, starting: true }),
      rate,
      ROWWISE,
    ),
  );
  x = G.add(
    x,
    scope.dropout(
      triangleAttention(scope.child("tri_att_end"), x, mask, { ...att, starting: false }),
      rate,
      COLUMNWISE,
    ),
  );
  x = G.add(
    x,
    scope.dropout(
      triangleMultiplication(scope.child("tri_mul_out"), x, mask, { ...mul, outgoing: true }),
      rate,
      ROWWISE,
    ),
  );
  x = G.add(
    x,
    scope.dropout(
      triangleMultiplication(scope.child("tri_mul_in"), x, mask, { ...mul, outgoing: false }),
      rate,
      ROWWISE,
    ),
  );
  const trMask = dims.mask_transition ? mask : undefined;
  return G.add(
    x,
    transition(scope.child("pair_transition"), x, dims.pair_transition_n, trMask, x.rank - 3),
  );
}

/**
 * Algorithm 16 (all blocks, parameters `blocks.<i>`) followed by the final
 * LayerNorm (`layer_norm`). `t [*, N_templ, N_res, N_res, C_t]`; `mask` is
 * `[*, N_templ, N_res, N_res]` or `[*, 1, N_res, N_res]` (shared by all
 * templates). Returns `[*, N_templ, N_res, N_res, C_t]`.
 *
 * With chunking on the scope (a chunk size or budget) the templates also run one at a time (as
 * OpenFold embeds them), so the largest intermediate — the triangle-attention
 * logits — holds one template's rows instead of all templates'.
 */
export function templatePairStack(
  scope: Scope,
  t: Tensor,
  mask: Tensor,
  dims: TemplatePairStackDims,
): Tensor {
  const m = G.expand(mask, t.shape.slice(0, -1));
  const blocks = (x: Tensor, mk: Tensor) => {
    for (let i = 0; i < dims.no_blocks; i++) {
      x = templatePairStackBlock(scope.child("blocks").child(i), x, mk, dims);
    }
    return layerNorm(scope.child("layer_norm"), x);
  };
  const templAxis = t.rank - 4;
  const nTempl = t.shape[templAxis];
  if (!scope.chunking || nTempl === 1) return blocks(t, m);
  const parts = Array.from(
    { length: nTempl },
    (_, k) => blocks(G.slice(t, templAxis, k, k + 1), G.slice(m, templAxis, k, k + 1)),
  );
  return G.concat(parts, templAxis);
}
