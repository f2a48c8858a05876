/**
 * How stable a training run was, read from its `metrics.jsonl`: the
 * FAPE-clamping comparison of the studies (the OpenFold paper found training
 * without AF2's clamped FAPE unstable; AF2 clamps it on 90 % of samples,
 * supplement 1.9.2). A spike is a step whose loss or gradient norm jumps far
 * above the run's recent typical value, so a slowly falling loss never counts.
 *
 * @module
 */

import type { MetricLine } from "./run_metrics.ts";

/** Steps before each step whose median is its "recent typical value". */
export const SPIKE_WINDOW = 100;
/** A spike: above this multiple of the median of the previous SPIKE_WINDOW steps. */
export const SPIKE_FACTOR = 4;

/** What {@link runStability} reads from a run. */
export interface RunStability {
  /** The last step logged. */
  lastStep: number;
  /** Steps skipped for a non-finite loss or gradient. */
  skipped: number;
  /** Steps whose gradient norm exceeds SPIKE_FACTOR × the median of the previous SPIKE_WINDOW. */
  gradSpikes: number;
  /** Steps whose loss exceeds SPIKE_FACTOR × the median of the previous SPIKE_WINDOW. */
  lossSpikes: number;
  /** The largest gradient norm (before clipping). */
  maxGradNorm: number | null;
  /** Mean loss over the last SPIKE_WINDOW steps. */
  finalLoss: number | null;
  /** Mean FAPE term over the last SPIKE_WINDOW steps (clamped or not, as trained). */
  finalFape: number | null;
  /** Whole-chain validation lDDT-Cα over training (EMA parameters). */
  valLddt: { step: number; lddt: number }[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Steps whose `key` is above SPIKE_FACTOR × the median of the previous SPIKE_WINDOW values. */
function spikes(values: number[]): number {
  let n = 0;
  for (let i = SPIKE_WINDOW; i < values.length; i++) {
    if (values[i] > SPIKE_FACTOR * median(values.slice(i - SPIKE_WINDOW, i))) n++;
  }
  return n;
}

function finite(lines: MetricLine[], key: string): number[] {
  return lines.map((l) => l[key]).filter((v): v is number => typeof v === "number" && isFinite(v));
}

function tailMean(xs: number[]): number | null {
  const t = xs.slice(-SPIKE_WINDOW);
  return t.length ? t.reduce((a, b) => a + b, 0) / t.length : null;
}

/**
 * The stability figures of one run's metrics (training lines; validation
 * lines are read for the val curve).
 *
 * @example
 * ```ts
 * import { readRunMetrics, runStability } from "denofold";
 *
 * const s = runStability(await readRunMetrics("notebooks/study/metrics.jsonl"));
 * console.log(s.skipped, s.gradSpikes, s.lossSpikes, s.finalLoss);
 * ```
 */
export function runStability(lines: MetricLine[]): RunStability {
  const train = lines.filter((l) => "loss" in l);
  const grads = finite(train, "grad_norm");
  return {
    lastStep: lines.at(-1)?.step ?? 0,
    skipped: train.filter((l) => l.skipped === 1).length,
    gradSpikes: spikes(grads),
    lossSpikes: spikes(finite(train, "loss")),
    maxGradNorm: grads.length ? Math.max(...grads) : null,
    finalLoss: tailMean(finite(train, "loss")),
    finalFape: tailMean(finite(train, "fape")),
    valLddt: lines
      .filter((l) => typeof l.val_lddt_ca === "number")
      .map((l) => ({ step: l.step, lddt: l.val_lddt_ca as number })),
  };
}
