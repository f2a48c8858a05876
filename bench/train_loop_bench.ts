/**
 * Training throughput of the real loop (issue 5): steps per second of the AF2
 * task on the bundled sample for `tiny` at crop 64 and `small` at crop 128, and
 * where a step's time goes: building the batch (features, crops, no-grad
 * recycles), the graph run inside onnxruntime, and the JS around it (feeds,
 * output copies, optimizer bookkeeping).
 *
 * @module
 */

import { runConfigSchema } from "../train/config.ts";
import { af2Training } from "../train/af2_task.ts";
import { learningRate } from "../train/schedule.ts";

const SAMPLE = new URL("../data/sample", import.meta.url).pathname;

async function measure(
  preset: string,
  crop: number,
  steps: number,
): Promise<Record<string, number>> {
  const cfg = runConfigSchema.parse({ data: SAMPLE, preset, crop, probes: 0, val_chains: 1 });
  const dir = await Deno.makeTempDir();
  const af2 = await af2Training(cfg, dir);
  const state = await af2.initial();
  // Warm-up: compile the graphs of the buckets the first steps use.
  for (let n = 1; n <= 3; n++) {
    await af2.task.step.run(state, [await af2.task.sample(n, 0, state)], 1e-4, cfg.seed);
  }
  let batchMs = 0, runMs = 0, ortMs = 0;
  const t0 = performance.now();
  for (let n = 4; n < 4 + steps; n++) {
    const a = performance.now();
    const sample = await af2.task.sample(n, 0, state);
    const b = performance.now();
    await af2.task.step.run(state, [sample], learningRate(cfg.schedule, n - 1), cfg.seed);
    runMs += performance.now() - b;
    ortMs += af2.task.step.lastRun.ortMs;
    batchMs += b - a;
  }
  const total = performance.now() - t0;
  await Deno.remove(dir, { recursive: true });
  const key = `${preset}_crop${crop}`;
  return {
    [`train_loop_${key}_steps_per_s`]: steps / (total / 1000),
    [`train_loop_${key}_batch_fraction`]: batchMs / total,
    [`train_loop_${key}_graph_fraction`]: ortMs / total,
    [`train_loop_${key}_js_fraction`]: (runMs - ortMs) / total,
  };
}

/** Steps/s and time split for tiny at crop 64 and small at crop 128. */
export async function trainLoopBench(steps = 20): Promise<Record<string, number>> {
  return { ...(await measure("tiny", 64, steps)), ...(await measure("small", 128, steps)) };
}
