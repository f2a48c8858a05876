/**
 * DSSP's backbone hydrogen bonds (Kabsch & Sander 1983, as mkdssp 4 computes them):
 * the amide H placed 1 Å from N opposite the previous residue's C=O, the
 * electrostatic energy between the N-H and C=O dipoles, and the two strongest
 * bonds kept per residue on each side.
 *
 * @module
 */

import { type Coords, dist } from "./geometry.ts";

/** A bond counts when its energy is below this (kcal/mol). */
export const HBOND_MAX_ENERGY: number = -0.5;
/** Energies are clamped at this floor (kcal/mol); also used when atoms nearly overlap. */
export const HBOND_MIN_ENERGY: number = -9.9;
/** q1·q2·f of Kabsch & Sander: 0.42 e · 0.20 e · 332 kcal Å / (mol e²). */
const COUPLING = 0.084 * 332;
/** Atom pairs closer than this give {@link HBOND_MIN_ENERGY}. */
const MIN_ATOM_DISTANCE = 0.5;
/** Residue pairs whose Cα are this far apart or more are not evaluated (Å). */
const MAX_CA_DISTANCE = 9.0;

/**
 * The two strongest H-bonds on each side of each residue, `[L, 2]` arrays with
 * partner index -1 and energy 0 where there is none.
 */
export interface HBondTable {
  /** For residue i's N-H: the C=O residues it donates to (`[L,2]`). */
  nhoPartner: Int32Array;
  /** Energies of {@link nhoPartner} (kcal/mol). */
  nhoEnergy: Float64Array;
  /** For residue i's C=O: the N-H residues that donate to it (`[L,2]`). */
  ohnPartner: Int32Array;
  /** Energies of {@link ohnPartner} (kcal/mol). */
  ohnEnergy: Float64Array;
}

/**
 * Amide hydrogen positions `[L,3]`: H = N + unit(C_prev − O_prev) (the C=O of the
 * previous residue in the array, as mkdssp does); H = N for the first residue.
 * `backbone` is N, CA, C, O per residue, flattened `[L,4,3]`.
 */
export function amideHydrogens(backbone: Coords): Float64Array {
  const n = backbone.length / 12;
  const h = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < 3; d++) h[3 * i + d] = backbone[12 * i + d];
    if (i === 0) continue;
    const co = dist(backbone, 4 * (i - 1) + 2, backbone, 4 * (i - 1) + 3);
    for (let d = 0; d < 3; d++) {
      h[3 * i + d] += (backbone[12 * (i - 1) + 6 + d] - backbone[12 * (i - 1) + 9 + d]) / co;
    }
  }
  return h;
}

/**
 * Kabsch–Sander energy (kcal/mol) of the bond from donor residue `d` (N, H) to
 * acceptor residue `a` (C, O): f·(1/r_ON + 1/r_CH − 1/r_OH − 1/r_CN), rounded to
 * 0.001 as mkdssp does and clamped at {@link HBOND_MIN_ENERGY}.
 */
export function hbondEnergy(backbone: Coords, h: Coords, d: number, a: number): number {
  const rOH = dist(backbone, 4 * a + 3, h, d);
  const rCH = dist(backbone, 4 * a + 2, h, d);
  const rCN = dist(backbone, 4 * a + 2, backbone, 4 * d);
  const rON = dist(backbone, 4 * a + 3, backbone, 4 * d);
  if (rOH < MIN_ATOM_DISTANCE || rCH < MIN_ATOM_DISTANCE) return HBOND_MIN_ENERGY;
  if (rCN < MIN_ATOM_DISTANCE || rON < MIN_ATOM_DISTANCE) return HBOND_MIN_ENERGY;
  const e = COUPLING * (1 / rON + 1 / rCH - 1 / rOH - 1 / rCN);
  return Math.max(HBOND_MIN_ENERGY, Math.round(e * 1000) / 1000);
}

function keepBest(partner: Int32Array, energy: Float64Array, i: number, j: number, e: number) {
  if (e < energy[2 * i]) {
    partner[2 * i + 1] = partner[2 * i];
    energy[2 * i + 1] = energy[2 * i];
    partner[2 * i] = j;
    energy[2 * i] = e;
  } else if (e < energy[2 * i + 1]) {
    partner[2 * i + 1] = j;
    energy[2 * i + 1] = e;
  }
}

/**
 * All backbone H-bond energies between residues whose Cα are closer than 9 Å,
 * keeping the two strongest per residue and side (what DSSP's bond tests see).
 * Prolines (`isProline[i]`) never donate. Pairs (i, i+1) are evaluated in the
 * direction i+1 → i only, as in mkdssp.
 */
export function hbondTable(
  backbone: Coords,
  isProline: ArrayLike<boolean>,
  h: Coords = amideHydrogens(backbone),
): HBondTable {
  const n = backbone.length / 12;
  const t: HBondTable = {
    nhoPartner: new Int32Array(2 * n).fill(-1),
    nhoEnergy: new Float64Array(2 * n),
    ohnPartner: new Int32Array(2 * n).fill(-1),
    ohnEnergy: new Float64Array(2 * n),
  };
  const bond = (d: number, a: number) => {
    if (isProline[d]) return;
    const e = hbondEnergy(backbone, h, d, a);
    keepBest(t.nhoPartner, t.nhoEnergy, d, a, e);
    keepBest(t.ohnPartner, t.ohnEnergy, a, d, e);
  };
  const cutoff2 = MAX_CA_DISTANCE * MAX_CA_DISTANCE;
  for (let i = 0; i + 1 < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = backbone[12 * i + 3] - backbone[12 * j + 3];
      const dy = backbone[12 * i + 4] - backbone[12 * j + 4];
      const dz = backbone[12 * i + 5] - backbone[12 * j + 5];
      if (dx * dx + dy * dy + dz * dz >= cutoff2) continue;
      bond(i, j);
      if (j !== i + 1) bond(j, i);
    }
  }
  return t;
}

/** Whether residue `d`'s N-H bonds to residue `a`'s C=O (one of its two best, < −0.5). */
export function hasBond(t: HBondTable, d: number, a: number): boolean {
  return (t.nhoPartner[2 * d] === a && t.nhoEnergy[2 * d] < HBOND_MAX_ENERGY) ||
    (t.nhoPartner[2 * d + 1] === a && t.nhoEnergy[2 * d + 1] < HBOND_MAX_ENERGY);
}
