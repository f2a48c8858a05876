/**
 * One training run driven to a CPU-time budget: `deno task train` in a child
 * process (single-threaded: two such runs use both cores better than one run
 * with two threads), resumed when its directory holds a run, stopped with
 * SIGTERM (the trainer checkpoints and exits cleanly) once its training steps
 * used the budget. Shared by the recipe experiments, the pretrained model and
 * the studies, whose runs span several sessions.
 *
 * @module
 */

import { normalize, relative } from "node:path";
import { readRunMetrics } from "../analysis/run_metrics.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const TRAIN = `${ROOT}train/cli/train.ts`;

/** The corpus the long runs train on: ../shared/data beside the checkout. */
export const SHARED_DATA: string = normalize(`${ROOT}../shared/data`);

/**
 * A path as the bench runners write it into committed files and pass it to
 * the commands they run from the checkout: relative to the checkout, so no
 * config or summary carries this machine's paths (a committed config's data
 * root; the runners pass the real root with `--data`, which wins).
 */
export function checkoutRelative(path: string): string {
  return relative(ROOT, path) || ".";
}

/** The run's training CPU seconds so far (0 before its first step). */
export async function trainCpuSeconds(dir: string): Promise<number> {
  try {
    return Number((await readRunMetrics(`${dir}/metrics.jsonl`)).at(-1)?.train_cpu_s ?? 0);
  } catch {
    return 0;
  }
}

/**
 * Train the run config `configPath` into `dir` until it reaches its steps or
 * `cpuHours` of training CPU time (resuming a run that exists); the exit code.
 */
export async function trainBudgeted(
  dir: string,
  configPath: string,
  cpuHours = Infinity,
  extra: string[] = [],
): Promise<number> {
  const resume = await Deno.stat(`${dir}/config.json`).then(() => true, () => false);
  if (resume && (await trainCpuSeconds(dir)) >= cpuHours * 3600) return 0;
  const child = new Deno.Command(Deno.execPath(), {
    cwd: ROOT, // a relative --data (checkoutRelative) is relative to the checkout
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      TRAIN,
      "--config",
      configPath,
      "--out",
      dir,
      "--threads",
      "1",
      "--quiet",
      "--no-report",
      ...(resume ? ["--resume"] : []),
      ...extra,
    ],
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  let done = false;
  const watch = (async () => {
    while (!done && Number.isFinite(cpuHours)) {
      await new Promise((r) => setTimeout(r, 20_000));
      if (!done && (await trainCpuSeconds(dir)) >= cpuHours * 3600) {
        child.kill("SIGTERM");
        return;
      }
    }
  })();
  const status = await child.status;
  done = true;
  await watch;
  return status.code;
}
