/**
 * Implements Algorithm 21 (rigidFrom3Points).
 *
 * Rigid frames and quaternions in plain TypeScript (float64), for the data
 * pipeline and as a reference for the graph-side structure module.
 *
 * Conventions (../shared/parity/README.md): a frame maps local to global
 * coordinates, `x_global = R x_local + t`; `R` is stored row-major; the 4x4
 * form is `[[R, t], [0, 0, 0, 1]]`; quaternions are `(w, x, y, z)`, real part
 * first; composition `T1 ∘ T2 = (R1 R2, R1 t2 + t1)` (apply T2 first).
 *
 * @module
 */

/** A 3-vector. */
export type Vec3 = Float64Array;
/** A quaternion `(w, x, y, z)`. */
export type Quat = Float64Array;

/** A rigid transform `x ↦ R x + t`. */
export interface Rigid {
  /** Rotation, row-major 3x3 (9 values). */
  rot: Float64Array;
  /** Translation (3 values). */
  trans: Float64Array;
}

/** A 3-vector from any three numbers. */
export function vec3(x: number, y: number, z: number): Vec3 {
  return new Float64Array([x, y, z]);
}

/** The identity transform. */
export function identityRigid(): Rigid {
  return { rot: new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]), trans: new Float64Array(3) };
}

/**
 * The frame whose x axis points along `xDir`, whose xy plane contains `xyDir`
 * (Gram–Schmidt) and whose origin is `origin`. `eps` is added under each norm's
 * square root, as OpenFold does, so degenerate inputs give finite garbage
 * rather than NaN.
 */
export function frameFromAxes(
  xDir: ArrayLike<number>,
  xyDir: ArrayLike<number>,
  origin: ArrayLike<number>,
  eps = 0,
): Rigid {
  const n0 = Math.sqrt(xDir[0] * xDir[0] + xDir[1] * xDir[1] + xDir[2] * xDir[2] + eps);
  const e0x = xDir[0] / n0, e0y = xDir[1] / n0, e0z = xDir[2] / n0;
  const d = e0x * xyDir[0] + e0y * xyDir[1] + e0z * xyDir[2];
  const ux = xyDir[0] - d * e0x, uy = xyDir[1] - d * e0y, uz = xyDir[2] - d * e0z;
  const n1 = Math.sqrt(ux * ux + uy * uy + uz * uz + eps);
  const e1x = ux / n1, e1y = uy / n1, e1z = uz / n1;
  const e2x = e0y * e1z - e0z * e1y, e2y = e0z * e1x - e0x * e1z, e2z = e0x * e1y - e0y * e1x;
  return {
    // Columns e0, e1, e2.
    rot: new Float64Array([e0x, e1x, e2x, e0y, e1y, e2y, e0z, e1z, e2z]),
    trans: new Float64Array([origin[0], origin[1], origin[2]]),
  };
}

/**
 * AF2 supplement Algorithm 21 (rigidFrom3Points): the frame at `x2` with its
 * x axis towards `x3` and `x1` in the xy plane (positive y). For a backbone,
 * `rigidFrom3Points(N, CA, C)`.
 */
export function rigidFrom3Points(
  x1: ArrayLike<number>,
  x2: ArrayLike<number>,
  x3: ArrayLike<number>,
  eps = 0,
): Rigid {
  const v1 = [x3[0] - x2[0], x3[1] - x2[1], x3[2] - x2[2]];
  const v2 = [x1[0] - x2[0], x1[1] - x2[1], x1[2] - x2[2]];
  return frameFromAxes(v1, v2, x2, eps);
}

/**
 * OpenFold's `Rigid.from_3_points(p_neg_x_axis, origin, p_xy_plane, eps)`:
 * the frame at `origin` whose x axis points away from `pNegXAxis` and whose
 * xy plane contains `pXyPlane`.
 */
export function rigidFromNegXAxis(
  pNegXAxis: ArrayLike<number>,
  origin: ArrayLike<number>,
  pXyPlane: ArrayLike<number>,
  eps = 1e-8,
): Rigid {
  const v0 = [origin[0] - pNegXAxis[0], origin[1] - pNegXAxis[1], origin[2] - pNegXAxis[2]];
  const v1 = [pXyPlane[0] - origin[0], pXyPlane[1] - origin[1], pXyPlane[2] - origin[2]];
  return frameFromAxes(v0, v1, origin, eps);
}

