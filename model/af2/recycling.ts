/**
 * Implements Algorithm 30 (RecyclingInference).
 *
 * The recycling driver (AF2 supplement Algorithm 2 / 1.10): one compiled
 * iteration graph run `n_recycle + 1` times, each run fed the previous one's
 * first MSA row, pair representation and atom positions (zeros before the
 * first). Only the outputs a caller asks for are copied back, besides the
 * recycled state.
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor, TypedArray } from "../graph/mod.ts";
import { ModelBuilder, paramFeeds } from "../nn/scope.ts";
import type { ModelConfig } from "./config.ts";
import {
  alphafoldIteration,
  type AlphaFoldOutputs,
  featureInputs,
  type GraphDims,
} from "./alphafold.ts";

/** Output names an inference graph can return (OpenFold names; `sm/<key>` for per-layer outputs). */
export type OutputName = string;

/** The output `name` of an iteration's outputs (throws naming it when there is none). */
export function pickOutput(out: AlphaFoldOutputs, name: OutputName): Tensor {
  if (name.startsWith("sm/")) {
    const t = (out.sm as unknown as Record<string, Tensor>)[name.slice(3)];
    if (t) return t;
  } else {
    const t = (out as unknown as Record<string, Tensor | undefined>)[name];
    if (t && t instanceof G.Tensor) return t;
  }
  throw new Error(`the model has no output "${name}"`);
}

/** The recycled-state feeds before the first iteration: zeros (Algorithm 2). */
export function zeroRecycled(config: ModelConfig, nRes: number): Record<string, Float32Array> {
  return {
    prev_m1: new Float32Array(nRes * config.c_m),
    prev_z: new Float32Array(nRes * nRes * config.c_z),
    prev_x: new Float32Array(nRes * 37 * 3),
  };
}

/** The outputs returned when none are asked for: positions, pLDDT, distogram (+ pTM/PAE). */
export function defaultOutputs(config: ModelConfig): OutputName[] {
  return [
    "final_atom_positions",
    "final_atom_mask",
    "plddt",
    "distogram_logits",
    ...(config.heads.tm.enabled ? ["ptm_score", "predicted_aligned_error"] : []),
  ];
}

/** The recycled-state feeds of the next iteration from an iteration's `next/*` outputs. */
export function recycledFrom(r: Record<string, G.NdArray>): Record<string, TypedArray> {
  return { prev_m1: r["next/m1"].data, prev_z: r["next/z"].data, prev_x: r["next/x"].data };
}

/** Options of {@link AlphaFoldInference.create}. */
export interface InferenceOptions extends G.CompileOptions {
  /** Chunk size for attention/triangle ops. */
  chunkSize?: number;
  /** Without `chunkSize`: per-op chunk rows from this element budget (see `BuildOptions.chunkBudget`). */
  chunkBudget?: number;
  /** Outputs to return besides the recycled state. */
  outputs?: OutputName[];
}

/** A compiled inference model for one set of graph sizes. */
export class AlphaFoldInference {
  private constructor(
    readonly config: ModelConfig,
    readonly dims: GraphDims,
    readonly builder: ModelBuilder,
    readonly compiled: G.Compiled,
    readonly outputNames: OutputName[],
  ) {}

  /** Build and compile the iteration graph. */
  static async create(
    config: ModelConfig,
    dims: GraphDims,
    opts: InferenceOptions = {},
  ): Promise<AlphaFoldInference> {
    const b = new ModelBuilder({ chunkSize: opts.chunkSize, chunkBudget: opts.chunkBudget });
    const { features, prev } = featureInputs(b.g, config, dims);
    const out = alphafoldIteration(b.scope(), config, features, prev);
    const names = opts.outputs ?? defaultOutputs(config);
    const outs: Record<string, Tensor> = {
      "next/m1": out.next.m1,
      "next/z": out.next.z,
      "next/x": out.next.x,
    };
    for (const n of names) outs[n] = pickOutput(out, n);
    // onnxruntime's own basic-level rewrites reject this graph after our CSE pass
    // ("Node input ... is not a graph input"), though the graph loads unoptimised:
    // compile the inference graph without our pass until that is understood.
    const compiled = await G.compile(outs, { optimize: false, ...opts });
    return new AlphaFoldInference(config, dims, b, compiled, names);
  }

  /** Parameter specs of the model (names, shapes, inits). */
  get params() {
    return this.builder.params;
  }

  /**
   * Run `nRecycle + 1` iterations; returns the requested outputs of the last
   * one (and of every iteration to `onIteration`).
   */
  async run(
    params: ReadonlyMap<string, Float32Array>,
    features:
      | Readonly<Record<string, TypedArray>>
      | ((iteration: number) => Readonly<Record<string, TypedArray>>),
    nRecycle: number,
    onIteration?: (i: number, out: Record<string, G.NdArray>) => void,
  ): Promise<Record<string, G.NdArray>> {
    const { nRes: n } = this.dims;
    let prev: Record<string, TypedArray> = zeroRecycled(this.config, n);
    const feeds = paramFeeds(this.params, params);
    // Each iteration may see its own features (AF2 resamples the MSA per recycle).
    const at = typeof features === "function" ? features : () => features;
    let last: Record<string, G.NdArray> = {};
    for (let i = 0; i <= nRecycle; i++) {
      const r = await this.compiled.run({ ...at(i), ...feeds, ...prev });
      prev = recycledFrom(r);
      last = r;
      onIteration?.(i, r);
    }
    return last;
  }
}
