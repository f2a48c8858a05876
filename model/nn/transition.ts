/**
 * Implements Algorithm 9 (MSATransition).
 * Implements Algorithm 15 (PairTransition).
 *
 * The two-layer transition MLP (AF2 supplement Algorithms 9 and 15): LayerNorm,
 * Linear to n·C with ReLU, Linear back, optionally masked.
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import type { Scope } from "./scope.ts";
import { layerNorm, linear } from "./linear.ts";
import { chunked } from "./chunk.ts";

/**
 * Transition of `x [*, C]` with hidden size `n·C`; parameters `layer_norm`,
 * `linear_1`, `linear_2`. With `mask [*]` the hidden and output are masked.
 * Returns the update (the caller adds the residual).
 */
export function transition(
  scope: Scope,
  x: Tensor,
  n: number,
  mask?: Tensor,
  chunkAxis = 0,
): Tensor {
  const c = x.shape[x.rank - 1];
  const body = (xx: Tensor, ...mk: Tensor[]) => {
    const m = mk.length ? G.unsqueeze(mk[0], -1) : undefined;
    const h = G.relu(
      linear(scope.child("linear_1"), layerNorm(scope.child("layer_norm"), xx), n * c, {
        init: "relu",
      }),
    );
    const y = linear(scope.child("linear_2"), m ? G.mul(h, m) : h, c, { init: "final" });
    return m ? G.mul(y, m) : y;
  };
  // Per row of the chunk axis: the hidden activations, n·C for every other position.
  const perRow = (x.shape.slice(0, -1).reduce((a, d) => a * d, 1) / x.shape[chunkAxis]) * n * c;
  return chunked(mask ? [x, mask] : [x], chunkAxis, scope.chunkRows(perRow), body, scope.remat);
}
