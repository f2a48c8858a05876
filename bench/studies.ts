/**
 * The paper's studies at our scale (issue 16), resumable across sessions:
 *
 *   deno run -A bench/studies.ts arms                 # the generalisation arms -> arms.json
 *   deno run -A bench/studies.ts test-ids             # the test chains of every arm
 *   deno run -A bench/studies.ts extent               # their true spatial extent -> test_extent.csv
 *   deno run -A bench/studies.ts train ARM            # train one arm (start or resume)
 *   deno run -A bench/studies.ts finish ARM           # its EMA model + whole-chain test eval
 *                                                     # (the test clusters of test_ids.txt)
 *   deno run -A bench/studies.ts summary              # generalization/summary.json
 *   deno run -A bench/studies.ts findings             # findings.json: what the README quotes
 *   deno run -A bench/studies.ts table                # the README's studies table (markdown)
 *
 * ARM is a generalisation arm (`all`, `size_2000`, `no_beta`, `no_beta_control`, …),
 * `seed_N` (the learning-dynamics study with seed N, log-spaced snapshots) or
 * `unclamped` (seed 1 trained without AF2's clamped FAPE, against `seed_1`).
 * Every generalisation arm runs the same recipe (the pretrained model's,
 * `STUDY_STEPS` steps), the dynamics runs `DYNAMICS_STEPS`, all
 * single-threaded on the backbone corpus of ../shared/data (its full-atom
 * chains are left out of every arm: the omissions classify chains by the
 * corpus's DSSP). The arm `all` IS the dynamics run `seed_1` paused at
 * `STUDY_STEPS` (`train all` trains seed_1 that far, `finish all` exports
 * and evaluates it there; `train seed_1` then goes on): the same training
 * set, seed and schedule, and probes and snapshots draw from their own random
 * streams and never change training. The runs live in
 * `runs/studies/<arm>/`, what a notebook needs (config, metrics, snapshots,
 * the final EMA model, the test evaluation) in `notebooks/studies/`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { existsSync } from "node:fs";
import { learningDynamics } from "../analysis/dynamics.ts";
import { readRunMetrics } from "../analysis/run_metrics.ts";
import {
  findingsSpread,
  longRangeChance,
  type SeedFindings,
  seedFindings,
  spreadOf,
} from "../analysis/seed_spread.ts";
import { readSnapshots } from "../analysis/snapshots.ts";
import { runStability } from "../analysis/stability.ts";
import { relative } from "node:path";
import { Dataset } from "../train/data/dataset.ts";
import { metricsUpTo } from "../train/loop.ts";
import { ablationArms, type Arm, trainingPool } from "../train/ablation.ts";
import { listCheckpoints, readSidecar } from "../model/checkpoint.ts";
import { exportTrainedModel } from "../model/trained.ts";
import { writeTextFileAtomic } from "../model/io/atomic.ts";
import { InputError } from "../model/util/errors.ts";
import { Rng } from "../model/util/rng.ts";
import { checkoutRelative, SHARED_DATA, trainBudgeted } from "./budgeted_train.ts";
import { evalOnTest } from "./test_eval.ts";
import { caCoords } from "../analysis/protein_coords.ts";
import { parseChainsCsv } from "../train/evaluate.ts";
import { CHAIN_CLASSES, EXTENT_BANDS, groupMeans, parseExtentCsv } from "../train/test_groups.ts";
import { dimensionality } from "../analysis/dimensionality.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const STUDIES = `${ROOT}notebooks/studies`;
const RUNS = `${ROOT}runs/studies`;
/**
 * Steps of every arm (the same recipe and length for all): 4,000 single-thread
 * steps (~0.6 CPU-h) is where the pretrained run's whole-chain val lDDT-Cα
 * passed 0.33 (3.5x the extended-chain baseline), so an arm has learnt folds,
 * and a dozen arms fit in the CPU time of two sessions.
 */
