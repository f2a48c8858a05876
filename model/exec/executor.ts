/**
 * Implements Algorithm 30 (RecyclingInference).
 *
 * The one executor of training and inference: runs a plan (model/exec/plan.ts)
 * segment by segment, each compiled graph once per run (per block of a stack)
 * with that run's parameters and dropout masks.
 *
 * - Inference ({@link Executor.forward}, {@link Executor.infer}): the
 *   segments forward, handing the trunk state on by name; `infer` is the
 *   recycling driver (Algorithm 2): `n + 1` iterations, each fed the previous
 *   one's `next/*` outputs.
 * - Training ({@link Executor.gradient}): the segments forward keeping only
 *   each run's inputs, the last segment's loss and its gradient, then the
 *   runs backward in reverse, each recomputed from its kept inputs before its
 *   vector–Jacobian product (OpenFold's activation checkpointing with one
 *   block per checkpoint, AF2 supplement 1.11.8). Parameter gradients add
 *   into one flat vector in the plan's parameter order. A plan of one segment
 *   runs just its loss-and-gradient graph.
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { NdArray, Tensor, TypedArray } from "../graph/mod.ts";
import type { ModelBuilder, ParamSpec } from "../nn/scope.ts";
import type { Plan, Segment } from "./plan.ts";
import type { DropoutStream } from "./dropout.ts";
import { packFlat } from "./flat.ts";
import { recycledFrom } from "../af2/recycling.ts";

/** Where the time of the last pass went (milliseconds), by segment name. */
export interface PassStats {
  /** Forward time per segment (all its runs). */
  forwardMs: Record<string, number>;
  /** Backward time (recompute + VJP) per segment; the last segment's loss and gradient. */
  backwardMs: Record<string, number>;
  /** Time inside onnxruntime. */
  ortMs: number;
  /** Wall time of the pass. */
  totalMs: number;
}

/** The loss of one sample and its terms. */
export interface LossResult {
  loss: number;
  terms: Record<string, number>;
  extras: Record<string, Float32Array>;
}

/** A segment compiled: its forward, and for training its backward graph. */
interface CompiledSegment {
  segment: Segment;
  /** Forward (inference, or the training forward of every segment but the last). */
  fwd?: G.Compiled;
  /**
   * Training: recompute + VJP (inputs `d/<output>`), or for the last segment
   * the loss and its gradient. Outputs `grad/flat` (the parameters' gradients
   * in the builder's order) and `grad/<carried input>`.
   */
  bwd?: G.Compiled;
  /** Where run i's parameters start in the plan's flat vector. */
  offsets: number[];
  /** Parameter values per run: the number of floats `grad/flat` holds. */
  size: number;
  /** Each parameter input's place in a run's slice of the flat vector. */
  views: Map<string, { at: number; size: number }>;
  /** Outputs a later segment carries a gradient for (what the VJP seeds). */
  differentiable: string[];
  /** Parameter and dropout-mask input names of the graph (not read from the trunk). */
  own: Set<string>;
  /** Every input a run is fed (forward and backward graphs, `d/*` seeds excepted). */
  inputs: Map<string, Tensor>;
}

/**
 * Parameters above which a model's passes and steps collect garbage as they go
 * (an af2-sized model: its per-run buffers are tens of megabytes).
 */
export const LARGE_MODEL = 20_000_000;

/**
 * Collect garbage now where the runtime exposes it (`--v8-flags=--expose-gc`,
 * as the train task runs); a no-op otherwise.
 */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Outputs under `out/<name>`: ONNX forbids an output named as an input, and
 * a block writes the trunk names it reads.
 */
function named(outs: Record<string, Tensor>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(outs).map(([k, t]) => [`out/${k}`, t]));
}

/** The outputs of a run under their own names again. */
function unnamed(r: Record<string, NdArray>): Record<string, NdArray> {
  const out: Record<string, NdArray> = {};
  for (const [k, v] of Object.entries(r)) if (k.startsWith("out/")) out[k.slice(4)] = v;
  return out;
}

/** Σ y·dy over `outs`: its gradient is the vector–Jacobian product. */
function vjpSeed(b: ModelBuilder, outs: Record<string, Tensor>): Tensor {
  return Object.entries(outs)
    .map(([k, y]) => G.sum(G.mul(y, b.g.input(`d/${k}`, y.shape, y.dtype))))
    .reduce((a, t) => G.add(a, t));
}

