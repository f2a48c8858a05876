/**
 * Learning-dynamics decomposition of a training run: from the snapshots of a
 * fixed probe set (predicted backbones at steps, `analysis/snapshots.ts`) and the
 * probes' true structures, what the model has learned at each step, split the
 * way the OpenFold paper splits it (Ahdritz et al. 2024, "learning dynamics"):
 *
 * - lDDT-Cα, global and per residue, split by the TRUE structure's 3-state DSSP
 *   class (helix H/G/I, strand E/B, coil: the rest);
 * - the predictions' own DSSP composition and how much of the true helix/strand
 *   is formed (recall of the class in the predicted backbone's DSSP);
 * - contact precision at short (6–11), medium (12–23) and long (≥ 24) sequence
 *   separation: local (secondary) versus tertiary structure;
 * - dimensionality: each principal axis's extent relative to the truth's and the
 *   effective dimension;
 * - for each curve, the step at which it reaches 50 % and 90 % of its final value
 *   (see `milestones.ts` for "final" and non-monotone curves).
 *
 * Conventions (stated here once):
 * - Two DSSP references. lDDT is split by the probe's stored DSSP (`probe.dssp`,
 *   the run's record of the true structure). "Formed", composition and Q3 compare
 *   the prediction's DSSP with DSSP recomputed here on the true backbone by the
 *   same code and options (prolines from the sequence), so a perfect prediction
 *   scores exactly 1 whatever program produced the stored string (a corpus DSSP
 *   of a whole complex can hold strands paired with another chain, for example).
 * - Contacts: the snapshots hold backbones only, so a true contact is Cα–Cα < 8 Å
 *   (not CASP's Cβ), and the prediction's contact score is its Cα–Cα distance,
 *   closer = more likely (score = −distance). A perfect prediction has precision 1
 *   wherever the range holds at least L/5 true contacts. Top-L/5 is the headline.
 * - Aggregation over probes: per-class lDDT, formed fractions and compositions pool
 *   all observed residues of all probes (residue-weighted); global lDDT, contact
 *   precision and axis extents are means over probes (protein-weighted; probes
 *   without a pair in a range are left out of that range's mean).
 * - Collapsed predictions: early in training AF2 places all residues near one
 *   point (median Cα–Cα distances below 1 Å) while each residue keeps ideal local
 *   geometry, and DSSP then finds bridges and turns in the pile of overlapping
 *   atoms. A predicted residue whose Cα lies within {@link COLLAPSE_DISTANCE} of
 *   another residue's (impossible in a real chain, where non-bonded Cα stay
 *   > 3.5 Å apart) counts as coil for "formed", composition and Q3; the fraction
 *   of such residues is reported as `collapsed`.
 * - Masked residues (mask 0 in the probe) are left out of every quantity.
 * - A probe's length is that of its backbone, mask and DSSP (which must agree).
 *   A `seq` of another length (e.g. the full chain of a cropped probe) cannot say
 *   which residues are prolines, so DSSP then treats every residue as able to
 *   donate an H-bond, and the result lists a warning.
 * - Missing values (a class absent from every probe) are `null` in the output,
 *   so the result is plain JSON.
 *
 * @module
 */

import type { Probe, Snapshot } from "./snapshots.ts";
import { dssp, toThreeState } from "./dssp.ts";
import { lddt } from "./lddt.ts";
import { contactMap, contactPrecision, type SeparationRange } from "./contacts.ts";
import { axisGrowth, dimensionality } from "./dimensionality.ts";
import { DEFAULT_FRACTIONS, type Milestones, milestones } from "./milestones.ts";
import { InputError } from "../model/util/errors.ts";
import { checkFinite } from "../model/util/validate.ts";