/** Row-major 3x3 product `a b`. */
export function matMul3(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const out = new Float64Array(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      out[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
    }
  }
  return out;
}

/** `R v` for a row-major 3x3 `R`. */
export function rotApply(r: ArrayLike<number>, v: ArrayLike<number>): Vec3 {
  return new Float64Array([
    r[0] * v[0] + r[1] * v[1] + r[2] * v[2],
    r[3] * v[0] + r[4] * v[1] + r[5] * v[2],
    r[6] * v[0] + r[7] * v[1] + r[8] * v[2],
  ]);
}

/** `Rᵀ v` for a row-major 3x3 `R`. */
export function rotInvApply(r: ArrayLike<number>, v: ArrayLike<number>): Vec3 {
  return new Float64Array([
    r[0] * v[0] + r[3] * v[1] + r[6] * v[2],
    r[1] * v[0] + r[4] * v[1] + r[7] * v[2],
    r[2] * v[0] + r[5] * v[1] + r[8] * v[2],
  ]);
}

/** `T1 ∘ T2 = (R1 R2, R1 t2 + t1)`: apply `t2` first, then `t1`. */
export function composeRigids(t1: Rigid, t2: Rigid): Rigid {
  const rt = rotApply(t1.rot, t2.trans);
  return {
    rot: matMul3(t1.rot, t2.rot),
    trans: new Float64Array([rt[0] + t1.trans[0], rt[1] + t1.trans[1], rt[2] + t1.trans[2]]),
  };
}

/** The inverse transform `(Rᵀ, -Rᵀ t)`. */
export function invertRigid(t: Rigid): Rigid {
  const r = t.rot;
  const rotT = new Float64Array([r[0], r[3], r[6], r[1], r[4], r[7], r[2], r[5], r[8]]);
  const mt = rotApply(rotT, t.trans);
  return { rot: rotT, trans: new Float64Array([-mt[0], -mt[1], -mt[2]]) };
}

/** Local → global: `R p + t`. */
export function applyRigid(t: Rigid, p: ArrayLike<number>): Vec3 {
  const v = rotApply(t.rot, p);
  v[0] += t.trans[0];
  v[1] += t.trans[1];
  v[2] += t.trans[2];
  return v;
}

/** Global → local: `Rᵀ (p - t)`. */
export function invertApplyRigid(t: Rigid, p: ArrayLike<number>): Vec3 {
  return rotInvApply(t.rot, [p[0] - t.trans[0], p[1] - t.trans[1], p[2] - t.trans[2]]);
}

/** The 4x4 matrix `[[R, t], [0, 0, 0, 1]]`, row-major (16 values). */
export function rigidToMat4(t: Rigid): Float64Array {
  const r = t.rot, v = t.trans;
  return new Float64Array([
    r[0],
    r[1],
    r[2],
    v[0],
    r[3],
    r[4],
    r[5],
    v[1],
    r[6],
    r[7],
    r[8],
    v[2],
    0,
    0,
    0,
    1,
  ]);
}

/** A rigid from a row-major 4x4 at `offset` in `m` (the last row is ignored). */
export function rigidFromMat4(m: ArrayLike<number>, offset = 0): Rigid {
  const o = offset;
  return {
    rot: new Float64Array([
      m[o],
      m[o + 1],
      m[o + 2],
      m[o + 4],
      m[o + 5],
      m[o + 6],
      m[o + 8],
      m[o + 9],
      m[o + 10],
    ]),
    trans: new Float64Array([m[o + 3], m[o + 7], m[o + 11]]),
  };
}

/** A quaternion scaled to unit length. */
export function normalizeQuat(q: ArrayLike<number>): Quat {
  const n = Math.hypot(q[0], q[1], q[2], q[3]);
  return new Float64Array([q[0] / n, q[1] / n, q[2] / n, q[3] / n]);
}

