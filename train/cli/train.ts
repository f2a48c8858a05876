/**
 * `deno task train`: train AlphaFold2 on real proteins. {@link TRAIN_CLI} is
 * its usage; the run config (train/config.ts) comes from `--config`, or the
 * run's own config.json on `--resume`, with the flags on top.
 *
 * @module
 */

import { z } from "zod";
import cliProgress from "cli-progress";
import { type RunConfig, runConfigSchema } from "../config.ts";
import { af2Training, trainingChains } from "../af2_task.ts";
import { trainLoop } from "../loop.ts";
import {
  checkCheckpoint,
  listCheckpoints,
  readSidecar,
  shapeMismatch,
  type Sidecar,
} from "../../model/checkpoint.ts";
import { modelParamSpecs } from "../../model/params.ts";
import { runModelConfig } from "../../model/trained.ts";
import { lossConfig, type LossConfigOverrides } from "../../model/losses/config.ts";
import { logSpacedSteps } from "../../analysis/snapshots.ts";
import { readRunMetrics } from "../../analysis/run_metrics.ts";
import { writeTextFileAtomic } from "../../model/io/atomic.ts";
import { notRegular } from "../../model/io/bounded.ts";
import { writeTrainingReport } from "../report.ts";
import { lockRun } from "../run_lock.ts";
import { PRESETS } from "../../model/af2/config.ts";
import { InputError, ParseError, RunError, UsageError } from "../../model/util/errors.ts";
import { requireDevice } from "../../model/graph/runtime.ts";
import { type Communicator, runDistributed } from "../dist/mpi.ts";
import {
  checkOutputs,
  type CliSpec,
  inputPath,
  intFlag,
  readJsonFile,
  requireReadable,
  runCli,
  textFlag,
} from "./kit.ts";

const BUNDLED = new URL("../../data/sample", import.meta.url).pathname;

/** The train command's flags, usage and schema. */
export const TRAIN_CLI = {
  name: "train",
  synopsis: [
    "deno task train [--preset NAME] [--data DIR] [--steps N] [--out RUN_DIR] [--resume] ...",
  ],
  about: `Trains a model on the proteins of --data (default: the bundled sample, data/sample) and
writes checkpoints, metrics.jsonl, learning-dynamics snapshots and report.html to --out. The run
config comes from --config, or from RUN_DIR/config.json on --resume, with the flags on top.`,
  flags: {
    preset: {
      value: "NAME",
      help: `the model: ${Object.keys(PRESETS).join(", ")} (default small)`,
    },
    data: {
      value: "DIR",
      help: "data root: the ../shared/data layout (default data/sample) or an OpenFold root " +
        "(DIR/alignments or DIR/alignment_db, and DIR/mmcif)",
    },
    steps: { value: "N", help: "total training steps (default 2000)" },
    "stop-at": {
      value: "N",
      help: "checkpoint and stop after step N; the run stays --steps long (--resume continues it)",
    },
    crop: { value: "N", help: "residues per training crop (default 48)" },
    out: { value: "RUN_DIR", help: "the run directory (default runs/default)" },
    resume: { help: "continue the run in RUN_DIR from its newest checkpoint" },
    "snapshot-every": { value: "N", help: "a learning-dynamics snapshot every N steps" },
    "snapshot-schedule": {
      value: "log",
      help: "log-spaced snapshots (the default; snapshots.count of them)",
    },
    config: { value: "FILE.json", help: "a run config (train/config.ts); flags override it" },
    "init-from": {
      value: "FILE",
      help: "start from these weights: DeepMind .npz, a model/checkpoint .json, or .safetensors",
    },
    seed: { value: "N", help: "the run's seed (default 0)" },
    "max-recycles": { value: "N", help: "recycling iterations sampled per step, 0..N (default 0)" },
    "batch-size": {
      value: "N",
      help: "samples per optimizer update (default 1); under mpirun split over the ranks",
    },
    plan: { value: "KIND", help: "single (one graph) or blocks (one per block); default by depth" },
    "chunk-budget": {
      value: "ELEMENTS",
      help: "memory budget: the largest intermediate of every chunked op, in elements",
    },
    device: { value: "NAME", help: "cpu (default) or cuda" },
    threads: {
      value: "N",
      help: "onnxruntime threads per process (default: the node's cores over its ranks)",
    },
    "no-report": { help: "do not write report.html at the end" },
    quiet: { help: "no progress bar or per-step lines" },
  },
  schema: z.object({
    preset: textFlag().optional(),
    data: textFlag().optional(),
    steps: intFlag().optional(),
    stopAt: intFlag({ min: 1 }).optional(),
    crop: intFlag().optional(),
    out: textFlag().default("runs/default"),
    resume: z.boolean().default(false),
    snapshotEvery: intFlag().optional(),
    snapshotSchedule: z.literal("log", { error: 'must be "log"' }).optional(),
    config: inputPath("file").optional(),
    initFrom: inputPath("file").optional(),
    seed: intFlag().optional(),
    maxRecycles: intFlag().optional(),
    batchSize: intFlag().optional(),
    plan: z.enum(["single", "blocks"], { error: "must be single or blocks" }).optional(),
    chunkBudget: intFlag().optional(),
    device: z.enum(["cpu", "cuda"], { error: "must be cpu or cuda" }).optional(),
    threads: intFlag({ min: 1 }).optional(),
    noReport: z.boolean().default(false),
    quiet: z.boolean().default(false),
  }).refine((a) => a.snapshotEvery === undefined || a.snapshotSchedule === undefined, {
    message: "give either --snapshot-every or --snapshot-schedule, not both",
  }),
  failure: "also when training stopped after too many consecutive skipped (non-finite) steps",
} satisfies CliSpec;

