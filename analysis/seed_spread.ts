/**
 * The learning-dynamics findings of one run, and their spread over runs that
 * differ only in seed (initialisation and data order): the OpenFold paper's
 * claims read as numbers with error bars.
 *
 * Per run ({@link seedFindings}), from the decomposition's curves:
 * - the step at which each principal axis first reaches half the true
 *   structure's extent along it (dimensions one after another);
 * - the steps at which helix and strand residues first reach lDDT-Cα 0.3, and
 *   the helix − strand gap at the last snapshot (SS classes in an order);
 * - the step from which top-L/5 long-range contact precision stays at or above
 *   twice chance (tertiary contacts last); chance is the fraction of observed
 *   long-range pairs (|i − j| ≥ 24) that are true contacts;
 * - the collapse: the largest fraction of predicted residues within 1 Å of
 *   another, its step, the steps from which it stays at or below half and at
 *   or below 5 %, and the fraction left at the last snapshot.
 *
 * @module
 */

import type { DynamicsResult, ProbeTruth } from "./dynamics.ts";
import { SEPARATION_RANGES } from "./contacts.ts";

/**
 * A residue level an SS class must reach to count as learnt (lDDT-Cα).
 *
 * @example
 * ```ts
 * import { SS_LEARNT_LDDT } from "denofold";
 *
 * console.log(`a class is learnt at lDDT-Cα ${SS_LEARNT_LDDT}`);
 * ```
 */
export const SS_LEARNT_LDDT = 0.3;

/**
 * Collapsed fraction at or below which the collapse counts as over.
 *
 * @example
 * ```ts
 * import { COLLAPSE_OVER } from "denofold";
 *
 * console.log(`the collapse is over below ${100 * COLLAPSE_OVER} % collapsed residues`);
 * ```
 */
export const COLLAPSE_OVER = 0.05;

/** Collapsed fraction at or below which the collapse counts as half over. */
const COLLAPSE_HALF = 0.5;

/** The findings of one run. */
export interface SeedFindings {
  /** The run's label (e.g. `seed_2`). */
  run: string;
  /** Last snapshot step. */
  lastStep: number;
  /** Step each principal axis (1, 2, 3) first reaches half its true extent (null: never). */
  axisHalfStep: [number | null, number | null, number | null];
  /** Step helix residues first reach lDDT-Cα {@link SS_LEARNT_LDDT}. */
  helixLearntStep: number | null;
  /** Step strand residues first reach lDDT-Cα {@link SS_LEARNT_LDDT}. */
  strandLearntStep: number | null;
  /** Helix minus strand lDDT-Cα at the last snapshot. */
  helixStrandGapFinal: number | null;
  /** Chance precision of a long-range contact guess on these probes. */
  longRangeChance: number;
  /** Step from which long-range top-L/5 precision stays ≥ twice chance. */
  longRangeAboveChanceStep: number | null;
  /** Largest collapsed fraction over the snapshots. */
  collapsePeak: number;
  /** Step of {@link collapsePeak}. */
  collapsePeakStep: number;
  /** First step after the peak from which the collapsed fraction stays ≤ {@link COLLAPSE_HALF}. */
  collapseHalfStep: number | null;
  /** First step after the peak from which the collapsed fraction stays ≤ {@link COLLAPSE_OVER}. */
  collapseOverStep: number | null;
  /** Collapsed fraction at the last snapshot. */
  collapseFinal: number | null;
  /** Probe lDDT-Cα at the last snapshot. */
  finalLddt: number | null;
}

/**
 * Chance precision of long-range contacts on `probes`: true long-range Cα
 * contacts over observed long-range pairs, pooled over probes.
 *
 * @example
 * ```ts
 * import { learningDynamics, longRangeChance, readSnapshots } from "denofold";
 *
 * const { probes, snapshots } = await readSnapshots("notebooks/study");
 * const dyn = learningDynamics(probes, snapshots);
 * console.log(longRangeChance(probes, dyn.truth).toFixed(3));
 * ```
 */
export function longRangeChance(
  probes: readonly { mask: ArrayLike<number> }[],
  truth: readonly ProbeTruth[],
): number {
  const [lo] = SEPARATION_RANGES.long;
  let contacts = 0, pairs = 0;
  probes.forEach((p, k) => {
    contacts += truth[k].contacts.long;
    const n = p.mask.length;
    for (let i = 0; i < n; i++) {
      if (!(p.mask[i] > 0)) continue;
      for (let j = i + lo; j < n; j++) if (p.mask[j] > 0) pairs++;
    }
  });
  return pairs > 0 ? contacts / pairs : 0;
}

/** First step whose value is ≥ level (null: never). */
function firstAt(steps: readonly number[], ys: readonly (number | null)[], level: number) {
  const k = ys.findIndex((y) => y !== null && y >= level);
  return k < 0 ? null : steps[k];
}

/** First step from which `ok` holds at every later snapshot (null: not at the last). */
function sustained(
  steps: readonly number[],
  ys: readonly (number | null)[],
  ok: (y: number) => boolean,
  from = 0,
): number | null {
  let at: number | null = null;
  for (let k = steps.length - 1; k >= from; k--) {
    const y = ys[k];
    if (y === null || !ok(y)) break;
    at = steps[k];
  }
  return at;
}

