/**
 * One optimizer update (AF2 supplement 1.11.3) from a batch of samples: each
 * sample's loss gradient from the executor (model/exec/executor.ts) is added
 * into one flat vector, the sum is reduced over the processes of a
 * data-parallel job when there are several, averaged over the whole batch, and
 * the optimizer graph (clipping, Adam, EMA, the finite guard) updates the
 * parameters, both moments and the EMA as flat vectors.
 *
 * @module
 */

import * as G from "../model/graph/mod.ts";
import type { TypedArray } from "../model/graph/mod.ts";
import type { BuildOptions, ModelBuilder, ParamSpec } from "../model/nn/scope.ts";
import { collectGarbage, Executor, LARGE_MODEL } from "../model/exec/executor.ts";
import { type LossGraph, lossPlan } from "../model/exec/plan.ts";
import { dropoutStream } from "../model/exec/dropout.ts";
import { packFlat, unpackFlat } from "../model/exec/flat.ts";
import type { TrainState } from "../model/checkpoint.ts";
import { RunError } from "../model/util/errors.ts";
import { adamUpdate, emaDecayAt, type OptimizerConfig } from "./optimizer.ts";

/** One step's report. */
export interface StepResult {
  /** The optimised loss. */
  loss: number;
  /** Named loss terms. */
  terms: Record<string, number>;
  /** Extra reported outputs. */
  extras: Record<string, Float32Array>;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** True when the loss or a gradient was not finite and the state was left unchanged. */
  skipped: boolean;
}

/** Fresh optimizer state around initial parameters (EMA starts at the parameters). */
export function initialState(params: Map<string, Float32Array>): TrainState {
  const zeros = () => new Map([...params].map(([k, v]) => [k, new Float32Array(v.length)]));
  return {
    step: 0,
    params,
    m: zeros(),
    v: zeros(),
    ema: new Map([...params].map(([k, v]) => [k, v.slice()])),
  };
}

/** One sample of a step's batch. */
export interface Sample {
  /** The compiled plan for the sample's length bucket (training plan). */
  executor: Executor;
  /** Features, recycled state and supervision. */
  feeds: Record<string, TypedArray>;
  /** Its index in the step's whole batch (names its dropout stream). */
  index: number;
}

/**
 * Sums over the processes of a data-parallel job, in place (MPI_Allreduce
 * with MPI_SUM); a single process has none.
 */
export interface Reducer {
  /** Sum `values` element-wise over every process. */
  sum(values: Float32Array | Float64Array): void | Promise<void>;
}

/** Where the time of the last step went (milliseconds). */
export interface StepStats {
  /** The samples' forward and backward passes. */
  passMs: number;
  /** The reduction over processes (0 for one process). */
  reduceMs: number;
  /** The optimizer graph and the state copies. */
  optimizerMs: number;
  /** Time inside onnxruntime. */
  ortMs: number;
  /** Wall time of the step. */
  totalMs: number;
}

/**
 * The optimizer graph on flat vectors: `flat/grad` is the SUM of the batch's
 * gradients and `opt/grad_scale` one over the batch size, so averaging costs
 * no pass of its own; `opt/loss` (the batch's summed loss) feeds the finite
 * guard.
 */
async function compileOptimizer(
  total: number,
  opt: OptimizerConfig,
  options: G.CompileOptions,
): Promise<G.Compiled> {
  const og = new G.Graph();
  const flat = (name: string) => og.input(name, [total]);
  const state = {
    param: flat("flat/params"),
    m: flat("flat/adam_m"),
    v: flat("flat/adam_v"),
    ema: flat("flat/ema"),
  };
  const grad = G.mul(flat("flat/grad"), og.input("opt/grad_scale", []));
  const upd = adamUpdate(
    opt,
    [state],
    [grad],
    og.input("opt/loss", []),
    og.input("opt/step", []),
    og.input("opt/lr", []),
    og.input("opt/ema_decay", []),
  );
  return await G.compile({
    grad_norm: upd.gradNorm,
    skipped: upd.skipped,
    "new/params": upd.next[0].param,
    "new/adam_m": upd.next[0].m,
    "new/adam_v": upd.next[0].v,
    "new/ema": upd.next[0].ema,
  }, options);
}

/** A training step: the samples' gradients, their average, one optimizer update. */
export class TrainStep {
  /** Where the time of the last run went. */
  lastRun: StepStats = { passMs: 0, reduceMs: 0, optimizerMs: 0, ortMs: 0, totalMs: 0 };
  readonly #grad: Float32Array;
  readonly #layout: string;
  readonly #checked = new WeakSet<Executor>();

  private constructor(
    readonly params: readonly ParamSpec[],
    readonly optimizer: G.Compiled,
    /** The EMA's long-run decay (warmed up by {@link emaDecayAt}). */
    readonly emaDecay: number,
  ) {
    this.#grad = new Float32Array(params.reduce((n, p) => n + G.sizeOf(p.shape), 0));
    this.#layout = params.map((p) => `${p.name}:${p.shape}`).join();
  }

  /**
   * The step for a model whose parameters, in flat order, are `params` (an
   * executor's); `options` place the optimizer graph (device, threads).
   */
  static async create(
    params: readonly ParamSpec[],
    opt: OptimizerConfig,
    options: G.CompileOptions = {},
  ): Promise<TrainStep> {
    const total = params.reduce((n, p) => n + G.sizeOf(p.shape), 0);
    return new TrainStep(params, await compileOptimizer(total, opt, options), opt.ema_decay);
  }