/** The validated flags of `deno task train`. */
type TrainFlags = z.output<typeof TRAIN_CLI.schema>;

/**
 * The run config of the flags: `--config` (or the run's config.json on
 * `--resume`), the flags on top, validated; a problem names the file or flag.
 */
async function runConfigOf(flags: TrainFlags): Promise<RunConfig> {
  let file: string | undefined;
  if (flags.config) file = flags.config;
  else if (flags.resume) {
    const own = `${flags.out}/config.json`;
    if (await Deno.stat(own).then(() => true, () => false)) file = own;
  }
  const base = file ? await readJsonFile(file, flags.config ? "--config" : undefined) : {};
  if (typeof base !== "object" || base === null || Array.isArray(base)) {
    throw new ParseError({ file: file! }, "a run config is a JSON object");
  }
  const fromFlags: Record<string, unknown> = {
    preset: flags.preset,
    data: flags.data,
    steps: flags.steps,
    crop: flags.crop,
    seed: flags.seed,
    max_recycles: flags.maxRecycles,
    batch_size: flags.batchSize,
    plan: flags.plan,
    chunk_budget: flags.chunkBudget,
    device: flags.device,
    init_from: flags.initFrom,
  };
  if (flags.snapshotEvery !== undefined) {
    fromFlags.snapshots = { schedule: "every", every: flags.snapshotEvery };
  }
  if (flags.snapshotSchedule === "log") fromFlags.snapshots = { schedule: "log" };
  const merged: Record<string, unknown> = { data: BUNDLED, ...base };
  for (const [k, v] of Object.entries(fromFlags)) if (v !== undefined) merged[k] = v;
  const r = runConfigSchema.safeParse(merged);
  if (!r.success) {
    const i = r.error.issues[0];
    const key = String(i.path[0] ?? "");
    // A field the file set (and no flag overrode), or a key no flag can set, is the
    // file's problem: name it.
    const inFile = i.code === "unrecognized_keys" || (key in base && fromFlags[key] === undefined);
    const where = file && inFile ? `${file}: ` : "";
    throw new UsageError(`${where}config field ${i.path.join(".") || "(root)"}: ${i.message}`);
  }
  const config = r.data;
  if (!(config.preset in PRESETS)) {
    throw new UsageError(
      `unknown preset "${config.preset}" (have: ${Object.keys(PRESETS).join(", ")})`,
    );
  }
  requireReadable(
    config.data,
    "directory",
    flags.data !== undefined ? "--data" : "config field data",
  );
  if (config.cluster_file !== undefined) {
    requireReadable(config.cluster_file, "file", "config field cluster_file");
  }
  // The model and loss overrides, checked now rather than after the lock is taken.
  const model = runModelConfig(config);
  // A model with a pTM head trains it (OpenFold's _ptm configs: tm weight 0.1), unless the
  // config weighs it; written into the run's config, so its checkpoints say so.
  const loss = config.loss as { tm?: { weight?: unknown } };
  if (model.heads.tm.enabled && loss.tm?.weight === undefined) {
    config.loss = { ...config.loss, tm: { ...loss.tm, weight: 0.1 } };
  }
  lossConfig(config.loss_stage, config.loss as LossConfigOverrides);
  return config;
}

