/**
 * The training loop: steps, metrics as JSON lines, periodic validation,
 * checkpoints (atomic, keep-last-k and best), snapshots, clean stop on
 * SIGINT/SIGTERM, and resume from the last checkpoint with an identical
 * continuation (every random choice of step n derives from the seed and n).
 *
 * @module
 */

import { writeTextFileAtomic } from "../model/io/atomic.ts";
import {
  latestCheckpoint,
  listCheckpoints,
  pruneCheckpoints,
  removeStaleTemporaries,
  saveCheckpoint,
} from "../model/checkpoint.ts";
import type { Sample, StepResult, TrainStep } from "./step.ts";
import type { TrainState } from "../model/checkpoint.ts";
import { learningRate, type Schedule } from "./schedule.ts";
import process from "node:process";
import { lockRun } from "./run_lock.ts";
import { type Communicator, LocalCommunicator } from "./dist/mpi.ts";
import { InputError, RunError } from "../model/util/errors.ts";

/** What the loop trains: a compiled step and a deterministic sample source. */
export interface TrainTask {
  /** The optimizer step (gradients of a batch, one update). */
  step: TrainStep;
  /**
   * Sample `k` (0-based in the batch) of 1-based step `n`: a pure function of
   * the run's seed, n, k and the current parameters (recycling iterations run
   * the model before the step).
   */
  sample(n: number, k: number, state: TrainState): Promise<Sample>;
  /** Validation metrics for the current state (higher `val_score` is better). */
  validate?(state: TrainState): Promise<Record<string, number>>;
  /** Record whatever the dynamics studies need at step n. */
  snapshot?(state: TrainState, n: number): Promise<void>;
}

/** Loop settings. */
export interface LoopOptions {
  /** Run directory (checkpoints, metrics.jsonl, snapshots). */
  dir: string;
  /** Total steps. */
  steps: number;
  /**
   * Pause after this step (below `steps`): a checkpoint there, then the loop
   * ends "paused"; the run keeps its length (schedule, snapshots) and a resume
   * continues it, so a run can be looked at — or exported — at a given step.
   */
  stopAt?: number;
  /** Samples per optimizer update (default 1). */
  batchSize?: number;
  seed: number;
  schedule: Schedule;
  checkpointEvery: number;
  keepLast: number;
  validateEvery: number;
  /** Steps at which to snapshot. */
  snapshotSteps: ReadonlySet<number>;
  /** Stop with the last good checkpoint after this many consecutive skipped steps. */
  maxConsecutiveSkips: number;
  /** The full run config, stored in every sidecar. */
  config: Record<string, unknown>;
  /** Called after every step (progress display). */
  onStep?: (n: number, r: StepResult) => void;
  /** Called with messages worth a line. */
  log?: (msg: string) => void;
  /**
   * The processes of a data-parallel job (default: this one alone). Each rank
   * computes samples rank, rank + size, … of every batch; gradients and
   * scalars are summed over all; rank 0 alone writes the run directory.
   */
  comm?: Communicator;
}

/** This process's CPU time (user + system), seconds. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

const round = (v: number) => Math.round(v * 100) / 100;

/** Why the loop ended. */
export type LoopEnd = "done" | "paused" | "interrupted" | "too_many_skips";

/**
 * The lines of a metrics.jsonl text up to step `upTo` (each with its newline),
 * without blank lines or a torn last line from a killed run: what a resume
 * keeps, and a run's metrics as of one of its checkpoints.
 */
export function metricsUpTo(text: string, upTo: number): string {
  return text.split("\n").filter((l) => {
    if (!l.trim()) return false;
    try {
      return (JSON.parse(l).step ?? 0) <= upTo;
    } catch {
      return false; // a torn last line from a killed run
    }
  }).map((l) => l + "\n").join("");
}

async function truncateMetrics(path: string, upTo: number) {
  let text = "";
  try {
    text = await Deno.readTextFile(path);
  } catch {
    return;
  }
  await writeTextFileAtomic(path, metricsUpTo(text, upTo));
}

/**
 * Train from `initial` (or from the newest checkpoint in `opts.dir` when there
 * is one) to `opts.steps`.
 */
