/**
 * The AF2 training step as a chain of small graphs, one per Evoformer block,
 * with each block's activations recomputed in the backward pass (OpenFold's
 * activation checkpointing with `blocks_per_ckpt = 1`, AF2 supplement 1.11.8).
 *
 * The monolithic step (step.ts) compiles model + loss + gradient + optimizer as
 * ONE graph: at af2 size that is ~67k nodes, onnxruntime's session creation
 * grows faster than linearly in the node count (20–30 s here), and the graph
 * keeps every block's activations alive until the backward pass. Here the 48
 * blocks share ONE forward and ONE backward session (the blocks have the same
 * shapes; each run is fed block i's parameters and dropout masks), so compiling
 * costs a handful of small graphs, and only the blocks' inputs are kept between
 * the passes:
 *
 * 1. embed: input/recycling embedders, templates, extra-MSA embedder → m, z
 *    (and the extra MSA's embedding a);
 * 2. the extra-MSA blocks, then the Evoformer blocks forward, each stack
 *    through its one shared block graph, keeping each block's input;
 * 3. tail: single representation, structure module, heads, loss, and the
 *    gradient of the loss w.r.t. the tail's parameters and its inputs m, z;
 * 4. the blocks backward in reverse: recompute block i from its kept input,
 *    then the vector–Jacobian product with the incoming (dm, dz);
 * 5. embed backward (recomputed) with the gradients at the stacks' inputs;
 * 6. the optimizer graph (clipping, Adam, EMA, the finite guard) on the flat
 *    gradient, exactly as in the monolithic step.
 *
 * Identical to the monolithic step up to float rounding (tests/train/segmented_step_test.ts).
 *
 * @module
 */

import * as G from "../model/graph/mod.ts";
import type { Tensor, TypedArray } from "../model/graph/mod.ts";
import { type DropoutSpec, ModelBuilder, paramFeeds, type ParamSpec } from "../model/nn/scope.ts";
import type { ModelConfig } from "../model/af2/config.ts";
import {
  alphafoldPreEmbed,
  alphafoldTail,
  featureInputs,
  type GraphDims,
} from "../model/af2/alphafold.ts";
import {
  type BlockGraph,
  blockName,
  blockOutputs,
  blockParamFeeds,
  buildBlockGraph,
  embedOutputs,
  EVOFORMER_BLOCKS,
  EXTRA_BLOCKS,
  stackInput,
  stackParamSpecs,
} from "../model/af2/block_stack.ts";
import { alphafoldLoss } from "../model/losses/total.ts";
import { lossBatchInputs } from "../model/losses/inputs.ts";
import type { LossConfig } from "../model/losses/config.ts";
import { adamUpdate, type OptimizerConfig } from "./optimizer.ts";
import { dropoutMasks, packFlat, type StepResult, type StepRunner, unpackFlat } from "./step.ts";
import type { TrainState } from "../model/checkpoint.ts";

/** Where the time of the last segmented step went (milliseconds). */
export interface SegmentedRunStats {
  /** The embedding forward. */
  embedMs: number;
  /** Both stacks' blocks forward. */
  blocksFwdMs: number;
  /** Tail forward, losses and their gradient. */
  tailMs: number;
  /** Both stacks' blocks backward (recompute + VJP). */
  blocksBwdMs: number;
  /** The embedding backward (recompute + VJP). */
  embedBwdMs: number;
  /** The optimizer graph and the state copies. */
  optimizerMs: number;
  /** Wall time of the whole step. */
  totalMs: number;
  /** Time inside onnxruntime (sum over all session runs). */
  ortMs: number;
}

/** A segment: a forward graph and the backward graph of the same builder. */
interface Segment {
  builder: ModelBuilder;
  fwd?: G.Compiled;
  bwd: G.Compiled;
}

/**
 * A stack of identical blocks run through ONE block graph, built as block 0
 * (model/af2/block_stack.ts); block i is fed its own parameters under block 0's names.
 */
interface Stack {
  graph: BlockGraph;
  fwd: G.Compiled;
  bwd: G.Compiled;
}

/** Scalar Σ y·dy over the outputs: its gradient is the vector–Jacobian product. */
function vjpSeed(b: ModelBuilder, outs: Record<string, Tensor>): Tensor {
  const terms = Object.entries(outs).map(([k, y]) =>
    G.sum(G.mul(y, b.g.input(`d/${k}`, y.shape, y.dtype)))
  );
  return terms.reduce((a, t) => G.add(a, t));
}

