/**
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

/**
 * The five linears that read `layer_norm_in(z)` computed as ONE MatMul over
 * concatenated weights (each keeps its own OpenFold parameter name), split after.
 */
function fusedProjections(s: Scope, x: Tensor, parts: readonly Projection[]): Tensor[] {
  const cIn = x.shape[x.rank - 1];
  const ws: Tensor[] = [], bs: Tensor[] = [];
  for (const p of parts) {
    const wInit: Init = p.gating ? { kind: "zeros" } : { kind: "lecun", fanIn: cIn, fanOut: p.out };
    ws.push(s.child(p.name).param("weight", [p.out, cIn], wInit));
    bs.push(s.child(p.name).param("bias", [p.out], { kind: p.gating ? "ones" : "zeros" }));
  }
  const y = G.linear(x, G.concat(ws, 0), G.concat(bs, 0));
  return G.split(y, -1, parts.map((p) => p.out));
}

/**
 * Triangle multiplicative update of `z [*, N_res, N_res, C_z]` with
 * `mask [*, N_res, N_res]` (1 = valid). Returns the UPDATE `[*, N_res, N_res, C_z]`
 * (the caller applies dropout and adds the residual). Parameters (OpenFold names):
 * `layer_norm_in`, `linear_a_p`, `linear_a_g`, `linear_b_p`, `linear_b_g`,
 * `linear_g`, `layer_norm_out`, `linear_z`.
 *
 * The edge sum runs as a batched MatMul over channels (`[*, c, i, k] @ [*, c, k, j]`).
 * With a chunk size on the scope, everything after the a/b projections is
 * built in chunks of rows i (Slice … Concat).
 *
 * @example
 * ```ts
 * const upd = triangleMultiplication(s.child("tri_mul_out"), z, pairMask, { cHidden: 128, outgoing: true });
 * z = G.add(z, s.dropout(upd, 0.25, [-3]));
 * ```
 */
export function triangleMultiplication(
  s: Scope,
  z: Tensor,
  mask: Tensor,
  dims: TriangleMultiplicationDims,
): Tensor {
  const cz = z.shape[z.rank - 1], ch = dims.cHidden;
  const zl = layerNorm(s.child("layer_norm_in"), z);
  const [ap, ag, bp, bg, gl] = fusedProjections(s, zl, [
    { name: "linear_a_p", out: ch, gating: false },
    { name: "linear_a_g", out: ch, gating: true },
    { name: "linear_b_p", out: ch, gating: false },
    { name: "linear_b_g", out: ch, gating: true },
    { name: "linear_g", out: cz, gating: true },
  ]);
  const m = G.unsqueeze(mask, -1);
  const a = G.mul(m, G.mul(G.sigmoid(ag), ap));
  const b = G.mul(m, G.mul(G.sigmoid(bg), bp));
  // Channel-first operands so the sum over k is one batched MatMul:
  // outgoing A[c,i,k] = a[i,k,c], B[c,k,j] = b[j,k,c];
  // incoming A[c,i,k] = a[k,i,c], B[c,k,j] = b[k,j,c].
  const aCf = permuteLast3(a, dims.outgoing ? [2, 0, 1] : [2, 1, 0]);
  const bCf = permuteLast3(b, dims.outgoing ? [2, 1, 0] : [2, 0, 1]);
  const gate = G.sigmoid(gl);
  const rows = (aRows: Tensor, gateRows: Tensor) => {
    const x = permuteLast3(G.matmul(aRows, bCf), [1, 2, 0]); // [*, i, j, c]
    const out = linear(s.child("linear_z"), layerNorm(s.child("layer_norm_out"), x), cz, {
      init: "final",
    });
    return G.mul(gateRows, out);
  };
  const n = z.shape[z.rank - 3];
  const size = s.chunkSize;
  if (size === undefined || size >= n) return rows(aCf, gate);
  const parts: Tensor[] = [];
  for (let i = 0; i < n; i += size) {
    const e = Math.min(i + size, n);
    parts.push(rows(G.slice(aCf, -2, i, e), G.slice(gate, -3, i, e)));
  }
  return G.concat(parts, -3);
}
