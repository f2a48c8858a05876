/**
 * Thin adapters from the atom37 {@link Protein} record to the plain coordinate
 * arrays the analysis functions take, so predictions and true structures go
 * through the same code.
 *
 * @module
 */

import { checkProtein, type Protein } from "../model/protein/protein.ts";
import { invalid } from "../model/util/validate.ts";
import { aatypeOf, ATOM_ORDER, ATOM_TYPE_NUM } from "../model/protein/residue_constants.ts";

const BACKBONE = [ATOM_ORDER.N, ATOM_ORDER.CA, ATOM_ORDER.C, ATOM_ORDER.O];
const PRO = aatypeOf("P");
const GLY = aatypeOf("G");

/** Coordinates of one atom37 slot for every residue, `[L,3]`, and where it is present. */
export function atomCoords(p: Protein, atom: number): { xyz: Float64Array; mask: Uint8Array } {
  checkProtein("atomCoords", p);
  if (!Number.isInteger(atom) || atom < 0 || atom >= ATOM_TYPE_NUM) {
    invalid("atomCoords", `atom ${atom} is not an atom37 slot (0..${ATOM_TYPE_NUM - 1})`);
  }
  const n = p.aatype.length;
  const xyz = new Float64Array(3 * n);
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const s = i * ATOM_TYPE_NUM + atom;
    mask[i] = p.atomMask[s] > 0 ? 1 : 0;
    for (let d = 0; d < 3; d++) xyz[3 * i + d] = p.atomPositions[3 * s + d];
  }
  return { xyz, mask };
}

/**
 * Cα coordinates `[L,3]` and their mask.
 *
 * @example
 * ```ts
 * import { caCoords, readStructure } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const { xyz, mask } = caCoords(p); // [L, 3] and [L]
 * console.log(xyz.length / 3, mask.reduce((a, b) => a + b, 0));
 * ```
 */
export function caCoords(p: Protein): { xyz: Float64Array; mask: Uint8Array } {
  return atomCoords(p, ATOM_ORDER.CA);
}

/**
 * Cβ coordinates `[L,3]`, Cα for glycine and wherever Cβ is absent (backbone-only
 * structures), as contact definitions use.
 *
 * @example
 * ```ts
 * import { cbOrCaCoords, contactMap, readStructure } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const { xyz, mask } = cbOrCaCoords(p);
 * console.log(contactMap(xyz, mask).length); // L²
 * ```
 */
export function cbOrCaCoords(p: Protein): { xyz: Float64Array; mask: Uint8Array } {
  const cb = atomCoords(p, ATOM_ORDER.CB), ca = caCoords(p);
  for (let i = 0; i < p.aatype.length; i++) {
    if (p.aatype[i] === GLY || !cb.mask[i]) {
      cb.mask[i] = ca.mask[i];
      for (let d = 0; d < 3; d++) cb.xyz[3 * i + d] = ca.xyz[3 * i + d];
    }
  }
  return cb;
}

/** The residues with all four backbone atoms, as DSSP input plus their indices in `p`. */
export interface ProteinBackbone {
  /** N, CA, C, O flattened `[M,4,3]` for the M complete residues. */
  backbone: Float64Array;
  /** Index in the protein of each of the M residues. */
  index: Int32Array;
  /** Proline flags of the M residues. */
  isProline: boolean[];
  /** Chain ids of the M residues. */
  chainIds: string[];
}

/**
 * Extract the residues of `p` that have N, CA, C and O.
 *
 * @example
 * ```ts
 * import { proteinBackbone, readStructure } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const bb = proteinBackbone(p); // N, CA, C, O of the complete residues
 * console.log(bb.index.length, "of", p.aatype.length, "residues");
 * ```
 */
export function proteinBackbone(p: Protein): ProteinBackbone {
  checkProtein("proteinBackbone", p);
  const n = p.aatype.length;
  const keep: number[] = [];
  for (let i = 0; i < n; i++) {
    if (BACKBONE.every((a) => p.atomMask[i * ATOM_TYPE_NUM + a] > 0)) keep.push(i);
  }
  const backbone = new Float64Array(12 * keep.length);
  keep.forEach((i, r) => {
    BACKBONE.forEach((a, k) => {
      for (let d = 0; d < 3; d++) {
        backbone[12 * r + 3 * k + d] = p.atomPositions[3 * (i * ATOM_TYPE_NUM + a) + d];
      }
    });
  });
  return {
    backbone,
    index: Int32Array.from(keep),
    isProline: keep.map((i) => p.aatype[i] === PRO),
    chainIds: keep.map((i) => p.chainIds[i]),
  };
}