/** Outputs `grad/<name>` for every parameter of the builder, plus `grad/<key>` of extra inputs. */
function gradOutputs(
  b: ModelBuilder,
  loss: Tensor,
  extra: Record<string, Tensor> = {},
): Record<string, Tensor> {
  const params = [...b.paramTensors()];
  const wrt = [...params.map(([, t]) => t), ...Object.values(extra)];
  const grads = G.grad(loss, wrt);
  const out: Record<string, Tensor> = {};
  params.forEach(([name], i) => (out[`grad/${name}`] = grads[i]));
  Object.keys(extra).forEach((k, i) => (out[`grad/${k}`] = grads[params.length + i]));
  return out;
}

/** Options of {@link buildSegmentedTrainStep}. */
export interface SegmentedStepOptions extends G.CompileOptions {
  /** Chunk size of attention / triangle ops. */
  chunkSize?: number;
}

/** A compiled segmented training step (same `run` contract as the monolithic `TrainStep`). */
export class SegmentedTrainStep implements StepRunner {
  /** Where the time of the last run went. */
  lastRun: SegmentedRunStats = {
    embedMs: 0,
    blocksFwdMs: 0,
    tailMs: 0,
    blocksBwdMs: 0,
    embedBwdMs: 0,
    optimizerMs: 0,
    totalMs: 0,
    ortMs: 0,
  };

  constructor(
    /** Parameter specs of the whole model, in the flat-vector order. */
    readonly params: readonly ParamSpec[],
    readonly embed: Segment & { fwd: G.Compiled },
    /** The extra-MSA stack (when the model has one) and the Evoformer stack, in order. */
    readonly stacks: Stack[],
    readonly tail: Segment,
    readonly optimizer: G.Compiled,
    readonly termNames: string[],
  ) {
    let at = 0;
    for (const p of params) {
      this.#offsets.set(p.name, at);
      at += p.shape.reduce((a, b) => a * b, 1);
    }
    this.#size = at;
  }

  /** Where each parameter starts in the flat vector, and its length. */
  readonly #offsets = new Map<string, number>();
  readonly #size: number;

  /** Milliseconds inside onnxruntime during the last run. */
  get lastOrtMs(): number {
    return this.lastRun.ortMs;
  }

  /** Every dropout mask the segments take (block masks once, under block 0's names). */
  get dropouts(): DropoutSpec[] {
    return [this.embed.builder, ...this.stacks.map((s) => s.graph.builder), this.tail.builder]
      .flatMap((b) => b.dropouts);
  }

  /** Every compiled graph (for compile statistics and release). */
  get graphs(): G.Compiled[] {
    return [
      this.embed.fwd,
      this.embed.bwd,
      ...this.stacks.flatMap((s) => [s.fwd, s.bwd]),
      this.tail.bwd,
      this.optimizer,
    ];
  }

  /** Release every session. */
  async release(): Promise<void> {
    for (const c of this.graphs) await c.release();
  }

