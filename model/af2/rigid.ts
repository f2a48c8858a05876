/**
 * Rigid transforms and quaternions on the graph IR, for the structure module
 * (AF2 supplement 1.8 and Algorithm 23; OpenFold `utils/rigid_utils.py`).
 * Every function is built from differentiable ops, so FAPE can be back-propagated
 * through the frames; `stopRotationGradient` is the one deliberate cut.
 *
 * Conventions (../shared/parity/README.md): `x_global = R x_local + t`;
 * quaternions `(w, x, y, z)`, real part first; `tensor_7 = (qw, qx, qy, qz, tx, ty, tz)`;
 * `T1∘T2 = (R1 R2, R1 t2 + t1)`. The plain-TS twin for data is `model/protein/rigid.ts`.
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";

/** A batch of rigid transforms as rotation matrices `rot [*, 3, 3]` and translations `trans [*, 3]`. */
export interface Frames {
  rot: Tensor;
  trans: Tensor;
}

/** A batch of rigid transforms as quaternions `quat [*, 4]` (w first) and translations `trans [*, 3]`. */
export interface QuatFrames {
  quat: Tensor;
  trans: Tensor;
}

// R(q) = Σ_ij q_i q_j M_ij: one [16, 9] table turns the outer product q qᵀ into the
// row-major rotation matrix, so the conversion is one MatMul (and differentiable).
const QUAT_TO_ROT_TABLE: number[] = (() => {
  // [row, col] → terms (coefficient, i, j) of the standard unit-quaternion formula.
  const W = 0, X = 1, Y = 2, Z = 3;
  const terms: [number, number, number][][] = [
    [[1, W, W], [1, X, X], [-1, Y, Y], [-1, Z, Z]],
    [[2, X, Y], [-2, W, Z]],
    [[2, X, Z], [2, W, Y]],
    [[2, X, Y], [2, W, Z]],
    [[1, W, W], [-1, X, X], [1, Y, Y], [-1, Z, Z]],
    [[2, Y, Z], [-2, W, X]],
    [[2, X, Z], [-2, W, Y]],
    [[2, Y, Z], [2, W, X]],
    [[1, W, W], [-1, X, X], [-1, Y, Y], [1, Z, Z]],
  ];
  const table = new Array(16 * 9).fill(0);
  terms.forEach((ts, rc) => {
    for (const [coef, i, j] of ts) table[(i * 4 + j) * 9 + rc] += coef;
  });
  return table;
})();

// q · (0, v) for a pure-vector quaternion: out_k = Σ_ij q_i v_j M_ijk, a [12, 4] table.
const QUAT_MUL_VEC_TABLE: number[] = (() => {
  const W = 0, X = 1, Y = 2, Z = 3;
  const vx = 0, vy = 1, vz = 2;
  // Hamilton product (a, b, c, d)·(0, x, y, z), component by component.
  const terms: [number, number, number][][] = [
    [[-1, X, vx], [-1, Y, vy], [-1, Z, vz]],
    [[1, W, vx], [1, Y, vz], [-1, Z, vy]],
    [[1, W, vy], [-1, X, vz], [1, Z, vx]],
    [[1, W, vz], [1, X, vy], [-1, Y, vx]],
  ];
  const table = new Array(12 * 4).fill(0);
  terms.forEach((ts, k) => {
    for (const [coef, i, j] of ts) table[(i * 3 + j) * 4 + k] += coef;
  });
  return table;
})();

/** Rotation matrices `[*, 3, 3]` of quaternions `q [*, 4]` (assumed unit length, not renormalised). */
export function quatToRot(q: Tensor): Tensor {
  const lead = q.shape.slice(0, -1);
  const outer = G.reshape(G.mul(G.unsqueeze(q, -1), G.unsqueeze(q, -2)), [...lead, 16]);
  const table = q.graph.constant(QUAT_TO_ROT_TABLE, [16, 9], q.dtype);
  return G.reshape(G.matmul(outer, table), [...lead, 3, 3]);
}

/** `q · (0, v)`: quaternions `q [*, 4]` times pure-vector quaternions `v [*, 3]` → `[*, 4]`. */
export function quatMultiplyByVec(q: Tensor, v: Tensor): Tensor {
  const lead = q.shape.slice(0, -1);
  const outer = G.reshape(G.mul(G.unsqueeze(q, -1), G.unsqueeze(v, -2)), [...lead, 12]);
  const table = q.graph.constant(QUAT_MUL_VEC_TABLE, [12, 4], q.dtype);
  return G.matmul(outer, table);
}

/** Quaternions scaled to unit length along the last axis (OpenFold: no epsilon). */
export function normalizeQuat(q: Tensor): Tensor {
  return G.div(q, G.sqrt(G.sum(G.mul(q, q), -1, true)));
}

/** `R p` for rotations `rot [*, 3, 3]` and points `p [*, 3]` (leading dims broadcast). */
export function rotApply(rot: Tensor, p: Tensor): Tensor {
  return G.squeeze(G.matmul(rot, G.unsqueeze(p, -1)), -1);
}

