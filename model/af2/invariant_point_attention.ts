/**
 * Implements Algorithm 22 (InvariantPointAttention).
 *
 * Invariant point attention (AF2 supplement Algorithm 22; OpenFold
 * `structure_module.InvariantPointAttention`, monomer variant).
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import type { Scope } from "../nn/scope.ts";
import { linear } from "../nn/linear.ts";
import { applyFrames, type Frames, invertApplyFrames, unsqueezeFrames } from "./rigid.ts";

/** Sizes and constants of IPA (OpenFold ctor names in the comments). */
export interface IpaDims {
  /** Per-head hidden size (`c_ipa` / `c_hidden`). */
  cHidden: number;
  /** Heads (`no_heads_ipa`). */
  heads: number;
  /** Query/key points per head (`no_qk_points`). */
  qkPoints: number;
  /** Value points per head (`no_v_points`). */
  vPoints: number;
  /** Mask-bias magnitude (1e5 in OpenFold). */
  inf: number;
  /** Added under the square root of the output point norms (1e-8). */
  eps: number;
}

/** softplus⁻¹(1): the head weights start so that softplus(w) = 1 (supplement 1.8.2). */
const HEAD_WEIGHT_INIT = Math.log(Math.E - 1);

/** Permutation of the whole tensor that applies `tail` to its last `tail.length` axes. */
function tailPerm(rank: number, tail: readonly number[]): number[] {
  const lead = rank - tail.length;
  return [...Array(lead).keys(), ...tail.map((a) => lead + a)];
}

/**
 * Points from a linear projection: `s [*, N, C]` → `[*, N, H, P, 3]` in the
 * global frame. The projection's output is three contiguous blocks (x, y, z),
 * each `[H, P]`, as OpenFold's `PointProjection` lays them out.
 */
function projectPoints(scope: Scope, x: Tensor, heads: number, points: number, frames: Frames) {
  const lead = x.shape.slice(0, -1);
  const raw = linear(scope.child("linear"), x, 3 * heads * points);
  const xyzLast = G.transpose(
    G.reshape(raw, [...lead, 3, heads * points]),
    tailPerm(lead.length + 2, [1, 0]),
  ); // [*, N, H*P, 3]
  const global = applyFrames(unsqueezeFrames(frames), xyzLast);
  return G.reshape(global, [...lead, heads, points, 3]);
}

/**
 * Algorithm 22: IPA of the single representation `s [*, N, C_s]` with pair bias
 * from `z [*, N, N, C_z]`, backbone `frames` (batch `[*, N]`, any translation
 * units) and residue `mask [*, N]`. Parameters `linear_q`, `linear_kv`,
 * `linear_q_points.linear`, `linear_kv_points.linear`, `linear_b`, `head_weights`,
 * `linear_out`. Returns the update `[*, N, C_s]` (the caller adds the residual).
 */
