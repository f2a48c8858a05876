/**
 * Protein structures, plain TypeScript: the atom37 {@link Protein}, PDB and
 * mmCIF reading and writing, AF2's residue constants, rigid frames and
 * quaternions on numbers, and the ground-truth transforms (atom14, rigid-group
 * frames, torsion angles, pseudo-β) that supervision needs. The top-level
 * `mod.ts` re-exports the parts notebooks use.
 *
 * @example Read a PDB string and count its residues
 * ```ts
 * import { parsePdb, proteinLength } from "./mod.ts";
 *
 * const pdb = "ATOM      1  CA  GLY A   1      11.104   6.134  -6.504  1.00  0.00           C\n";
 * console.log(proteinLength(parsePdb(pdb))); // 1
 * ```
 *
 * @module
 */

export * from "./protein.ts";
export * from "./residue_constants.ts";
export * from "./pdb.ts";
export * from "./mmcif.ts";
export * from "./structure_select.ts";
export * from "./structure_file.ts";
export * from "./rigid.ts";
export * from "./gt_transforms.ts";
