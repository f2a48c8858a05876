/**
 * Training: the training data (dataset, splits, length-weighted sampling,
 * sequence-identity clusters), the step graphs (monolithic and segmented,
 * with the in-graph optimizer), the learning-rate schedule, the run config,
 * the loop with checkpoints and validation, the run lock and the training
 * report. Notebooks start training runs through `deno task train`
 * (`notebooks/runs.ts`); this door is for code that drives the pieces.
 *
 * @example The learning rate of AF2's schedule during warm-up and after it
 * ```ts
 * import { AF2_SCHEDULE, learningRate } from "./mod.ts";
 *
 * console.log(learningRate(AF2_SCHEDULE, 500), learningRate(AF2_SCHEDULE, 5000));
 * ```
 *
 * @module
 */

export * from "./data/dataset.ts";
export * from "./data/splits.ts";
export * from "./data/sampling.ts";
export * from "./data/clusters.ts";
export * from "./data/manifests.ts";
export * from "./optimizer.ts";
export * from "./schedule.ts";
export * from "./run_lock.ts";
export * from "./report.ts";
export * from "./config.ts";
export * from "./step.ts";
export * from "./loop.ts";
export * from "./af2_task.ts";
export * from "./evaluate.ts";
export * from "./dist/mpi.ts";