/**
 * The findings of one run from its decomposition (see the module comment).
 *
 * @example
 * ```ts
 * import { learningDynamics, longRangeChance, readSnapshots, seedFindings } from "denofold";
 *
 * const { probes, snapshots } = await readSnapshots("notebooks/study");
 * const dyn = learningDynamics(probes, snapshots);
 * const f = seedFindings("study", dyn, longRangeChance(probes, dyn.truth));
 * console.log(f.axisHalfStep, f.collapsePeak);
 * ```
 */
export function seedFindings(run: string, dyn: DynamicsResult, chance: number): SeedFindings {
  const { steps, curves } = dyn;
  const axis = (k: 1 | 2 | 3) => firstAt(steps, curves[`axis${k}`], 0.5);
  const last = steps.length - 1;
  const helix = curves["lddt.helix"][last], strand = curves["lddt.strand"][last];
  const collapsed = curves.collapsed;
  let peak = 0, peakK = 0;
  collapsed.forEach((y, k) => {
    if (y !== null && y > peak) [peak, peakK] = [y, k];
  });
  return {
    run,
    lastStep: steps[last],
    axisHalfStep: [axis(1), axis(2), axis(3)],
    helixLearntStep: firstAt(steps, curves["lddt.helix"], SS_LEARNT_LDDT),
    strandLearntStep: firstAt(steps, curves["lddt.strand"], SS_LEARNT_LDDT),
    helixStrandGapFinal: helix !== null && strand !== null ? helix - strand : null,
    longRangeChance: chance,
    longRangeAboveChanceStep: chance > 0
      ? sustained(steps, curves["contacts.long"], (y) => y >= 2 * chance)
      : null,
    collapsePeak: peak,
    collapsePeakStep: steps[peakK],
    collapseHalfStep: sustained(steps, collapsed, (y) => y <= COLLAPSE_HALF, peakK),
    collapseOverStep: sustained(steps, collapsed, (y) => y <= COLLAPSE_OVER, peakK),
    collapseFinal: collapsed[last],
    finalLddt: curves.lddt[last],
  };
}

/** A finding's spread over runs. */
export interface Spread {
  /** Runs where the finding has a value. */
  n: number;
  /** Runs where it has none (e.g. an axis that never reached half its extent). */
  missing: number;
  /** Mean over the runs with a value. */
  mean: number | null;
  /** Sample standard deviation (null below two values). */
  sd: number | null;
  /** Smallest value. */
  min: number | null;
  /** Largest value. */
  max: number | null;
}

/**
 * Mean, sample standard deviation and range of `values`, nulls counted apart.
 *
 * @example
 * ```ts
 * import { spreadOf } from "denofold";
 *
 * console.log(spreadOf([100, 200, null])); // n 2, missing 1, mean 150, sd 70.7
 * ```
 */
export function spreadOf(values: readonly (number | null)[]): Spread {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const n = xs.length;
  const mean = n ? xs.reduce((a, b) => a + b, 0) / n : null;
  const sd = n >= 2 && mean !== null
    ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1))
    : null;
  return {
    n,
    missing: values.length - n,
    mean,
    sd,
    min: n ? Math.min(...xs) : null,
    max: n ? Math.max(...xs) : null,
  };
}

/**
 * Every finding's spread over runs, by name (`axis1HalfStep`, `collapsePeak`, …).
 *
 * @example
 * ```ts
 * import { findingsSpread, learningDynamics, longRangeChance, readSnapshots, seedFindings } from "denofold";
 *
 * const runs = [];
 * for (const dir of ["notebooks/studies/dynamics/seed_1", "notebooks/studies/dynamics/seed_2"]) {
 *   const { probes, snapshots } = await readSnapshots(dir);
 *   const dyn = learningDynamics(probes, snapshots);
 *   runs.push(seedFindings(dir, dyn, longRangeChance(probes, dyn.truth)));
 * }
 * const s = findingsSpread(runs).axis1HalfStep;
 * console.log(`axis 1 reaches half its extent at step ${s.mean} ± ${s.sd}`);
 * ```
 */
export function findingsSpread(runs: readonly SeedFindings[]): Record<string, Spread> {
  const pick = (f: (r: SeedFindings) => number | null) => spreadOf(runs.map(f));
  return {
    axis1HalfStep: pick((r) => r.axisHalfStep[0]),
    axis2HalfStep: pick((r) => r.axisHalfStep[1]),
    axis3HalfStep: pick((r) => r.axisHalfStep[2]),
    helixLearntStep: pick((r) => r.helixLearntStep),
    strandLearntStep: pick((r) => r.strandLearntStep),
    helixStrandGapFinal: pick((r) => r.helixStrandGapFinal),
    longRangeAboveChanceStep: pick((r) => r.longRangeAboveChanceStep),
    collapsePeak: pick((r) => r.collapsePeak),
    collapsePeakStep: pick((r) => r.collapsePeakStep),
    collapseHalfStep: pick((r) => r.collapseHalfStep),
    collapseOverStep: pick((r) => r.collapseOverStep),
    collapseFinal: pick((r) => r.collapseFinal),
    finalLddt: pick((r) => r.finalLddt),
  };
}