/**
 * Where each parameter input of `b` lies within one run's slice of the flat
 * vector (the builder's parameters in order). Each is fed as a view of that
 * slice: no copy, and no Slice node per parameter in the graph (slicing a flat
 * input in-graph cost bench-tiny's step ~10 % in per-node overhead).
 */
function paramViews(b: ModelBuilder): Map<string, { at: number; size: number }> {
  const out = new Map<string, { at: number; size: number }>();
  let at = 0;
  for (const p of b.params) {
    const size = G.sizeOf(p.shape);
    out.set(p.name, { at, size });
    at += size;
  }
  return out;
}

/** `grad/flat` (every parameter of the builder, flattened in order) and `grad/<carried>`. */
function gradOutputs(
  b: ModelBuilder,
  loss: Tensor,
  carried: Record<string, Tensor>,
): Record<string, Tensor> {
  const params = b.params.map((p) => b.paramTensors().get(p.name)!);
  const grads = G.grad(loss, [...params, ...Object.values(carried)]);
  const out: Record<string, Tensor> = {};
  if (params.length > 0) {
    out["grad/flat"] = G.concat(grads.slice(0, params.length).map((g) => G.reshape(g, [-1])), 0);
  }
  Object.keys(carried).forEach((k, i) => (out[`grad/${k}`] = grads[params.length + i]));
  return out;
}

/** A plan with every segment compiled. */
export class Executor {
  /** Where the time of the last pass went. */
  lastPass: PassStats = { forwardMs: {}, backwardMs: {}, ortMs: 0, totalMs: 0 };
  /** The flat gradient's length (every parameter value). */
  readonly size: number;

  /** The inputs the plan reads from its caller (features, recycled state, supervision). */
  readonly inputs: ReadonlyMap<string, Tensor>;

  private constructor(readonly plan: Plan, readonly compiled: CompiledSegment[]) {
    this.size = plan.params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
    const produced = new Set<string>();
    const inputs = new Map<string, Tensor>();
    for (const c of compiled) {
      for (const [n, t] of c.inputs) if (!c.own.has(n) && !produced.has(n)) inputs.set(n, t);
      for (const n of Object.keys(c.segment.outputs)) produced.add(n);
    }
    this.inputs = inputs;
  }

  /**
   * Compile every segment of `plan`. Inference plans compile without our
   * graph pass (onnxruntime's basic rewrites rejected the af2 inference graph
   * after it; see model/graph/optimize.ts); a single-graph training plan turns
   * onnxruntime's own optimiser on (bench-tiny step 0.32 → 0.30 s).
   */
  static async create(plan: Plan, options: G.CompileOptions = {}): Promise<Executor> {
    const base: G.CompileOptions = plan.training
      ? { ...(plan.kind === "single" ? { optimizationLevel: "all" as const } : {}), ...options }
      : { optimize: false, ...options };
    const offsetOf = new Map<string, number>();
    let at = 0;
    for (const p of plan.params) {
      offsetOf.set(p.name, at);
      at += p.shape.reduce((a, b) => a * b, 1);
    }
    const out: CompiledSegment[] = [];
    const segs = plan.segments;
    for (let k = 0; k < segs.length; k++) {
      const s = segs[k];
      const b = s.builder;
      const size = b.paramCount();
      const offsets = Array.from({ length: s.count }, (_, i) => {
        const first = b.params[0];
        return first ? offsetOf.get(s.rename(i)(first.name))! : 0;
      });
      const later = new Set(segs.slice(k + 1).flatMap((t) => Object.keys(t.carried)));
      const differentiable = Object.keys(s.outputs).filter((n) => later.has(n));
      const views = paramViews(b);
      const own = new Set([...views.keys(), ...b.dropouts.map((d) => d.name)]);
      const opts = base;
      const c: CompiledSegment = {
        segment: s,
        offsets,
        size,
        views,
        differentiable,
        own,
        inputs: new Map(),
      };
      const last = k === segs.length - 1;
      if (!plan.training) {
        c.fwd = await G.compile(named(s.outputs), opts);
      } else if (last) {
        c.bwd = await G.compile(
          { ...named(s.outputs), ...gradOutputs(b, s.outputs.loss, s.carried) },
          opts,
        );
      } else {
        const seeded = Object.fromEntries(differentiable.map((n) => [n, s.outputs[n]]));
        c.fwd = await G.compile(named(s.outputs), opts);
        c.bwd = await G.compile(gradOutputs(b, vjpSeed(b, seeded), s.carried), opts);
      }
      for (const g of [c.fwd, c.bwd]) {
        for (const [n, t] of g?.inputs ?? []) if (!n.startsWith("d/")) c.inputs.set(n, t);
      }
      out.push(c);
    }
    return new Executor(plan, out);
  }

