/**
 * DSSP secondary structure (Kabsch & Sander 1983) with the rules of mkdssp 4.2:
 * H-bonds from backbone electrostatics, n-turns, α/3₁₀/π helices (π-helices take
 * precedence over α-helices, mkdssp ≥ 2.1), β-bridges and ladders with β-bulges,
 * turns, bends (κ > 70°) and mkdssp 4's polyproline II helix ('P'). Works on
 * backbone-only input: N, CA, C, O per residue.
 *
 * Codes: H α-helix, G 3₁₀-helix, I π-helix, E strand (ladder), B isolated bridge,
 * T turn, S bend, P polyproline II, and coil. Coil is '-' here (mkdssp's blank
 * column); {@link toThreeState} and {@link formatSs} change the alphabet.
 *
 * @module
 */

import { type Coords, dihedral, dist, vectorAngle } from "./geometry.ts";
import { amideHydrogens, hasBond, type HBondTable, hbondTable } from "./dssp_hbond.ts";
import type { Protein } from "../model/protein/protein.ts";
import { proteinBackbone } from "./protein_coords.ts";
import { InputError } from "../model/util/errors.ts";
import { checkFinite, checkLength, checkNumber } from "../model/util/validate.ts";

/** C(i−1)–N(i) longer than this (Å) is a chain break, as in mkdssp. */
export const MAX_PEPTIDE_BOND = 2.5;
/** A residue is a bend when its Cα curvature κ exceeds this (degrees). */
export const BEND_KAPPA = 70;

/** Input of {@link dssp}: one or more chains of backbone atoms. */
export interface DsspInput {
  /** N, CA, C, O of each residue in Å, flattened `[L, 4, 3]`. */
  backbone: Coords;
  /** True for prolines, which have no amide H and never donate an H-bond. */
  isProline?: ArrayLike<boolean>;
  /** Chain id per residue; a change of id is a break (bonds across chains still count). */
  chainIds?: readonly string[];
}

/** Options of {@link dssp}. */
export interface DsspOptions {
  /** Assign polyproline II ('P', mkdssp ≥ 4.0). Default true. */
  polyProline?: boolean;
  /** Minimal run of PPII (φ, ψ) residues for 'P': 2 or 3 (mkdssp's default 3). */
  polyProlineStretch?: 2 | 3;
  /** π-helices override α-helices (mkdssp ≥ 2.1). Default true. */
  piHelixPriority?: boolean;
}

/** Kinds of β-bridge. */
export type BridgeType = "parallel" | "antiparallel";

/** A ladder: consecutive bridges of one type, possibly joined across a β-bulge. */
export interface Ladder {
  /** Parallel or antiparallel. */
  type: BridgeType;
  /** Residues of the first strand, ascending. */
  i: number[];
  /** Partner residues on the second strand (ascending for parallel, descending otherwise). */
  j: number[];
}

/** Everything DSSP computes per residue. */
export interface DsspResult {
  /** One code per residue: H G I E B T S P, or '-' for coil. */
  ss: string;
  /** True where a chain break precedes the residue (C–N > 2.5 Å or a new chain). */
  breakBefore: Uint8Array;
  /** φ in degrees (360 where undefined, as mkdssp prints). */
  phi: Float64Array;
  /** ψ in degrees (360 where undefined). */
  psi: Float64Array;
  /** Cα virtual-bond angle κ in degrees (360 where undefined). */
  kappa: Float64Array;
  /** The H-bond table (two strongest bonds per residue and side). */
  hbonds: HBondTable;
  /** β-ladders after bulge merging. */
  ladders: Ladder[];
}

/**
 * The coil code of {@link DsspResult.ss}.
 *
 * @example
 * ```ts
 * import { COIL, dsspProtein, readStructure } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const { ss } = dsspProtein(p);
 * console.log([...ss].filter((c) => c === COIL).length, "coil residues");
 * ```
 */
export const COIL = "-";

/**
 * Assign DSSP secondary structure to backbone coordinates.
 *
 * @example DSSP of the residues that have a full backbone
 * ```ts
 * import { dssp, proteinBackbone, readStructure } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const r = dssp(proteinBackbone(p));
 * console.log(r.ss, r.ladders.length);
 * ```
 */