  /**
   * Run one step in place on `state` with the batch `feeds` (features, the
   * recycled state and the supervision, as for the monolithic step). Dropout
   * masks derive from (seed, step, segment), so a run resumes identically.
   */
  async run(
    state: TrainState,
    feeds: Record<string, TypedArray>,
    lr: number,
    seed: number,
  ): Promise<StepResult> {
    const t0 = performance.now();
    const step = state.step + 1;
    let ortMs = 0;
    const run = async (c: G.Compiled, f: Record<string, TypedArray>) => {
      const r = await c.run(f);
      ortMs += c.lastRun.ortMs;
      return r;
    };
    const masks = (specs: readonly DropoutSpec[], stream: string) =>
      dropoutMasks(specs, seed, step, stream);

    // 1. embed
    const embedFeeds = {
      ...feeds,
      ...paramFeeds(this.embed.builder.params, state.params),
      ...masks(this.embed.builder.dropouts, "embed"),
    };
    const e = await run(this.embed.fwd, embedFeeds);
    const t1 = performance.now();

    // 2. the stacks forward, keeping each block's input and feeds for the backward
    const runs = this.stacks.map((st) => ({
      st,
      ...stackInput(st.graph, e, feeds),
      kept: [] as { m: TypedArray; z: TypedArray; feeds: Record<string, TypedArray> }[],
    }));
    let z = e["z"].data, m: TypedArray = e["m"].data;
    for (const r of runs) {
      const { prefix, count, builder } = r.st.graph;
      m = r.m;
      for (let i = 0; i < count; i++) {
        const blockFeeds = {
          seq_mask: feeds.seq_mask,
          "trunk/msa_mask": r.mask,
          ...blockParamFeeds(r.st.graph, i, state.params),
          ...masks(builder.dropouts, `${prefix}.${i}`),
        };
        r.kept.push({ m, z, feeds: blockFeeds });
        const o = await run(r.st.fwd, { ...blockFeeds, "trunk/m": m, "trunk/z": z });
        m = o["m"].data;
        z = o["z"].data;
      }
    }
    const t2 = performance.now();

    // 3. tail: loss and its gradient
    const tail = await run(this.tail.bwd, {
      ...feeds,
      ...paramFeeds(this.tail.builder.params, state.params),
      ...masks(this.tail.builder.dropouts, "tail"),
      "trunk/m": m,
      "trunk/z": z,
    });
    const t3 = performance.now();

    // Gradients accumulate into one flat vector in parameter order.
    const flatGrad = new Float32Array(this.#size);
    const accumulate = (r: Record<string, G.NdArray>, rename?: (n: string) => string) => {
      for (const [k, v] of Object.entries(r)) {
        if (!k.startsWith("grad/") || k.startsWith("grad/trunk/")) continue;
        const name = rename ? rename(k.slice(5)) : k.slice(5);
        const at = this.#offsets.get(name);
        if (at === undefined) throw new Error(`gradient of unknown parameter "${name}"`);
        const g = v.data as Float32Array;
        for (let j = 0; j < g.length; j++) flatGrad[at + j] += g[j];
      }
    };
    accumulate(tail);

    // 4. the stacks backward in reverse (recompute + VJP)
    let dm = tail["grad/trunk/m"].data, dz = tail["grad/trunk/z"].data;
    const dInputs: Record<string, TypedArray> = {};
    for (let k = runs.length - 1; k >= 0; k--) {
      const r = runs[k];
      // The extra stack's last MSA output is not used downstream: its gradient is zero.
      if (k < runs.length - 1) dm = new Float32Array(r.kept[0].m.length);
      const { prefix, count } = r.st.graph;
      for (let i = count - 1; i >= 0; i--) {
        const o = await run(r.st.bwd, {
          ...r.kept[i].feeds,
          "trunk/m": r.kept[i].m,
          "trunk/z": r.kept[i].z,
          "d/m": dm,
          "d/z": dz,
        });
        accumulate(o, blockName(prefix, i));
        dm = o["grad/trunk/m"].data;
        dz = o["grad/trunk/z"].data;
      }
      dInputs[prefix === EXTRA_BLOCKS ? "d/a" : "d/m"] = dm;
    }
    const t4 = performance.now();

    // 5. embed backward
    accumulate(await run(this.embed.bwd, { ...embedFeeds, ...dInputs, "d/z": dz }));
    const t5 = performance.now();

    // 6. optimizer
    const o = await run(this.optimizer, {
      "flat/params": packFlat(this.params, state.params),
      "flat/adam_m": packFlat(this.params, state.m),
      "flat/adam_v": packFlat(this.params, state.v),
      "flat/ema": packFlat(this.params, state.ema),
      "flat/grad": flatGrad,
      "opt/loss": tail["loss"].data,
      "opt/step": new Float32Array([step]),
      "opt/lr": new Float32Array([lr]),
    });
    state.params = unpackFlat(this.params, o["new/params"].data as Float32Array);
    state.m = unpackFlat(this.params, o["new/adam_m"].data as Float32Array);
    state.v = unpackFlat(this.params, o["new/adam_v"].data as Float32Array);
    state.ema = unpackFlat(this.params, o["new/ema"].data as Float32Array);
    state.step = step;
    const t6 = performance.now();
    this.lastRun = {
      embedMs: t1 - t0,
      blocksFwdMs: t2 - t1,
      tailMs: t3 - t2,
      blocksBwdMs: t4 - t3,
      embedBwdMs: t5 - t4,
      optimizerMs: t6 - t5,
      totalMs: t6 - t0,
      ortMs,
    };
    const num = (r: Record<string, G.NdArray>, k: string) => (r[k].data as Float32Array)[0];
    return {
      loss: num(tail, "loss"),
      terms: Object.fromEntries(this.termNames.map((k) => [k, num(tail, `term/${k}`)])),
      extras: {},
      gradNorm: num(o, "grad_norm"),
      skipped: num(o, "skipped") !== 0,
    };
  }
}

/**
 * Build and compile the segmented training step of an AF2 model for one set of
 * graph sizes (the loss inputs are named as in model/losses/inputs.ts).
 */
export async function buildSegmentedTrainStep(
  model: ModelConfig,
  dims: GraphDims,
  losses: LossConfig,
  opt: OptimizerConfig,
  options: SegmentedStepOptions = {},
): Promise<SegmentedTrainStep> {
  const { chunkSize, ...compileOptions } = options;
  const builder = () => new ModelBuilder({ training: true, chunkSize });
  const compile = (outs: Record<string, Tensor>) => G.compile(outs, compileOptions);

  // 1. embed (and its backward)
  const eb = builder();
  const { features, prev } = featureInputs(eb.g, model, dims);
  const e = alphafoldPreEmbed(eb.scope(), model, features, prev);
  const embedOut = embedOutputs(e);
  const embedFwd = await compile({ ...embedOut, "trunk/msa_mask": e.msaMask });
  const embedBwd = await compile(gradOutputs(eb, vjpSeed(eb, embedOut)));

  // 2. one block graph per stack, built as block 0
  const stack = async (
    prefix: typeof EXTRA_BLOCKS | typeof EVOFORMER_BLOCKS,
    mShape: readonly number[],
  ): Promise<Stack> => {
    const graph = buildBlockGraph(model, prefix, mShape, { training: true, chunkSize });
    const outs = blockOutputs(graph);
    const bb = graph.builder;
    const wrt = { "trunk/m": graph.input.m, "trunk/z": graph.input.z };
    return {
      graph,
      fwd: await compile(outs),
      bwd: await compile(gradOutputs(bb, vjpSeed(bb, outs), wrt)),
    };
  };
  const stacks: Stack[] = [];
  if (e.extra) stacks.push(await stack(EXTRA_BLOCKS, e.extra.a.shape));
  stacks.push(await stack(EVOFORMER_BLOCKS, e.m.shape));

  // 3. tail + loss + gradient
  const tb = builder();
  const tf = featureInputs(tb.g, model, dims).features;
  const tm = tb.g.input("trunk/m", e.m.shape);
  const tz = tb.g.input("trunk/z", e.z.shape);
  const outputs = alphafoldTail(tb.scope(), model, tf, { m: tm, z: tz });
  const batch = lossBatchInputs(tb.g, { nRes: dims.nRes, nSeq: dims.nSeq }, tf);
  const r = alphafoldLoss(outputs, batch, losses, { skipZeroWeight: true });
  const terms: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(r.terms)) if (k !== "loss") terms[`term/${k}`] = t;
  const tailBwd = await compile({
    loss: r.loss,
    ...terms,
    ...gradOutputs(tb, r.loss, { "trunk/m": tm, "trunk/z": tz }),
  });