export const STUDY_STEPS = 4000;
/**
 * The test clusters every arm is evaluated on: one whole chain from each of
 * TEST_CLUSTERS test clusters drawn with a fixed seed (evaluating all 737 test
 * chains takes ~30 min per arm on one core).
 */
const TEST_CLUSTERS = 240;
/** Subset sizes of the generalisation study (chains, drawn by cluster). */
const SIZES = [4000, 2000, 1000];

/**
 * Steps of the dynamics runs (seeds and unclamped): the one-seed study of
 * notebooks/study (the same recipe) reached its later milestones — axes 2 and
 * 3, strands learnt, long-range contacts above chance — between steps 4,000
 * and 5,043, so 4,000 steps would end before them.
 */
export const DYNAMICS_STEPS = 6000;
/** The generalisation arm that is the dynamics run seed_1 paused at STUDY_STEPS. */
const ALL_ARM = "all";

/** Where an arm's committed files go. */
function home(arm: string): string {
  return arm.startsWith("seed_") || arm === "unclamped"
    ? `${STUDIES}/dynamics/${arm}`
    : `${STUDIES}/generalization/${arm}`;
}

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await Deno.readTextFile(path)) as T;
}

/** The generalisation arms, written once (ids as exclusions or inclusions, whichever is shorter). */
async function writeArms(data: string): Promise<void> {
  const ds = await Dataset.open(data);
  const pool = await trainingPool(ds, `${data}/backbone/pm3_backbone.jsonl.gz`);
  const arms = ablationArms(pool, { sizes: SIZES, omit: ["strand", "helix"], seed: 0 });
  await Deno.mkdir(`${STUDIES}/generalization`, { recursive: true });
  // Exclusions are relative to the whole train split: chains outside the pool never train.
  const all = new Set(ds.split("train").map((e) => e.id));
  const compact = arms.map((a) => {
    const kept = new Set(a.ids);
    const excluded = [...all].filter((id) => !kept.has(id));
    return {
      name: a.name,
      kind: a.kind,
      omitted: a.omitted ?? null,
      train_chains: a.ids.length,
      ...(excluded.length <= a.ids.length ? { exclude_ids: excluded } : { train_ids: a.ids }),
    };
  });
  await writeTextFileAtomic(
    `${STUDIES}/generalization/arms.json`,
    JSON.stringify({ pool: pool.ids.length, data: checkoutRelative(data), arms: compact }) + "\n",
  );
  for (const a of compact) console.log(`${a.name}: ${a.train_chains} chains`);
}

type CompactArm = Omit<Arm, "ids"> & {
  train_chains: number;
  train_ids?: string[];
  exclude_ids?: string[];
};

/** The run config of an arm: the pretrained recipe, STUDY_STEPS steps, the arm's change. */
async function armConfig(arm: string, data: string): Promise<Record<string, unknown>> {
  const base = await readJson<Record<string, unknown>>(
    `${ROOT}bench/results/pretrained/config.json`,
  );
  const config: Record<string, unknown> = {
    ...base,
    data: checkoutRelative(data),
    steps: STUDY_STEPS,
    checkpoint_every: 250,
    keep_last: 1,
    validate_every: 500,
    probes: 0,
  };
  const { arms } = await readJson<{ arms: CompactArm[] }>(
    `${STUDIES}/generalization/arms.json`,
  );
  const trainingSet = (a: CompactArm) => ({
    ...(a.train_ids ? { train_ids: a.train_ids } : {}),
    ...(a.exclude_ids?.length ? { exclude_ids: a.exclude_ids } : {}),
  });
  const seed = /^seed_(\d+)$/.exec(arm);
  if (seed || arm === "unclamped") {
    // The dynamics study: probes and log-spaced snapshots, as notebooks/study.
    return {
      ...config,
      steps: DYNAMICS_STEPS,
      seed: seed ? Number(seed[1]) : 1,
      ...trainingSet(arms.find((x) => x.name === ALL_ARM)!),
      probes: 8,
      // Dense log-spaced snapshots (consecutive ones ~7 % apart late in the run): a
      // finding's spread over seeds should not be the snapshot grid's.
      snapshots: { schedule: "log", count: 96, every: 100 },
      ...(arm === "unclamped" ? { clamped_fape_prob: 0 } : {}),
    };
  }
  const a = arms.find((x) => x.name === arm);
  if (!a) throw new InputError(`unknown arm "${arm}" (have: ${arms.map((x) => x.name)})`);
  return { ...config, seed: 1, ...trainingSet(a) };
}