/**
 * A predicted Cα closer than this (Å) to another residue's Cα marks a collapsed residue.
 *
 * @example
 * ```ts
 * import { COLLAPSE_DISTANCE, learningDynamics, readSnapshots } from "denofold";
 *
 * const { probes, snapshots } = await readSnapshots("notebooks/study");
 * const dyn = learningDynamics(probes, snapshots);
 * console.log(`residues within ${COLLAPSE_DISTANCE} Å of another:`, dyn.curves.collapsed);
 * ```
 */
export const COLLAPSE_DISTANCE = 1;

/**
 * The 3-state classes.
 *
 * @example
 * ```ts
 * import { learningDynamics, readSnapshots, SS_CLASSES } from "denofold";
 *
 * const { probes, snapshots } = await readSnapshots("notebooks/study");
 * const last = learningDynamics(probes, snapshots).perStep.at(-1)!;
 * for (const c of SS_CLASSES) console.log(c, last.lddtByClass[c]);
 * ```
 */
export const SS_CLASSES = ["helix", "strand", "coil"] as const;
/** A 3-state class name. */
export type SsClass = typeof SS_CLASSES[number];
const CLASS_CODE: Record<SsClass, string> = { helix: "H", strand: "E", coil: "C" };
const RANGES: SeparationRange[] = ["short", "medium", "long"];

/** A per-class value (null when no residue of the class). */
export type ByClass = Record<SsClass, number | null>;
/** A per-range value (null when no probe has a pair in the range). */
export type ByRange = Record<SeparationRange, number | null>;

/** One probe at one step. */
export interface ProbeStep {
  /** Probe id. */
  id: string;
  /** Global lDDT-Cα over observed residues. */
  lddt: number;
  /** Mean per-residue lDDT-Cα per true class. */
  lddtByClass: ByClass;
  /** Per-residue lDDT-Cα (null where masked). */
  lddtPerResidue: (number | null)[];
  /** 8-state DSSP of the predicted backbone as DSSP assigns it ('-' coil). */
  dssp: string;
  /** 3-state SS of the prediction used for the statistics: collapsed residues are coil. */
  ss3: string;
  /** Fraction of observed residues that are collapsed (see the module comment). */
  collapsed: number;
  /** Fraction of observed residues the prediction assigns to each class. */
  composition: ByClass;
  /** Fraction of the residues that the truth's recomputed DSSP calls H (E, C) and the
   * prediction's DSSP calls H (E, C) too. */
  formed: ByClass;
  /** Top-L/5 contact precision per range. */
  contacts: ByRange;
  /** Extent of principal axis k of the prediction / the truth's. */
  relativeExtent: [number, number, number];
  /** Effective dimension of the prediction. */
  effectiveDimension: number;
  /** Radius of gyration of the prediction / the truth's. */
  relativeRadiusOfGyration: number;
  /** Mean predicted lDDT (0–100) over observed residues. */
  meanPlddt: number;
}

/** All probes at one step, aggregated (see the module comment). */
export interface StepDynamics {
  /** Training step. */
  step: number;
  /** Mean over probes of the global lDDT-Cα. */
  lddt: number;
  /** Residue-pooled lDDT-Cα per true class. */
  lddtByClass: ByClass;
  /** Residue-pooled predicted DSSP composition. */
  composition: ByClass;
  /** Residue-pooled recall of each class of the truth's recomputed DSSP in the predicted DSSP. */
  formed: ByClass;
  /** Residue-pooled 3-state agreement of the predicted and the truth's recomputed DSSP (Q3). */
  q3: number;
  /** Mean over probes of top-L/5 contact precision. */
  contacts: ByRange;
  /** Mean over probes of the relative axis extents. */
  relativeExtent: [number, number, number];
  /** Mean over probes of the effective dimension. */
  effectiveDimension: number;
  /** Mean over probes of the relative radius of gyration. */
  relativeRadiusOfGyration: number;
  /** Mean pLDDT over probes. */
  meanPlddt: number;
  /** Residue-pooled fraction of collapsed predicted residues. */
  collapsed: number;
  /** Per-probe details. */
  probes: ProbeStep[];
}