async function trainCommand(flags: TrainFlags): Promise<void> {
  const config = await runConfigOf(flags);
  // Where the run goes, before anything is locked, made or written.
  checkOutputs([{ path: flags.out, label: "--out", kind: "directory" }], [
    { path: config.data, label: flags.data !== undefined ? "--data" : "the data root" },
    ...(flags.config ? [{ path: flags.config, label: "--config" }] : []),
  ]);
  await requireDevice(config.device);
  // One process, or every rank of an MPI job (mpirun / srun): one code path.
  await runDistributed(async (comm) => {
    // Rank 0 locks before touching the run directory: a second trainer refuses at once.
    const release = comm.isRoot ? await lockRun(flags.out) : async () => {};
    try {
      await train(config, flags, comm);
    } finally {
      await release();
    }
  });
}

/** "a", "a and b", "a, b and c". */
function listed(items: string[]): string {
  return items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/**
 * The settings of a resumed run must fit the run, checked before anything is
 * written: the model they describe has the parameter shapes of the newest
 * usable checkpoint (a changed preset or model override would otherwise be
 * found only after config.json was rewritten), that checkpoint is complete (its
 * tensor file's header covers every state tensor), and --steps is not below
 * the step already reached. Checkpoints none of which is usable are refused.
 */
async function checkResume(config: RunConfig, dir: string, checkpoints: string[]): Promise<void> {
  const specs = modelParamSpecs(runModelConfig(config));
  const shapes = new Map(specs.map((p) => [p.name, p.shape]));
  const problems: string[] = [];
  for (const path of [...checkpoints].reverse()) {
    let sidecar: Sidecar;
    try {
      sidecar = await readSidecar(path);
    } catch (e) {
      problems.push((e as Error).message);
      continue; // a torn sidecar: the loop skips it too
    }
    const problem = shapeMismatch(sidecar.shapes, shapes);
    if (problem) {
      const was = (sidecar.config as { preset?: unknown }).preset;
      throw new InputError(
        `--resume: the settings describe another model than ${path} ` +
          `(preset ${config.preset}, the run's ${String(was)}): ${problem}`,
      );
    }
    try {
      await checkCheckpoint(path, { shapes });
    } catch (e) {
      problems.push((e as Error).message);
      continue;
    }
    if (config.steps < sidecar.step) {
      throw new InputError(
        `--resume: --steps ${config.steps} is below the step the run has reached ` +
          `(${sidecar.step}, ${path})`,
      );
    }
    return;
  }
  throw new InputError(
    `--resume: none of the ${checkpoints.length} checkpoint(s) in ${dir} is usable ` +
      `(newest: ${problems[0]})`,
  );
}

async function train(config: RunConfig, flags: TrainFlags, comm: Communicator): Promise<void> {
  const { out: dir, resume } = flags;
  const existing = await listCheckpoints(dir);
  if (existing.length > 0 && !resume) {
    throw new UsageError(
      `${dir} already has checkpoints: pass --resume to continue it, or another --out`,
    );
  }
  if (existing.length === 0) {
    // An earlier run (or files that look like one) with nothing to resume from: a new run
    // would rewrite its config.json, truncate its metrics.jsonl, replace its report and
    // snapshots. Refuse instead, with --resume or without.
    const prior = [];
    for (const f of ["config.json", "metrics.jsonl", "report.html", "snapshots"]) {
      if (await Deno.stat(`${dir}/${f}`).then(() => true, () => false)) prior.push(f);
    }
    if (prior.length) {
      throw new InputError(
        `${resume ? "--resume: " : ""}${dir} holds ${listed(prior)} but no checkpoint` +
          `${resume ? " to resume from" : ""}; train into another --out, or remove ` +
          `${prior.length > 1 ? "them" : "it"} to start over`,
      );
    }
  }
  // The run's own files are read back on resume (metrics.jsonl is truncated to the checkpoint):
  // a FIFO or device in their place would block or never end.
  for (const f of ["config.json", "metrics.jsonl"]) {
    const st = await Deno.stat(`${dir}/${f}`).catch(() => undefined);
    const what = st && notRegular(st);
    if (what) throw new InputError(`${dir}/${f} is ${what}, not a regular file`);
  }
  // Changed settings on --resume are checked before anything is written.
  if (resume) await checkResume(config, dir, existing);

  const log = comm.isRoot ? (m: string) => console.error(m) : () => {};
  log(
    `denofold train: preset ${config.preset}, ${config.steps} steps of ${config.batch_size} ` +
      `sample(s), crop ${config.crop}, data ${config.data}` +
      (comm.size > 1 ? `, ${comm.size} processes` : ""),
  );
  const t0 = performance.now();
  // Ranks sharing a node share its cores.
  const threads = flags.threads ??
    (comm.localSize > 1
      ? Math.max(1, Math.floor(navigator.hardwareConcurrency / comm.localSize))
      : undefined);
  const af2 = await af2Training(config, dir, { threads });
  // Only now, with the settings checked and the data and model set up, is the run's
  // config written: a resume that fails above leaves the old config.json as it was.
  if (comm.isRoot) {
    await Deno.mkdir(dir, { recursive: true });
    await writeTextFileAtomic(`${dir}/config.json`, JSON.stringify(config, null, 2) + "\n");
  }
  log(
    `dataset: ${af2.dataset.split("train").length} train / ${
      af2.dataset.split("val").length
    } val chains` +
      // A training-set ablation trains on part of the split: say how much.
      (config.train_ids || config.exclude_ids
        ? ` (${trainingChains(af2.dataset, config).length} of them train)`
        : "") +
      // An OpenFold root's filters: how many chains they left out (OpenFold logs them too).
      (af2.dataset.dropped.length ? ` (${af2.dataset.dropped.length} left out)` : "") +
      `; ${af2.task.step.params.length} parameter tensors; setup ${
        ((performance.now() - t0) / 1000).toFixed(1)
      } s`,
  );
  if (config.probes > 0 && comm.isRoot) await af2.writeProbes();

  const snapshotSteps = config.snapshots.schedule === "log"
    ? logSpacedSteps(config.steps, config.snapshots.count)
    : Array.from(
      { length: Math.floor(config.steps / config.snapshots.every) },
      (_, i) => (i + 1) * config.snapshots.every,
    );
  const bar = flags.quiet || !comm.isRoot || !Deno.stderr.isTerminal()
    ? undefined
    : new cliProgress.SingleBar({
      format: "step {value}/{total} [{bar}] loss {loss} | {rate} steps/s | ETA {eta_formatted}",
      hideCursor: true,
    }, cliProgress.Presets.shades_classic);
  const started = performance.now();
  let startStep = -1;
  const { end, state } = await trainLoop(af2.task, af2.initial, {
    dir,
    steps: config.steps,
    stopAt: flags.stopAt,
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
    comm,
    onStep(n, r) {
      if (startStep < 0) {
        startStep = n - 1;
        bar?.start(config.steps, startStep, { loss: "-", rate: "-" });
      }
      const rate = (n - startStep) / ((performance.now() - started) / 1000);
      if (bar) bar.update(n, { loss: r.loss.toFixed(3), rate: rate.toFixed(2) });
      else if (!flags.quiet && comm.isRoot && (n % 10 === 0 || n === config.steps)) {
        log(`step ${n}/${config.steps} loss ${r.loss.toFixed(3)} ${rate.toFixed(2)} steps/s`);
      }
    },
  });
  bar?.stop();
  log(`training ${end} at step ${state.step} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  if (end === "paused") log(`the run is ${config.steps} steps long: --resume continues it`);
  if (comm.isRoot) log(await lastValidation(dir, config.eval_params));
  if (!flags.noReport && comm.isRoot) {
    const parameters = af2.task.step.params.reduce(
      (n, p) => n + p.shape.reduce((a, b) => a * b, 1),
      0,
    );
    const seconds = (performance.now() - t0) / 1000;
    const path = await writeTrainingReport(dir, af2, state, { config, seconds, parameters });
    log(`report: ${path}`);
  }
  if (end === "too_many_skips") {
    throw new RunError(
      `stopped after ${config.max_consecutive_skips} consecutive skipped (non-finite) steps; ` +
        `the newest checkpoint in ${dir} is the last good step`,
    );
  }
}

if (import.meta.main) await runCli(TRAIN_CLI, trainCommand);

/** The run's newest whole-chain validation, as one line (what the run reached). */
async function lastValidation(dir: string, params: string): Promise<string> {
  const v = (await readRunMetrics(`${dir}/metrics.jsonl`)).findLast((l) =>
    typeof l.val_lddt_ca === "number"
  );
  if (!v) return "no validation yet";
  const f = (x: number | null | undefined) => (typeof x === "number" ? x.toFixed(3) : "-");
  return `validation at step ${v.step} (whole held-out chains, ${params} parameters): lDDT-Cα ` +
    `${f(v.val_lddt_ca)} (an extended chain ${f(v.val_lddt_ca_extended_baseline)}), TM-score ` +
    `${f(v.val_tm_score)}, GDT-TS ${f(v.val_gdt_ts)}`;
}