async function train(arm: string, data: string): Promise<number> {
  // `all` is seed_1 trained to STUDY_STEPS (and paused there if it is longer).
  const run = arm === ALL_ARM ? "seed_1" : arm;
  const pause = arm === ALL_ARM ? ["--stop-at", String(STUDY_STEPS)] : [];
  await Deno.mkdir(home(run), { recursive: true });
  const cfgPath = `${home(run)}/config.json`;
  if (!(await Deno.stat(cfgPath).then(() => true, () => false))) {
    await writeTextFileAtomic(cfgPath, JSON.stringify(await armConfig(run, data)) + "\n");
  }
  const dir = `${RUNS}/${run}`;
  const code = await trainBudgeted(dir, cfgPath, Infinity, [
    "--data",
    checkoutRelative(data),
    ...pause,
  ]);
  await Deno.copyFile(`${dir}/metrics.jsonl`, `${home(run)}/metrics.jsonl`).catch(() => {});
  return code;
}

/** The checkpoint an arm is finished from: the run's newest, for `all` seed_1's at STUDY_STEPS. */
async function finalCheckpoint(arm: string): Promise<string> {
  if (arm !== ALL_ARM) {
    const last = (await listCheckpoints(`${RUNS}/${arm}`)).at(-1);
    if (!last) throw new InputError(`${RUNS}/${arm}: no checkpoint`);
    return last;
  }
  const at = (await listCheckpoints(`${RUNS}/seed_1`)).find((p) =>
    p.endsWith(`ckpt-${String(STUDY_STEPS).padStart(8, "0")}.json`)
  );
  if (!at) {
    throw new InputError(
      `${RUNS}/seed_1 has no checkpoint at step ${STUDY_STEPS}: run \`train all\` (seed_1 ` +
        `paused there) and \`finish all\` before seed_1 goes on`,
    );
  }
  return at;
}

/**
 * `notebooks/studies/test_ids.txt`, written once: one chain (the first by id)
 * of each of TEST_CLUSTERS test clusters drawn with seed 0; every arm's eval.
 */
async function testIds(data: string): Promise<string> {
  const path = `${STUDIES}/test_ids.txt`;
  if (await Deno.stat(path).then(() => true, () => false)) return path;
  const ds = await Dataset.open(data);
  const byCluster = new Map<string, string[]>();
  for (const e of ds.split("test")) {
    const key = String(e.cluster);
    byCluster.set(key, [...(byCluster.get(key) ?? []), e.id]);
  }
  const clusters = [...byCluster.keys()].sort();
  const order = new Rng(0).permutation(clusters.length);
  const ids = [...order.slice(0, TEST_CLUSTERS)]
    .map((i) => byCluster.get(clusters[i])!.sort()[0])
    .sort();
  await writeTextFileAtomic(path, ids.join("\n") + "\n");
  return path;
}

/**
 * `notebooks/studies/test_extent.csv`: the spatial extent of every test
 * chain's TRUE structure (Cα), for breaking the arms' accuracy down by it —
 * the radius of gyration, that radius over a globular chain's of the same
 * length (2.2 N^0.38 Å, Skolnick et al. 1997; > 1 is elongated or
 * multi-lobed) and the effective dimension of the Cα cloud (1 a rod, 3 a
 * sphere).
 */
