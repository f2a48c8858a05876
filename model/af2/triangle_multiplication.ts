/**
 * Implements Algorithm 11 (TriangleMultiplicationOutgoing).
 * Implements Algorithm 12 (TriangleMultiplicationIncoming).
 *
 * Triangular multiplicative update of the pair representation (AF2 supplement
 * Algorithm 11 "outgoing edges" and Algorithm 12 "incoming edges"; OpenFold
 * `TriangleMultiplicationOutgoing` / `TriangleMultiplicationIncoming`).
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import type { Init, Scope } from "../nn/scope.ts";
import { layerNorm, linear } from "../nn/linear.ts";
import { permuteLast3 } from "./evoformer_axes.ts";

/** Sizes and direction of a triangle multiplication. */
export interface TriangleMultiplicationDims {
  /** Hidden channels of the a/b projections (OpenFold `c_hidden`, AF2 c = 128). */
  cHidden: number;
  /** Algorithm 11 (outgoing edges, `x_ij = Σ_k a_ik b_jk`) when true, Algorithm 12 (incoming, `x_ij = Σ_k a_ki b_kj`) when false. */
  outgoing: boolean;
}

/** One projection of the fused input linear: OpenFold name, width and init. */
interface Projection {
  name: string;
  out: number;
  gating: boolean;
}

/** A projection's weight `[out, in]` and bias `[out]` parameters. */
interface ProjectionParams {
  w: Tensor;
  b: Tensor;
  out: number;
}

/** The parameters of `parts` (created in this order, so initialisation does not depend on chunking). */
function projectionParams(
  scope: Scope,
  cIn: number,
  parts: readonly Projection[],
): ProjectionParams[] {
  return parts.map((p) => {
    const wInit: Init = p.gating ? { kind: "zeros" } : { kind: "lecun", fanIn: cIn, fanOut: p.out };
    return {
      w: scope.child(p.name).param("weight", [p.out, cIn], wInit),
      b: scope.child(p.name).param("bias", [p.out], { kind: p.gating ? "ones" : "zeros" }),
      out: p.out,
    };
  });
}

/**
 * Linears that read the same input computed as ONE MatMul over concatenated
 * weights (each keeps its own OpenFold parameter name), split after. The
 * concatenated, transposed weight is built once per call of this function and
 * the returned closure applies it (chunks share it).
 */
function fused(ps: readonly ProjectionParams[]): (x: Tensor) => Tensor[] {
  const wT = G.transpose(G.concat(ps.map((p) => p.w), 0), [1, 0]);
  const b = G.concat(ps.map((p) => p.b), 0);
  return (x) => G.split(G.add(G.matmul(x, wT), b), -1, ps.map((p) => p.out));
}

/** `mask · sigmoid(gate) · proj`: the gated a or b of Algorithms 11/12. */
function gated(mask: Tensor, gate: Tensor, proj: Tensor): Tensor {
  return G.mul(G.unsqueeze(mask, -1), G.mul(G.sigmoid(gate), proj));
}

/**
 * Triangle multiplicative update of `z [*, N_res, N_res, C_z]` with
 * `mask [*, N_res, N_res]` (1 = valid). Returns the UPDATE `[*, N_res, N_res, C_z]`
 * (the caller applies dropout and adds the residual). Parameters (OpenFold names):
 * `layer_norm_in`, `linear_a_p`, `linear_a_g`, `linear_b_p`, `linear_b_g`,
 * `linear_g`, `layer_norm_out`, `linear_z`.
 *
 * The edge sum runs as a batched MatMul over channels (`[*, c, i, k] @ [*, c, k, j]`).
 * Unchunked, the five input projections are one MatMul over the whole pair
 * (fastest). Chunked (see {@link triangleMultiplicationChunked}), only the
 * channel-first operand that every output row needs is built whole.
 *
 * @example
 * ```ts
 * const upd = triangleMultiplication(scope.child("tri_mul_out"), z, pairMask, { cHidden: 128, outgoing: true });
 * z = G.add(z, scope.dropout(upd, 0.25, [-3]));
 * ```
 */
