/**
 * Execution plans: a model as a sequence of segments, each ONE graph run
 * `count` times per pass — the embedding, one block graph per stack of
 * identical blocks (run once per block with that block's parameters and
 * dropout masks), the tail. A single-graph model is a plan of one segment, run
 * by the same executor (model/exec/executor.ts), not a second code path.
 *
 * Segments hand each other the trunk state by name (`trunk/m`, `trunk/z`,
 * `trunk/msa_mask`, `trunk/a`): a segment's graph inputs are parameters,
 * dropout masks, features, or an earlier segment's outputs. A training plan's
 * last segment outputs `loss` and `term/<name>`; an inference plan's outputs
 * the results asked for and the recycled state `next/*`.
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import { type BuildOptions, ModelBuilder, type ParamSpec } from "../nn/scope.ts";
import type { ModelConfig } from "../af2/config.ts";
import {
  alphafoldIteration,
  type AlphaFoldOutputs,
  alphafoldPreEmbed,
  alphafoldTail,
  featureInputs,
  type GraphDims,
} from "../af2/alphafold.ts";
import {
  blockName,
  buildBlockGraph,
  embedOutputs,
  EVOFORMER_BLOCKS,
  EXTRA_BLOCKS,
} from "../af2/block_stack.ts";
import { defaultOutputs, type OutputName, pickOutput } from "../af2/recycling.ts";
import { alphafoldLoss } from "../losses/total.ts";
import { lossBatchInputs } from "../losses/inputs.ts";
import type { LossConfig } from "../losses/config.ts";

/** One graph of a plan, run `count` times per pass. */
export interface Segment {
  /** For messages and statistics: "embed", a stack's prefix, "tail", "model". */
  name: string;
  /** The graph of one run (a stack's is block 0's: parameters and masks under its names). */
  builder: ModelBuilder;
  /** Runs per pass (the blocks of a stack; 1 otherwise). */
  count: number;
  /** Run i's name of a parameter or dropout mask the graph names. */
  rename: (i: number) => (name: string) => string;
  /** What one run produces: trunk state for later segments, or the plan's results. */
  outputs: Record<string, Tensor>;
  /** Trunk inputs whose gradient a training pass carries back to earlier segments. */
  carried: Record<string, Tensor>;
}

/** How a model is cut into segments. */
export type PlanKind = "single" | "blocks";

/** A model cut into segments, for inference or training. */
export interface Plan {
  kind: PlanKind;
  segments: Segment[];
  /** Every parameter in the flat-vector order: segment by segment, run by run. */
  params: ParamSpec[];
  /** Training plans end in `loss` and `term/<name>` (and `extra/<name>`) outputs. */
  training: boolean;
}

/** What a model-plus-loss builder returns (the last segment of a training plan). */
export interface LossGraph {
  /** The scalar to minimise. */
  loss: Tensor;
  /** Named scalar loss terms (reported, not optimised separately). */
  terms: Record<string, Tensor>;
  /** Small extra outputs to report (e.g. a metric). */
  extras?: Record<string, Tensor>;
}

/**
 * The one rule for cutting an AF2 model: deep models (16 or more Evoformer
 * blocks, e.g. af2's 48) run block by block — one compiled block per stack
 * builds in seconds where the single graph takes tens of seconds to minutes,
 * and only the blocks' inputs stay alive between forward and backward. Small
 * models run as one graph, which is faster per step.
 */
export function defaultPlanKind(config: ModelConfig): PlanKind {
  return config.evoformer.no_blocks >= 16 ? "blocks" : "single";
}

/** Options of {@link af2Plan}. */
export interface Af2PlanOptions {
  /** How to cut the model (default {@link defaultPlanKind}). */
  kind?: PlanKind;
  /** The memory budget of every chunked op (see `BuildOptions.chunkBudget`). */
  chunkBudget?: number;
  /** A training plan: dropout masks as inputs, these losses at the end. */
  loss?: LossConfig;
  /** Inference: the outputs to return besides the recycled state (default {@link defaultOutputs}). */
  outputs?: OutputName[];
}

const same = () => (n: string) => n;

/** The params of a plan's segments, run by run, in flat-vector order. */
function planParams(segments: readonly Segment[]): ParamSpec[] {
  const out: ParamSpec[] = [];
  const seen = new Set<string>();
  for (const s of segments) {
    for (let i = 0; i < s.count; i++) {
      const rename = s.rename(i);
      for (const p of s.builder.params) {
        const name = rename(p.name);
        if (seen.has(name)) {
          throw new G.GraphError("plan", `parameter "${name}" appears in two segments`);
        }
        seen.add(name);
        out.push({ ...p, name });
      }
    }
  }
  return out;
}