  // The whole model's parameters in the monolithic order: embed, stacks, tail.
  const params: ParamSpec[] = [
    ...eb.params,
    ...stacks.flatMap((st) => stackParamSpecs(st.graph)),
    ...tb.params,
  ];
  const seen = new Set<string>();
  for (const p of params) {
    if (seen.has(p.name)) throw new Error(`parameter "${p.name}" appears in two segments`);
    seen.add(p.name);
  }

  // 6. the optimizer on the flat vectors
  const og = new G.Graph();
  const total = params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
  const flat = (name: string) => og.input(name, [total]);
  const state = {
    param: flat("flat/params"),
    m: flat("flat/adam_m"),
    v: flat("flat/adam_v"),
    ema: flat("flat/ema"),
  };
  const upd = adamUpdate(
    opt,
    [state],
    [flat("flat/grad")],
    og.input("opt/loss", []),
    og.input("opt/step", []),
    og.input("opt/lr", []),
  );
  const optimizer = await compile({
    grad_norm: upd.gradNorm,
    skipped: upd.skipped,
    "new/params": upd.next[0].param,
    "new/adam_m": upd.next[0].m,
    "new/adam_v": upd.next[0].v,
    "new/ema": upd.next[0].ema,
  });
  return new SegmentedTrainStep(
    params,
    { builder: eb, fwd: embedFwd, bwd: embedBwd },
    stacks,
    { builder: tb, bwd: tailBwd },
    optimizer,
    Object.keys(terms).map((k) => k.slice(5)),
  );
}
