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

/** True when the file name says mmCIF (`.cif`, `.mmcif`, optionally gzipped). */
export function isMmcifPath(path: string): boolean {
  return /\.(mm)?cif(\.gz)?$/i.test(path);
}

/**
 * Read one model of a PDB or mmCIF file (chosen by its name) into a {@link Protein}.
 *
 * @example
 * ```ts
 * const p = await readStructure("../shared/data/fullatom/github/aqlaboratory_openfold/3zee.cif.gz");
 * ```
 * @throws {ParseError} on malformed input.
 */
export function readStructure(path: string, options: StructureOptions = {}): Promise<Protein> {
  return isMmcifPath(path) ? readMmcif(path, options) : readPdb(path, options);
}

/** Every model of a PDB or mmCIF file; see {@link readStructure}. */
export function readStructureModels(
  path: string,
  options: StructureOptions = {},
): Promise<Protein[]> {
  return isMmcifPath(path) ? readMmcifModels(path, options) : readPdbModels(path, options);
}
