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

/** The 20 standard amino acids in AF2/OpenFold order (`aatype` 0..19; 20 = UNK). */
export const RESTYPES = "ARNDCQEGHILKMFPSTWYV";
/** Number of standard residue types. */
export const RESTYPE_NUM = 20;
/** `aatype` index of an unknown residue. */
export const UNK_AATYPE = 20;

/** Three-letter codes in {@link RESTYPES} order, then UNK. */
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

/** Map a three-letter residue name to its one-letter code ("X" when unknown). */
export function oneLetter(resname3: string): string {
  const i = RESTYPE_3.indexOf(resname3 as (typeof RESTYPE_3)[number]);
  return i >= 0 && i < RESTYPE_NUM ? RESTYPES[i] : "X";
}

/** `aatype` of a one-letter code (20 for anything non-standard). */
export function aatypeOf(letter: string): number {
  const i = RESTYPES.indexOf(letter.toUpperCase());
  return i >= 0 ? i : UNK_AATYPE;
}

/** The 37 atom names of the atom37 representation, in AF2 order. */
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
/** Number of atom37 slots. */
export const ATOM_TYPE_NUM = 37;
/** atom37 index of an atom name. */
export const ATOM_ORDER: Readonly<Record<string, number>> = Object.fromEntries(
  ATOM_TYPES.map((a, i) => [a, i]),
);