export function dssp(input: DsspInput, opts: DsspOptions = {}): DsspResult {
  const bb = input.backbone;
  const n = bb.length / 12;
  if (!Number.isInteger(n)) {
    throw new InputError(`dssp: backbone has ${bb.length} values, not L × 12 (N, CA, C, O)`);
  }
  checkFinite("dssp", "backbone", bb);
  if (input.isProline !== undefined) checkLength("dssp", "isProline", input.isProline, n);
  if (input.chainIds !== undefined) checkLength("dssp", "chainIds", input.chainIds, n);
  const isPro = input.isProline ?? new Array<boolean>(n).fill(false);
  // Breaks: chain change or C(i-1)-N(i) too long. run[i] counts breaks up to i,
  // so "no break between a and b" is run[a] === run[b].
  const breakBefore = new Uint8Array(n);
  const run = new Int32Array(n);
  for (let i = 1; i < n; i++) {
    const newChain = input.chainIds !== undefined && input.chainIds[i] !== input.chainIds[i - 1];
    breakBefore[i] = newChain || dist(bb, 4 * (i - 1) + 2, bb, 4 * i) > MAX_PEPTIDE_BOND ? 1 : 0;
    run[i] = run[i - 1] + breakBefore[i];
  }
  const noBreak = (a: number, b: number) => a >= 0 && b < n && run[a] === run[b];
  const hb = hbondTable(bb, isPro, amideHydrogens(bb));
  const bond = (donor: number, acceptor: number) => hasBond(hb, donor, acceptor);

  const { phi, psi, kappa } = backboneAngles(bb, noBreak);
  const ss: string[] = new Array(n).fill(COIL);

  const ladders = findLadders(n, bond, noBreak);
  for (const l of ladders) {
    const code = l.i.length > 1 ? "E" : "B";
    const paint = (from: number, to: number) => {
      for (let k = Math.min(from, to); k <= Math.max(from, to); k++) {
        if (ss[k] !== "E") ss[k] = code;
      }
    };
    paint(l.i[0], l.i[l.i.length - 1]);
    paint(l.j[0], l.j[l.j.length - 1]);
  }

  // n-turns: turnStart[s][i] when Hbond(CO i, NH i+s) with no break in between.
  const turnStart = new Map<number, Uint8Array>();
  for (const s of [3, 4, 5]) {
    const t = new Uint8Array(n);
    for (let i = 0; i + s < n; i++) if (noBreak(i, i + s) && bond(i + s, i)) t[i] = 1;
    turnStart.set(s, t);
  }
  const t3 = turnStart.get(3)!, t4 = turnStart.get(4)!, t5 = turnStart.get(5)!;

  // Minimal helices: two consecutive n-turns at i-1 and i give helix residues
  // i..i+n-1. The order is mkdssp 4.2's (checked against its output): α first,
  // over anything (strands included); then 3₁₀ only where still coil or G; then
  // π where coil, I or (π priority) H, so π wins over α but not over 3₁₀ or E.
  for (let i = 1; i + 4 < n; i++) {
    if (t4[i] && t4[i - 1]) { for (let k = i; k <= i + 3; k++) ss[k] = "H"; }
  }
  for (let i = 1; i + 3 < n; i++) {
    if (!(t3[i] && t3[i - 1])) continue;
    let free = true;
    for (let k = i; free && k <= i + 2; k++) free = ss[k] === COIL || ss[k] === "G";
    if (free) { for (let k = i; k <= i + 2; k++) ss[k] = "G"; }
  }

  const piPriority = opts.piHelixPriority ?? true;
  for (let i = 1; i + 5 < n; i++) {
    if (!(t5[i] && t5[i - 1])) continue;
    let free = true;
    for (let k = i; free && k <= i + 4; k++) {
      free = ss[k] === COIL || ss[k] === "I" || (piPriority && ss[k] === "H");
    }
    if (free) { for (let k = i; k <= i + 4; k++) ss[k] = "I"; }
  }
  // Turns (residues inside an n-turn) and bends, on what is still coil.
  for (let i = 1; i + 1 < n; i++) {
    if (ss[i] !== COIL) continue;
    let turn = false;
    for (const s of [3, 4, 5]) {
      const t = turnStart.get(s)!;
      for (let k = 1; k < s && !turn; k++) turn = i >= k && t[i - k] === 1;
    }
    if (turn) ss[i] = "T";
    else if (kappa[i] !== 360 && kappa[i] > BEND_KAPPA) ss[i] = "S";
  }

  if (opts.polyProline ?? true) assignPolyProline(ss, phi, psi, opts.polyProlineStretch ?? 3);
  return { ss: ss.join(""), breakBefore, phi, psi, kappa, hbonds: hb, ladders };
}

