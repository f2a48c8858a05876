/**
 * Inference as a chain of small graphs (the same split as the segmented
 * training step): the embedding, ONE extra-MSA block and ONE Evoformer block
 * run once per block with that block's parameters, and the tail (structure
 * module, heads). Same results as {@link AlphaFoldInference}'s single graph;
 * for long chunked proteins it compiles in seconds instead of tens of minutes
 * (onnxruntime's session creation grows faster than linearly with the node
 * count, and chunking multiplies the nodes), and only one block's
 * intermediates exist at a time.
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor, TypedArray } from "../graph/mod.ts";
import { ModelBuilder, paramFeeds, type ParamSpec } from "../nn/scope.ts";
import type { ModelConfig } from "./config.ts";
import { alphafoldPreEmbed, alphafoldTail, featureInputs, type GraphDims } from "./alphafold.ts";
import {
  type BlockGraph,
  blockParamFeeds,
  buildBlockGraph,
  compileBlock,
  embedOutputs,
  EVOFORMER_BLOCKS,
  EXTRA_BLOCKS,
  stackInput,
  stackParamSpecs,
} from "./block_stack.ts";
import {
  defaultOutputs,
  type InferenceOptions,
  type OutputName,
  pickOutput,
  recycledFrom,
  zeroRecycled,
} from "./recycling.ts";

/** A compiled segmented inference model for one set of graph sizes. */
export class SegmentedInference {
  private constructor(
    readonly config: ModelConfig,
    readonly dims: GraphDims,
    /** Parameter specs of the whole model. */
    readonly params: ParamSpec[],
    readonly embed: { builder: ModelBuilder; compiled: G.Compiled },
    readonly stacks: { graph: BlockGraph; compiled: G.Compiled }[],
    readonly tail: { builder: ModelBuilder; compiled: G.Compiled },
    readonly outputNames: OutputName[],
    /** The extra MSA's mask feature, which only the extra-MSA block graph reads. */
    readonly extraMask?: Tensor,
  ) {}

  /** Build and compile the graphs. */
  static async create(
    config: ModelConfig,
    dims: GraphDims,
    opts: InferenceOptions = {},
  ): Promise<SegmentedInference> {
    const { chunkSize, chunkBudget, outputs, ...rest } = opts;
    // As the single-graph inference: without our CSE pass (model/af2/recycling.ts).
    const compileOptions = { optimize: false, ...rest };
    const build = { chunkSize, chunkBudget };
    const eb = new ModelBuilder(build);
    const { features, prev } = featureInputs(eb.g, config, dims);
    const e = alphafoldPreEmbed(eb.scope(), config, features, prev);
    const embedOut = { ...embedOutputs(e), "trunk/msa_mask": e.msaMask };
    const embed = { builder: eb, compiled: await G.compile(embedOut, compileOptions) };

    const graphs: BlockGraph[] = [];
    if (e.extra) graphs.push(buildBlockGraph(config, EXTRA_BLOCKS, e.extra.a.shape, build));
    graphs.push(buildBlockGraph(config, EVOFORMER_BLOCKS, e.m.shape, build));
    const stacks = [];
    for (const graph of graphs) {
      stacks.push({ graph, compiled: await compileBlock(graph, compileOptions) });
    }

    const tb = new ModelBuilder(build);
    const tf = featureInputs(tb.g, config, dims).features;
    const out = alphafoldTail(tb.scope(), config, tf, {
      m: tb.g.input("trunk/m", e.m.shape),
      z: tb.g.input("trunk/z", e.z.shape),
    });
    const names = outputs ?? defaultOutputs(config);
    const outs: Record<string, Tensor> = {
      "next/m1": out.next.m1,
      "next/z": out.next.z,
      "next/x": out.next.x,
    };
    for (const n of names) outs[n] = pickOutput(out, n);
    const tail = { builder: tb, compiled: await G.compile(outs, compileOptions) };
    const params = [...eb.params, ...graphs.flatMap(stackParamSpecs), ...tb.params];
    return new SegmentedInference(
      config,
      dims,
      params,
      embed,
      stacks,
      tail,
      names,
      e.extra?.mask,
    );
  }

  /** Every compiled graph. */
  get graphs(): G.Compiled[] {
    return [this.embed.compiled, ...this.stacks.map((s) => s.compiled), this.tail.compiled];
  }

  /** Feature inputs the graphs take (name → tensor), parameters and internal names excluded. */
  get inputs(): Map<string, Tensor> {
    const internal = (n: string) => n.startsWith("trunk/");
    const own = new Set(this.params.map((p) => p.name));
    const out = new Map<string, Tensor>();
    if (this.extraMask) out.set("extra_msa_mask", this.extraMask);
    for (const c of [this.embed.compiled, this.tail.compiled]) {
      for (const [n, t] of c.inputs) if (!internal(n) && !own.has(n)) out.set(n, t);
    }
    return out;
  }

  /** Release every session. */
  async release(): Promise<void> {
    for (const c of this.graphs) await c.release();
  }

  /**
   * Run `nRecycle + 1` iterations (as {@link AlphaFoldInference.run}); returns
   * the requested outputs of the last one (and of every iteration to `onIteration`).
   */
  async run(
    params: ReadonlyMap<string, Float32Array>,
    features:
      | Readonly<Record<string, TypedArray>>
      | ((iteration: number) => Readonly<Record<string, TypedArray>>),
    nRecycle: number,
    onIteration?: (i: number, out: Record<string, G.NdArray>) => void,
  ): Promise<Record<string, G.NdArray>> {
    const embedParams = paramFeeds(this.embed.builder.params, params);
    const tailParams = paramFeeds(this.tail.builder.params, params);
    const at = typeof features === "function" ? features : () => features;
    let prev: Record<string, TypedArray> = zeroRecycled(this.config, this.dims.nRes);
    let last: Record<string, G.NdArray> = {};
    for (let it = 0; it <= nRecycle; it++) {
      const f = at(it);
      const e = await this.embed.compiled.run({ ...f, ...embedParams, ...prev });
      let z = e["z"].data, m = e["m"].data;
      for (const { graph, compiled } of this.stacks) {
        const input = stackInput(graph, e, f);
        m = input.m;
        const mask = input.mask;
        for (let i = 0; i < graph.count; i++) {
          const o = await compiled.run({
            seq_mask: f.seq_mask,
            "trunk/msa_mask": mask,
            "trunk/m": m,
            "trunk/z": z,
            ...blockParamFeeds(graph, i, params),
          });
          m = o["m"].data;
          z = o["z"].data;
        }
      }
      const r = await this.tail.compiled.run({ ...f, ...tailParams, "trunk/m": m, "trunk/z": z });
      prev = recycledFrom(r);
      last = r;
      onIteration?.(it, r);
    }
    return last;
  }
}
