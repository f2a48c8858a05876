/**
 * The training step as ONE compiled graph: the model's loss, `grad`, and the
 * in-graph optimizer. Inputs are the parameters, the optimizer state, the step
 * number, the learning rate, the batch and the dropout masks; outputs are the
 * new state, the loss terms and the gradient norm.
 *
 * @module
 */

import * as G from "../model/graph/mod.ts";
import type { Tensor, TypedArray } from "../model/graph/mod.ts";
import { type BuildOptions, type DropoutSpec, ModelBuilder } from "../model/nn/scope.ts";
import { Rng } from "../model/features/rng.ts";
import { adamUpdate, type OptimizerConfig, type ParamState } from "./optimizer.ts";

/** What a model-plus-loss builder returns. */
export interface LossGraph {
  /** The scalar to minimise. */
  loss: Tensor;
  /** Named scalar loss terms (reported, not optimised separately). */
  terms: Record<string, Tensor>;
  /** Small extra outputs to report (e.g. a metric). */
  extras?: Record<string, Tensor>;
}

/** Parameters and optimizer state, by parameter name. */
export interface TrainState {
  /** Steps taken so far (the next step is `step + 1`). */
  step: number;
  params: Map<string, Float32Array>;
  m: Map<string, Float32Array>;
  v: Map<string, Float32Array>;
  ema: Map<string, Float32Array>;
}

/** One step's report. */
export interface StepResult {
  loss: number;
  terms: Record<string, number>;
  extras: Record<string, Float32Array>;
  gradNorm: number;
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

/** Dropout masks for one step: 1/(1-rate) or 0, from the step's own seeded stream. */
export function dropoutMasks(
  specs: readonly DropoutSpec[],
  seed: number,
  step: number,
): Record<string, Float32Array> {
  const rng = new Rng(seed).fork(`dropout/${step}`);
  const out: Record<string, Float32Array> = {};
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const keep = 1 / (1 - s.rate);
    const m = new Float32Array(n);
    for (let i = 0; i < n; i++) m[i] = rng.float() >= s.rate ? keep : 0;
    out[s.name] = m;
  }
  return out;
}

/** A compiled training step. */
export class TrainStep {
  constructor(
    readonly builder: ModelBuilder,
    readonly compiled: G.Compiled,
    readonly termNames: string[],
    readonly extraNames: string[],
  ) {}

  /** Parameter specs (names, shapes, inits) in creation order. */
  get params() {
    return this.builder.params;
  }

  /** Dropout masks the step needs. */
  get dropouts() {
    return this.builder.dropouts;
  }

  /**
   * Run one step in place on `state` with the batch `feeds`; dropout masks are
   * derived from `seed` and the step number, so a run is a pure function of
   * its inputs and resumes identically.
   */
  async run(
    state: TrainState,
    feeds: Record<string, TypedArray>,
    lr: number,
    seed: number,
  ): Promise<StepResult> {
    const step = state.step + 1;
    const all: Record<string, TypedArray> = {
      ...feeds,
      ...dropoutMasks(this.dropouts, seed, step),
      "opt/step": new Float32Array([step]),
      "opt/lr": new Float32Array([lr]),
    };
    for (const p of this.params) {
      all[p.name] = state.params.get(p.name)!;
      all[`adam_m/${p.name}`] = state.m.get(p.name)!;
      all[`adam_v/${p.name}`] = state.v.get(p.name)!;
      all[`ema/${p.name}`] = state.ema.get(p.name)!;
    }
    const r = await this.compiled.run(all);
    for (const p of this.params) {
      state.params.set(p.name, r[`new/${p.name}`].data as Float32Array);
      state.m.set(p.name, r[`new_adam_m/${p.name}`].data as Float32Array);
      state.v.set(p.name, r[`new_adam_v/${p.name}`].data as Float32Array);
      state.ema.set(p.name, r[`new_ema/${p.name}`].data as Float32Array);
    }
    state.step = step;
    const num = (k: string) => (r[k].data as Float32Array)[0];
    return {
      loss: num("loss"),
      terms: Object.fromEntries(this.termNames.map((k) => [k, num(`term/${k}`)])),
      extras: Object.fromEntries(
        this.extraNames.map((k) => [k, r[`extra/${k}`].data as Float32Array]),
      ),
      gradNorm: num("grad_norm"),
      skipped: num("skipped") !== 0,
    };
  }
}

/** Build and compile the training step for a model-plus-loss builder. */
export async function buildTrainStep(
  build: (b: ModelBuilder) => LossGraph,
  opt: OptimizerConfig,
  options: BuildOptions & G.CompileOptions = {},
): Promise<TrainStep> {
  const b = new ModelBuilder({ training: true, chunkSize: options.chunkSize });
  const { loss, terms, extras = {} } = build(b);
  const params = [...b.paramTensors().values()];
  const states: ParamState[] = params.map((p) => ({
    param: p,
    m: b.g.input(`adam_m/${p.name}`, p.shape),
    v: b.g.input(`adam_v/${p.name}`, p.shape),
    ema: b.g.input(`ema/${p.name}`, p.shape),
  }));
  const step = b.g.input("opt/step", []);
  const lr = b.g.input("opt/lr", []);
  const grads = G.grad(loss, params);
  const upd = adamUpdate(opt, states, grads, loss, step, lr);
  const outs: Record<string, Tensor> = { loss, grad_norm: upd.gradNorm, skipped: upd.skipped };
  for (const [k, t] of Object.entries(terms)) outs[`term/${k}`] = t;
  for (const [k, t] of Object.entries(extras)) outs[`extra/${k}`] = t;
  params.forEach((p, i) => {
    outs[`new/${p.name}`] = upd.next[i].param;
    outs[`new_adam_m/${p.name}`] = upd.next[i].m;
    outs[`new_adam_v/${p.name}`] = upd.next[i].v;
    outs[`new_ema/${p.name}`] = upd.next[i].ema;
  });
  const compiled = await G.compile(outs, options);
  return new TrainStep(b, compiled, Object.keys(terms), Object.keys(extras));
}
