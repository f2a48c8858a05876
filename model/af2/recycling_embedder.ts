/**
 * Implements Algorithm 32 (RecyclingEmbedder).
 *
 * The recycling embedder (AF2 supplement Algorithm 32, lines 1-3 of the
 * embedding step): LayerNorms of the previous MSA first row and pair
 * representation, plus a linear embedding of the one-hot distogram of the
 * previous pseudo-beta positions. OpenFold `embedders.RecyclingEmbedder`.
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import type { Scope } from "../nn/scope.ts";
import { layerNorm, linear } from "../nn/linear.ts";

/** Distance bins of a one-hot distogram (the config's `recycling_embedder` section). */
export interface DistogramBins {
  /** Lower edge of the first bin (Å). */
  min_bin: number;
  /** Lower edge of the last bin (Å). */
  max_bin: number;
  no_bins: number;
  /** Upper edge of the last bin, in squared Å (1e8 for recycling, 1e5 for templates). */
  inf: number;
}

/**
 * One-hot distogram of points `x [*, N, 3]` → `[*, N, N, no_bins]`, as OpenFold
 * builds it: squared distances against squared lower edges
 * `linspace(min_bin, max_bin, no_bins)²` and upper edges `[lower[1:], inf]`, with
 * strict inequalities on both sides (no square root is taken).
 */
export function oneHotDistogram(x: Tensor, bins: DistogramBins): Tensor {
  const { min_bin: lo, max_bin: hi, no_bins: n, inf } = bins;
  const edges = Array.from({ length: n }, (_, i) => {
    const v = Math.fround(lo + (i * (hi - lo)) / (n - 1));
    return Math.fround(v * v);
  });
  const lower = x.graph.constant(edges, [n]);
  const upper = x.graph.constant([...edges.slice(1), inf], [n]);
  const diff = G.sub(G.unsqueeze(x, -2), G.unsqueeze(x, -3)); // [*, N, N, 3]
  const d2 = G.sum(G.mul(diff, diff), -1, true); // [*, N, N, 1]
  return G.cast(G.and(G.greater(d2, lower), G.less(d2, upper)), x.dtype);
}

/**
 * Algorithm 32 (embedding part): from the previous recycle's first MSA row
 * `m [*, N_res, C_m]`, pair `z [*, N_res, N_res, C_z]` and pseudo-beta
 * positions `x [*, N_res, 3]`, the updates `m_update = LN(m)` and
 * `z_update = LN(z) + linear(distogram(x))` that the caller adds to the new
 * embeddings. Parameters `layer_norm_m`, `layer_norm_z`, `linear`.
 */
export function recyclingEmbedder(
  scope: Scope,
  m: Tensor,
  z: Tensor,
  x: Tensor,
  bins: DistogramBins,
): { m: Tensor; z: Tensor } {
  const mUpdate = layerNorm(scope.child("layer_norm_m"), m);
  const cZ = z.shape[z.rank - 1];
  const d = linear(scope.child("linear"), oneHotDistogram(x, bins), cZ);
  return { m: mUpdate, z: G.add(d, layerNorm(scope.child("layer_norm_z"), z)) };
}