async function extent(data: string): Promise<void> {
  const ids = (await Deno.readTextFile(await testIds(data))).trim().split("\n");
  const ds = await Dataset.open(data);
  const byId = new Map(ds.split("test").map((e) => [e.id, e]));
  const rows = ["id,length,rg,rg_over_globular,effective_dimension"];
  for (const id of ids) {
    const entry = byId.get(id);
    if (!entry) {
      throw new InputError(`${STUDIES}/test_ids.txt: ${id} is not a test chain of ${data}`);
    }
    const { structure } = await ds.loadInput(entry);
    const { xyz, mask } = caCoords(structure!);
    const d = dimensionality(xyz, mask);
    const n = mask.reduce((a, b) => a + b, 0);
    rows.push(
      [
        id,
        entry.length,
        d.radiusOfGyration.toFixed(2),
        (d.radiusOfGyration / (2.2 * n ** 0.38)).toFixed(3),
        d.effectiveDimension.toFixed(3),
      ].join(","),
    );
  }
  await writeTextFileAtomic(`${STUDIES}/test_extent.csv`, rows.join("\n") + "\n");
  console.log(`${STUDIES}/test_extent.csv: ${ids.length} chains`);
}

async function finish(arm: string, data: string): Promise<number> {
  const ckpt = await finalCheckpoint(arm);
  const dir = ckpt.replace(/\/[^/]*$/, "");
  await Deno.mkdir(home(arm), { recursive: true });
  const model = await exportTrainedModel(ckpt, `${home(arm)}/model`, "ema");
  // Metrics up to the checkpoint (for `all`, seed_1's first STUDY_STEPS steps).
  const step = (await readSidecar(ckpt)).step;
  const text = await Deno.readTextFile(`${dir}/metrics.jsonl`);
  await writeTextFileAtomic(`${home(arm)}/metrics.jsonl`, metricsUpTo(text, step));
  // The dynamics arms keep their snapshots (the notebooks read them as notebooks/study's).
  if (arm !== ALL_ARM && existsSync(`${dir}/snapshots`)) {
    await Deno.mkdir(`${home(arm)}/snapshots`, { recursive: true });
    for await (const e of Deno.readDir(`${dir}/snapshots`)) {
      if (e.isFile) {
        await Deno.copyFile(`${dir}/snapshots/${e.name}`, `${home(arm)}/snapshots/${e.name}`);
      }
    }
  }
  return await evalOnTest(model, data, `${home(arm)}/test`, await testIds(data));
}

/** generalization/summary.json: every finished arm's test figures. */
async function summary(): Promise<void> {
  const { arms } = await readJson<{ arms: CompactArm[] }>(
    `${STUDIES}/generalization/arms.json`,
  );
  const rows = [];
  for (const a of arms) {
    const s = await readJson<{ lddt_ca_mean: number; tm_score_mean: number; n: number }>(
      `${home(a.name)}/test/summary.json`,
    ).catch(() => undefined);
    if (!s) continue;
    const metrics = (await Deno.readTextFile(`${home(a.name)}/metrics.jsonl`)).trim().split("\n");
    rows.push({
      arm: a.name,
      // The arm's test evaluation, relative to this file (the arm `all` is seed_1's run).
      test_dir: relative(`${STUDIES}/generalization`, `${home(a.name)}/test`),
      ...(a.name === ALL_ARM ? { run: "dynamics/seed_1, paused at this step" } : {}),
      kind: a.kind,
      train_chains: a.train_chains,
      // A control omits nothing: it is a random set the size of its omission arm's.
      omitted: a.kind === "omit" ? a.omitted ?? null : null,
      ...(a.kind === "control"
        ? { control_for: arms.find((b) => b.kind === "omit" && b.omitted === a.omitted)?.name }
        : {}),
      seed: 1,
      steps: JSON.parse(metrics.at(-1)!).step,
      test_chains: s.n,
      test_lddt_ca: s.lddt_ca_mean,
      test_tm: s.tm_score_mean,
    });
  }
  await writeTextFileAtomic(
    `${STUDIES}/generalization/summary.json`,
    JSON.stringify(rows, null, 1) + "\n",
  );
  console.table(rows);
}