export function invariantPointAttention(
  scope: Scope,
  x: Tensor,
  z: Tensor,
  frames: Frames,
  mask: Tensor,
  dims: IpaDims,
): Tensor {
  const { cHidden: c, heads: h, qkPoints: pq, vPoints: pv } = dims;
  const cS = x.shape[x.rank - 1];
  const lead = x.shape.slice(0, -1); // [*, N]
  const r = lead.length; // rank of [*, N]

  // Scalar queries, keys, values: [*, H, N, C].
  const toHeads = (t: Tensor) =>
    G.transpose(G.reshape(t, [...lead, h, t.shape[t.rank - 1] / h]), tailPerm(r + 2, [1, 0, 2]));
  const q = toHeads(linear(scope.child("linear_q"), x, h * c));
  const kv = G.reshape(linear(scope.child("linear_kv"), x, 2 * h * c), [...lead, h, 2 * c]);
  const [kRaw, vRaw] = G.split(kv, -1, [c, c]); // [*, N, H, C] each
  const k = G.transpose(kRaw, tailPerm(r + 2, [1, 2, 0])); // [*, H, C, N]
  const v = G.transpose(vRaw, tailPerm(r + 2, [1, 0, 2])); // [*, H, N, C]

  // Points in the global frame: [*, N, H, P, 3].
  const qPts = projectPoints(scope.child("linear_q_points"), x, h, pq, frames);
  const kvPts = projectPoints(scope.child("linear_kv_points"), x, h, pq + pv, frames);
  const [kPts, vPts] = G.split(kvPts, -2, [pq, pv]);

  // Logits [*, H, N, N] (Algorithm 22 line 7): w_L (w_C q·k/√c + b − γ_h w_C/2 Σ_p |Δ|²),
  // with w_L = √(1/3) spread over the three terms and w_C = √(2/(9 P_qk)). The point
  // term is expanded as |q|² + |k|² − 2 q·k so that the cross term joins the scalar
  // q·k in ONE MatMul over [C + 3 P_qk] features, instead of materialising
  // [*, N, N, H, P_qk, 3] differences (the same values up to float32 rounding of |q|²).
  const b = linear(scope.child("linear_b"), z, h); // [*, N, N, H]
  const pairBias = G.mul(G.transpose(b, tailPerm(r + 2, [2, 0, 1])), Math.sqrt(1 / 3));
  const headWeights = G.reshape(
    G.mul(
      G.softplus(scope.param("head_weights", [h], { kind: "constant", value: HEAD_WEIGHT_INIT })),
      Math.sqrt(1 / (3 * (pq * 9 / 2))),
    ),
    [h, 1, 1],
  ); // γ_h w_L w_C, broadcast over [*, H, N, 3 P_qk]
  const pointsByHead = (t: Tensor) =>
    G.reshape(G.transpose(t, tailPerm(r + 3, [1, 0, 2, 3])), [
      ...lead.slice(0, -1),
      h,
      lead[r - 1],
      pq * 3,
    ]); // [*, N, H, P, 3] → [*, H, N, 3P]
  // Distances ignore a common shift, so centre the points on the keys' mean
  // first: |q|² and |k|² then stay small wherever the protein sits.
  const kRaw3 = pointsByHead(kPts);
  const centre = G.mean(kRaw3, -2, true); // [*, H, 1, 3P]
  const qFlat = G.sub(pointsByHead(qPts), centre), kFlat = G.sub(kRaw3, centre);
  const qCat = G.concat([G.mul(q, Math.sqrt(1 / (3 * c))), G.mul(qFlat, headWeights)], -1);
  const kCat = G.concat([k, G.transpose(kFlat, tailPerm(r + 2, [0, 2, 1]))], -2); // [*, H, C+3P, N]
  const qSq = G.sum(G.mul(qFlat, qFlat), -1, true); // [*, H, N, 1]
  const kSq = G.unsqueeze(G.sum(G.mul(kFlat, kFlat), -1), -2); // [*, H, 1, N]
  const squares = G.mul(G.add(qSq, kSq), G.mul(headWeights, -0.5));
  const cross = G.matmul(qCat, kCat); // scalar q·k/√(3c) + γ w q_pts·k_pts
  const pairMask = G.mul(G.unsqueeze(mask, -1), G.unsqueeze(mask, -2)); // [*, N, N]
  const maskBias = G.unsqueeze(G.mul(G.sub(pairMask, 1), dims.inf), r - 1); // [*, 1, N, N]
  const a = G.softmax(G.add(G.add(G.add(cross, squares), pairBias), maskBias), -1); // [*, H, N, N]

  // Scalar output (line 10): [*, N, H*C].
  const o = G.reshape(
    G.transpose(G.matmul(a, v), tailPerm(r + 2, [1, 0, 2])),
    [...lead, h * c],
  );

  // Point output (line 11), mapped back into each residue's local frame: [*, N, H, Pv, 3].
  const vFlat = G.reshape(G.transpose(vPts, tailPerm(r + 3, [1, 0, 2, 3])), [
    ...lead.slice(0, -1),
    h,
    lead[r - 1],
    pv * 3,
  ]); // [*, H, N, Pv*3]
  const oPtGlobal = G.transpose(
    G.reshape(G.matmul(a, vFlat), [...lead.slice(0, -1), h, lead[r - 1], pv, 3]),
    tailPerm(r + 3, [1, 0, 2, 3]),
  );
  const oPt = invertApplyFrames(unsqueezeFrames(frames, 2), oPtGlobal);
  const oPtNorm = G.reshape(
    G.sqrt(G.add(G.sum(G.mul(oPt, oPt), -1), dims.eps)),
    [...lead, h * pv],
  );
  const oPtXyz = G.reshape(G.transpose(oPt, tailPerm(r + 3, [2, 0, 1])), [...lead, 3 * h * pv]);

  // Pair output (line 9): [*, N, H*C_z].
  const cZ = z.shape[z.rank - 1];
  const oPair = G.reshape(
    G.matmul(G.transpose(a, tailPerm(r + 2, [1, 0, 2])), z),
    [...lead, h * cZ],
  );

  const cat = G.concat([o, oPtXyz, oPtNorm, oPair], -1);
  return linear(scope.child("linear_out"), cat, cS, { init: "final" });
}
