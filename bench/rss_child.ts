/**
 * One memory-measured job in its own process (so peak RSS is the job's alone):
 * `deno run -A bench/rss_child.ts '<json job>'` prints one JSON line with the
 * seconds taken and the peak RSS (VmHWM of /proc/self/status) in GiB.
 *
 * Jobs:
 * - `{"kind":"evoformer","nRes":256,"nSeq":128,"chunkBudget":4194304}`: one
 *   full-size Evoformer block forward;
 * - `{"kind":"af2","nRes":512,"nSeq":128,"nExtra":1024,"nTempl":1,"chunkBudget":33554432}`:
 *   one af2 (model_1) inference iteration with random weights and real-shaped
 *   random features (`evoformerBlocks` < 48 for a memory-only probe: inference
 *   frees each block's activations, so the peak does not grow with the depth);
 *   `chunkBudget` (rows per op from an element budget), `plan` ("single" or
 *   "blocks", default the model's), `memArena: false` to turn onnxruntime's
 *   CPU arena off.
 *
 * {@link runJobInChild} is a watchdog too: the machine is shared, so it stops
 * the child when the system's available memory runs low rather than let the
 * kernel's OOM killer pick a victim.
 *
 * @module
 */

import { z } from "zod";
import * as G from "../model/graph/mod.ts";
import type { TypedArray } from "../model/graph/mod.ts";
import { modelConfig } from "../model/af2/config.ts";
import { af2Plan } from "../model/exec/plan.ts";
import { Executor } from "../model/exec/executor.ts";
import { initParams } from "../model/nn/init.ts";
import { Rng } from "../model/util/rng.ts";
import { buildBlock, feedsFor, forwardScalar } from "./evoformer_bench.ts";

const jobSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("evoformer"),
    nRes: z.number().int().positive(),
    nSeq: z.number().int().positive(),
    chunkBudget: z.number().int().positive().optional(),
  }),
  z.strictObject({
    kind: z.literal("af2"),
    nRes: z.number().int().positive(),
    nSeq: z.number().int().positive(),
    nExtra: z.number().int().nonnegative(),
    nTempl: z.number().int().nonnegative(),
    /** Per-op chunk rows from this element budget (`BuildOptions.chunkBudget`). */
    chunkBudget: z.number().int().positive().optional(),
    /** onnxruntime's CPU memory arena (default on, as in training). */
    memArena: z.boolean().optional(),
    recycles: z.number().int().nonnegative().default(0),
    /** Evoformer blocks (default the preset's 48): fewer for a memory-only probe. */
    evoformerBlocks: z.number().int().positive().optional(),
    /** How the model is cut (model/exec/plan.ts; default the model's own). */
    plan: z.enum(["single", "blocks"]).optional(),
  }),
]);

/** A job for {@link runJob}. */
export type RssJob = z.input<typeof jobSchema>;

/** What a job reports. */
export interface RssResult {
  /** Wall seconds of the measured run (after compiling; af2: the last iteration). */
  seconds: number;
  /** af2: wall seconds of the first iteration (includes first-run allocation). */
  first_s?: number;
  /** Graph build + compile seconds. */
  compile_s: number;
  /** Peak resident set of the process, GiB. */
  peak_rss_gb: number;
  /** Peak resident set after building and compiling, before running (af2), GiB. */
  compiled_rss_gb?: number;
}

/** Peak resident set size of this process in GiB (VmHWM). */
export function peakRssGb(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  if (!m) throw new Error("no VmHWM in /proc/self/status");
  return Number(m[1]) / 1024 ** 2;
}

/** Real-shaped random features of one af2 iteration (masks 1, tokens in range). */
function randomFeeds(
  inputs: ReadonlyMap<string, G.Tensor>,
  skip: (name: string) => boolean,
): Record<string, TypedArray> {
  const rng = new Rng(3);
  const feeds: Record<string, TypedArray> = {};
  for (const [name, t] of inputs) {
    if (skip(name)) continue;
    const n = t.size;
    if (t.dtype === "int32") {
      const hi = name.includes("extra_msa") ? 22 : name === "residue_index" ? 1 << 20 : 20;
      feeds[name] = name === "residue_index"
        ? Int32Array.from({ length: n }, (_, i) => i)
        : Int32Array.from({ length: n }, () => rng.int(hi));
    } else if (name.includes("mask")) feeds[name] = new Float32Array(n).fill(1);
    else feeds[name] = Float32Array.from({ length: n }, () => rng.float());
  }
  return feeds;
}

