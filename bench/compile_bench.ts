/**
 * Graph build + compile of the full `af2` (model_1) TRAINING step (issue 8):
 * model, all initial-training losses, `grad`, in-graph Adam, ONNX
 * serialisation and onnxruntime session creation, at AF2's initial-training
 * sizes (256-residue crop, 128 cluster rows, 1024 extra rows, 4 templates).
 * `af2_compile_s` is the step training uses at af2 size, the segmented one
 * (train/segmented_step.ts: six graphs, the 48 blocks sharing one);
 * `compileBench` measures the monolithic single graph, with the time split by
 * phase, for comparison.
 *
 * @module
 */

import type { Tensor } from "../model/graph/mod.ts";
import { modelConfig } from "../model/af2/config.ts";
import { alphafoldIteration, featureInputs, type GraphDims } from "../model/af2/alphafold.ts";
import { alphafoldLoss } from "../model/losses/total.ts";
import { lossConfig } from "../model/losses/config.ts";
import { buildTrainStep } from "../train/step.ts";
import { buildSegmentedTrainStep } from "../train/segmented_step.ts";
import { AF2_OPTIMIZER } from "../train/optimizer.ts";
import { benchExample, lossInputs } from "./tiny_batch.ts";

/** AF2 initial-training graph sizes. */
export const AF2_TRAIN_DIMS: GraphDims = { nRes: 256, nSeq: 128, nExtra: 1024, nTempl: 4 };

/** Build and compile the segmented af2 training step; the figures in seconds. */
export async function segmentedCompileBench(
  dims: GraphDims = AF2_TRAIN_DIMS,
): Promise<Record<string, number>> {
  const t0 = performance.now();
  const step = await buildSegmentedTrainStep(
    modelConfig("af2"),
    dims,
    lossConfig("initial"),
    AF2_OPTIMIZER,
  );
  const total = (performance.now() - t0) / 1000;
  const graphs = step.graphs;
  const sessionS = graphs.reduce((s, c) => s + c.stats.sessionMs, 0) / 1000;
  const nodes = graphs.reduce((s, c) => s + c.stats.nodes, 0);
  await step.release();
  return {
    af2_compile_s: total,
    af2_compile_ort_session_s: sessionS,
    af2_train_graph_nodes: nodes,
    af2_train_graphs: graphs.length,
  };
}

/** Build and compile the monolithic af2 training step; the figures in seconds. */
export async function compileBench(
  dims: GraphDims = AF2_TRAIN_DIMS,
  cacheDir?: string,
): Promise<Record<string, number>> {
  const cfg = modelConfig("af2");
  const ex = await benchExample();
  let modelMs = 0;
  const t0 = performance.now();
  const step = await buildTrainStep(
    (b) => {
      const { features, prev } = featureInputs(b.g, cfg, dims);
      const out = alphafoldIteration(b.scope(), cfg, features, prev);
      const r = alphafoldLoss(out, lossInputs(b.g, ex, features, dims), lossConfig("initial"));
      const terms: Record<string, Tensor> = {};
      for (const [k, t] of Object.entries(r.terms)) if (k !== "loss") terms[k] = t;
      modelMs = performance.now() - t0;
      return { loss: r.loss, terms };
    },
    AF2_OPTIMIZER,
    cacheDir ? { cacheDir, optimizationLevel: "all" } : { optimizationLevel: "disabled" },
  );
  const total = (performance.now() - t0) / 1000;
  const { optimizeMs, onnxMs, sessionMs, nodes, nodesBefore } = step.compiled.stats;
  await step.compiled.release();
  return {
    af2_compile_monolithic_s: total,
    af2_compile_monolithic_model_loss_s: modelMs / 1000,
    af2_compile_monolithic_grad_adam_s: total - (modelMs + optimizeMs + onnxMs + sessionMs) / 1000,
    af2_compile_monolithic_optimize_s: optimizeMs / 1000,
    af2_compile_monolithic_to_onnx_s: onnxMs / 1000,
    af2_compile_monolithic_ort_session_s: sessionMs / 1000,
    af2_train_graph_nodes_monolithic: nodes,
    af2_train_graph_nodes_monolithic_unoptimized: nodesBefore,
  };
}
