/**
 * Implements Algorithm 10 (OuterProductMean).
 *
 * Outer product mean: the MSA → pair communication (AF2 supplement Algorithm
 * 10; OpenFold `OuterProductMean`).
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import type { Scope } from "../nn/scope.ts";
import { layerNorm, linear } from "../nn/linear.ts";
import { chunked } from "../nn/chunk.ts";
import { swapAxes } from "./evoformer_axes.ts";

/** Sizes of the outer product mean. */
export interface OuterProductMeanDims {
  /** Output pair channels C_z. */
  cZ: number;
  /** Hidden channels of the a/b projections (OpenFold `c_hidden`, AF2 32). */
  cHidden: number;
  /** Added to the mask count before dividing (OpenFold 1e-3). */
  eps?: number;
}

/**
 * Outer product mean of `m [*, N_seq, N_res, C_m]` with `mask [*, N_seq, N_res]`:
 * `a = linear_1(LN(m))·mask`, `b = linear_2(LN(m))·mask`,
 * `o_ij = linear_out(flatten_{c,e} Σ_s a_sic b_sje) / (Σ_s mask_si mask_sj + eps)`
 * (OpenFold divides after the output linear, bias included). Returns the UPDATE
 * `[*, N_res, N_res, C_z]`. Parameters `layer_norm`, `linear_1`, `linear_2`,
 * `linear_out`. The sum over sequences is one MatMul `[*, I·c, S] @ [*, S, J·e]`;
 * with a chunk size it is built in chunks of rows i.
 */
export function outerProductMean(
  scope: Scope,
  m: Tensor,
  mask: Tensor,
  dims: OuterProductMeanDims,
): Tensor {
  const nb = m.rank - 3;
  const [nSeq, nRes] = m.shape.slice(nb, nb + 2);
  const c = dims.cHidden, eps = dims.eps ?? 1e-3;
  const batch = m.shape.slice(0, nb);
  const ln = layerNorm(scope.child("layer_norm"), m);
  const mk = G.unsqueeze(mask, -1);
  const a = G.mul(linear(scope.child("linear_1"), ln, c), mk); // [*, S, I, c]
  const b = G.mul(linear(scope.child("linear_2"), ln, c), mk); // [*, S, J, e]
  const aRows = G.transpose(a, [...Array(nb).keys(), nb + 1, nb + 2, nb]); // [*, I, c, S]
  const bFlat = G.reshape(b, [...batch, nSeq, nRes * c]); // [*, S, J·e]
  // Σ_s mask_si mask_sj as a MatMul: [*, I, S] @ [*, S, J].
  const norm = G.matmul(swapAxes(mask, -1, -2), mask);
  const body = (aa: Tensor, nn: Tensor) => {
    const rows = aa.shape[nb];
    const outer = G.matmul(G.reshape(aa, [...batch, rows * c, nSeq]), bFlat); // [*, i·c, J·e]
    const o5 = G.reshape(outer, [...batch, rows, c, nRes, c]);
    const o = G.transpose(o5, [...Array(nb).keys(), nb, nb + 2, nb + 1, nb + 3]); // [*, i, J, c, e]
    const flat = G.reshape(o, [...batch, rows, nRes, c * c]);
    const y = linear(scope.child("linear_out"), flat, dims.cZ, { init: "final" });
    return G.div(y, G.add(G.unsqueeze(nn, -1), eps));
  };
  // Per row i: the outer products c·J·e (and their transposed copy).
  const perRow = batch.reduce((a, d) => a * d, 1) * c * nRes * c;
  return chunked([aRows, norm], nb, scope.chunkRows(perRow), body, scope.remat);
}
