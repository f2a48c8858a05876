/**
 * The bench-tiny training step (issue 8): OpenFold's bench-tiny shapes
 * (686,138 parameters, 8 structure-module layers) on a real 64-residue crop
 * with 16 MSA rows, 32 extra rows and one template, no recycling, every
 * initial-training loss term (zero-weight terms computed and reported, as
 * OpenFold does), gradient and the Adam graph — the whole `TrainStep.run`,
 * minimum of several runs after warm-up; its forward alone; and the fraction
 * of the step spent in JS rather than inside onnxruntime.
 *
 * @module
 */

import type { Tensor } from "../model/graph/mod.ts";
import { modelConfig } from "../model/af2/config.ts";
import { alphafoldIteration, featureInputs } from "../model/af2/alphafold.ts";
import { af2Plan } from "../model/exec/plan.ts";
import { Executor } from "../model/exec/executor.ts";
import { initParams } from "../model/nn/init.ts";
import { alphafoldLoss } from "../model/losses/total.ts";
import { lossConfig } from "../model/losses/config.ts";
import { initialState, lossStep } from "../train/step.ts";
import { AF2_OPTIMIZER } from "../train/optimizer.ts";
import { type BenchExample, benchExample, lossInputs } from "./tiny_batch.ts";
import type { CompileOptions } from "../model/graph/mod.ts";
import process from "node:process";
import { bestOfWithCpu } from "./graph_bench.ts";

/** The bench-tiny training step compiled with `options`, and its compile seconds. */
async function tinyStep(ex: BenchExample, options: CompileOptions = {}) {
  const cfg = modelConfig("bench_tiny");
  const t0 = performance.now();
  const step = await lossStep(
    (b) => {
      const { features, prev } = featureInputs(b.g, cfg, ex.dims);
      const out = alphafoldIteration(b.scope(), cfg, features, prev);
      const r = alphafoldLoss(out, lossInputs(b.g, ex, features), lossConfig("initial"));
      const terms: Record<string, Tensor> = {};
      for (const [k, t] of Object.entries(r.terms)) if (k !== "loss") terms[k] = t;
      return { loss: r.loss, terms };
    },
    AF2_OPTIMIZER,
    options,
  );
  const nParams = step.executor.size;
  if (nParams !== 686_138) throw new Error(`bench_tiny has ${nParams} parameters, want 686,138`);
  return { step, compileS: (performance.now() - t0) / 1000 };
}

/**
 * The figures of the training section. The step without onnxruntime's own
 * graph optimisation (the default is "all") is measured in the same run, its
 * runs interleaved with the default's, so their ratio is fair on a loaded machine.
 */
export async function trainBench(runs = 5): Promise<Record<string, number>> {
  const cfg = modelConfig("bench_tiny");
  const ex = await benchExample();
  const { step, compileS } = await tinyStep(ex);
  const ortOff = await tinyStep(ex, { optimizationLevel: "disabled" });

  const n = ex.dims.nRes;
  const feeds = {
    ...ex.feeds,
    prev_m1: new Float32Array(n * cfg.c_m),
    prev_z: new Float32Array(n * n * cfg.c_z),
    prev_x: new Float32Array(n * 37 * 3),
  };
  const state = initialState(initParams(step.executor.params, 0));
  const stateOff = initialState(initParams(step.executor.params, 0));
  for (let i = 0; i < 2; i++) {
    await step.run(state, feeds, 1e-3, 1);
    await ortOff.step.run(stateOff, feeds, 1e-3, 1);
  }
  let best = Infinity, bestOff = Infinity, jsFraction = 1, cpu = 0;
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const s0 = performance.now();
    const r = await step.run(state, feeds, 1e-3, 1);
    const wall = performance.now() - s0;
    const c = process.cpuUsage(c0);
    if (!Number.isFinite(r.loss)) throw new Error(`bench-tiny step ${i}: loss ${r.loss}`);
    if (wall < best) {
      best = wall;
      jsFraction = (wall - step.step.lastRun.ortMs) / wall;
      cpu = (c.user + c.system) / 1e6;
    }
    const a0 = performance.now();
    await ortOff.step.run(stateOff, feeds, 1e-3, 1);
    bestOff = Math.min(bestOff, performance.now() - a0);
  }
  const nodes = step.executor.graphs.reduce((k, g) => k + g.stats.nodes, 0) +
    step.step.optimizer.stats.nodes;
  for (const s of [step, ortOff.step]) {
    await s.executor.release();
    await s.step.release();
  }

  // The forward alone (inference graph, one iteration, same example).
  const inf = await Executor.create(af2Plan(cfg, ex.dims, { outputs: ["plddt"] }));
  const params = initParams(inf.params, 0);
  await inf.infer(params, ex.feeds, 0);
  const fwd = await bestOfWithCpu(runs, () => inf.infer(params, ex.feeds, 0));
  await inf.release();
  return {
    train_step_tiny_s: best / 1000,
    train_step_tiny_cpu_s: cpu,
    js_overhead_fraction: jsFraction,
    train_step_tiny_compile_s: compileS,
    train_step_tiny_graph_nodes: nodes,
    train_step_tiny_ort_disabled_s: bestOff / 1000,
    train_step_tiny_ort_disabled_compile_s: ortOff.compileS,
    fwd_tiny_s: fwd.wall,
    fwd_tiny_cpu_s: fwd.cpu,
  };
}
