/**
 * Learning-rate schedule of AF2 training (supplement 1.11.3; OpenFold's
 * AlphaFoldLRScheduler): linear warm-up from 0, constant, then step decay.
 *
 * @module
 */

import { z } from "zod";

/** Schedule settings (AF2: 1e-3, 1000 warm-up steps, ×0.95 every 50k after 50k). */
export const scheduleSchema = z.strictObject({
  base_lr: z.number().positive(),
  warmup_steps: z.number().int().nonnegative(),
  decay_after: z.number().int().nonnegative(),
  decay_every: z.number().int().positive(),
  decay_factor: z.number().positive().max(1),
});

/** Validated schedule settings. */
export type Schedule = z.infer<typeof scheduleSchema>;

/** AF2's initial-training schedule. */
export const AF2_SCHEDULE: Schedule = {
  base_lr: 1e-3,
  warmup_steps: 1000,
  decay_after: 50_000,
  decay_every: 50_000,
  decay_factor: 0.95,
};

/** Learning rate for 0-based `step`. */
export function learningRate(s: Schedule, step: number): number {
  if (step < s.warmup_steps) return (s.base_lr * (step + 1)) / s.warmup_steps;
  if (step < s.decay_after) return s.base_lr;
  const k = Math.floor((step - s.decay_after) / s.decay_every) + 1;
  return s.base_lr * s.decay_factor ** k;
}