export function triangleMultiplication(
  scope: Scope,
  z: Tensor,
  mask: Tensor,
  dims: TriangleMultiplicationDims,
): Tensor {
  const cz = z.shape[z.rank - 1], ch = dims.cHidden;
  const n = z.shape[z.rank - 3];
  const batch = z.shape.slice(0, -3).reduce((a, d) => a * d, 1);
  // Unchunked, the fused projections are N·(4c + C_z) per row; chunked, the
  // a/gate projections of one z row, N·(2c + C_z).
  const whole = scope.chunkRows(batch * n * (4 * ch + cz));
  const size = scope.chunkRows(batch * n * (2 * ch + cz));
  const [ap, ag, bp, bg, gl] = projectionParams(scope, cz, [
    { name: "linear_a_p", out: ch, gating: false },
    { name: "linear_a_g", out: ch, gating: true },
    { name: "linear_b_p", out: ch, gating: false },
    { name: "linear_b_g", out: ch, gating: true },
    { name: "linear_g", out: cz, gating: true },
  ]);
  const lnIn = (x: Tensor) => layerNorm(scope.child("layer_norm_in"), x);
  const rows = (aCfRows: Tensor, bCf: Tensor, gateRows: Tensor) => {
    const x = permuteLast3(G.matmul(aCfRows, bCf), [1, 2, 0]); // [*, i, j, c]
    const out = linear(scope.child("linear_z"), layerNorm(scope.child("layer_norm_out"), x), cz, {
      init: "final",
    });
    return G.mul(G.sigmoid(gateRows), out);
  };
  // Channel-first operands so the sum over k is one batched MatMul:
  // outgoing A[c,i,k] = a[i,k,c], B[c,k,j] = b[j,k,c];
  // incoming A[c,i,k] = a[k,i,c], B[c,k,j] = b[k,j,c].
  const aPerm: [number, number, number] = dims.outgoing ? [2, 0, 1] : [2, 1, 0];
  const bPerm: [number, number, number] = dims.outgoing ? [2, 1, 0] : [2, 0, 1];
  if (size === undefined || whole === undefined || whole >= n) {
    const [a_p, a_g, b_p, b_g, g] = fused([ap, ag, bp, bg, gl])(lnIn(z));
    const aCf = permuteLast3(gated(mask, a_g, a_p), aPerm);
    const bCf = permuteLast3(gated(mask, b_g, b_p), bPerm);
    return rows(aCf, bCf, g);
  }
  return triangleMultiplicationChunked(z, mask, dims.outgoing, Math.min(size, n), {
    lnIn,
    rows,
    aParams: [ap, ag, gl],
    bParams: [bp, bg],
    aPerm,
    bPerm,
  });
}

/** The pieces {@link triangleMultiplicationChunked} assembles. */
interface ChunkParts {
  lnIn: (x: Tensor) => Tensor;
  rows: (aCfRows: Tensor, bCf: Tensor, gateRows: Tensor) => Tensor;
  aParams: ProjectionParams[];
  bParams: ProjectionParams[];
  aPerm: [number, number, number];
  bPerm: [number, number, number];
}

/**
 * The chunked update, built so that at most about two pair-sized temporaries
 * exist at once (the whole-pair fused projections are `[N, N, 4c + C_z]`, five
 * pair-sized tensors, then split, gated and permuted copies of them):
 *
 * 1. B `[*, c, k, j]`, which every output row needs, is built whole from chunks
 *    of z rows (outgoing: b's rows are j; incoming: b's rows are k);
 * 2. per chunk of output rows i, a and the output gate come from the matching
 *    slice of z — for outgoing edges z's rows i (a_ik and g_ij both read row i),
 *    for incoming edges z's columns i for a_ki and z's rows i for g_ij — then
 *    the MatMul with B, `layer_norm_out`, `linear_z` and the gate.
 *
 * Every value is computed by the same ops on the same numbers as unchunked
 * (LayerNorm and linears act per position), so the results agree.
 */
function triangleMultiplicationChunked(
  z: Tensor,
  mask: Tensor,
  outgoing: boolean,
  size: number,
  p: ChunkParts,
): Tensor {
  const n = z.shape[z.rank - 3];
  const bProj = fused(p.bParams);
  const aProj = fused(outgoing ? p.aParams : p.aParams.slice(0, 2));
  const gProj = outgoing ? undefined : fused(p.aParams.slice(2));
  const starts = Array.from({ length: Math.ceil(n / size) }, (_, k) => k * size);
  const bParts = starts.map((i) => {
    const e = Math.min(i + size, n);
    const [b_p, b_g] = bProj(p.lnIn(G.slice(z, -3, i, e)));
    return permuteLast3(gated(G.slice(mask, -2, i, e), b_g, b_p), p.bPerm);
  });
  // outgoing: [*, c, k, j-chunk] along j; incoming: [*, c, k-chunk, j] along k.
  const bCf = G.concat(bParts, outgoing ? -1 : -2);
  const parts = starts.map((i) => {
    const e = Math.min(i + size, n);
    const zRows = G.slice(z, -3, i, e);
    if (outgoing) {
      const [a_p, a_g, g] = aProj(p.lnIn(zRows));
      const aCf = permuteLast3(gated(G.slice(mask, -2, i, e), a_g, a_p), p.aPerm);
      return p.rows(aCf, bCf, g);
    }
    const [a_p, a_g] = aProj(p.lnIn(G.slice(z, -2, i, e)));
    const aCf = permuteLast3(gated(G.slice(mask, -1, i, e), a_g, a_p), p.aPerm);
    const [g] = gProj!(p.lnIn(zRows));
    return p.rows(aCf, bCf, g);
  });
  return G.concat(parts, -3);
}
