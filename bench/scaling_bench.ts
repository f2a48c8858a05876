/**
 * The cost of data parallelism (issue 14): samples per second of the real
 * trainer (`small` preset, crop 64, the bundled sample) as one process with 2
 * threads at batch 1, one process at batch 2, and `mpirun -np 2` with one
 * thread per rank at batch 2 — each a child process, measured from its
 * metrics (`train_wall_s`, time in training steps) after 5 warm-up steps.
 *
 * @module
 */

import { readRunMetrics } from "../analysis/run_metrics.ts";
import { RunError } from "../model/util/errors.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const TRAIN = `${ROOT}train/cli/train.ts`;
const WARMUP = 5;

/** Samples per second of one trainer run (`launcher` prefixes the command, e.g. mpirun). */
async function samplesPerS(
  launcher: string[],
  flags: string[],
  batch: number,
  steps: number,
): Promise<number> {
  const dir = await Deno.makeTempDir({ prefix: "denofold-scaling-" });
  try {
    const cmd = [
      ...launcher,
      Deno.execPath(),
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      TRAIN,
      "--preset",
      "small",
      "--crop",
      "64",
      "--batch-size",
      String(batch),
      "--steps",
      String(steps),
      "--out",
      `${dir}/run`,
      "--quiet",
      "--no-report",
      ...flags,
    ];
    // Validation and snapshots off: only training steps are timed.
    await Deno.writeTextFile(
      `${dir}/config.json`,
      JSON.stringify({ validate_every: 100000, probes: 0, checkpoint_every: 100000 }),
    );
    const out = await new Deno.Command(cmd[0], {
      args: [...cmd.slice(1), "--config", `${dir}/config.json`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new RunError(
        `scaling bench: ${cmd.join(" ")}: ${new TextDecoder().decode(out.stderr)}`,
      );
    }
    const lines = await readRunMetrics(`${dir}/run/metrics.jsonl`);
    const a = lines[WARMUP - 1], b = lines.at(-1)!;
    return ((b.step - a.step) * batch) / (Number(b.train_wall_s) - Number(a.train_wall_s));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The three configurations, interleaved twice (best of two: the machine is shared). */
export async function scalingBench(steps = 25): Promise<Record<string, number>> {
  const best: Record<string, number> = {};
  const keep = (k: string, v: number) => (best[k] = Math.max(best[k] ?? 0, v));
  for (let round = 0; round < 2; round++) {
    keep("train_samples_per_s_1proc_2thr", await samplesPerS([], ["--threads", "2"], 1, steps));
    keep("train_samples_per_s_batch2", await samplesPerS([], ["--threads", "2"], 2, steps));
    keep(
      "train_samples_per_s_mpi2_1thr",
      await samplesPerS(["mpirun", "-np", "2"], ["--threads", "1"], 2, steps),
    );
  }
  best.train_mpi2_speedup = best.train_samples_per_s_mpi2_1thr /
    best.train_samples_per_s_1proc_2thr;
  return best;
}
