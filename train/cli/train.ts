/**
 * `deno task train`: train AlphaFold2 on real proteins.
 *
 *   deno task train [--preset tiny|small|af2] [--data DIR] [--steps N] [--crop N]
 *                   [--out RUN_DIR] [--resume] [--snapshot-every N | --snapshot-schedule log]
 *                   [--config FILE.json] [--seed N] [--no-report] [--debug]
 *
 * Misuse (unknown flags, bad values, missing files) prints one line and exits 2.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { existsSync } from "node:fs";
import cliProgress from "cli-progress";
import { type RunConfig, runConfigSchema } from "../config.ts";
import { af2Training } from "../af2_task.ts";
import { trainLoop } from "../loop.ts";
import { listCheckpoints } from "../../model/checkpoint.ts";
import { logSpacedSteps } from "../../analysis/snapshots.ts";
import { writeTextFileAtomic } from "../../model/io/atomic.ts";
import { writeTrainingReport } from "../report.ts";
import { lockRun } from "../run_lock.ts";
import { PRESETS } from "../../model/af2/config.ts";

/** Bad usage: reported as one line with exit code 2. */
export class UsageError extends Error {}

const BUNDLED = new URL("../../data/sample", import.meta.url).pathname;

const FLAGS = {
  preset: { type: "string" },
  data: { type: "string" },
  steps: { type: "string" },
  crop: { type: "string" },
  out: { type: "string" },
  resume: { type: "boolean" },
  "snapshot-every": { type: "string" },
  "snapshot-schedule": { type: "string" },
  config: { type: "string" },
  seed: { type: "string" },
  "max-recycles": { type: "string" },
  "no-report": { type: "boolean" },
  quiet: { type: "boolean" },
  debug: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

function intFlag(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new UsageError(`--${name} must be an integer, got "${v}"`);
  return Number(v);
}

/** Parse argv into a validated run config and the run directory. */
export async function parseTrainArgs(argv: string[]): Promise<
  { config: RunConfig; dir: string; resume: boolean; report: boolean; quiet: boolean } | "help"
> {
  let values;
  try {
    values =
      parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return "help";
  const dir = values.out ?? "runs/default";
  const resume = values.resume ?? false;
  let base: Record<string, unknown> = {};
  if (values.config) {
    if (!existsSync(values.config)) throw new UsageError(`--config: no such file ${values.config}`);
    try {
      base = JSON.parse(await Deno.readTextFile(values.config));
    } catch (e) {
      throw new UsageError(`--config ${values.config}: ${(e as Error).message}`);
    }
  } else if (resume && existsSync(`${dir}/config.json`)) {
    base = JSON.parse(await Deno.readTextFile(`${dir}/config.json`));
  }
  const flags: Record<string, unknown> = {
    preset: values.preset,
    data: values.data,
    steps: intFlag("steps", values.steps),
    crop: intFlag("crop", values.crop),
    seed: intFlag("seed", values.seed),
    max_recycles: intFlag("max-recycles", values["max-recycles"]),
  };
  const every = intFlag("snapshot-every", values["snapshot-every"]);
  const schedule = values["snapshot-schedule"];
  if (every !== undefined && schedule !== undefined) {
    throw new UsageError("give either --snapshot-every or --snapshot-schedule, not both");
  }
  if (schedule !== undefined && schedule !== "log") {
    throw new UsageError(`--snapshot-schedule must be "log", got "${schedule}"`);
  }
  const merged: Record<string, unknown> = { data: BUNDLED, ...base };
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) merged[k] = v;
  if (every !== undefined) merged.snapshots = { schedule: "every", every };
  if (schedule === "log") merged.snapshots = { schedule: "log" };
  const r = runConfigSchema.safeParse(merged);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new UsageError(`config field ${i.path.join(".") || "(root)"}: ${i.message}`);
  }
  const config = r.data;
  if (!(config.preset in PRESETS)) {
    throw new UsageError(
      `unknown preset "${config.preset}" (have: ${Object.keys(PRESETS).join(", ")})`,
    );
  }
  try {
    // Readable, not just present: a chmod-000 directory fails here, not mid-setup.
    for (const _ of Deno.readDirSync(config.data)) break;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new UsageError(`--data: no such directory ${config.data}`);
    }
    throw new UsageError(`--data: cannot read directory ${config.data} (${(e as Error).name})`);
  }
  return { config, dir, resume, report: !values["no-report"], quiet: values.quiet ?? false };
}