/** A probe's true-structure reference values. */
export interface ProbeTruth {
  /** Probe id. */
  id: string;
  /** Residues. */
  length: number;
  /** Observed residues (mask 1). */
  observed: number;
  /** 3-state DSSP of the truth from the probe's stored 8-state string: the lDDT classes. */
  ss3: string;
  /** Composition of {@link ss3} over observed residues. */
  composition: ByClass;
  /** 8-state DSSP recomputed on the true backbone: the reference of "formed" and Q3. */
  dssp: string;
  /** 3-state reduction of {@link dssp}. */
  dssp3: string;
  /** Composition of {@link dssp3} over observed residues. */
  dsspComposition: ByClass;
  /** Effective dimension of the true Cα cloud. */
  effectiveDimension: number;
  /** Extent (Å) of the truth's principal axes. */
  extent: [number, number, number];
  /** True Cα–Cα contacts (< 8 Å) per range with i < j. */
  contacts: Record<SeparationRange, number>;
}

/**
 * Names of the curves in {@link DynamicsResult.curves}.
 *
 * @example
 * ```ts
 * import { CURVE_NAMES, learningDynamics, readSnapshots } from "denofold";
 *
 * const { probes, snapshots } = await readSnapshots("notebooks/study");
 * const dyn = learningDynamics(probes, snapshots);
 * for (const name of CURVE_NAMES) console.log(name, dyn.curves[name].at(-1));
 * ```
 */
export const CURVE_NAMES = [
  "lddt",
  "lddt.helix",
  "lddt.strand",
  "lddt.coil",
  "formed.helix",
  "formed.strand",
  "formed.coil",
  "composition.helix",
  "composition.strand",
  "composition.coil",
  "q3",
  "contacts.short",
  "contacts.medium",
  "contacts.long",
  "axis1",
  "axis2",
  "axis3",
  "effectiveDimension",
  "radiusOfGyration",
  "plddt",
  "collapsed",
] as const;
/** A curve name. */
export type CurveName = typeof CURVE_NAMES[number];

/**
 * Curves whose milestones are computed (compositions and Rg can fall as well as rise).
 *
 * @example
 * ```ts
 * import { learningDynamics, MILESTONE_CURVES, readSnapshots } from "denofold";
 *
 * const { probes, snapshots } = await readSnapshots("notebooks/study");
 * const dyn = learningDynamics(probes, snapshots);
 * for (const c of MILESTONE_CURVES) console.log(c, dyn.milestones[c]?.crossings[0].sustained);
 * ```
 */
export const MILESTONE_CURVES: readonly CurveName[] = [
  "lddt",
  "lddt.helix",
  "lddt.strand",
  "lddt.coil",
  "formed.helix",
  "formed.strand",
  "q3",
  "contacts.short",
  "contacts.medium",
  "contacts.long",
  "axis1",
  "axis2",
  "axis3",
  "effectiveDimension",
  "plddt",
];

/** The decomposition of a run. */
export interface DynamicsResult {
  /** Snapshot steps, increasing. */
  steps: number[];
  /** The probes' truths. */
  truth: ProbeTruth[];
  /** Residue-pooled composition of the DSSP recomputed on the true backbones (the
   * like-for-like reference of the predicted composition). */
  truthComposition: ByClass;
  /** One entry per step. */
  perStep: StepDynamics[];
  /** Aggregated curves, aligned with `steps` (null where undefined). */
  curves: Record<CurveName, (number | null)[]>;
  /** 50 % / 90 % milestones of {@link MILESTONE_CURVES}. */
  milestones: Partial<Record<CurveName, Milestones>>;
  /** Problems with the input that qualify the numbers (see {@link probeWarnings}). */
  warnings: string[];
}

/** Options of {@link learningDynamics}. */
export interface DynamicsOptions {
  /** Milestone fractions (default 0.5 and 0.9). */
  fractions?: readonly number[];
}

