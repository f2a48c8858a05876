/**
 * Gated multi-head attention with additive biases (AF2 supplement Algorithms
 * 7, 8, 13, 14 share it; OpenFold `primitives.Attention`) and global attention
 * (Algorithm 19, OpenFold `primitives.GlobalAttention`).
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import type { Scope } from "./scope.ts";
import { linear } from "./linear.ts";
import { chunked } from "./chunk.ts";

/** Sizes of an attention module. */
export interface AttentionDims {
  /** Per-head hidden size. */
  cHidden: number;
  /** Number of heads. */
  heads: number;
  /** Sigmoid gating of the output (default true). */
  gating?: boolean;
}

/** Move axis `from` of x to position `to`. */
function moveAxis(x: Tensor, from: number, to: number): Tensor {
  const perm = [...x.shape.keys()];
  perm.splice(from, 1);
  perm.splice(to, 0, from);
  return G.transpose(x, perm);
}

/** [*, L, H*C] → [*, H, L, C]. */
function splitHeads(x: Tensor, heads: number): Tensor {
  const r = x.rank;
  const y = G.reshape(x, [...x.shape.slice(0, -1), heads, x.shape[r - 1] / heads]);
  return moveAxis(y, r - 1, r - 2);
}

/** [*, H, L, C] → [*, L, H*C]. */
function mergeHeads(x: Tensor): Tensor {
  const r = x.rank;
  const y = moveAxis(x, r - 3, r - 2);
  return G.reshape(y, [...y.shape.slice(0, -2), y.shape[r - 2] * y.shape[r - 1]]);
}

/**
 * Attention of `qx [*, Q, Cq]` over `kvx [*, K, Ck]` with `biases` of rank
 * `qx.rank + 1` broadcastable to `[*, H, Q, K]`. Parameters `linear_q/k/v`
 * (no bias), `linear_g` (gating), `linear_o`. Output `[*, Q, Cq]`.
 * With chunking on the scope, the graph is chunked along batch axis `chunkAxis`
 * of qx (rows so that one chunk's logits fit the scope's `chunkBudget`).
 */
export function attention(
  scope: Scope,
  qx: Tensor,
  kvx: Tensor,
  biases: readonly Tensor[],
  dims: AttentionDims,
  chunkAxis = 0,
): Tensor {
  const { cHidden: c, heads: h } = dims;
  const cq = qx.shape[qx.rank - 1];
  const hc = h * c;
  const body = (q_x: Tensor, kv_x: Tensor, ...bs: Tensor[]) => {
    const q = G.div(
      splitHeads(linear(scope.child("linear_q"), q_x, hc, { bias: false, init: "glorot" }), h),
      Math.sqrt(c),
    );
    const k = splitHeads(
      linear(scope.child("linear_k"), kv_x, hc, { bias: false, init: "glorot" }),
      h,
    );
    const v = splitHeads(
      linear(scope.child("linear_v"), kv_x, hc, { bias: false, init: "glorot" }),
      h,
    );
    let logits = G.matmul(
      q,
      G.transpose(
        k,
        [...k.shape.keys()].map((i, _, a) =>
          i < a.length - 2 ? i : i === a.length - 2 ? a.length - 1 : a.length - 2
        ),
      ),
    );
    for (const b of bs) logits = G.add(logits, b);
    let o = mergeHeads(G.matmul(G.softmax(logits, -1), v));
    if (dims.gating !== false) {
      o = G.mul(o, G.sigmoid(linear(scope.child("linear_g"), q_x, hc, { init: "gating" })));
    }
    return linear(scope.child("linear_o"), o, cq, { init: "final" });
  };
  // Per row of the chunk axis: the logits (and their biased copy and softmax),
  // H·Q·K for every other batch position, or the projections when wider.
  const q = qx.shape[qx.rank - 2], k = kvx.shape[kvx.rank - 2];
  const otherRows = qx.shape.slice(0, -2).reduce((a, d) => a * d, 1) / qx.shape[chunkAxis];
  const perRow = otherRows * Math.max(h * q * k, q * Math.max(hc, cq), k * hc);
  return chunked([qx, kvx, ...biases], chunkAxis, scope.chunkRows(perRow), body, scope.remat);
}

/** Options of {@link globalAttention}. */
export interface GlobalAttentionDims {
  cHidden: number;
  heads: number;
  /** Mask-bias magnitude (1e9 in OpenFold). */
  inf?: number;
  /** Added to the mask count of the query mean. */
  eps?: number;
}

/**
 * Global attention (Algorithm 19) over `m [*, N_res, N_seq, C]` (already
 * transposed so sequences are the attended axis) with `mask [*, N_res, N_seq]`:
 * one averaged query per column, single-head keys and values, per-sequence gating.
 */
export function globalAttention(
  scope: Scope,
  m: Tensor,
  mask: Tensor,
  dims: GlobalAttentionDims,
  chunkAxis = 0,
): Tensor {
  const { cHidden: c, heads: h } = dims;
  const inf = dims.inf ?? 1e9, eps = dims.eps ?? 1e-10;
  const cIn = m.shape[m.rank - 1];
  const body = (mm: Tensor, mk: Tensor) => {
    const r = mm.rank;
    const mask3 = G.unsqueeze(mk, -1); // [*, R, S, 1]
    const qAvg = G.div(G.sum(G.mul(mm, mask3), r - 2), G.add(G.sum(mask3, r - 2), eps)); // [*, R, C]
    const q = G.mul(
      linear(scope.child("linear_q"), qAvg, h * c, { bias: false, init: "glorot" }),
      c ** -0.5,
    );
    const qh = G.reshape(q, [...q.shape.slice(0, -1), h, c]); // [*, R, H, c]
    const k = linear(scope.child("linear_k"), mm, c, { bias: false, init: "glorot" }); // [*, R, S, c]
    const v = linear(scope.child("linear_v"), mm, c, { bias: false, init: "glorot" });
    const bias = G.unsqueeze(G.mul(G.sub(mk, 1), inf), -2); // [*, R, 1, S]
    const kT = G.transpose(
      k,
      [...k.shape.keys()].map((i, _, a) =>
        i < a.length - 2 ? i : i === a.length - 2 ? a.length - 1 : a.length - 2
      ),
    );
    const a = G.softmax(G.add(G.matmul(qh, kT), bias), -1); // [*, R, H, S]
    const o = G.matmul(a, v); // [*, R, H, c]
    const gate = G.sigmoid(linear(scope.child("linear_g"), mm, h * c, { init: "gating" })); // [*, R, S, H*c]
    const og = G.mul(
      G.reshape(gate, [...gate.shape.slice(0, -1), h, c]),
      G.unsqueeze(o, -3),
    ); // [*, R, S, H, c]
    return linear(scope.child("linear_o"), G.reshape(og, [...og.shape.slice(0, -2), h * c]), cIn, {
      init: "final",
    });
  };
  // Per row of the chunk axis: the sequence-wide gate and products, S·max(C, H·c).
  const seq = m.shape[m.rank - 2];
  const otherRows = m.shape.slice(0, -2).reduce((a, d) => a * d, 1) / m.shape[chunkAxis];
  const perRow = otherRows * seq * Math.max(cIn, h * c);
  return chunked([m, mask], chunkAxis, scope.chunkRows(perRow), body, scope.remat);
}
