/**
 * ONNX export of a trained model: ONE recycling iteration of inference
 * (Algorithm 2 without its loop) as a self-contained ONNX file, the weights
 * embedded as initializers, for any ONNX runtime (onnxruntime-node, -web in a
 * browser, -python). The caller runs the recycling loop: iteration i is fed
 * the features of MSA sample i and the previous iteration's `next/*` outputs
 * as `prev_*` (zeros before the first). `docs/export.md` is the contract;
 * {@link ExportContract} is its machine-readable form, written beside the model.
 *
 * The graph is the inference executor's own single-segment plan
 * (`af2Plan(..., { kind: "single" })`), so an exported model computes what
 * `deno task predict` computes.
 *
 * @module
 */

import * as G from "./graph/mod.ts";
import type { DType, TypedArray } from "./graph/mod.ts";
import type { ModelConfig } from "./af2/config.ts";
import { af2Plan } from "./exec/plan.ts";
import type { FeatureExample } from "./features/pipeline.ts";
import { exampleFeeds } from "./features/pipeline.ts";
import { InputError } from "./util/errors.ts";

/** One input or output of an exported model. */
export interface TensorSpec {
  name: string;
  dtype: DType;
  shape: number[];
}

/** What an exported model reads and writes, and how to recycle it. */
export interface ExportContract {
  /** Format version of this contract. */
  format: "denofold-onnx-1";
  /** ONNX opset of the graph. */
  opset: number;
  /** The sizes the graph is built for (fixed shapes). */
  dims: { nRes: number; nSeq: number; nExtra: number };
  /** Graph inputs: the features and the recycled state `prev_*`. */
  inputs: TensorSpec[];
  /** Graph outputs: the results and the state to recycle `next/*`. */
  outputs: TensorSpec[];
  /** Output → input of the next iteration (`next/m1` → `prev_m1`, ...). */
  recycle: Record<string, string>;
  /** Whether `ptm_score` and `predicted_aligned_error` are outputs (a TM head). */
  tmHead: boolean;
}

/** An exported model. */
export interface ExportedModel {
  /** The ONNX ModelProto. */
  bytes: Uint8Array;
  contract: ExportContract;
}

/** The results an exported iteration returns besides the recycled state. */
export function exportOutputs(config: ModelConfig): string[] {
  return [
    "final_atom_positions",
    "final_atom_mask",
    "plddt",
    ...(config.heads.tm.enabled ? ["ptm_score", "predicted_aligned_error"] : []),
  ];
}

/**
 * Export one inference iteration of `config` with `params` embedded, for
 * `nRes` residues, `nSeq` MSA cluster rows and `nExtra` extra rows (0: no
 * extra-MSA stack input). Templates are not part of the exported graph.
 *
 * @example
 * ```ts
 * import { exportOnnx } from "./export.ts";
 * import { modelConfig } from "./af2/config.ts";
 * import { modelParamSpecs } from "./params.ts";
 * import { initParams } from "./nn/init.ts";
 *
 * const config = modelConfig("tiny");
 * const params = initParams(modelParamSpecs(config), 0);
 * const { bytes, contract } = exportOnnx(config, params, { nRes: 16, nSeq: 1, nExtra: 0 });
 * console.log(bytes.length, contract.inputs.map((i) => i.name));
 * ```
 */
export function exportOnnx(
  config: ModelConfig,
  params: ReadonlyMap<string, Float32Array>,
  dims: { nRes: number; nSeq: number; nExtra: number },
): ExportedModel {
  const plan = af2Plan(
    config,
    { ...dims, nTempl: 0 },
    { kind: "single", outputs: exportOutputs(config) },
  );
  const [segment] = plan.segments;
  const initializers = new Map<string, TypedArray>();
  for (const p of plan.params) {
    const v = params.get(p.name);
    if (!v) throw new InputError(`export: the parameters have no "${p.name}"`);
    if (v.length !== G.sizeOf(p.shape)) {
      throw new InputError(
        `export: "${p.name}" has ${v.length} values, the model wants ${G.sizeOf(p.shape)}`,
      );
    }
    initializers.set(p.name, v);
  }
  const outputs = segment.outputs;
  const bytes = G.toOnnx(outputs, { initializers, name: "denofold_iteration" });
  const spec = (name: string, t: G.Tensor): TensorSpec => ({
    name,
    dtype: t.dtype,
    shape: [...t.shape],
  });
  const inputs = G.liveTensors(Object.values(outputs))
    .filter((t) => t.op === "Input" && !initializers.has(t.name!))
    .map((t) => spec(t.name!, t));
  return {
    bytes,
    contract: {
      format: "denofold-onnx-1",
      opset: G.OPSET,
      dims,
      inputs,
      outputs: Object.entries(outputs).map(([n, t]) => spec(n, t)),
      recycle: { "next/m1": "prev_m1", "next/z": "prev_z", "next/x": "prev_x" },
      tmHead: config.heads.tm.enabled,
    },
  };
}

/**
 * The feeds of iteration `k` for an exported model: MSA sample `k` of
 * `example` (built with `pad: false`), its MSA and extra rows padded with
 * zeros (masks 0) to the contract's row counts. The recycled inputs are not
 * included. Throws an {@link InputError} when the chain's length is not the
 * model's or it has more rows than the model takes.
 *
 * @example
 * ```ts
 * import { exportFeeds, exportOnnx } from "./export.ts";
 * import { modelConfig } from "./af2/config.ts";
 * import { modelParamSpecs } from "./params.ts";
 * import { initParams } from "./nn/init.ts";
 * import { buildFeatures } from "./features/pipeline.ts";
 * import { Rng } from "./util/rng.ts";
 *
 * const config = modelConfig("tiny");
 * const { contract } = exportOnnx(config, initParams(modelParamSpecs(config), 0), { nRes: 8, nSeq: 1, nExtra: 0 });
 * const ex = buildFeatures({ id: "q", sequence: "MKTAYIAK" }, { crop: false, pad: false }, new Rng(0));
 * console.log(Object.keys(exportFeeds(ex, contract, 0)));
 * ```
 */
export function exportFeeds(
  example: FeatureExample,
  contract: ExportContract,
  k: number,
): Record<string, TypedArray> {
  const have = exampleFeeds(example, k) as Record<string, TypedArray>;
  if (example.meta.numRes !== contract.dims.nRes) {
    throw new InputError(
      `${example.meta.id}: ${example.meta.numRes} residues; the model was exported for ` +
        `${contract.dims.nRes} (export one per length)`,
    );
  }
  const feeds: Record<string, TypedArray> = {};
  for (const s of contract.inputs) {
    if (s.name.startsWith("prev_")) continue;
    const v = have[s.name];
    if (!v) throw new InputError(`${example.meta.id}: no feature "${s.name}"`);
    const want = G.sizeOf(s.shape);
    if (v.length > want) {
      throw new InputError(
        `${example.meta.id}: "${s.name}" has ${v.length / (want / s.shape[0])} rows; ` +
          `the model takes ${s.shape[0]}`,
      );
    }
    // Rows are the leading axis: the padding rows are zeros (and their masks 0).
    const out = s.dtype === "int32" ? new Int32Array(want) : new Float32Array(want);
    out.set(v as never);
    feeds[s.name] = out;
  }
  return feeds;
}

/** Zeros for the recycled inputs of the first iteration (Algorithm 2). */
export function initialRecycled(contract: ExportContract): Record<string, Float32Array> {
  return Object.fromEntries(
    contract.inputs.filter((s) => s.name.startsWith("prev_"))
      .map((s) => [s.name, new Float32Array(G.sizeOf(s.shape))]),
  );
}
