/**
 * Recipe experiments (issue 15): which settings buy whole-chain validation
 * lDDT-Cα per CPU-hour. Each experiment is the base recipe with one change,
 * trained single-threaded for a fixed CPU time (training steps only; the
 * machine is shared, so wall time would not be fair) on the backbone corpus of
 * ../shared/data (validation every 250 steps on 16 whole held-out chains of
 * at most 192 residues, EMA parameters), its config and metrics kept in
 * `bench/results/recipe/<name>/`.
 *
 *   deno run -A bench/recipe.ts run NAME [--cpu-hours H] [--data ROOT]
 *   deno run -A bench/recipe.ts table          # the README table from the results
 *
 * @module
 */

import { parseArgs } from "node:util";
import { existsSync } from "node:fs";
import { readRunMetrics } from "../analysis/run_metrics.ts";
import { writeTextFileAtomic } from "../model/io/atomic.ts";
import { InputError } from "../model/util/errors.ts";
import { checkoutRelative, SHARED_DATA, trainBudgeted } from "./budgeted_train.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const RESULTS = `${ROOT}bench/results/recipe`;

/** The base recipe: the committed study's settings with validation on whole chains. */
export const BASE: Record<string, unknown> = {
  preset: "small",
  steps: 1_000_000,
  crop: 64,
  msa_clusters: 16,
  extra_msa: 32,
  max_recycles: 0,
  seed: 1,
  schedule: {
    base_lr: 1e-3,
    warmup_steps: 50,
    decay_after: 1_000_000,
    decay_every: 50_000,
    decay_factor: 0.95,
  },
  checkpoint_every: 250,
  keep_last: 1,
  validate_every: 250,
  val_chains: 16,
  val_max_length: 192,
  probes: 0,
};

/** CPU-hours of training each experiment gets (the table reads every run up to here). */
export const BUDGET_H = 0.5;

/**
 * The base recipe's curve is the pretrained run's: its config differs only in
 * what training never reads (validation every 500 steps, checkpoints kept) and
 * in a decay from step 15,000, far past BUDGET_H; the base experiment's own
 * 1,335 steps had the pretrained run's losses bit for bit.
 */
const BASE_METRICS = `${ROOT}bench/results/pretrained/metrics.jsonl`;

/** The studies' dynamics runs: the base recipe with other seeds (bench/studies.ts). */
const DYNAMICS = `${ROOT}notebooks/studies/dynamics`;

/** Each experiment: what it changes, and the change. */
export const EXPERIMENTS: Record<string, { what: string; change: Record<string, unknown> }> = {
  base: { what: "the study's recipe (lr 1e-3 constant, crop 64, 16/32 MSA rows)", change: {} },
  lr3e3: {
    what: "learning rate 3e-3 (warm-up 200), halved every 2,000 steps after 4,000",
    change: {
      schedule: {
        base_lr: 3e-3,
        warmup_steps: 200,
        decay_after: 4000,
        decay_every: 2000,
        decay_factor: 0.5,
      },
    },
  },
  crop48: { what: "crop 48 residues", change: { crop: 48 } },
  crop96: { what: "crop 96 residues", change: { crop: 96 } },
  msa8: { what: "8 cluster + 16 extra MSA rows", change: { msa_clusters: 8, extra_msa: 16 } },
  blocks2: {
    what: "2 Evoformer blocks instead of 4",
    change: { model: { evoformer: { no_blocks: 2 } } },
  },
  narrow: {
    what: "half the widths: c_m 32, c_z 16, c_s 64 (small: 64, 32, 128)",
    change: { model: { c_m: 32, c_z: 16, c_s: 64 } },
  },
  batch4: {
    what: "batch 4, learning rate 2e-3",
    change: {
      batch_size: 4,
      schedule: {
        base_lr: 2e-3,
        warmup_steps: 50,
        decay_after: 1_000_000,
        decay_every: 50_000,
        decay_factor: 0.95,
      },
    },
  },
  structw: {
    what: "masked-MSA weight 0.5 (AF2 2.0), distogram 0.6 (0.3)",
    change: { loss: { masked_msa: { weight: 0.5 }, distogram: { weight: 0.6 } } },
  },
  recycle1: { what: "0–1 recycles sampled per step", change: { max_recycles: 1 } },
};

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const old = out[k];
    out[k] = v && typeof v === "object" && !Array.isArray(v) && old && typeof old === "object"
      ? merge(old as Record<string, unknown>, v as Record<string, unknown>)
      : v;
  }
  return out;
}

/**
 * Train experiment `name` until its training steps used `cpuHours` of CPU
 * (resuming a run that exists).
 */