/**
 * Cα `[L,3]` from a backbone `[L,4,3]` (N, CA, C, O).
 *
 * @example
 * ```ts
 * import { caFromBackbone, readSnapshots } from "denofold";
 *
 * const { probes } = await readSnapshots("notebooks/study");
 * const ca = caFromBackbone(probes[0].backbone); // [L, 3]
 * console.log(ca.length / 3, "residues");
 * ```
 */
export function caFromBackbone(backbone: ArrayLike<number>): Float64Array {
  const n = backbone.length / 12;
  if (!Number.isInteger(n)) {
    throw new InputError(`caFromBackbone: ${backbone.length} values is not L × 12 (N, CA, C, O)`);
  }
  const out = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) for (let d = 0; d < 3; d++) out[3 * i + d] = backbone[12 * i + 3 + d];
  return out;
}

const nullIfNaN = (v: number): number | null => (Number.isFinite(v) ? v : null);
const byClass = (f: (c: SsClass) => number): ByClass =>
  Object.fromEntries(SS_CLASSES.map((c) => [c, nullIfNaN(f(c))])) as ByClass;
const mean = (xs: readonly number[]): number => {
  const ok = xs.filter(Number.isFinite);
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN;
};

/**
 * Reference values of one probe's true structure.
 *
 * @example
 * ```ts
 * import { probeTruth, readSnapshots } from "denofold";
 *
 * const { probes } = await readSnapshots("notebooks/study");
 * const t = probeTruth(probes[0]);
 * console.log(t.id, t.length, t.ss3);
 * ```
 */
export function probeTruth(p: Probe): ProbeTruth {
  const n = p.mask.length;
  checkProbe(p);
  const ss3 = toThreeState(p.dssp);
  const obs = p.mask.filter((m) => m > 0).length;
  const ca = caFromBackbone(p.backbone);
  const recomputed = dsspOf(p, p.backbone);
  const dssp3 = toThreeState(recomputed);
  const dim = dimensionality(ca, p.mask);
  const cm = contactMap(ca, p.mask);
  const contacts = { short: 0, medium: 0, long: 0 };
  for (let i = 0; i < n; i++) {
    for (let j = i + 6; j < n; j++) {
      if (cm[i * n + j] !== 1) continue;
      contacts[j - i < 12 ? "short" : j - i < 24 ? "medium" : "long"]++;
    }
  }
  return {
    id: p.id,
    length: n,
    observed: obs,
    ss3,
    composition: byClass((c) => count(ss3, CLASS_CODE[c], p.mask) / obs),
    dssp: recomputed,
    dssp3,
    dsspComposition: byClass((c) => count(dssp3, CLASS_CODE[c], p.mask) / obs),
    effectiveDimension: dim.effectiveDimension,
    extent: dim.extent,
    contacts,
  };
}

/**
 * DSSP of a backbone of probe `p`. Prolines (no amide H, so no H-bond donor) come
 * from the sequence when it matches the backbone's length.
 */
function dsspOf(p: Probe, backbone: ArrayLike<number>): string {
  const n = p.mask.length;
  const isProline = p.seq.length === n ? [...p.seq].map((c) => c === "P") : undefined;
  return dssp({ backbone, isProline }).ss;
}

function checkProbe(p: Probe): void {
  const n = p.mask.length;
  if (p.backbone.length !== 12 * n || p.dssp.length !== n) {
    throw new InputError(
      `probe ${p.id}: mask has ${n} residues but backbone ${p.backbone.length / 12}, ` +
        `dssp ${p.dssp.length}`,
    );
  }
  checkFinite(`probe ${p.id}`, "backbone", p.backbone);
  checkFinite(`probe ${p.id}`, "mask", p.mask);
}