export async function trainLoop(
  task: TrainTask,
  initial: () => TrainState | Promise<TrainState>,
  opts: LoopOptions,
): Promise<{ end: LoopEnd; state: TrainState }> {
  const comm = opts.comm ?? new LocalCommunicator();
  const root = comm.isRoot;
  const release = root ? await lockRun(opts.dir) : async () => {};
  const log = root ? (opts.log ?? ((m: string) => console.error(m))) : () => {};
  let stop = false;
  const onSignal = () => {
    stop = true;
  };
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  const metricsPath = `${opts.dir}/metrics.jsonl`;
  try {
    if (root) {
      const stale = await removeStaleTemporaries(opts.dir);
      if (stale.length) log(`removed ${stale.length} unfinished checkpoint write(s)`);
    }
    comm.barrier(); // every rank reads the directory rank 0 has tidied
    // Checked against the model's own parameter shapes, not only the sidecar's. Checkpoints
    // none of which loads are refused: starting over would truncate metrics.jsonl and prune them.
    const shapes = new Map(task.step.params.map((p) => [p.name, [...p.shape]]));
    const ckpt = await latestCheckpoint(opts.dir, { shapes });
    const found = ckpt ? [] : await listCheckpoints(opts.dir);
    if (found.length) {
      throw new InputError(
        `none of the ${found.length} checkpoint(s) in ${opts.dir} loads for this model ` +
          `(newest ${found.at(-1)}; reasons above); not starting over`,
      );
    }
    const state = ckpt ? ckpt.state : await initial();
    const steps = Int32Array.of(state.step, -state.step);
    comm.allreduce(steps, "max");
    if (steps[0] !== -steps[1]) {
      throw new RunError(
        `ranks resume from different checkpoints (steps ${-steps[1]}–${steps[0]}) in ${opts.dir}`,
      );
    }
    let best = Number((ckpt?.sidecar.trainer.best_score as number | undefined) ?? -Infinity);
    // Time spent on training steps (samples and updates; validation, snapshots
    // and checkpoints excluded), wall and this process's CPU, carried across
    // resumes: accuracy per CPU-hour is read off metrics.jsonl.
    let trainWall = Number(ckpt?.sidecar.trainer.train_wall_s ?? 0);
    let trainCpu = Number(ckpt?.sidecar.trainer.train_cpu_s ?? 0);
    let bestPath = (ckpt?.sidecar.trainer.best_path as string | undefined) ?? "";
    if (ckpt) log(`resuming from step ${state.step}`);
    if (root) await truncateMetrics(metricsPath, state.step);
    const metrics = root
      ? await Deno.open(metricsPath, { append: true, create: true })
      : { write: (b: Uint8Array) => Promise.resolve(b.length), close() {} };
    const batchSize = opts.batchSize ?? 1;
    if (batchSize % comm.size !== 0) {
      throw new InputError(
        `batch_size ${batchSize} does not split over ${comm.size} processes: use a multiple of ${comm.size}`,
      );
    }
    let skips = 0;
    let last: Record<string, number> = {};
    const save = async () => {
      if (!root) return "";
      let path;
      try {
        path = await saveCheckpoint(opts.dir, state, {
          config: opts.config,
          trainer: {
            best_score: best,
            best_path: bestPath,
            train_wall_s: trainWall,
            train_cpu_s: trainCpu,
          },
          metrics: last,
        }, shapes);
      } catch (e) {
        // Disk full and the like: the writes are atomic, so the previous checkpoint stands.
        const kept = (await listCheckpoints(opts.dir)).at(-1) ?? "none";
        throw new RunError(
          `checkpoint at step ${state.step} not written (${(e as Error).message}); ` +
            `last complete checkpoint: ${kept}`,
          { cause: e },
        );
      }
      await pruneCheckpoints(opts.dir, opts.keepLast, bestPath ? [bestPath] : []);
      return path;
    };
    let end: LoopEnd = "done";
    try {
      const until = Math.min(opts.steps, opts.stopAt ?? Infinity);
      while (state.step < until) {
        // A signal to any rank stops every rank at the same step.
        const stopping = Int32Array.of(stop ? 1 : 0);
        comm.allreduce(stopping, "max");
        if (stopping[0]) {
          end = "interrupted";
          break;
        }
        const n = state.step + 1;
        const w0 = performance.now(), c0 = cpuSeconds();
        const samples: Sample[] = [];
        for (let k = comm.rank; k < batchSize; k += comm.size) {
          samples.push(await task.sample(n, k, state));
        }
        const r = await task.step.run(
          state,
          samples,
          learningRate(opts.schedule, n - 1),
          opts.seed,
          {
            batchSize,
            reduce: comm.size > 1 ? { sum: (v) => comm.allreduce(v, "sum") } : undefined,
          },
        );
        trainWall += (performance.now() - w0) / 1000;
        trainCpu += cpuSeconds() - c0;
        skips = r.skipped ? skips + 1 : 0;
        last = { loss: r.loss, grad_norm: r.gradNorm, skipped: r.skipped ? 1 : 0, ...r.terms };
        let line: Record<string, unknown> = {
          step: n,
          lr: learningRate(opts.schedule, n - 1),
          train_wall_s: round(trainWall),
          train_cpu_s: round(trainCpu),
          ...last,
        };
        if (root && task.validate && (n % opts.validateEvery === 0 || n === opts.steps)) {
          const v = await task.validate(state);
          line = { ...line, ...v };
          Object.assign(last, v);
          if ((v.val_score ?? -Infinity) > best) {
            best = v.val_score;
            bestPath = await save();
          }
        }
        await metrics.write(new TextEncoder().encode(JSON.stringify(line) + "\n"));
        if (root && task.snapshot && opts.snapshotSteps.has(n)) await task.snapshot(state, n);
        opts.onStep?.(n, r);
        if (r.skipped) log(`step ${n}: non-finite loss or gradient, step skipped`);
        if (skips >= opts.maxConsecutiveSkips) {
          end = "too_many_skips";
          log(`${skips} consecutive skipped steps: stopping with the last good checkpoint`);
          break;
        }
        if (n % opts.checkpointEvery === 0 || n === until) await save();
      }
      if (end === "done" && state.step < opts.steps) end = "paused";
      if (end === "interrupted") {
        await save();
        log(`interrupted: checkpoint written at step ${state.step}`);
      }
    } finally {
      metrics.close();
    }
    return { end, state };
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
    await release();
  }
}