/**
 * The README's studies tables (markdown on stdout): every finished arm,
 * every dynamics run and the pretrained model, on the same test chains,
 * overall and by the test chain's class and extent (train/test_groups.ts, the
 * notebook's grouping); then each group over its run's mean.
 */
async function table(): Promise<void> {
  const { pool, arms } = await readJson<{ pool: number; arms: CompactArm[] }>(
    `${STUDIES}/generalization/arms.json`,
  );
  const extent = parseExtentCsv(
    await Deno.readTextFile(`${STUDIES}/test_extent.csv`),
    `${STUDIES}/test_extent.csv`,
  );
  const label = (a: CompactArm) =>
    a.name === ALL_ARM
      ? `all (seed_1 at step ${STUDY_STEPS.toLocaleString("en")})`
      : a.kind === "omit"
      ? `${a.name} (no mostly-${a.omitted === "strand" ? "β" : "α"})`
      : a.kind === "control"
      ? `${a.name} (random)`
      : a.name;
  const runs: { label: string; chains: number; dir: string }[] = arms.map((a) => ({
    label: label(a),
    chains: a.train_chains,
    dir: `${home(a.name)}/test`,
  }));
  const dyn = `${STUDIES}/dynamics`;
  for (const e of [...Deno.readDirSync(dyn)].sort((a, b) => a.name.localeCompare(b.name))) {
    const name = e.name === "unclamped" ? "unclamped (seed 1, FAPE never clamped)" : e.name;
    runs.push({ label: `dynamics ${name}`, chains: pool, dir: `${dyn}/${e.name}/test` });
  }
  // The pretrained run also trained on the full-atom chains every arm leaves out.
  const fullAtom = arms.find((a) => a.name === ALL_ARM)?.exclude_ids?.length ?? 0;
  runs.push({
    label: "pretrained model",
    chains: pool + fullAtom,
    dir: `${ROOT}bench/results/pretrained/test_240`,
  });
  const groups = [...CHAIN_CLASSES, ...EXTENT_BANDS];
  const head = ["run", "training chains", "steps", "lDDT-Cα", "TM", "α", "β", "mixed"]
    .concat(groups.slice(3));
  const rule = (cols: string[]) => `|${cols.map((_, k) => k ? " ---: " : " --- ").join("|")}|`;
  const lines = [`| ${head.join(" | ")} |`, rule(head)];
  // Runs differing only in seed shift every group alike; a group over its run's mean does not.
  const relHead = ["run", "α", "β", "mixed"].concat(groups.slice(3));
  const relative = [`| ${relHead.join(" | ")} |`, rule(relHead)];
  for (const r of runs) {
    const s = await readJson<{ lddt_ca_mean: number; tm_score_mean: number; step: number }>(
      `${r.dir}/summary.json`,
    ).catch(() => undefined);
    if (!s) continue;
    const rows = parseChainsCsv(await Deno.readTextFile(`${r.dir}/chains.csv`), r.dir);
    const m = groupMeans(rows, extent);
    const cells = [r.label, r.chains.toLocaleString("en"), s.step.toLocaleString("en")]
      .concat([s.lddt_ca_mean, s.tm_score_mean].map((x) => x.toFixed(3)))
      .concat(groups.map((g) => m[g]?.lddt?.toFixed(3) ?? "—"));
    lines.push(`| ${cells.join(" | ")} |`);
    const rel = groups.map((g) => ((m[g]?.lddt ?? NaN) / s.lddt_ca_mean).toFixed(2));
    relative.push(`| ${[r.label, ...rel].join(" | ")} |`);
  }
  console.log(lines.join("\n"));
  console.log(`\nEach group's lDDT-Cα over the run's mean on all test chains:\n`);
  console.log(relative.join("\n"));
}

