/**
 * The af2 (model_1) figures of issue 8, each measured in its own process:
 *
 * - `af2CompileBench`: graph build + compile of the full training step (see
 *   compile_bench.ts);
 * - `af2RecycleBench`: the time per recycling iteration at N_res 256 (128
 *   cluster rows, 1024 extra rows, 4 templates; the second of two iterations,
 *   so first-run allocation is excluded);
 * - `af2MemprobeBench`: peak RSS of one-Evoformer-block iterations at
 *   256/512/1,024 residues (the peak does not grow with the depth);
 * Inference jobs run af2's default plan (model/exec/plan.ts: embed | blocks |
 * tail, as `deno task predict` does): one compiled block per stack.
 *
 * - `af2ScanBench`: the longest protein whose inference (one iteration,
 *   128 MSA rows, chunking by {@link chunkFor}) completes in this machine's
 *   memory, stepping the length upward, with time and peak RSS per length. Slow on 2 cores (an
 *   iteration at 1,024 residues is ~10^14 FLOP): each length is capped at
 *   `timeoutS` and the scan at `budgetS`; lengths not reached are reported as
 *   such, never as fitting.
 *
 * @module
 */

import { type RssResult, runJobInChild } from "./rss_child.ts";

/**
 * Elements of the largest per-chunk intermediate each chunked op may make
 * (`BuildOptions.chunkBudget`): 2^25 floats = 128 MiB. Measured on one-block
 * probes (`af2_memprobe_*` in bench/results/latest.json): at 256 residues the
 * budget lowered the peak RSS from 10.4 to 3.1 GiB without slowing the
 * iteration, since each op picks its own row count (an extra-MSA row with pair
 * bias at 1,024 residues is 8·1024² logits, an MSA column 8·128²).
 */
export const AF2_CHUNK_BUDGET = 2 ** 25;

/**
 * The budget for long proteins: at 1,024 residues 2^25 makes ~160k graph nodes
 * for one Evoformer block, and onnxruntime's session creation is superlinear in
 * them (173 s; 2^26: 83k nodes, 22 s) while 2^26 raised the peak only from 10.8
 * to 12.7 GiB (2^27 passed 16.3 GiB). Applied from 768 residues (not measured
 * there).
 */
export const AF2_LONG_CHUNK_BUDGET = 2 ** 26;

/**
 * The chunking used at a length: an element budget at every length, and
 * onnxruntime's CPU arena off from 512 residues (there it kept 0.45 GiB more
 * at the peak, 5.68 against 5.23 GiB, and was not faster; short proteins keep
 * the default).
 */
export function chunkFor(nRes: number): { chunkBudget: number; memArena?: boolean } {
  if (nRes >= 768) return { chunkBudget: AF2_LONG_CHUNK_BUDGET, memArena: false };
  if (nRes >= 512) return { chunkBudget: AF2_CHUNK_BUDGET, memArena: false };
  return { chunkBudget: AF2_CHUNK_BUDGET };
}

/**
 * The af2 training-step build + compile time: the blocks plan training uses
 * (`af2_compile_s`) and the single graph, each in a fresh process.
 */
export async function af2CompileBench(): Promise<Record<string, number>> {
  return {
    ...(await runCompileInChild("blocksCompileBench(AF2_TRAIN_DIMS)")),
    ...(await runCompileInChild("compileBench(AF2_TRAIN_DIMS)")),
  };
}

/**
 * The monolithic graph with onnxruntime's full optimisation ("all"), cold and
 * then reloaded from the optimised-model cache (each in a fresh process; ~8 min on 2 cores).
 */
export async function af2CompileOrtBench(): Promise<Record<string, number>> {
  const cacheDir = await Deno.makeTempDir({ prefix: "denofold-ort-cache-" });
  const call = `compileBench(AF2_TRAIN_DIMS, ${JSON.stringify(cacheDir)})`;
  const cold = await runCompileInChild(call);
  const warm = await runCompileInChild(call);
  await Deno.remove(cacheDir, { recursive: true });
  return {
    af2_compile_ort_all_s: cold.af2_compile_monolithic_s,
    af2_compile_ort_all_cached_s: warm.af2_compile_monolithic_s,
  };
}

/** Time per recycling iteration at N_res 256 (the second of two iterations). */
export async function af2RecycleBench(): Promise<Record<string, number>> {
  const r = await runJobInChild({
    kind: "af2",
    nRes: 256,
    nSeq: 128,
    nExtra: 1024,
    nTempl: 4,
    recycles: 1,
  }, 1800);
  if ("failed" in r) throw new Error(`af2 at 256 residues failed: ${r.failed}`);
  return {
    af2_recycle_256_s: r.seconds,
    af2_first_iteration_256_s: r.first_s ?? NaN,
    af2_infer_compile_256_s: r.compile_s,
    af2_peak_rss_256_gb: r.peak_rss_gb,
  };
}