async function main(argv: string[]): Promise<number> {
  const parsed = await parseTrainArgs(argv);
  if (parsed === "help") {
    console.log((await Deno.readTextFile(new URL(import.meta.url))).split("*/")[0]);
    return 0;
  }
  const { dir } = parsed;
  // Lock before touching the run directory: a second trainer refuses at once.
  const release = await lockRun(dir);
  try {
    return await train(parsed);
  } finally {
    await release();
  }
}

async function train(
  { config, dir, resume, ...parsed }: Exclude<Awaited<ReturnType<typeof parseTrainArgs>>, "help">,
): Promise<number> {
  const existing = await listCheckpoints(dir);
  if (existing.length > 0 && !resume) {
    throw new UsageError(
      `${dir} already has checkpoints: pass --resume to continue it, or another --out`,
    );
  }
  await Deno.mkdir(dir, { recursive: true });
  await writeTextFileAtomic(`${dir}/config.json`, JSON.stringify(config, null, 2) + "\n");

  const log = (m: string) => console.error(m);
  log(
    `denofold train: preset ${config.preset}, ${config.steps} steps, crop ${config.crop}, data ${config.data}`,
  );
  const t0 = performance.now();
  const af2 = await af2Training(config, dir);
  log(
    `dataset: ${af2.dataset.split("train").length} train / ${
      af2.dataset.split("val").length
    } val chains; ` +
      `${af2.task.step.params.length} parameter tensors; setup ${
        ((performance.now() - t0) / 1000).toFixed(1)
      } s`,
  );
  if (config.probes > 0) await af2.writeProbes();

  const snapshotSteps = config.snapshots.schedule === "log"
    ? logSpacedSteps(config.steps, config.snapshots.count)
    : Array.from(
      { length: Math.floor(config.steps / config.snapshots.every) },
      (_, i) => (i + 1) * config.snapshots.every,
    );
  const bar = parsed.quiet || !Deno.stderr.isTerminal() ? undefined : new cliProgress.SingleBar({
    format: "step {value}/{total} [{bar}] loss {loss} | {rate} steps/s | ETA {eta_formatted}",
    hideCursor: true,
  }, cliProgress.Presets.shades_classic);
  const started = performance.now();
  let startStep = -1;
  const { end, state } = await trainLoop(af2.task, af2.initial, {
    dir,
    steps: config.steps,
    batchSize: config.batch_size,
    seed: config.seed,
    schedule: config.schedule,
    checkpointEvery: config.checkpoint_every,
    keepLast: config.keep_last,
    validateEvery: config.validate_every,
    snapshotSteps: new Set(snapshotSteps),
    maxConsecutiveSkips: config.max_consecutive_skips,
    config: config as unknown as Record<string, unknown>,
    log,
    onStep(n, r) {
      if (startStep < 0) {
        startStep = n - 1;
        bar?.start(config.steps, startStep, { loss: "-", rate: "-" });
      }
      const rate = (n - startStep) / ((performance.now() - started) / 1000);
      if (bar) bar.update(n, { loss: r.loss.toFixed(3), rate: rate.toFixed(2) });
      else if (!parsed.quiet && (n % 10 === 0 || n === config.steps)) {
        log(`step ${n}/${config.steps} loss ${r.loss.toFixed(3)} ${rate.toFixed(2)} steps/s`);
      }
    },
  });
  bar?.stop();
  log(`training ${end} at step ${state.step} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  if (parsed.report) {
    const parameters = af2.task.step.params.reduce(
      (n, p) => n + p.shape.reduce((a, b) => a * b, 1),
      0,
    );
    const seconds = (performance.now() - t0) / 1000;
    const path = await writeTrainingReport(dir, af2, state, { config, seconds, parameters });
    log(`report: ${path}`);
  }
  return end === "too_many_skips" ? 1 : 0;
}

if (import.meta.main) {
  const debug = Deno.args.includes("--debug");
  try {
    Deno.exit(await main(Deno.args));
  } catch (e) {
    if (debug) console.error(e);
    const usage = e instanceof UsageError;
    console.error(`train: ${(e as Error).message}`);
    Deno.exit(usage ? 2 : 1);
  }
}