async function run(name: string, cpuHours: number, data: string): Promise<void> {
  const exp = EXPERIMENTS[name];
  if (!exp) {
    throw new InputError(`unknown experiment "${name}" (have: ${Object.keys(EXPERIMENTS)})`);
  }
  const dir = `${ROOT}runs/recipe/${name}`;
  const config = merge({ ...BASE, data: checkoutRelative(data) }, exp.change);
  await Deno.mkdir(`${RESULTS}/${name}`, { recursive: true });
  await writeTextFileAtomic(
    `${RESULTS}/${name}/config.json`,
    JSON.stringify(config, null, 2) + "\n",
  );
  const code = await trainBudgeted(dir, `${RESULTS}/${name}/config.json`, cpuHours, [
    "--data",
    checkoutRelative(data),
  ]);
  await Deno.copyFile(`${dir}/metrics.jsonl`, `${RESULTS}/${name}/metrics.jsonl`);
  console.log(`${name}: exit ${code}`);
}

/**
 * Validation lDDT-Cα (EMA, whole chains) at the last validation within `cpuS`
 * seconds of training; undefined when the run has not trained that long.
 */
function atCpu(v: { cpu: number; lddt: number }[], cpuS: number, ranS: number): number | undefined {
  return ranS >= cpuS ? v.filter((p) => p.cpu <= cpuS).at(-1)?.lddt : undefined;
}

/** The README table of every experiment in bench/results/recipe/. */
async function table(): Promise<string> {
  const rows: string[] = [
    "| experiment | change | steps | s/step (1 thread) | val lDDT-Cα at 0.25 / 0.5 CPU-h | best val lDDT-Cα (at CPU-h) | TM-score then |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  // The base recipe's replicates: the studies' dynamics runs (same recipe, other seeds; the
  // backbone corpus only) show how far one run of the same recipe lands from another.
  const runs: [string, string, string][] = Object.entries(EXPERIMENTS).map(([name, exp]) => [
    name,
    exp.what,
    name === "base" ? BASE_METRICS : `${RESULTS}/${name}/metrics.jsonl`,
  ]);
  for (const e of existsSync(DYNAMICS) ? [...Deno.readDirSync(DYNAMICS)] : []) {
    const seed = /^seed_(\d+)$/.exec(e.name);
    if (!seed) continue;
    runs.push([
      `base, ${e.name}`,
      `the base recipe, seed ${seed[1]}, without the 831 full-atom chains (a studies run)`,
      `${DYNAMICS}/${e.name}/metrics.jsonl`,
    ]);
  }
  runs.sort((a, b) => (a[0].startsWith("base") ? 0 : 1) - (b[0].startsWith("base") ? 0 : 1));
  for (const [name, what, path] of runs) {
    let lines;
    try {
      lines = await readRunMetrics(path);
    } catch {
      continue;
    }
    // How long it trained (the table reads up to BUDGET_H of it).
    const ran = Number(lines.at(-1)!.train_cpu_s);
    lines = lines.filter((l) => Number(l.train_cpu_s) <= BUDGET_H * 3600);
    if (lines.length === 0) continue;
    const last = lines.at(-1)!;
    const val = lines.filter((l) => typeof l.val_lddt_ca === "number").map((l) => ({
      cpu: Number(l.train_cpu_s),
      lddt: Number(l.val_lddt_ca),
      tm: Number(l.val_tm_score),
    }));
    const best = val.reduce(
      (a, b) => (b.lddt > a.lddt ? b : a),
      val[0] ?? { cpu: 0, lddt: NaN, tm: NaN },
    );
    const f = (v?: number) => (v === undefined || Number.isNaN(v) ? "—" : v.toFixed(3));
    rows.push(
      `| ${name} | ${what} | ${last.step} | ${
        (Number(last.train_cpu_s) / Number(last.step)).toFixed(2)
      } | ` +
        `${f(atCpu(val, 900, ran))} / ${f(atCpu(val, 1800, ran))} | ${f(best.lddt)} (${
          (best.cpu / 3600).toFixed(2)
        }) | ${f(best.tm)} |`,
    );
  }
  return rows.join("\n");
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: { "cpu-hours": { type: "string" }, data: { type: "string" } },
    allowPositionals: true,
  });
  const [cmd, ...names] = positionals;
  if (cmd === "run") {
    for (const name of names) {
      await run(name, Number(values["cpu-hours"] ?? BUDGET_H), values.data ?? SHARED_DATA);
    }
  } else if (cmd === "table") console.log(await table());
  else {
    console.error("usage: deno run -A bench/recipe.ts run NAME ... [--cpu-hours H] | table");
    Deno.exit(2);
  }
}
