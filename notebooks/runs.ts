/**
 * Training runs from notebooks: start `deno task train` in a subprocess (each run
 * in its own process, so its compiled graphs are freed when it ends and the
 * kernel stays small), and load a finished run's model for prediction.
 *
 * @module
 */

import { existsSync } from "node:fs";
import type { ModelConfig } from "../model/af2/config.ts";
import { latestCheckpoint, listCheckpoints } from "../model/checkpoint.ts";
import { loadTrainedModel, type ParamsKind } from "../model/trained.ts";
import { type RunConfig, runConfigSchema } from "../train/config.ts";
import { type MetricLine, readRunMetrics } from "../analysis/run_metrics.ts";
import { InputError, RunError } from "../model/util/errors.ts";

const TRAIN_CLI = new URL("../train/cli/train.ts", import.meta.url).pathname;

/** A finished training run. */
export interface TrainedRun {
  dir: string;
  /** The validated run configuration. */
  config: RunConfig;
  /** Wall time of the training process in seconds (0 when reused). */
  seconds: number;
  /** True when a complete run was found in `dir` and not retrained. */
  reused: boolean;
  /** `metrics.jsonl`. */
  metrics: MetricLine[];
}

/**
 * Train a run with `deno task train --config` into `dir`, or reuse `dir` when it
 * already holds a checkpoint at the final step of the same configuration.
 * Throws with the trainer's last lines when it fails.
 */
export async function trainRun(
  dir: string,
  config: Record<string, unknown>,
  opts: { log?: (m: string) => void } = {},
): Promise<TrainedRun> {
  const cfg = runConfigSchema.parse(config);
  const done = await latestCheckpoint(dir).catch(() => undefined);
  if (done && done.sidecar.step === cfg.steps && sameConfig(done.sidecar.config, cfg)) {
    return {
      dir,
      config: cfg,
      seconds: 0,
      reused: true,
      metrics: await readRunMetrics(`${dir}/metrics.jsonl`),
    };
  }
  if (existsSync(dir)) await Deno.remove(dir, { recursive: true });
  await Deno.mkdir(dir, { recursive: true });
  const cfgPath = await Deno.makeTempFile({ suffix: ".json" });
  await Deno.writeTextFile(cfgPath, JSON.stringify(cfg));
  const t0 = performance.now();
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      TRAIN_CLI,
      "--config",
      cfgPath,
      "--out",
      dir,
      "--quiet",
      "--no-report",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  await Deno.remove(cfgPath);
  const seconds = (performance.now() - t0) / 1000;
  const err = new TextDecoder().decode(r.stderr).trim().split("\n");
  if (r.code !== 0) {
    throw new RunError(`training ${dir} failed (exit ${r.code}): ${err.slice(-4).join(" | ")}`);
  }
  opts.log?.(`${dir}: ${err.at(-1)} (${seconds.toFixed(0)} s)`);
  return {
    dir,
    config: cfg,
    seconds,
    reused: false,
    metrics: await readRunMetrics(`${dir}/metrics.jsonl`),
  };
}

function sameConfig(a: Record<string, unknown>, b: RunConfig): boolean {
  const r = runConfigSchema.safeParse(a);
  return r.success && JSON.stringify(r.data) === JSON.stringify(b);
}

/** A run's model: its config and the parameters of its latest checkpoint. */
export interface RunModel {
  config: ModelConfig;
  run: RunConfig;
  step: number;
  params: Map<string, Float32Array>;
}

/**
 * Load the model of a run directory's latest checkpoint (as `deno task predict
 * --checkpoint`): EMA parameters by default.
 */
export async function loadRunModel(
  dir: string,
  params: ParamsKind = "ema",
): Promise<RunModel> {
  const last = (await listCheckpoints(dir)).at(-1);
  if (!last) throw new InputError(`${dir}: no checkpoint (ckpt-*.json) in the run directory`);
  return await loadModelFile(last, params);
}

/**
 * Load a checkpoint or model file sidecar (`.json`), e.g. the pretrained
 * `PRETRAINED_MODEL`: EMA parameters by default.
 */
export async function loadModelFile(
  sidecar: string,
  params: ParamsKind = "ema",
): Promise<RunModel> {
  const m = await loadTrainedModel(sidecar, { params });
  return {
    config: m.config,
    run: runConfigSchema.parse(m.sidecar.config),
    step: m.sidecar.step,
    params: m.params,
  };
}