  /** Every parameter (names, shapes, inits) in the flat-vector order. */
  get params(): readonly ParamSpec[] {
    return this.plan.params;
  }

  /** Every compiled graph (for statistics and release). */
  get graphs(): G.Compiled[] {
    return this.compiled.flatMap((c) => [c.fwd, c.bwd].filter((x): x is G.Compiled => !!x));
  }

  /** Release every session. */
  async release(): Promise<void> {
    for (const g of this.graphs) await g.release();
  }

  /**
   * The feeds of run i of a compiled segment: its slice of the flat
   * parameters, its dropout masks, the rest from `env`.
   */
  #feeds(
    c: CompiledSegment,
    i: number,
    flat: Float32Array,
    env: ReadonlyMap<string, TypedArray>,
    masks: Record<string, Float32Array>,
  ): Record<string, TypedArray> {
    const rename = c.segment.rename(i);
    const feeds: Record<string, TypedArray> = {};
    const at = c.offsets[i];
    for (const n of c.inputs.keys()) {
      const view = c.views.get(n);
      const v = view
        ? flat.subarray(at + view.at, at + view.at + view.size)
        : c.own.has(n)
        ? masks[n]
        : env.get(n);
      if (v === undefined) {
        throw new G.GraphError(
          "executor",
          `segment ${c.segment.name} run ${i}: no value for input "${rename(n)}"`,
        );
      }
      feeds[n] = v;
    }
    return feeds;
  }

  /**
   * One forward pass of an inference plan: `feeds` holds the features and the
   * recycled state; returns the last segment's outputs.
   */
  async forward(
    params: ReadonlyMap<string, Float32Array>,
    feeds: Readonly<Record<string, TypedArray>>,
  ): Promise<Record<string, NdArray>> {
    if (this.plan.training) {
      throw new G.GraphError("executor", "forward() runs inference plans; train with gradient()");
    }
    const t0 = performance.now();
    const stats: PassStats = { forwardMs: {}, backwardMs: {}, ortMs: 0, totalMs: 0 };
    // Zero-copy when `params` are views of one buffer in plan order (a training state).
    const flat = packFlat(this.plan.params, params);
    const env = new Map<string, TypedArray>(Object.entries(feeds));
    let last: Record<string, NdArray> = {};
    for (const c of this.compiled) {
      const t = performance.now();
      for (let i = 0; i < c.segment.count; i++) {
        last = unnamed(await c.fwd!.run(this.#feeds(c, i, flat, env, {})));
        stats.ortMs += c.fwd!.lastRun.ortMs;
        for (const [n, v] of Object.entries(last)) env.set(n, v.data);
      }
      stats.forwardMs[c.segment.name] = performance.now() - t;
    }
    stats.totalMs = performance.now() - t0;
    this.lastPass = stats;
    return last;
  }

  /**
   * The recycling driver (Algorithm 2): `nRecycle + 1` forward passes, each
   * fed the previous one's `next/*` outputs (zeros before the first) and its
   * own features (AF2 resamples the MSA per recycle); returns the last pass's
   * outputs and hands every pass's to `onIteration`.
   */
  async infer(
    params: ReadonlyMap<string, Float32Array>,
    features:
      | Readonly<Record<string, TypedArray>>
      | ((iteration: number) => Readonly<Record<string, TypedArray>>),
    nRecycle: number,
    onIteration?: (i: number, out: Record<string, NdArray>) => void,
  ): Promise<Record<string, NdArray>> {
    const at = typeof features === "function" ? features : () => features;
    // Zeros before the first iteration (Algorithm 2), shaped as the plan reads them.
    let prev: Record<string, TypedArray> = {};
    for (const n of ["prev_m1", "prev_z", "prev_x"]) {
      const t = this.inputs.get(n);
      if (t) prev[n] = new Float32Array(G.sizeOf(t.shape));
    }
    let last: Record<string, NdArray> = {};
    for (let i = 0; i <= nRecycle; i++) {
      last = await this.forward(params, { ...at(i), ...prev });
      prev = recycledFrom(last);
      onIteration?.(i, last);
    }
    return last;
  }

  /**
   * One training pass of sample `feeds` (features, recycled state,
   * supervision): the loss, and its gradient w.r.t. every parameter ADDED
   * into `grad` (flat, plan order), with dropout masks from `dropout`.
   */
  async gradient(
    params: ReadonlyMap<string, Float32Array>,
    feeds: Readonly<Record<string, TypedArray>>,
    dropout: DropoutStream,
    grad: Float32Array,
  ): Promise<LossResult> {
    if (!this.plan.training) {
      throw new G.GraphError("executor", "gradient() needs a training plan");
    }
    if (grad.length !== this.size) {
      throw new G.GraphError("executor", `gradient has ${grad.length} values, want ${this.size}`);
    }
    const t0 = performance.now();
    const stats: PassStats = { forwardMs: {}, backwardMs: {}, ortMs: 0, totalMs: 0 };
    const run = async (g: G.Compiled, f: Record<string, TypedArray>) => {
      const r = await g.run(f);
      stats.ortMs += g.lastRun.ortMs;
      return r;
    };
    const flat = packFlat(this.plan.params, params);
    const env = new Map<string, TypedArray>(Object.entries(feeds));
    const addGrad = (c: CompiledSegment, i: number, r: Record<string, NdArray>) => {
      const g = r["grad/flat"]?.data as Float32Array | undefined;
      if (!g) return;
      const at = c.offsets[i];
      for (let j = 0; j < g.length; j++) grad[at + j] += g[j];
    };

    // Forward, keeping each run's feeds (inputs, parameters, masks) for its backward.
    const kept: Record<string, TypedArray>[][] = [];
    const segs = this.compiled;
    for (let k = 0; k < segs.length - 1; k++) {
      const c = segs[k];
      const t = performance.now();
      kept.push([]);
      for (let i = 0; i < c.segment.count; i++) {
        const masks = dropout.masks(c.segment.builder.dropouts, c.segment.rename(i));
        const f = this.#feeds(c, i, flat, env, masks);
        kept[k].push(f);
        const o = unnamed(await run(c.fwd!, f));
        for (const [n, v] of Object.entries(o)) env.set(n, v.data);
      }
      stats.forwardMs[c.segment.name] = performance.now() - t;
    }

    // The last segment: loss, terms and gradient.
    const tail = segs[segs.length - 1];
    let t = performance.now();
    const tailMasks = dropout.masks(tail.segment.builder.dropouts, tail.segment.rename(0));
    const lastFeeds = this.#feeds(tail, 0, flat, env, tailMasks);
    const r = await run(tail.bwd!, lastFeeds);
    addGrad(tail, 0, r);
    const d = new Map<string, TypedArray>();
    for (const n of Object.keys(tail.segment.carried)) d.set(n, r[`grad/${n}`].data);
    stats.backwardMs[tail.segment.name] = performance.now() - t;

    // Backward in reverse: recompute each run from its kept feeds, then its VJP.
    for (let k = segs.length - 2; k >= 0; k--) {
      const c = segs[k];
      t = performance.now();
      for (let i = c.segment.count - 1; i >= 0; i--) {
        const f = { ...kept[k][i] };
        for (const n of c.differentiable) {
          // An output nothing downstream used (the extra stack's last MSA) has zero gradient.
          f[`d/${n}`] = d.get(n) ?? new Float32Array(G.sizeOf(c.segment.outputs[n].shape));
          d.delete(n);
        }
        const o = await run(c.bwd!, f);
        addGrad(c, i, o);
        for (const n of Object.keys(c.segment.carried)) {
          const g = o[`grad/${n}`].data as Float32Array;
          const have = d.get(n) as Float32Array | undefined;
          if (have) { for (let j = 0; j < g.length; j++) have[j] += g[j]; }
          else d.set(n, g);
        }
        kept[k][i] = {}; // this run's inputs are no longer needed
        // onnxruntime's outputs live in V8 buffers freed only when V8 collects: an af2
        // block at crop 256 leaves ~140 MB (its kept input, the consumed gradients) that
        // piled up over 52 blocks on top of the next block's 5-8 GB backward transient.
        if (this.size > LARGE_MODEL) collectGarbage();
      }
      stats.backwardMs[c.segment.name] = performance.now() - t;
    }
    stats.totalMs = performance.now() - t0;
    this.lastPass = stats;

    const num = (k: string) => (r[`out/${k}`].data as Float32Array)[0];
    const terms: Record<string, number> = {};
    const extras: Record<string, Float32Array> = {};
    for (const k of Object.keys(tail.segment.outputs)) {
      if (k.startsWith("term/")) terms[k.slice(5)] = num(k);
      else if (k.startsWith("extra/")) extras[k.slice(6)] = r[`out/${k}`].data as Float32Array;
    }
    return { loss: num("loss"), terms, extras };
  }
}