/** DSSP of a {@link Protein}: one code per residue of `p`. */
export interface ProteinDssp {
  /** One code per residue of the protein; '-' also where the backbone is incomplete. */
  ss: string;
  /** 1 where the residue had N, CA, C and O and so was assigned. */
  assigned: Uint8Array;
}

/**
 * DSSP of every chain of a protein at once (H-bonds and bridges between chains
 * count, as in mkdssp). Residues missing a backbone atom are left out, like mkdssp
 * does, and reported as coil with `assigned` 0.
 *
 * @example
 * ```ts
 * import { dsspProtein, readStructure, toThreeState } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * console.log(toThreeState(dsspProtein(p).ss)); // ubiquitin: strands, one helix
 * ```
 */
export function dsspProtein(p: Protein, opts: DsspOptions = {}): ProteinDssp {
  const bb = proteinBackbone(p);
  const r = dssp(bb, opts);
  const ss = new Array<string>(p.aatype.length).fill(COIL);
  const assigned = new Uint8Array(p.aatype.length);
  bb.index.forEach((i, k) => {
    ss[i] = r.ss[k];
    assigned[i] = 1;
  });
  return { ss: ss.join(""), assigned };
}

/** φ, ψ and κ per residue (360 where a neighbour is missing or across a break). */
function backboneAngles(
  bb: Coords,
  noBreak: (a: number, b: number) => boolean,
): { phi: Float64Array; psi: Float64Array; kappa: Float64Array } {
  const n = bb.length / 12;
  const phi = new Float64Array(n).fill(360);
  const psi = new Float64Array(n).fill(360);
  const kappa = new Float64Array(n).fill(360);
  for (let i = 0; i < n; i++) {
    if (i > 0 && noBreak(i - 1, i)) {
      phi[i] = dihedral(bb, 4 * (i - 1) + 2, 4 * i, 4 * i + 1, 4 * i + 2);
    }
    if (i + 1 < n && noBreak(i, i + 1)) {
      psi[i] = dihedral(bb, 4 * i, 4 * i + 1, 4 * i + 2, 4 * (i + 1));
    }
    if (i >= 2 && i + 2 < n && noBreak(i - 2, i + 2)) {
      // Angle between the Cα(i-2)→Cα(i) and Cα(i)→Cα(i+2) virtual bonds.
      kappa[i] = vectorAngle(bb, 4 * (i - 2) + 1, 4 * i + 1, 4 * i + 1, 4 * (i + 2) + 1);
    }
  }
  return { phi, psi, kappa };
}

/**
 * Bridges (Kabsch & Sander's patterns) grouped into ladders, then ladders of one
 * type joined across β-bulges (gaps < 6 on one strand and < 3 on the other).
 */
function findLadders(
  n: number,
  bond: (donor: number, acceptor: number) => boolean,
  noBreak: (a: number, b: number) => boolean,
): Ladder[] {
  // Hbond(x, y) in K&S notation is C=O of x to N-H of y: bond(y, x) here.
  const hb = (x: number, y: number) => bond(y, x);
  const bridge = (i: number, j: number): BridgeType | null => {
    if (!noBreak(i - 1, i + 1) || !noBreak(j - 1, j + 1)) return null;
    if ((hb(i - 1, j) && hb(j, i + 1)) || (hb(j - 1, i) && hb(i, j + 1))) return "parallel";
    if ((hb(i, j) && hb(j, i)) || (hb(i - 1, j + 1) && hb(j - 1, i + 1))) return "antiparallel";
    return null;
  };
  const ladders: Ladder[] = [];
  for (let i = 1; i + 4 < n; i++) {
    for (let j = i + 3; j + 1 < n; j++) {
      const type = bridge(i, j);
      if (type === null) continue;
      const l = ladders.find((l) =>
        l.type === type && i === l.i[l.i.length - 1] + 1 &&
        (type === "parallel" ? l.j[l.j.length - 1] + 1 === j : l.j[0] - 1 === j)
      );
      if (l === undefined) ladders.push({ type, i: [i], j: [j] });
      else {
        l.i.push(i);
        if (type === "parallel") l.j.push(j);
        else l.j.unshift(j);
      }
    }
  }
  ladders.sort((a, b) => a.i[0] - b.i[0]);
  // Bulges. The gap tests use unsigned differences, as mkdssp does: a negative
  // gap is huge and never joins.
  const u = (x: number) => x >>> 0;
  for (let a = 0; a < ladders.length; a++) {
    for (let b = a + 1; b < ladders.length; b++) {
      const A = ladders[a], B = ladders[b];
      const ibi = A.i[0], iei = A.i[A.i.length - 1], jbi = A.j[0], jei = A.j[A.j.length - 1];
      const ibj = B.i[0], iej = B.i[B.i.length - 1], jbj = B.j[0], jej = B.j[B.j.length - 1];
      if (
        A.type !== B.type || !noBreak(Math.min(ibi, ibj), Math.max(iei, iej)) ||
        !noBreak(Math.min(jbi, jbj), Math.max(jei, jej)) || u(ibj - iei) >= 6 ||
        (iei >= ibj && ibi <= iej)
      ) continue;
      const bulge = A.type === "parallel"
        ? (u(jbj - jei) < 6 && u(ibj - iei) < 3) || u(jbj - jei) < 3
        : (u(jbi - jej) < 6 && u(ibj - iei) < 3) || u(jbi - jej) < 3;
      if (!bulge) continue;
      A.i.push(...B.i);
      if (A.type === "parallel") A.j.push(...B.j);
      else A.j.unshift(...B.j);
      ladders.splice(b, 1);
      b--;
    }
  }
  return ladders;
}