/** Run one job in this process. */
export async function runJob(input: RssJob): Promise<RssResult> {
  const job = jobSchema.parse(input);
  const t0 = performance.now();
  if (job.kind === "evoformer") {
    const bg = buildBlock(job);
    const c = await G.compile({ out: forwardScalar(bg) });
    const feeds = feedsFor(c, bg.feeds);
    const t1 = performance.now();
    await c.run(feeds);
    const t2 = performance.now();
    return { seconds: (t2 - t1) / 1000, compile_s: (t1 - t0) / 1000, peak_rss_gb: peakRssGb() };
  }
  const cfg = modelConfig(
    "af2",
    job.evoformerBlocks ? { evoformer: { no_blocks: job.evoformerBlocks } } : undefined,
  );
  const model = await Executor.create(
    af2Plan(cfg, job, { kind: job.plan, chunkBudget: job.chunkBudget, outputs: ["plddt"] }),
    { memArena: job.memArena },
  );
  const params = initParams(model.params, 0);
  const feeds = randomFeeds(model.inputs, (n) => params.has(n) || n.startsWith("prev_"));
  const compiledRss = peakRssGb();
  const t1 = performance.now();
  const ends: number[] = [];
  await model.infer(params, feeds, job.recycles, () => ends.push(performance.now()));
  const last = ends.length > 1 ? ends[ends.length - 1] - ends[ends.length - 2] : ends[0] - t1;
  return {
    seconds: last / 1000,
    first_s: (ends[0] - t1) / 1000,
    compile_s: (t1 - t0) / 1000,
    peak_rss_gb: peakRssGb(),
    compiled_rss_gb: compiledRss,
  };
}

/** Stop a child when the machine's MemAvailable falls below this many GiB. */
export const MIN_AVAILABLE_GB = 3;

/** The system's available memory in GiB (MemAvailable of /proc/meminfo). */
export function memAvailableGb(meminfo = Deno.readTextFileSync("/proc/meminfo")): number {
  const m = /MemAvailable:\s+(\d+) kB/.exec(meminfo);
  if (!m) throw new Error("no MemAvailable in /proc/meminfo");
  return Number(m[1]) / 1024 ** 2;
}

/** Peak RSS in GiB of process `pid` so far (VmHWM), or undefined when it is gone. */
function childPeakGb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
    return m ? Number(m[1]) / 1024 ** 2 : undefined;
  } catch {
    return undefined;
  }
}

/** Why a child job did not complete. */
export interface RssFailure {
  failed: string;
  /** Stopped by the time cap (says nothing about memory). */
  timedOut: boolean;
  /** Stopped because the machine's available memory fell below {@link MIN_AVAILABLE_GB}. */
  memoryLow?: boolean;
  /** The child's peak RSS when it was last seen, GiB. */
  peakRssWhenStoppedGb?: number;
}

/**
 * Run a job in a child process; `failed` says why it did not complete (out of
 * memory, killed, `timedOut` when it ran over `timeoutS`, or `memoryLow` when
 * the watchdog stopped it: "stopped: machine memory low", because the system's
 * MemAvailable fell below `minAvailableGb` — other jobs share the machine).
 */
export async function runJobInChild(
  job: RssJob,
  timeoutS: number,
  minAvailableGb = MIN_AVAILABLE_GB,
): Promise<RssResult | RssFailure> {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, JSON.stringify(job)],
    stdout: "piped",
    stderr: "piped",
  });
  const child = cmd.spawn();
  let timedOut = false, memoryLow = false, peak: number | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, timeoutS * 1000);
  const look = () => {
    peak = childPeakGb(child.pid) ?? peak;
    if (!memoryLow && !timedOut && memAvailableGb() < minAvailableGb) {
      memoryLow = true;
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }
  };
  look();
  const watchdog = setInterval(look, 500);
  const out = await child.output();
  clearTimeout(timer);
  clearInterval(watchdog);
  const text = new TextDecoder().decode(out.stdout).trim().split("\n").pop() ?? "";
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-2).join(" ");
    const why = memoryLow
      ? `stopped: machine memory low (MemAvailable < ${minAvailableGb} GiB)`
      : timedOut
      ? `over the ${timeoutS} s time cap`
      : `exit ${out.code}${out.signal ? ` ${out.signal}` : ""}`;
    return {
      failed: `${why}: ${err.slice(0, 200)}`,
      timedOut,
      ...(memoryLow ? { memoryLow } : {}),
      ...(peak !== undefined ? { peakRssWhenStoppedGb: peak } : {}),
    };
  }
  return JSON.parse(text) as RssResult;
}

if (import.meta.main) {
  console.log(JSON.stringify(await runJob(JSON.parse(Deno.args[0]))));
}