/** A plan of the given segments. */
function plan(kind: PlanKind, segments: Segment[], training: boolean): Plan {
  return { kind, segments, params: planParams(segments), training };
}

/** The last segment's outputs: the loss and its terms, or the results and the recycled state. */
function resultOutputs(
  b: ModelBuilder,
  config: ModelConfig,
  dims: GraphDims,
  out: AlphaFoldOutputs,
  features: ReturnType<typeof featureInputs>["features"],
  opts: Af2PlanOptions,
): Record<string, Tensor> {
  if (opts.loss) {
    // Every supervision tensor as a graph input under OpenFold's name (model/losses/inputs.ts).
    const batch = lossBatchInputs(b.g, { nRes: dims.nRes, nSeq: dims.nSeq }, features);
    return lossOutputs(alphafoldLoss(out, batch, opts.loss, { skipZeroWeight: true }));
  }
  const outs: Record<string, Tensor> = {
    "next/m1": out.next.m1,
    "next/z": out.next.z,
    "next/x": out.next.x,
  };
  for (const n of opts.outputs ?? defaultOutputs(config)) outs[n] = pickOutput(out, n);
  return outs;
}

/** A loss graph's tensors under the names a training plan's last segment outputs. */
function lossOutputs(r: LossGraph): Record<string, Tensor> {
  const outs: Record<string, Tensor> = { loss: r.loss };
  for (const [k, t] of Object.entries(r.terms)) if (k !== "loss") outs[`term/${k}`] = t;
  for (const [k, t] of Object.entries(r.extras ?? {})) outs[`extra/${k}`] = t;
  return outs;
}

/**
 * The plan of one AF2 recycling iteration (Algorithm 2) for graphs of `dims`:
 * one segment (the whole iteration), or the embedding, one block graph per
 * stack and the tail. Inference plans return the requested outputs and the
 * recycled state; training plans the loss of `opts.loss`.
 */
export function af2Plan(config: ModelConfig, dims: GraphDims, opts: Af2PlanOptions = {}): Plan {
  const kind = opts.kind ?? defaultPlanKind(config);
  const build: BuildOptions = { training: opts.loss !== undefined, chunkBudget: opts.chunkBudget };
  if (kind === "single") {
    const b = new ModelBuilder(build);
    const { features, prev } = featureInputs(b.g, config, dims);
    const out = alphafoldIteration(b.scope(), config, features, prev);
    const outputs = resultOutputs(b, config, dims, out, features, opts);
    return plan(
      kind,
      [{ name: "model", builder: b, count: 1, rename: same, outputs, carried: {} }],
      build.training!,
    );
  }

  const eb = new ModelBuilder(build);
  const { features, prev } = featureInputs(eb.g, config, dims);
  const e = alphafoldPreEmbed(eb.scope(), config, features, prev);
  const segments: Segment[] = [
    { name: "embed", builder: eb, count: 1, rename: same, outputs: embedOutputs(e), carried: {} },
  ];
  const stacks = e.extra ? [buildBlockGraph(config, EXTRA_BLOCKS, e.extra.a.shape, build)] : [];
  stacks.push(buildBlockGraph(config, EVOFORMER_BLOCKS, e.m.shape, build));
  for (const s of stacks) {
    segments.push({
      name: s.prefix,
      builder: s.builder,
      count: s.count,
      rename: (i) => blockName(s.prefix, i),
      outputs: s.outputs,
      carried: s.carried,
    });
  }

  const tb = new ModelBuilder(build);
  const tf = featureInputs(tb.g, config, dims).features;
  const m = tb.g.input("trunk/m", e.m.shape);
  const z = tb.g.input("trunk/z", e.z.shape);
  const out = alphafoldTail(tb.scope(), config, tf, { m, z });
  segments.push({
    name: "tail",
    builder: tb,
    count: 1,
    rename: same,
    outputs: resultOutputs(tb, config, dims, out, tf, opts),
    carried: { "trunk/m": m, "trunk/z": z },
  });
  return plan(kind, segments, build.training!);
}

/**
 * A training plan of one segment for any model-plus-loss builder (a model
 * other than AF2, a test's small network).
 */
export function lossPlan(
  build: (b: ModelBuilder) => LossGraph,
  options: Omit<BuildOptions, "training"> = {},
): Plan {
  const b = new ModelBuilder({ ...options, training: true });
  const outputs = lossOutputs(build(b));
  return plan("single", [{
    name: "model",
    builder: b,
    count: 1,
    rename: same,
    outputs,
    carried: {},
  }], true);
}
