/**
 * Ideal virtual Cβ positions from the backbone N, CA, C, for chains stored
 * without side chains (the backbone corpus).
 *
 * Why: AF2's distogram target and its pair features use the pseudo-β atom (CB,
 * CA for glycine). A backbone-only chain has no CB, so its pseudo-β mask would be
 * 0 on every non-glycine residue and the distogram loss would see only glycine
 * pairs. The Cβ of real residues sits at a nearly fixed place in the N–CA–C
 * frame, so the ideal position (the construction popularised by trRosetta:
 * `CB = -0.58273431·a + 0.56802827·b - 0.54067466·c + CA` with `b = CA - N`,
 * `c = C - CA`, `a = b × c`) stands in for it, typically within 0.1–0.2 Å. Only
 * `pseudo_beta` uses it; atom37/atom14 keep CB unobserved, so atom-level losses
 * never see an invented atom.
 *
 * @module
 */

import { ATOM_ORDER, ATOM_TYPE_NUM, RESTYPES } from "../protein/residue_constants.ts";

const GLY = RESTYPES.indexOf("G");

/**
 * Fill `pseudoBeta [N, 3]` / `pseudoBetaMask [N]` (in place) with the virtual Cβ
 * wherever a non-glycine residue lacks an observed CB but has N, CA and C.
 * Returns the number of residues filled.
 */
export function fillVirtualCb(
  aatype: ArrayLike<number>,
  allAtomPositions: ArrayLike<number>,
  allAtomMask: ArrayLike<number>,
  pseudoBeta: Float32Array,
  pseudoBetaMask: Float32Array,
): number {
  const [iN, iCA, iC, iCB] = ["N", "CA", "C", "CB"].map((a) => ATOM_ORDER[a]);
  let filled = 0;
  for (let r = 0; r < aatype.length; r++) {
    const base = r * ATOM_TYPE_NUM;
    if (aatype[r] === GLY || allAtomMask[base + iCB] > 0) continue;
    if (
      !(allAtomMask[base + iN] > 0 && allAtomMask[base + iCA] > 0 && allAtomMask[base + iC] > 0)
    ) {
      continue;
    }
    const at = (a: number, d: number) => allAtomPositions[(base + a) * 3 + d];
    const b = [0, 1, 2].map((d) => at(iCA, d) - at(iN, d));
    const c = [0, 1, 2].map((d) => at(iC, d) - at(iCA, d));
    const a = [b[1] * c[2] - b[2] * c[1], b[2] * c[0] - b[0] * c[2], b[0] * c[1] - b[1] * c[0]];
    for (let d = 0; d < 3; d++) {
      pseudoBeta[r * 3 + d] = -0.58273431 * a[d] + 0.56802827 * b[d] - 0.54067466 * c[d] +
        at(iCA, d);
    }
    pseudoBetaMask[r] = 1;
    filled++;
  }
  return filled;
}