/**
 * Problems that do not stop the decomposition but qualify it.
 *
 * @example
 * ```ts
 * import { probeWarnings, readSnapshots } from "denofold";
 *
 * const { probes } = await readSnapshots("notebooks/study");
 * for (const w of probeWarnings(probes)) console.warn(w);
 * ```
 */
export function probeWarnings(probes: readonly Probe[]): string[] {
  return probes.filter((p) => p.seq.length !== p.mask.length).map((p) =>
    `probe ${p.id}: seq has ${p.seq.length} residues but the backbone ${p.mask.length}; ` +
    `prolines unknown to DSSP`
  );
}

function count(ss: string, code: string, mask: ArrayLike<number>): number {
  let k = 0;
  for (let i = 0; i < ss.length; i++) if (mask[i] > 0 && ss[i] === code) k++;
  return k;
}

/**
 * Decompose one probe's prediction at one step.
 *
 * @example One probe's prediction at the last snapshot
 * ```ts
 * import { probeStep, probeTruth, readSnapshots } from "denofold";
 *
 * const { probes, snapshots } = await readSnapshots("notebooks/study");
 * const probe = probes[0];
 * const pred = snapshots.at(-1)!.probes.find((q) => q.id === probe.id)!;
 * const s = probeStep(probe, probeTruth(probe), pred);
 * console.log(s.lddt, s.lddtByClass, s.effectiveDimension);
 * ```
 */
export function probeStep(
  p: Probe,
  truth: ProbeTruth,
  pred: { backbone: ArrayLike<number>; plddt: ArrayLike<number> },
): ProbeStep {
  const n = p.mask.length;
  if (pred.backbone.length !== 12 * n || pred.plddt.length !== n) {
    throw new InputError(
      `probe ${p.id}: predicted backbone has ${pred.backbone.length / 12} residues and ` +
        `pLDDT ${pred.plddt.length}, expected ${n}`,
    );
  }
  checkProbe(p);
  checkFinite(`probe ${p.id}`, "predicted backbone", pred.backbone);
  checkFinite(`probe ${p.id}`, "predicted pLDDT", pred.plddt);
  const trueCa = caFromBackbone(p.backbone), predCa = caFromBackbone(pred.backbone);
  const l = lddt(predCa, trueCa, p.mask);
  const predSs = dsspOf(p, pred.backbone);
  // Predicted Cα distances: contact scores (closer = more likely, see the module
  // comment) and the collapse test.
  const score = new Float64Array(n * n);
  const isCollapsed = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let d2 = 0;
      for (let d = 0; d < 3; d++) d2 += (predCa[3 * i + d] - predCa[3 * j + d]) ** 2;
      score[i * n + j] = -Math.sqrt(d2);
      if (i !== j && p.mask[j] > 0 && d2 < COLLAPSE_DISTANCE ** 2) isCollapsed[i] = 1;
    }
  }
  const pred3 = [...toThreeState(predSs)].map((c, i) => (isCollapsed[i] ? "C" : c)).join("");
  let collapsed = 0;
  for (let i = 0; i < n; i++) if (p.mask[i] > 0 && isCollapsed[i]) collapsed++;
  const classMean = (c: SsClass) => {
    const xs: number[] = [];
    for (let i = 0; i < n; i++) {
      if (p.mask[i] > 0 && truth.ss3[i] === CLASS_CODE[c]) xs.push(l.perResidue[i]);
    }
    return mean(xs);
  };
  const recall = (c: SsClass) => {
    let hit = 0, tot = 0;
    for (let i = 0; i < n; i++) {
      if (!(p.mask[i] > 0) || truth.dssp3[i] !== CLASS_CODE[c]) continue;
      tot++;
      if (pred3[i] === CLASS_CODE[c]) hit++;
    }
    return tot ? hit / tot : NaN;
  };
  const cp = contactPrecision(score, contactMap(trueCa, p.mask)).filter((c) => c.top === "L/5");
  const contacts = Object.fromEntries(
    RANGES.map((r) => [r, nullIfNaN(cp.find((c) => c.range === r)!.precision)]),
  ) as ByRange;
  const [g] = axisGrowth([predCa], trueCa, p.mask);
  const plddt: number[] = [];
  for (let i = 0; i < n; i++) if (p.mask[i] > 0) plddt.push(pred.plddt[i]);
  return {
    id: p.id,
    lddt: l.global,
    lddtByClass: byClass(classMean),
    lddtPerResidue: Array.from(l.perResidue, (v, i) => (p.mask[i] > 0 ? v : null)),
    dssp: predSs,
    ss3: pred3,
    collapsed: collapsed / truth.observed,
    composition: byClass((c) => count(pred3, CLASS_CODE[c], p.mask) / truth.observed),
    formed: byClass(recall),
    contacts,
    relativeExtent: g.relativeExtent,
    effectiveDimension: g.effectiveDimension,
    relativeRadiusOfGyration: g.relativeRadiusOfGyration,
    meanPlddt: mean(plddt),
  };
}

