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
import {
  type BuildOptions,
  type DropoutSpec,
  ModelBuilder,
  type ParamSpec,
} from "../model/nn/scope.ts";
import { Rng } from "../model/util/rng.ts";
import type { TrainState } from "../model/checkpoint.ts";
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

/**
 * Dropout masks for one step: 1/(1-rate) or 0, from the step's own seeded
 * stream (and the segment's, for the segmented step's per-block graphs).
 */
export function dropoutMasks(
  specs: readonly DropoutSpec[],
  seed: number,
  step: number,
  segment?: string,
): Record<string, Float32Array> {
  const rng = new Rng(seed).fork(segment ? `dropout/${step}/${segment}` : `dropout/${step}`);
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

/** What the training loop needs of a compiled step (monolithic or segmented). */
export interface StepRunner {
  /** Parameter specs (names, shapes, inits) of the whole model. */
  readonly params: readonly ParamSpec[];
  /**
   * Run one step in place on `state` with the batch `feeds` at learning rate
   * `lr`; dropout masks derive from `seed` and the step number.
   */
  run(
    state: TrainState,
    feeds: Record<string, TypedArray>,
    lr: number,
    seed: number,
  ): Promise<StepResult>;
  /** Milliseconds spent inside onnxruntime during the last run. */
  readonly lastOrtMs: number;
}

/** A compiled training step. */
export class TrainStep implements StepRunner {
  constructor(
    readonly builder: ModelBuilder,
    readonly compiled: G.Compiled,
    readonly termNames: string[],
    readonly extraNames: string[],
  ) {}

  /** Parameter specs (names, shapes, inits) in creation order. */
  get params(): ParamSpec[] {
    return this.builder.params;
  }

  /** Dropout masks the step needs. */
  get dropouts(): DropoutSpec[] {
    return this.builder.dropouts;
  }

  /** Milliseconds inside onnxruntime during the last run. */
  get lastOrtMs(): number {
    return this.compiled.lastRun.ortMs;
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
    const r = await this.compiled.run({
      ...feeds,
      ...dropoutMasks(this.dropouts, seed, step),
      "opt/step": new Float32Array([step]),
      "opt/lr": new Float32Array([lr]),
      "flat/params": packFlat(this.params, state.params),
      "flat/adam_m": packFlat(this.params, state.m),
      "flat/adam_v": packFlat(this.params, state.v),
      "flat/ema": packFlat(this.params, state.ema),
    });
    state.params = unpackFlat(this.params, r["new/params"].data as Float32Array);
    state.m = unpackFlat(this.params, r["new/adam_m"].data as Float32Array);
    state.v = unpackFlat(this.params, r["new/adam_v"].data as Float32Array);
    state.ema = unpackFlat(this.params, r["new/ema"].data as Float32Array);
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

/**
 * One state kind (parameters, a moment, the EMA) as ONE buffer in parameter
 * order: zero-copy when the map already holds views of such a buffer (every
 * step after the first), else packed once.
 */
export function packFlat(
  specs: readonly { name: string; shape: number[] }[],
  values: ReadonlyMap<string, Float32Array>,
): Float32Array {
  const first = values.get(specs[0]?.name);
  let shared = first !== undefined && first.byteOffset === 0;
  let at = 0;
  for (const p of specs) {
    const v = values.get(p.name);
    if (!v) throw new Error(`training state has no "${p.name}"`);
    const n = p.shape.reduce((a, b) => a * b, 1);
    if (v.length !== n) throw new Error(`"${p.name}" has ${v.length} values, want [${p.shape}]`);
    shared &&= v.buffer === first!.buffer && v.byteOffset === at * 4;
    at += n;
  }
  if (shared && first!.buffer.byteLength === at * 4) return new Float32Array(first!.buffer, 0, at);
  const out = new Float32Array(at);
  at = 0;
  for (const p of specs) {
    const v = values.get(p.name)!;
    out.set(v, at);
    at += v.length;
  }
  return out;
}

/** Views of a flat state buffer, one per parameter (the inverse of {@link packFlat}). */
export function unpackFlat(
  specs: readonly { name: string; shape: number[] }[],
  flat: Float32Array,
): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  let at = 0;
  for (const p of specs) {
    const n = p.shape.reduce((a, b) => a * b, 1);
    out.set(p.name, flat.subarray(at, at + n));
    at += n;
  }
  return out;
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
  // The optimizer runs on the parameters as ONE flat vector: a handful of nodes
  // and four outputs instead of ~25 nodes and four outputs per parameter tensor
  // (which dominated both the session-creation time and the step of small models).
  const total = params.reduce((n, p) => n + p.size, 0);
  const flat = (name: string) => b.g.input(name, [total]);
  const state: ParamState = {
    param: flat("flat/params"),
    m: flat("flat/adam_m"),
    v: flat("flat/adam_v"),
    ema: flat("flat/ema"),
  };
  // Each parameter input is computed as its slice of the flat vector.
  let at = 0;
  const sliced = params.map((p) => {
    const v = G.reshape(G.slice(state.param, 0, at, at + p.size), p.shape);
    at += p.size;
    return v;
  });
  const step = b.g.input("opt/step", []);
  const lr = b.g.input("opt/lr", []);
  const grads = G.grad(loss, params);
  const flatGrad = G.concat(grads.map((g) => G.reshape(g, [-1])), 0);
  const upd = adamUpdate(opt, [state], [flatGrad], loss, step, lr);
  const outs: Record<string, Tensor> = { loss, grad_norm: upd.gradNorm, skipped: upd.skipped };
  for (const [k, t] of Object.entries(terms)) outs[`term/${k}`] = t;
  for (const [k, t] of Object.entries(extras)) outs[`extra/${k}`] = t;
  outs["new/params"] = upd.next[0].param;
  outs["new/adam_m"] = upd.next[0].m;
  outs["new/adam_v"] = upd.next[0].v;
  outs["new/ema"] = upd.next[0].ema;
  const compiled = await G.compile(outs, {
    // onnxruntime's own graph optimiser: the bench-tiny step 0.40 → 0.31 s on a
    // quiet machine (bench `train`), for ~2 s more compile per graph.
    optimizationLevel: "all",
    ...options,
    substitute: new Map(params.map((p, i) => [p, sliced[i]])),
  });
  return new TrainStep(b, compiled, Object.keys(terms), Object.keys(extras));
}
