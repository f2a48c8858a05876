/**
 * One af2 (model_1) TRAINING step at AF2's initial-training sizes with the
 * blocks plan (model/exec/plan.ts): a real bundled chain (5kc1_C, 226
 * residues, padded to the 256 crop as training pads), 128 cluster rows, 1024
 * extra rows, 4 templates, all initial-training losses, gradient and Adam over
 * all 93.2 M parameters. Run in its own process (`deno run -A
 * bench/af2_train_bench.ts '{"nRes":256}'`) so the peak RSS is the step's own;
 * the bench's `af2_train` section (on request: minutes on 2 cores) records the
 * second step's time and phase split.
 *
 * @module
 */

import { z } from "zod";
import { modelConfig } from "../model/af2/config.ts";
import { initParams } from "../model/nn/init.ts";
import { zeroRecycled } from "../model/af2/recycling.ts";
import { lossConfig } from "../model/losses/config.ts";
import { AF2_OPTIMIZER } from "../train/optimizer.ts";
import { initialState, TrainStep } from "../train/step.ts";
import { af2Plan } from "../model/exec/plan.ts";
import { Executor } from "../model/exec/executor.ts";
import { benchExample } from "./tiny_batch.ts";
import { peakRssGb } from "./rss_child.ts";

const jobSchema = z.strictObject({
  nRes: z.number().int().positive().default(256),
  nSeq: z.number().int().positive().default(128),
  nExtra: z.number().int().nonnegative().default(1024),
  nTempl: z.number().int().nonnegative().default(4),
  chunkBudget: z.number().int().positive().optional(),
});

/** Build the step and run two steps; figures of the second. */
export async function af2TrainStepJob(input: z.input<typeof jobSchema>) {
  const job = jobSchema.parse(input);
  const cfg = modelConfig("af2");
  const ex = await benchExample(job.nRes, job.nSeq, job.nExtra, {
    id: "5kc1_C",
    nTempl: job.nTempl,
  });
  const t0 = performance.now();
  const executor = await Executor.create(
    af2Plan(cfg, ex.dims, {
      kind: "blocks",
      chunkBudget: job.chunkBudget,
      loss: lossConfig("initial"),
    }),
    // With a budget, the arena would keep the freed chunks (model/graph/runtime.ts).
    job.chunkBudget !== undefined ? { memArena: false } : {},
  );
  const step = await TrainStep.create(executor.params, AF2_OPTIMIZER);
  const compileS = (performance.now() - t0) / 1000;
  const state = initialState(initParams(step.params, 0));
  const feeds = { ...ex.feeds, ...zeroRecycled(cfg, ex.dims.nRes) };
  const sample = [{ executor, feeds, index: 0 }];
  const first = await step.run(state, sample, 1e-3, 1);
  const peakFirst = peakRssGb();
  const t1 = performance.now();
  const second = await step.run(state, sample, 1e-3, 1);
  const s = step.lastRun, pass = executor.lastPass;
  const fwd = (k: string) => (pass.forwardMs[k] ?? 0) / 1000;
  const bwd = (k: string) => (pass.backwardMs[k] ?? 0) / 1000;
  return {
    nRes: ex.dims.nRes,
    compile_s: compileS,
    step_s: (performance.now() - t1) / 1000,
    loss_first: first.loss,
    loss_second: second.loss,
    embed_s: fwd("embed") + bwd("embed"),
    blocks_fwd_s: fwd("extra_msa_stack.blocks") + fwd("evoformer.blocks"),
    blocks_bwd_s: bwd("extra_msa_stack.blocks") + bwd("evoformer.blocks"),
    tail_s: bwd("tail"),
    optimizer_s: s.optimizerMs / 1000,
    js_fraction: (s.totalMs - s.ortMs) / s.totalMs,
    peak_rss_first_gb: peakFirst,
    peak_rss_gb: peakRssGb(),
  };
}

/** The bench section: one af2 training step at crop 256 in a child process. */
export async function af2TrainBench(timeoutS = 7200): Promise<Record<string, number>> {
  const child = new Deno.Command(Deno.execPath(), {
    // The inference bench's budget (bench/af2_bench.ts): chunked forward AND backward graphs.
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      new URL(import.meta.url).pathname,
      JSON.stringify({ nRes: 256, chunkBudget: 1 << 25 }),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutS * 1000);
  const out = await child.output();
  clearTimeout(timer);
  if (!out.success) throw new Error(`af2 training step at 256 did not complete (exit ${out.code})`);
  const r = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!);
  return {
    af2_train_crop256_step_s: r.step_s,
    af2_train_crop256_compile_s: r.compile_s,
    af2_train_crop256_peak_rss_gib: r.peak_rss_gb,
    af2_train_crop256_first_step_peak_rss_gib: r.peak_rss_first_gb,
    af2_train_crop256_blocks_fwd_s: r.blocks_fwd_s,
    af2_train_crop256_blocks_bwd_s: r.blocks_bwd_s,
    af2_train_crop256_embed_s: r.embed_s,
    af2_train_crop256_tail_s: r.tail_s,
    af2_train_crop256_optimizer_s: r.optimizer_s,
    af2_train_crop256_js_fraction: r.js_fraction,
  };
}

if (import.meta.main) {
  console.log(JSON.stringify(await af2TrainStepJob(JSON.parse(Deno.args[0] ?? "{}"))));
}