/**
 * Decompose a run: `probes` with their truths and `snapshots` (any order; every
 * snapshot must hold every probe). Returns plain JSON-able data.
 *
 * @example Decompose the committed study run
 * ```ts
 * import { learningDynamics, readSnapshots } from "denofold";
 *
 * const { probes, snapshots } = await readSnapshots("notebooks/study");
 * const dyn = learningDynamics(probes, snapshots);
 * // The step from which helix lDDT stays at or above 90 % of its final value:
 * console.log(dyn.milestones["lddt.helix"]?.crossings[1].sustained);
 * ```
 */
export function learningDynamics(
  probes: readonly Probe[],
  snapshots: readonly Snapshot[],
  opts: DynamicsOptions = {},
): DynamicsResult {
  if (probes.length === 0) throw new InputError("learningDynamics: no probes");
  if (snapshots.length === 0) throw new InputError("learningDynamics: no snapshots");
  const truth = probes.map(probeTruth);
  const sorted = [...snapshots].sort((a, b) => a.step - b.step);
  const perStep = sorted.map((snap) => {
    const byId = new Map(snap.probes.map((q) => [q.id, q]));
    const ps = probes.map((p, k) => {
      const pred = byId.get(p.id);
      if (pred === undefined) {
        throw new InputError(`snapshot of step ${snap.step} lacks probe ${p.id}`);
      }
      return probeStep(p, truth[k], pred);
    });
    return aggregate(snap.step, probes, truth, ps);
  });
  const steps = perStep.map((s) => s.step);
  const curves = curvesOf(perStep);
  const fractions = opts.fractions ?? DEFAULT_FRACTIONS;
  const ms: Partial<Record<CurveName, Milestones>> = {};
  for (const name of MILESTONE_CURVES) {
    ms[name] = milestones(steps, curves[name].map((v) => v ?? NaN), fractions);
  }
  const pooled = (c: SsClass) => {
    let k = 0, tot = 0;
    probes.forEach((p, i) => {
      k += count(truth[i].dssp3, CLASS_CODE[c], p.mask);
      tot += truth[i].observed;
    });
    return k / tot;
  };
  return {
    steps,
    truth,
    truthComposition: byClass(pooled),
    perStep,
    curves,
    milestones: ms,
    warnings: probeWarnings(probes),
  };
}