/** Hamilton product `a b` of `(w, x, y, z)` quaternions. */
export function quatMultiply(a: ArrayLike<number>, b: ArrayLike<number>): Quat {
  const [aw, ax, ay, az] = [a[0], a[1], a[2], a[3]];
  const [bw, bx, by, bz] = [b[0], b[1], b[2], b[3]];
  return new Float64Array([
    aw * bw - ax * bx - ay * by - az * bz,
    aw * bx + ax * bw + ay * bz - az * by,
    aw * by - ax * bz + ay * bw + az * bx,
    aw * bz + ax * by - ay * bx + az * bw,
  ]);
}

/**
 * Rotation matrix (row-major) of a unit quaternion `(w, x, y, z)`. The
 * quaternion is not normalised here: pass `normalizeQuat(q)` if needed.
 */
export function quatToRot(q: ArrayLike<number>): Float64Array {
  const [w, x, y, z] = [q[0], q[1], q[2], q[3]];
  return new Float64Array([
    w * w + x * x - y * y - z * z,
    2 * (x * y - w * z),
    2 * (x * z + w * y),
    2 * (x * y + w * z),
    w * w - x * x + y * y - z * z,
    2 * (y * z - w * x),
    2 * (x * z - w * y),
    2 * (y * z + w * x),
    w * w - x * x - y * y + z * z,
  ]);
}

/**
 * The unit quaternion of a rotation matrix, with `w ≥ 0` (q and -q are the
 * same rotation). Shepperd's method: divide by the largest of the four
 * diagonal combinations so no branch loses precision.
 */
export function rotToQuat(r: ArrayLike<number>): Quat {
  const [m00, m01, m02, m10, m11, m12, m20, m21, m22] = Array.from({ length: 9 }, (_, i) => r[i]);
  const tr = m00 + m11 + m22;
  let q: number[];
  if (tr >= m00 && tr >= m11 && tr >= m22) {
    const s = 2 * Math.sqrt(1 + tr);
    q = [s / 4, (m21 - m12) / s, (m02 - m20) / s, (m10 - m01) / s];
  } else if (m00 >= m11 && m00 >= m22) {
    const s = 2 * Math.sqrt(1 + m00 - m11 - m22);
    q = [(m21 - m12) / s, s / 4, (m01 + m10) / s, (m02 + m20) / s];
  } else if (m11 >= m22) {
    const s = 2 * Math.sqrt(1 + m11 - m00 - m22);
    q = [(m02 - m20) / s, (m01 + m10) / s, s / 4, (m12 + m21) / s];
  } else {
    const s = 2 * Math.sqrt(1 + m22 - m00 - m11);
    q = [(m10 - m01) / s, (m02 + m20) / s, (m12 + m21) / s, s / 4];
  }
  const out = normalizeQuat(q);
  if (out[0] < 0) { for (let i = 0; i < 4; i++) out[i] = -out[i]; }
  return out;
}

/** `tensor_7 = (qw, qx, qy, qz, tx, ty, tz)` of a rigid (quaternion with w ≥ 0). */
export function rigidToTensor7(t: Rigid): Float64Array {
  const out = new Float64Array(7);
  out.set(rotToQuat(t.rot));
  out.set(t.trans, 4);
  return out;
}

/** A rigid from `tensor_7 = (qw, qx, qy, qz, tx, ty, tz)`; the quaternion is normalised. */
export function rigidFromTensor7(v: ArrayLike<number>, offset = 0): Rigid {
  const o = offset;
  return {
    rot: quatToRot(normalizeQuat([v[o], v[o + 1], v[o + 2], v[o + 3]])),
    trans: new Float64Array([v[o + 4], v[o + 5], v[o + 6]]),
  };
}

/**
 * AF2 Algorithm 23 lines 1–3 as OpenFold's `compose_q_update_vec`: with
 * `u = (b, c, d, tx, ty, tz)`, the quaternion becomes `normalize(q·(1, b, c, d))`
 * and the translation `t + R(q) (tx, ty, tz)` (rotated by the OLD rotation).
 */
export function composeQuatUpdate(
  q: ArrayLike<number>,
  t: ArrayLike<number>,
  u: ArrayLike<number>,
): { quat: Quat; trans: Vec3 } {
  const quat = normalizeQuat(quatMultiply(q, [1, u[0], u[1], u[2]]));
  const dt = rotApply(quatToRot(normalizeQuat(q)), [u[3], u[4], u[5]]);
  return { quat, trans: new Float64Array([t[0] + dt[0], t[1] + dt[1], t[2] + dt[2]]) };
}