/** Evaluate `call` (a function of compile_bench.ts) in a fresh process. */
async function runCompileInChild(call: string): Promise<Record<string, number>> {
  const url = new URL("./compile_bench.ts", import.meta.url).pathname;
  const code =
    `import { AF2_TRAIN_DIMS, blocksCompileBench, compileBench } from ${JSON.stringify(url)};\n` +
    `console.log(JSON.stringify(await ${call}));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", code],
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`af2 compile bench failed: ${call}`);
  return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!);
}

/** The scan; lengths in residues. */
export async function af2ScanBench(
  lengths = [256, 512, 768, 1024, 1280],
  timeoutS = 2400,
  budgetS = 5400,
): Promise<Record<string, number>> {
  const t0 = performance.now();
  const out: Record<string, number> = {};
  let best: { n: number; r: RssResult } | undefined;
  for (const n of lengths) {
    const left = budgetS - (performance.now() - t0) / 1000;
    if (left < 60) {
      console.log(`  ${n}: not run (scan budget of ${budgetS} s spent)`);
      break;
    }
    const chunk = chunkFor(n);
    const r = await runJobInChild(
      { kind: "af2", nRes: n, nSeq: 128, nExtra: 1024, nTempl: 4, ...chunk },
      Math.min(timeoutS, left),
    );
    if ("failed" in r) {
      console.log(`  ${n}: did not complete (${r.failed})`);
      // A time-capped length, or one stopped because the shared machine ran
      // short (other jobs), says nothing about this job's memory: recorded apart.
      const key = r.timedOut
        ? "af2_scan_time_capped_residues"
        : r.memoryLow
        ? "af2_scan_stopped_memory_low_residues"
        : "af2_scan_first_failed_residues";
      out[key] = n;
      if (r.peakRssWhenStoppedGb !== undefined) {
        out[`af2_scan_${n}_rss_gb_when_stopped`] = r.peakRssWhenStoppedGb;
      }
      break;
    }
    console.log(`  ${n} (${JSON.stringify(chunk)}): ${JSON.stringify(r)}`);
    out[`af2_scan_${n}_s`] = r.seconds;
    out[`af2_scan_${n}_rss_gb`] = r.peak_rss_gb;
    best = { n, r };
  }
  if (best) {
    out.af2_max_residues = best.n;
    out.af2_peak_rss_gb = best.r.peak_rss_gb;
    out.af2_max_residues_s = best.r.seconds;
  }
  out.af2_scan_wall_s = (performance.now() - t0) / 1000;
  return out;
}

/**
 * Memory probes: the af2 inference iteration with ONE Evoformer block (the
 * embedders, templates, extra-MSA stack, structure module and heads in full) at
 * each length with {@link chunkFor}'s chunking. Inference frees each block's
 * activations, so 48 blocks peak where this probe does (the time is not the
 * full iteration's). Writes `af2_memprobe_1block_<N>_rss_gb`, `_s` and
 * `_compile_s` (graph build + session: grows with the number of chunks); a probe
 * that does not complete writes `_rss_gb_when_stopped` (if seen), never a fit.
 */
export async function af2MemprobeBench(
  lengths = [256, 512, 1024],
  timeoutS = 2400,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const n of lengths) {
    const chunk = chunkFor(n);
    const r = await runJobInChild(
      {
        kind: "af2",
        nRes: n,
        nSeq: 128,
        nExtra: 1024,
        nTempl: 4,
        evoformerBlocks: 1,
        plan: "blocks",
        ...chunk,
      },
      timeoutS,
    );
    const key = `af2_memprobe_1block_${n}`;
    if ("failed" in r) {
      console.log(`  ${n}: did not complete (${r.failed})`);
      if (r.peakRssWhenStoppedGb !== undefined) {
        out[`${key}_rss_gb_when_stopped`] = r.peakRssWhenStoppedGb;
      }
      continue;
    }
    console.log(`  ${n} (${JSON.stringify(chunk)}): ${JSON.stringify(r)}`);
    out[`${key}_rss_gb`] = r.peak_rss_gb;
    out[`${key}_s`] = r.seconds;
    out[`${key}_compile_s`] = r.compile_s;
  }
  out.af2_memprobe_chunk_budget = AF2_CHUNK_BUDGET;
  out.af2_memprobe_long_chunk_budget = AF2_LONG_CHUNK_BUDGET;
  return out;
}

/**
 * Peak RSS of one full-size Evoformer block forward at 256 and 512 residues,
 * unchunked and with a budget of 2^22 elements per chunked intermediate.
 */
export async function evoformerRssBench(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const nRes of [256, 512]) {
    for (const chunkBudget of [undefined, 1 << 22]) {
      const r = await runJobInChild({ kind: "evoformer", nRes, nSeq: 128, chunkBudget }, 1200);
      const key = `evoformer_rss_${nRes}${chunkBudget ? "_chunked" : ""}_gb`;
      if ("failed" in r) throw new Error(`${key}: ${r.failed}`);
      out[key] = r.peak_rss_gb;
      out[key.replace("_gb", "_s")] = r.seconds;
    }
  }
  return out;
}