function aggregate(
  step: number,
  probes: readonly Probe[],
  truth: readonly ProbeTruth[],
  ps: ProbeStep[],
): StepDynamics {
  // Residue-pooled sums over all probes' observed residues.
  const lddtSum = { H: 0, E: 0, C: 0 } as Record<string, number>;
  const lddtCount = { H: 0, E: 0, C: 0 } as Record<string, number>;
  const hit = { H: 0, E: 0, C: 0 } as Record<string, number>;
  const refCount = { H: 0, E: 0, C: 0 } as Record<string, number>;
  const predCount = { H: 0, E: 0, C: 0 } as Record<string, number>;
  let agree = 0, observed = 0, collapsed = 0;
  probes.forEach((_, k) => (collapsed += ps[k].collapsed * truth[k].observed));
  probes.forEach((p, k) => {
    const pred3 = ps[k].ss3, t = truth[k];
    for (let i = 0; i < p.mask.length; i++) {
      if (!(p.mask[i] > 0)) continue;
      observed++;
      lddtSum[t.ss3[i]] += ps[k].lddtPerResidue[i] ?? 0;
      lddtCount[t.ss3[i]]++;
      refCount[t.dssp3[i]]++;
      predCount[pred3[i]]++;
      if (pred3[i] === t.dssp3[i]) {
        hit[pred3[i]]++;
        agree++;
      }
    }
  });
  const ratio = (a: number, b: number) => (b > 0 ? a / b : NaN);
  const axis = (a: number) => mean(ps.map((s) => s.relativeExtent[a]));
  return {
    step,
    lddt: mean(ps.map((s) => s.lddt)),
    lddtByClass: byClass((c) => ratio(lddtSum[CLASS_CODE[c]], lddtCount[CLASS_CODE[c]])),
    composition: byClass((c) => ratio(predCount[CLASS_CODE[c]], observed)),
    formed: byClass((c) => ratio(hit[CLASS_CODE[c]], refCount[CLASS_CODE[c]])),
    q3: ratio(agree, observed),
    contacts: Object.fromEntries(
      RANGES.map((r) => [r, nullIfNaN(mean(ps.map((s) => s.contacts[r] ?? NaN)))]),
    ) as ByRange,
    relativeExtent: [axis(0), axis(1), axis(2)],
    effectiveDimension: mean(ps.map((s) => s.effectiveDimension)),
    relativeRadiusOfGyration: mean(ps.map((s) => s.relativeRadiusOfGyration)),
    meanPlddt: mean(ps.map((s) => s.meanPlddt)),
    collapsed: ratio(collapsed, observed),
    probes: ps,
  };
}

function curvesOf(perStep: readonly StepDynamics[]): Record<CurveName, (number | null)[]> {
  const pick = (f: (s: StepDynamics) => number | null) =>
    perStep.map((s) => nullIfNaN(f(s) ?? NaN));
  return {
    "lddt": pick((s) => s.lddt),
    "lddt.helix": pick((s) => s.lddtByClass.helix),
    "lddt.strand": pick((s) => s.lddtByClass.strand),
    "lddt.coil": pick((s) => s.lddtByClass.coil),
    "formed.helix": pick((s) => s.formed.helix),
    "formed.strand": pick((s) => s.formed.strand),
    "formed.coil": pick((s) => s.formed.coil),
    "composition.helix": pick((s) => s.composition.helix),
    "composition.strand": pick((s) => s.composition.strand),
    "composition.coil": pick((s) => s.composition.coil),
    "q3": pick((s) => s.q3),
    "contacts.short": pick((s) => s.contacts.short),
    "contacts.medium": pick((s) => s.contacts.medium),
    "contacts.long": pick((s) => s.contacts.long),
    "axis1": pick((s) => s.relativeExtent[0]),
    "axis2": pick((s) => s.relativeExtent[1]),
    "axis3": pick((s) => s.relativeExtent[2]),
    "effectiveDimension": pick((s) => s.effectiveDimension),
    "radiusOfGyration": pick((s) => s.relativeRadiusOfGyration),
    "plddt": pick((s) => s.meanPlddt),
    "collapsed": pick((s) => s.collapsed),
  };
}

/**
 * Groups of curves whose order of learning is compared.
 *
 * @example
 * ```ts
 * import { ORDER_GROUPS } from "denofold";
 *
 * for (const g of ORDER_GROUPS) console.log(g.title, g.curves.join(" vs "));
 * ```
 */