  /** Release the optimizer's session (executors are their owners'). */
  async release(): Promise<void> {
    await this.optimizer.release();
  }

  /**
   * One update in place on `state` from `samples` (this process's share of a
   * batch of `batchSize` samples, reduced with `reduce` over the others): the
   * gradient is the batch's average, the reported loss and terms too. Dropout
   * masks derive from (seed, step, sample index), so a run is a pure function
   * of its inputs however the batch is split, and resumes identically.
   */
  async run(
    state: TrainState,
    samples: readonly Sample[],
    lr: number,
    seed: number,
    opts: { batchSize?: number; reduce?: Reducer } = {},
  ): Promise<StepResult> {
    const t0 = performance.now();
    const step = state.step + 1;
    const grad = this.#grad.fill(0);
    let ortMs = 0;
    const termSums = new Map<string, number>();
    let lossSum = 0;
    const extras: Record<string, Float32Array> = {};
    for (const s of samples) {
      this.#check(s.executor);
      const r = await s.executor.gradient(
        state.params,
        s.feeds,
        dropoutStream(seed, step, s.index),
        grad,
      );
      ortMs += s.executor.lastPass.ortMs;
      lossSum += r.loss;
      for (const [k, v] of Object.entries(r.terms)) termSums.set(k, (termSums.get(k) ?? 0) + v);
      Object.assign(extras, r.extras);
    }
    const t1 = performance.now();
    // Scalars travel with the gradient: the sample count, the loss, each term.
    const names = [...termSums.keys()].sort();
    const scalars = Float64Array.from([
      samples.length,
      lossSum,
      ...names.map((k) => termSums.get(k)!),
    ]);
    if (opts.reduce) {
      await opts.reduce.sum(grad);
      await opts.reduce.sum(scalars);
    }
    const count = scalars[0];
    const batchSize = opts.batchSize ?? samples.length;
    if (count !== batchSize) {
      throw new RunError(`step ${step}: the batch has ${count} samples, want ${batchSize}`);
    }
    const t2 = performance.now();
    const o = await this.optimizer.run({
      "flat/params": packFlat(this.params, state.params),
      "flat/adam_m": packFlat(this.params, state.m),
      "flat/adam_v": packFlat(this.params, state.v),
      "flat/ema": packFlat(this.params, state.ema),
      "flat/grad": grad,
      "opt/grad_scale": new Float32Array([1 / count]),
      "opt/loss": new Float32Array([scalars[1]]),
      "opt/step": new Float32Array([step]),
      "opt/lr": new Float32Array([lr]),
      "opt/ema_decay": new Float32Array([emaDecayAt(this.emaDecay, step)]),
    });
    ortMs += this.optimizer.lastRun.ortMs;
    state.params = unpackFlat(this.params, o["new/params"].data as Float32Array);
    state.m = unpackFlat(this.params, o["new/adam_m"].data as Float32Array);
    state.v = unpackFlat(this.params, o["new/adam_v"].data as Float32Array);
    state.ema = unpackFlat(this.params, o["new/ema"].data as Float32Array);
    state.step = step;
    const t3 = performance.now();
    this.lastRun = {
      passMs: t1 - t0,
      reduceMs: t2 - t1,
      optimizerMs: t3 - t2,
      ortMs,
      totalMs: t3 - t0,
    };
    const num = (k: string) => (o[k].data as Float32Array)[0];
    // A large model's step leaves gigabytes of onnxruntime outputs (kept block
    // inputs, gradients, the old state) that V8 frees only when it collects;
    // without a collection between steps the af2 step at crop 256 peaked at
    // 19.2 GiB in its second step against 11.8 GiB in its first. Where the
    // runtime exposes gc (--v8-flags=--expose-gc, as the train task runs), collect.
    if (this.#grad.length > LARGE_MODEL) collectGarbage();
    return {
      loss: scalars[1] / count,
      terms: Object.fromEntries(names.map((k, i) => [k, scalars[2 + i] / count])),
      extras,
      gradNorm: num("grad_norm"),
      skipped: num("skipped") !== 0,
    };
  }

  /** An executor's parameters must be laid out as this step's flat vectors. */
  #check(e: Executor): void {
    if (this.#checked.has(e)) return;
    const layout = e.params.map((p) => `${p.name}:${p.shape}`).join();
    if (layout !== this.#layout) {
      throw new RunError("the executor's parameters are not laid out as the training step's");
    }
    this.#checked.add(e);
  }
}

/**
 * The executor and training step of any model-plus-loss builder run as one
 * graph (a small network, a test's model): `run(state, feeds, lr, seed)`
 * takes one sample per step.
 */
export async function lossStep(
  build: (b: ModelBuilder) => LossGraph,
  opt: OptimizerConfig,
  options: Omit<BuildOptions, "training"> & G.CompileOptions = {},
): Promise<{
  executor: Executor;
  step: TrainStep;
  run(
    state: TrainState,
    feeds: Record<string, TypedArray>,
    lr: number,
    seed: number,
  ): Promise<StepResult>;
}> {
  const { chunkBudget, ...compile } = options;
  const executor = await Executor.create(lossPlan(build, { chunkBudget }), compile);
  const step = await TrainStep.create(executor.params, opt, compile);
  return {
    executor,
    step,
    run: (state, feeds, lr, seed) => step.run(state, [{ executor, feeds, index: 0 }], lr, seed),
  };
}