/** PPII region of mkdssp 4: φ = −75° ± 29°, ψ = 145° ± 29°. */
function inPolyProlineRegion(phi: number, psi: number): boolean {
  return phi >= -104 && phi <= -46 && psi >= 116 && psi <= 174;
}

/** Mark runs of `stretch` PPII residues as 'P' where they are still coil. */
function assignPolyProline(ss: string[], phi: Float64Array, psi: Float64Array, stretch: number) {
  const n = ss.length;
  for (let i = 1; i + 3 < n; i++) {
    let all = true;
    for (let k = i; all && k < i + stretch; k++) all = inPolyProlineRegion(phi[k], psi[k]);
    if (!all) continue;
    for (let k = i; k < i + stretch; k++) if (ss[k] === COIL) ss[k] = "P";
  }
}

/**
 * Sheet label per residue: ladders that share a residue belong to one sheet
 * (Kabsch & Sander's definition). Returns -1 for residues in no ladder and
 * sheets numbered 0, 1, … in order of their first residue.
 *
 * @example
 * ```ts
 * import { dssp, proteinBackbone, readStructure, sheetLabels } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const bb = proteinBackbone(p);
 * const labels = sheetLabels(dssp(bb).ladders, bb.index.length);
 * console.log(Math.max(...labels) + 1, "sheet(s)");
 * ```
 */
export function sheetLabels(ladders: readonly Ladder[], n: number): Int32Array {
  checkNumber("sheetLabels", "n", n, { min: 0, integer: true });
  for (const l of ladders) {
    for (const r of [...l.i, ...l.j]) {
      if (!Number.isInteger(r) || r < 0 || r >= n) {
        throw new InputError(`sheetLabels: ladder residue ${r} is not one of the ${n} residues`);
      }
    }
  }
  const parent = ladders.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const owner = new Int32Array(n).fill(-1);
  ladders.forEach((l, li) => {
    for (const r of [...spanOf(l.i), ...spanOf(l.j)]) {
      if (owner[r] >= 0) parent[find(owner[r])] = find(li);
      owner[r] = li;
    }
  });
  const label = new Map<number, number>();
  const out = new Int32Array(n).fill(-1);
  for (let r = 0; r < n; r++) {
    if (owner[r] < 0) continue;
    const root = find(owner[r]);
    if (!label.has(root)) label.set(root, label.size);
    out[r] = label.get(root)!;
  }
  return out;
}

function spanOf(residues: readonly number[]): number[] {
  const lo = Math.min(...residues), hi = Math.max(...residues);
  return Array.from({ length: hi - lo + 1 }, (_, k) => lo + k);
}

/**
 * 3-state reduction: H/G/I → H, E/B → E, everything else → C.
 *
 * @example
 * ```ts
 * import { toThreeState } from "denofold";
 *
 * console.log(toThreeState("HHHGGTT-EEB")); // "HHHHHCCCEEE"
 * ```
 */
export function toThreeState(ss: string): string {
  return ss.replace(/[HGI]/g, "H").replace(/[EB]/g, "E").replace(/[^HE]/g, "C");
}

/**
 * The SS string with coil written as `coil` (e.g. "C" as ProMod3 stores it, " " as mkdssp).
 *
 * @example
 * ```ts
 * import { formatSs } from "denofold";
 *
 * console.log(formatSs("HHH--EE", "C")); // "HHHCCEE"
 * ```
 */
export function formatSs(ss: string, coil: string): string {
  return ss.replaceAll(COIL, coil);
}
