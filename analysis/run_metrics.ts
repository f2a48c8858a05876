/**
 * Reader for a training run's `metrics.jsonl` (written by `train/loop.ts`): one
 * JSON object per step with `step`, `lr`, `loss`, `grad_norm`, `skipped`, the
 * named loss terms and, on validation steps, `val_*` metrics.
 *
 * @module
 */

import { z } from "zod";
import { readLines } from "../model/io/text.ts";
import { ParseError } from "../model/util/errors.ts";

/** One line of `metrics.jsonl`: a step and named numbers (null for non-finite values). */
export const metricLineSchema = z.object({ step: z.number().int().nonnegative() }).catchall(
  z.number().nullable(),
);

/** One step's metrics. */
export type MetricLine = { step: number } & Record<string, number | null>;

/** Keys that are neither loss terms nor validation metrics. */
// Not loss terms: the step, the schedule, the update's norm, skips and the run's clocks.
const BOOKKEEPING = new Set([
  "step",
  "lr",
  "grad_norm",
  "skipped",
  "train_wall_s",
  "train_cpu_s",
]);

/**
 * Read `metrics.jsonl`; throws {@link ParseError} naming the line of a bad record.
 *
 * @example
 * ```ts
 * import { readRunMetrics } from "denofold";
 *
 * const lines = await readRunMetrics("notebooks/study/metrics.jsonl");
 * console.log(lines.length, "steps; last loss", lines.at(-1)?.loss);
 * ```
 */
export async function readRunMetrics(path: string): Promise<MetricLine[]> {
  const out: MetricLine[] = [];
  for await (const { line, lineNo } of readLines(path)) {
    if (line.trim() === "") continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      throw new ParseError({ file: path, line: lineNo }, `not JSON: ${(e as Error).message}`);
    }
    const r = metricLineSchema.safeParse(json);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new ParseError(
        { file: path, line: lineNo },
        `field ${issue.path.join(".")}: ${issue.message}`,
      );
    }
    out.push(r.data as MetricLine);
  }
  return out;
}

/**
 * Names of the training-loss series (`loss` first, then the terms), in first-seen order.
 *
 * @example
 * ```ts
 * import { lossKeys, readRunMetrics } from "denofold";
 *
 * const lines = await readRunMetrics("notebooks/study/metrics.jsonl");
 * console.log(lossKeys(lines)); // ["loss", "distogram", "fape", ...]
 * ```
 */
export function lossKeys(lines: readonly MetricLine[]): string[] {
  const keys = new Set<string>();
  for (const l of lines) {
    for (const k of Object.keys(l)) {
      if (!BOOKKEEPING.has(k) && !k.startsWith("val_")) keys.add(k);
    }
  }
  return [...keys].sort((a, b) => (a === "loss" ? -1 : b === "loss" ? 1 : 0));
}

/**
 * Names of the validation series (`val_*`), in first-seen order.
 *
 * @example
 * ```ts
 * import { readRunMetrics, validationKeys } from "denofold";
 *
 * const lines = await readRunMetrics("notebooks/study/metrics.jsonl");
 * console.log(validationKeys(lines)); // ["val_lddt_ca", ...]
 * ```
 */
export function validationKeys(lines: readonly MetricLine[]): string[] {
  const keys = new Set<string>();
  for (const l of lines) for (const k of Object.keys(l)) if (k.startsWith("val_")) keys.add(k);
  return [...keys];
}