export const ORDER_GROUPS: { title: string; curves: CurveName[] }[] = [
  { title: "lDDT-Cα by true SS class", curves: ["lddt.helix", "lddt.strand", "lddt.coil"] },
  { title: "SS formed (DSSP of the prediction)", curves: ["formed.helix", "formed.strand"] },
  {
    title: "contact precision (top-L/5)",
    curves: ["contacts.short", "contacts.medium", "contacts.long"],
  },
  { title: "principal-axis extent", curves: ["axis1", "axis2", "axis3"] },
];

/** One curve's place in a learning order. */
export interface OrderEntry {
  /** Curve name. */
  curve: CurveName;
  /** Sustained step of the crossing (null if never reached / undefined). */
  step: number | null;
  /** The crossing step as a fraction of the run. */
  fractionOfRun: number | null;
}

/**
 * For each of {@link ORDER_GROUPS}, the curves sorted by the step from which they
 * stay at or above `fraction` (default 0.9) of their final value; undefined
 * curves (no residue of a class) go last.
 *
 * @example Which curves reach 90 % of their final value first
 * ```ts
 * import { learningDynamics, learningOrder, readSnapshots } from "denofold";
 *
 * const { probes, snapshots } = await readSnapshots("notebooks/study");
 * for (const g of learningOrder(learningDynamics(probes, snapshots))) {
 *   console.log(g.title, g.order.map((e) => `${e.curve} @ ${e.step}`).join(", "));
 * }
 * ```
 */
export function learningOrder(
  dyn: DynamicsResult,
  fraction = 0.9,
): { title: string; order: OrderEntry[] }[] {
  return ORDER_GROUPS.map((g) => ({
    title: g.title,
    order: g.curves.map((curve): OrderEntry => {
      const c = dyn.milestones[curve]?.crossings.find((x) => x.fraction === fraction);
      return { curve, step: c?.sustained ?? null, fractionOfRun: c?.fractionOfRun ?? null };
    }).sort((a, b) => (a.step ?? Infinity) - (b.step ?? Infinity)),
  }));
}

/**
 * A short text summary: final values and the order in which curves reach 90 %.
 *
 * @example
 * ```ts
 * import { learningDynamics, readSnapshots, summarizeDynamics } from "denofold";
 *
 * const { probes, snapshots } = await readSnapshots("notebooks/study");
 * console.log(summarizeDynamics(learningDynamics(probes, snapshots)));
 * ```
 */
export function summarizeDynamics(dyn: DynamicsResult): string {
  const last = dyn.perStep[dyn.perStep.length - 1];
  const f = (v: number | null) => (v === null ? "n/a" : v.toFixed(3));
  const lines = [
    `${dyn.truth.length} probes, ${dyn.steps.length} snapshots (steps ${dyn.steps[0]}–${
      dyn.steps[dyn.steps.length - 1]
    }); "final" = the last snapshot`,
    `final lDDT-Cα ${f(last.lddt)} (helix ${f(last.lddtByClass.helix)}, strand ${
      f(last.lddtByClass.strand)
    }, coil ${f(last.lddtByClass.coil)}); Q3 ${f(last.q3)}`,
  ];
  if (last.collapsed > 0) {
    lines.push(
      `${(100 * last.collapsed).toFixed(0)} % of predicted residues collapsed at the last step ` +
        `(Cα within ${COLLAPSE_DISTANCE} Å of another: counted as coil)`,
    );
  }
  for (const w of dyn.warnings) lines.push(`warning: ${w}`);
  for (const g of learningOrder(dyn)) {
    const parts = g.order.map((e) =>
      `${e.curve} @${e.step ?? "never"}${
        e.fractionOfRun === null ? "" : ` (${(100 * e.fractionOfRun).toFixed(0)} % of run)`
      }`
    );
    lines.push(`90 % of final, ${g.title}: ${parts.join(" ≤ ")}`);
  }
  return lines.join("\n");
}
