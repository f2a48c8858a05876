/**
 * Small in-graph pieces the AF2 losses share (supplement 1.9): cross-entropy
 * against one-hot labels, OpenFold's `masked_mean`, binning against squared
 * boundaries, pairwise distances, the resolution filter. Every piece is built
 * from ops with VJP rules, so the losses differentiate with `G.grad`.
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";

/** `-Σ_c labels_c · log softmax(logits)_c` over the last axis (OpenFold `softmax_cross_entropy`). */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor): Tensor {
  return G.neg(G.sum(G.mul(labels, G.logSoftmax(logits, -1)), -1));
}

/**
 * OpenFold `masked_mean`: `Σ mask·value / (eps + Σ mask)` over `axes`, with the
 * mask broadcast to the value's shape first (so a mask shared over an axis
 * counts once per entry of that axis). OpenFold's default eps is 1e-4.
 */
export function maskedMean(
  mask: Tensor,
  value: Tensor,
  axes: number | readonly number[],
  eps = 1e-4,
): Tensor {
  const m = G.expand(G.cast(mask, value.dtype), value.shape);
  return G.div(G.sum(G.mul(m, value), axes), G.add(G.sum(m, axes), eps));
}

/** `torch.linspace(start, end, n)` as plain numbers. */
export function linspace(start: number, end: number, n: number): number[] {
  if (n === 1) return [start];
  return Array.from({ length: n }, (_, i) => start + ((end - start) * i) / (n - 1));
}

/**
 * The bin of each value of `x` against ascending `boundaries`: the number of
 * boundaries strictly below it (OpenFold's `sum(x > boundaries)`), as int64.
 * Discrete, so no gradient flows back.
 */
export function binIndex(x: Tensor, boundaries: readonly number[]): Tensor {
  const b = x.graph.constant([...boundaries], [boundaries.length], x.dtype);
  const above = G.cast(G.greater(G.unsqueeze(G.stopGradient(x), -1), b), "int64");
  return G.sum(above, -1);
}

/** Squared norm over the last axis: `Σ x²`. */
export function squaredNorm(x: Tensor, keepdims = false): Tensor {
  return G.sum(G.mul(x, x), -1, keepdims);
}

/**
 * Pairwise distances `sqrt(eps + |x_i − x_j|²)` of points `x [*, M, 3]` → `[*, M, M]`
 * (the eps keeps the gradient finite on the diagonal).
 */
export function pairwiseDistances(x: Tensor, eps: number): Tensor {
  const d = G.sub(G.unsqueeze(x, -2), G.unsqueeze(x, -3));
  return G.sqrt(G.add(squaredNorm(d), eps));
}

/**
 * 1 when `minResolution <= resolution <= maxResolution`, else 0 (OpenFold
 * applies it to the pLDDT, experimentally-resolved and TM losses: supplement
 * 1.9.6/1.9.10 train them only on well-resolved crystal structures).
 */
export function resolutionFilter(
  resolution: Tensor,
  minResolution: number,
  maxResolution: number,
  dtype: G.DType = "float32",
): Tensor {
  const ok = G.and(
    G.greaterEqual(resolution, minResolution),
    G.lessEqual(resolution, maxResolution),
  );
  return G.cast(ok, dtype);
}

/** `x` where it is finite, else 0 (OpenFold drops NaN/inf loss terms to 0). */
export function finiteOrZero(x: Tensor): Tensor {
  // x − x is 0 exactly for finite x and NaN for ±inf and NaN.
  return G.where(G.equal(G.sub(x, x), 0), x, 0);
}