/**
 * `notebooks/studies/findings.json`, what the README quotes: each committed
 * seed's dynamics findings and their spread, the clamped/unclamped stability
 * and test figures, and the arms' summary.
 */
async function findings(): Promise<void> {
  const dyn = `${STUDIES}/dynamics`;
  const seeds: SeedFindings[] = [];
  const entries = existsSync(dyn) ? [...Deno.readDirSync(dyn)] : [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const dir = `${dyn}/${e.name}`;
    if (!/^seed_\d+$/.test(e.name) || !existsSync(`${dir}/snapshots/probes.json`)) continue;
    const r = await readSnapshots(dir);
    const d = learningDynamics(r.probes, r.snapshots);
    seeds.push(seedFindings(e.name, d, longRangeChance(r.probes, d.truth)));
  }
  const clamping: Record<string, unknown> = {};
  for (const arm of ["seed_1", "unclamped"]) {
    if (!existsSync(`${home(arm)}/metrics.jsonl`)) continue;
    const { valLddt, ...s } = runStability(await readRunMetrics(`${home(arm)}/metrics.jsonl`));
    const test = await readJson<{ lddt_ca_mean: number; tm_score_mean: number }>(
      `${home(arm)}/test/summary.json`,
    ).catch(() => undefined);
    clamping[arm] = {
      ...s,
      val_lddt_ca_last: valLddt.at(-1) ?? null,
      test_lddt_ca: test?.lddt_ca_mean ?? null,
      test_tm: test?.tm_score_mean ?? null,
    };
  }
  const arms = await readJson<{ arm: string }[]>(`${STUDIES}/generalization/summary.json`)
    .catch(() => []);
  // The noise floor of an arm comparison: runs differing only in seed, at the arms' length
  // (whole-chain validation at STUDY_STEPS, the same 16 chains for every run).
  const valAt = async (path: string) =>
    existsSync(path)
      ? (await readRunMetrics(path)).find((l) => l.step === STUDY_STEPS)?.val_lddt_ca ?? null
      : null;
  const seedVal: Record<string, number | null> = {};
  for (const f of seeds) seedVal[f.run] = await valAt(`${dyn}/${f.run}/metrics.jsonl`);
  const armVal: Record<string, number | null> = {};
  for (const a of arms) armVal[a.arm] = await valAt(`${home(a.arm)}/metrics.jsonl`);
  const noise = {
    what: `whole-chain val lDDT-Cα at step ${STUDY_STEPS}: seeds of the full set, and every arm`,
    seeds: seedVal,
    seed_spread: spreadOf(Object.values(seedVal)),
    arms: armVal,
  };
  const out = { seeds, spread: findingsSpread(seeds), clamping, arms, noise };
  await writeTextFileAtomic(`${STUDIES}/findings.json`, JSON.stringify(out, null, 1) + "\n");
  console.log(JSON.stringify({ spread: out.spread, clamping, noise }, null, 1));
}

if (import.meta.main) {
  const { positionals, values } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: { data: { type: "string", default: SHARED_DATA } },
  });
  const [what, arm] = positionals;
  if (what === "arms") await writeArms(values.data);
  else if (what === "train" && arm) Deno.exit(await train(arm, values.data));
  else if (what === "finish" && arm) Deno.exit(await finish(arm, values.data));
  else if (what === "summary") await summary();
  else if (what === "findings") await findings();
  else if (what === "table") await table();
  else if (what === "test-ids") console.log(await testIds(values.data));
  else if (what === "extent") await extent(values.data);
  else {
    console.error(
      "usage: deno run -A bench/studies.ts arms | test-ids | extent | train ARM | finish ARM | summary | findings | table",
    );
    Deno.exit(2);
  }
}