/** `Rᵀ p` (the inverse rotation) for `rot [*, 3, 3]` and `p [*, 3]`. */
export function rotInvApply(rot: Tensor, p: Tensor): Tensor {
  return rotApply(transposeRot(rot), p);
}

/** Swap the last two axes of rotation matrices. */
export function transposeRot(rot: Tensor): Tensor {
  const perm = [...rot.shape.keys()];
  [perm[rot.rank - 2], perm[rot.rank - 1]] = [perm[rot.rank - 1], perm[rot.rank - 2]];
  return G.transpose(rot, perm);
}

/**
 * Insert size-1 axes at the end of a frame's batch dims so it broadcasts over
 * extra point dims (OpenFold's `r[..., None]`).
 */
export function unsqueezeFrames(f: Frames, times = 1): Frames {
  let { rot, trans } = f;
  for (let i = 0; i < times; i++) {
    rot = G.unsqueeze(rot, rot.rank - 2);
    trans = G.unsqueeze(trans, trans.rank - 1);
  }
  return { rot, trans };
}

/** `T p = R p + t` for points `p [*, 3]` broadcastable against the frames' batch dims. */
export function applyFrames(f: Frames, p: Tensor): Tensor {
  return G.add(rotApply(f.rot, p), f.trans);
}

/** `T⁻¹ p = Rᵀ (p − t)`. */
export function invertApplyFrames(f: Frames, p: Tensor): Tensor {
  return rotInvApply(f.rot, G.sub(p, f.trans));
}

/** `T1∘T2 = (R1 R2, R1 t2 + t1)`. */
export function composeFrames(a: Frames, b: Frames): Frames {
  return { rot: G.matmul(a.rot, b.rot), trans: G.add(rotApply(a.rot, b.trans), a.trans) };
}

/** Rotation-matrix frames of quaternion frames. */
export function quatFramesToFrames(f: QuatFrames): Frames {
  return { rot: quatToRot(f.quat), trans: f.trans };
}

/** Identity quaternion frames for batch shape `batch`, dtype of `like`. */
export function identityQuatFrames(like: Tensor, batch: readonly number[]): QuatFrames {
  const g = like.graph;
  return {
    quat: G.expand(g.constant([1, 0, 0, 0], [4], like.dtype), [...batch, 4]),
    trans: G.full(like, [...batch, 3], 0),
  };
}

/**
 * AF2 Algorithm 23 lines 2–3 as OpenFold's `compose_q_update_vec`: with
 * `u [*, 6] = (b, c, d, tx, ty, tz)`, `q ← normalize(q + q·(0, b, c, d))`
 * (= normalize(q·(1, b, c, d))) and `t ← t + R(q_old) (tx, ty, tz)`.
 */
export function composeQuatUpdate(f: QuatFrames, u: Tensor): QuatFrames {
  const [qv, tv] = G.split(u, -1, [3, 3]);
  const quat = normalizeQuat(G.add(f.quat, quatMultiplyByVec(f.quat, qv)));
  const trans = G.add(f.trans, rotApply(quatToRot(f.quat), tv));
  return { quat, trans };
}

/**
 * Stop the gradient through the rotation only (OpenFold `stop_rot_gradient`,
 * AF2 supplement 1.8.3 / Algorithm 20 line 21): between structure-module layers
 * the loss may not steer earlier rotations through later ones, which AF2 found
 * to destabilise training; translations keep their gradient.
 */
export function stopRotationGradient(f: QuatFrames): QuatFrames {
  return { quat: G.stopGradient(f.quat), trans: f.trans };
}

/** Frames with translations multiplied by `factor` (e.g. nm-like units → Å). */
export function scaleTranslation<T extends Frames | QuatFrames>(f: T, factor: number): T {
  return { ...f, trans: G.mul(f.trans, factor) };
}

/** `tensor_7 [*, 7] = (qw, qx, qy, qz, tx, ty, tz)`. */
export function toTensor7(f: QuatFrames): Tensor {
  return G.concat([f.quat, f.trans], -1);
}

/** Quaternion frames of `tensor_7 [*, 7]` (quaternion taken as given). */
export function fromTensor7(t: Tensor): QuatFrames {
  const [quat, trans] = G.split(t, -1, [4, 3]);
  return { quat, trans };
}

/** Homogeneous matrices `[*, 4, 4] = [[R, t], [0, 0, 0, 1]]`. */
export function toTensor4x4(f: Frames): Tensor {
  const top = G.concat([f.rot, G.unsqueeze(f.trans, -1)], -1);
  const lead = f.rot.shape.slice(0, -2);
  const bottom = G.expand(f.rot.graph.constant([0, 0, 0, 1], [1, 4], f.rot.dtype), [...lead, 1, 4]);
  return G.concat([top, bottom], -2);
}

/** Frames of homogeneous matrices `m [*, 4, 4]` (the bottom row is ignored). */
export function fromTensor4x4(m: Tensor): Frames {
  const r = m.rank;
  return {
    rot: G.slice(m, [r - 2, r - 1], [0, 0], [3, 3]),
    trans: G.squeeze(G.slice(m, [r - 2, r - 1], [0, 3], [3, 4]), -1),
  };
}
