/**
 * Graph build + compile of the full `af2` (model_1) TRAINING step (issue 8):
 * model, all initial-training losses, `grad`, the Adam graph, ONNX
 * serialisation and onnxruntime session creation, at AF2's initial-training
 * sizes (256-residue crop, 128 cluster rows, 1024 extra rows, 4 templates).
 * `af2_compile_s` is the plan training uses at af2 size, embed | blocks | tail
 * (model/exec/plan.ts: the 48 blocks sharing one graph); `compileBench`
 * measures the single graph, with the time split by phase, for comparison.
 *
 * @module
 */

import { modelConfig } from "../model/af2/config.ts";
import type { GraphDims } from "../model/af2/alphafold.ts";
import { af2Plan, type PlanKind } from "../model/exec/plan.ts";
import { Executor } from "../model/exec/executor.ts";
import { lossConfig } from "../model/losses/config.ts";
import type { CompileOptions } from "../model/graph/mod.ts";
import { TrainStep } from "../train/step.ts";
import { AF2_OPTIMIZER } from "../train/optimizer.ts";

/** AF2 initial-training graph sizes. */
export const AF2_TRAIN_DIMS: GraphDims = { nRes: 256, nSeq: 128, nExtra: 1024, nTempl: 4 };

/** Build and compile the af2 training step cut as `kind`; its graphs and the seconds taken. */
async function buildStep(kind: PlanKind, dims: GraphDims, options: CompileOptions = {}) {
  const t0 = performance.now();
  const plan = af2Plan(modelConfig("af2"), dims, { kind, loss: lossConfig("initial") });
  const t1 = performance.now();
  const executor = await Executor.create(plan, options);
  const step = await TrainStep.create(executor.params, AF2_OPTIMIZER);
  const graphs = [...executor.graphs, step.optimizer];
  return {
    graphs,
    modelS: (t1 - t0) / 1000,
    totalS: (performance.now() - t0) / 1000,
    async release() {
      await executor.release();
      await step.release();
    },
  };
}

/** Build and compile the blocks-plan af2 training step; the figures in seconds. */
export async function blocksCompileBench(
  dims: GraphDims = AF2_TRAIN_DIMS,
): Promise<Record<string, number>> {
  const s = await buildStep("blocks", dims);
  const sessionS = s.graphs.reduce((t, c) => t + c.stats.sessionMs, 0) / 1000;
  const nodes = s.graphs.reduce((t, c) => t + c.stats.nodes, 0);
  await s.release();
  return {
    af2_compile_s: s.totalS,
    af2_compile_ort_session_s: sessionS,
    af2_train_graph_nodes: nodes,
    af2_train_graphs: s.graphs.length,
  };
}

/** Build and compile the single-graph af2 training step; the figures in seconds. */
export async function compileBench(
  dims: GraphDims = AF2_TRAIN_DIMS,
  cacheDir?: string,
): Promise<Record<string, number>> {
  const s = await buildStep(
    "single",
    dims,
    cacheDir ? { cacheDir, optimizationLevel: "all" } : { optimizationLevel: "disabled" },
  );
  const sum = (k: "optimizeMs" | "onnxMs" | "sessionMs" | "nodes" | "nodesBefore") =>
    s.graphs.reduce((t, c) => t + c.stats[k], 0);
  const [optimizeMs, onnxMs, sessionMs] = [sum("optimizeMs"), sum("onnxMs"), sum("sessionMs")];
  await s.release();
  return {
    af2_compile_monolithic_s: s.totalS,
    af2_compile_monolithic_model_loss_s: s.modelS,
    af2_compile_monolithic_grad_adam_s: s.totalS -
      (s.modelS * 1000 + optimizeMs + onnxMs + sessionMs) / 1000,
    af2_compile_monolithic_optimize_s: optimizeMs / 1000,
    af2_compile_monolithic_to_onnx_s: onnxMs / 1000,
    af2_compile_monolithic_ort_session_s: sessionMs / 1000,
    af2_train_graph_nodes_monolithic: sum("nodes"),
    af2_train_graph_nodes_monolithic_unoptimized: sum("nodesBefore"),
  };
}
