/**
 * When does a learning curve get there? For a curve sampled at training steps,
 * the step at which it first reaches a fraction (50 %, 90 %) of its final value.
 *
 * "Final" is the value at the LAST snapshot, not the maximum: a curve that
 * overshoots and falls back is measured against where training ended, and the
 * overshoot is reported (`peak`) rather than hidden. Because curves are often not
 * monotone, two steps are given: the first snapshot at or above the threshold,
 * and the first snapshot from which the curve stays at or above it until the end
 * (`sustained`; the honest "learned by" step).
 *
 * @module
 */

import { InputError } from "../model/util/errors.ts";

/** When one threshold is crossed. */
export interface Crossing {
  /** Fraction of the final value (0.5, 0.9). */
  fraction: number;
  /** The threshold value: fraction × final. */
  threshold: number;
  /** First step with value ≥ threshold (null if never, e.g. final ≤ 0 or NaN). */
  first: number | null;
  /** First step from which every later value is ≥ threshold (null if never). */
  sustained: number | null;
  /** `sustained` as a fraction of the last step (null when `sustained` is). */
  fractionOfRun: number | null;
}

/** Milestones of one curve. */
export interface Milestones {
  /** Value at the last snapshot. */
  final: number;
  /** Largest value seen. */
  peak: number;
  /** Step of the largest value. */
  peakStep: number;
  /** False when the curve ever decreases by more than `tolerance` between snapshots. */
  monotone: boolean;
  /** One entry per requested fraction. */
  crossings: Crossing[];
}

/**
 * Fractions reported by default.
 *
 * @example
 * ```ts
 * import { DEFAULT_FRACTIONS, milestones } from "denofold";
 *
 * const m = milestones([1, 10, 100], [0.1, 0.5, 0.8]);
 * console.log(DEFAULT_FRACTIONS, m.crossings.map((c) => c.sustained)); // [0.5, 0.9] [10, 100]
 * ```
 */
export const DEFAULT_FRACTIONS = [0.5, 0.9] as const;

/**
 * Milestones of a curve `values[k]` sampled at increasing `steps[k]`. NaN values
 * (e.g. no residue of a class in a probe) never count as reaching a threshold.
 * `tolerance` is how much a decrease may be ignored when judging monotonicity.
 *
 * @example
 * ```ts
 * import { milestones } from "denofold";
 *
 * const m = milestones([1, 10, 100], [0.1, 0.5, 0.8]);
 * console.log(m.crossings[1].sustained); // 100: the first step with ≥ 0.9 × 0.8
 * ```
 */
export function milestones(
  steps: readonly number[],
  values: readonly number[],
  fractions: readonly number[] = DEFAULT_FRACTIONS,
  tolerance = 1e-9,
): Milestones {
  if (steps.length !== values.length || steps.length === 0) {
    throw new InputError("milestones: steps and values must be non-empty and of equal length");
  }
  steps.forEach((s, k) => {
    if (!Number.isFinite(s) || (k > 0 && s <= steps[k - 1])) {
      throw new InputError(`milestones: steps[${k}] is ${s}, not a finite step after the last`);
    }
  });
  const last = steps[steps.length - 1];
  const final = values[values.length - 1];
  let peak = -Infinity, peakStep = steps[0], monotone = true;
  values.forEach((v, k) => {
    if (v > peak) [peak, peakStep] = [v, steps[k]];
    if (k > 0 && v < values[k - 1] - tolerance) monotone = false;
  });
  const crossings = fractions.map((fraction): Crossing => {
    const threshold = fraction * final;
    if (!(final > 0)) {
      return { fraction, threshold, first: null, sustained: null, fractionOfRun: null };
    }
    const above = values.map((v) => v >= threshold);
    const firstIdx = above.indexOf(true);
    let sus = values.length;
    while (sus > 0 && above[sus - 1]) sus--;
    const sustained = sus < values.length ? steps[sus] : null;
    return {
      fraction,
      threshold,
      first: firstIdx >= 0 ? steps[firstIdx] : null,
      sustained,
      fractionOfRun: sustained === null ? null : sustained / last,
    };
  });
  return { final, peak, peakStep, monotone, crossings };
}
