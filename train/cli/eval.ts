/**
 * `deno task eval`: predict WHOLE chains of a data root's split with a trained
 * model and score them (train/evaluate.ts). {@link EVAL_CLI} is its usage.
 *
 * @module
 */

import { z } from "zod";
import { loadTrainedModel, PRETRAINED_MODEL } from "../../model/trained.ts";
import { requireDevice } from "../../model/graph/runtime.ts";
import { writeTextFileAtomic } from "../../model/io/atomic.ts";
import { readText } from "../../model/io/text.ts";
import { InputError } from "../../model/util/errors.ts";
import { type ChainEntry, Dataset } from "../data/dataset.ts";
import { runDatasetOptions } from "../af2_task.ts";
import { type ChainMetrics, chainsCsv, Evaluator, summarize } from "../evaluate.ts";
import { readSidecar } from "../../model/checkpoint.ts";
import { availableMemory, formatBudget, paramElements, planMemory } from "../../model/memory.ts";
import { formatBytes } from "../../model/io/bounded.ts";
import {
  checkOutputs,
  type CliSpec,
  inputPath,
  intFlag,
  isRunFile,
  runCli,
  textFlag,
} from "./kit.ts";

const BUNDLED = new URL("../../data/sample", import.meta.url).pathname;

/** The eval command's flags, usage and schema. */
export const EVAL_CLI = {
  name: "eval",
  synopsis: [
    "deno task eval [--checkpoint FILE.json] [--data ROOT] [--split test|val|all] [--ids FILE]",
    "               [--params ema|raw] [--recycles N] [--max-length L] [--out DIR]",
  ],
  about: `Predicts every chain of a split WHOLE (no crop) and scores it against its true structure:
lDDT-Cα, TM-score, GDT-TS, Cα RMSD, mean pLDDT, and an extended chain's lDDT-Cα as the baseline.
Writes <out>/chains.csv (one line per chain, with its length and DSSP composition) and
<out>/summary.json, and prints one summary line.`,
  flags: {
    checkpoint: {
      value: "FILE",
      help:
        "a checkpoint or model sidecar (.json; default: the pretrained data/models/denofold_small.json)",
    },
    data: {
      value: "ROOT",
      help: "a data root: the ../shared/data layout (default data/sample) or an OpenFold root",
    },
    split: { value: "NAME", help: "test, val or all (default test)" },
    ids: { value: "FILE", help: "only these chains: one id per line (e.g. 1ABC_A)" },
    params: { value: "KIND", help: "ema (default) or raw parameters" },
    recycles: { value: "N", help: "recycling iterations (default: as the model was trained)" },
    "max-length": { value: "L", help: "skip chains longer than L residues (default 512)" },
    "msa-clusters": { value: "N", help: "MSA cluster rows (default: as trained)" },
    "extra-msa": { value: "N", help: "extra MSA rows (default: as trained)" },
    "chunk-budget": {
      value: "ELEMENTS",
      help: "memory budget of every chunked op (default: unchunked, or what fits)",
    },
    memory: {
      value: "GIB",
      help: "memory the predictions may use, in GiB (default: what this machine has available)",
    },
    device: { value: "NAME", help: "cpu (default) or cuda" },
    threads: { value: "N", help: "onnxruntime threads (default: every core)" },
    seed: { value: "N", help: "seed of the MSA sampling (default 0)" },
    out: { value: "DIR", help: "where chains.csv and summary.json go (default: none written)" },
  },
  schema: z.object({
    checkpoint: inputPath("file").pipe(textFlag().regex(/\.json$/, "must be a .json sidecar"))
      .default(PRETRAINED_MODEL),
    data: inputPath("directory").default(BUNDLED),
    split: z.enum(["test", "val", "all"], { error: "must be test, val or all" }).default("test"),
    ids: inputPath("file").optional(),
    params: z.enum(["ema", "raw"], { error: "must be ema or raw" }).default("ema"),
    recycles: intFlag({ min: 0, max: 20 }).optional(),
    maxLength: intFlag({ min: 1 }).default(512),
    msaClusters: intFlag({ min: 1 }).optional(),
    extraMsa: intFlag({ min: 0 }).optional(),
    chunkBudget: intFlag({ min: 1 }).optional(),
    memory: z.string().regex(/^\d+(\.\d+)?$/, "must be a number of GiB").transform(Number)
      .pipe(z.number().positive("must be positive")).optional(),
    device: z.enum(["cpu", "cuda"], { error: "must be cpu or cuda" }).default("cpu"),
    threads: intFlag({ min: 1 }).optional(),
    seed: intFlag().default(0),
    out: textFlag().optional(),
  }),
} satisfies CliSpec;

/** Chain ids of an `--ids` file: one per line; blank lines and `#` comments skipped. */
async function readIds(path: string): Promise<Set<string>> {
  const ids = (await readText(path, "list")).split("\n").map((l) => l.replace(/#.*/, "").trim())
    .filter((l) => l.length > 0);
  if (ids.length === 0) throw new InputError(`${path}: no chain ids`);
  return new Set(ids);
}

async function evaluate(a: z.output<typeof EVAL_CLI.schema>): Promise<void> {
  // Where the results go, before any work: never over an input.
  if (a.out !== undefined) {
    const sidecar = await readSidecar(a.checkpoint);
    const tensors = a.checkpoint.replace(/[^/]*$/, "") + sidecar.tensors;
    checkOutputs(
      [
        { path: a.out, label: "--out", kind: "directory" },
        { path: `${a.out}/chains.csv`, label: "--out", kind: "file" },
        { path: `${a.out}/summary.json`, label: "--out", kind: "file" },
      ],
      [
        { path: a.checkpoint, label: "--checkpoint" },
        { path: tensors, label: "--checkpoint (its tensors)" },
        { path: a.data, label: "--data" },
        ...(a.ids ? [{ path: a.ids, label: "--ids" }] : []),
      ],
      [{ dir: a.checkpoint.replace(/\/?[^/]*$/, "") || ".", what: "the run", owns: isRunFile }],
    );
  }
  await requireDevice(a.device);
  const model = await loadTrainedModel(a.checkpoint, { params: a.params });
  const run = model.sidecar.config as {
    max_recycles?: number;
    msa_clusters?: number;
    extra_msa?: number;
  } & Parameters<typeof runDatasetOptions>[0];
  // The run's filters and cluster file: an OpenFold root splits as it did in training.
  const dataset = await Dataset.open(a.data, runDatasetOptions(run));
  let chains: ChainEntry[] = a.split === "all" ? dataset.entries : dataset.split(a.split);
  if (a.ids) {
    const ids = await readIds(a.ids);
    const known = new Set(dataset.entries.map((e) => e.id));
    const unknown = [...ids].filter((id) => !known.has(id));
    if (unknown.length) {
      throw new InputError(`${a.ids}: not in ${a.data}: ${unknown.slice(0, 5).join(", ")}`);
    }
    chains = chains.filter((e) => ids.has(e.id));
  }
  const kept = chains.filter((e) => e.length <= a.maxLength);
  if (kept.length === 0) {
    throw new InputError(`no chains of split ${a.split} of ${a.data} to evaluate`);
  }
  // Memory: the longest chain's prediction must fit; without a budget, chunk to fit.
  const longest = kept.reduce((m, e) => Math.max(m, e.length), 0);
  const clusters = a.msaClusters ?? run.msa_clusters ?? 16;
  const extra = a.extraMsa ?? run.extra_msa ?? 32;
  const available = a.memory !== undefined ? a.memory * 2 ** 30 : availableMemory();
  const fit = planMemory(
    `the longest chain of split ${a.split} (--max-length skips longer)`,
    model.config,
    { nRes: longest, nSeq: clusters, nExtra: extra },
    paramElements(model.params),
    available,
    a.chunkBudget,
  );
  if (fit.chunkBudget !== a.chunkBudget) {
    console.error(
      `eval: chunking to a budget of ${formatBudget(fit.chunkBudget!)} elements to fit ` +
        `${formatBytes(available)} (about ${formatBytes(fit.estimate.bytes)})`,
    );
  }
  if (a.out !== undefined) await Deno.mkdir(a.out, { recursive: true });
  const evaluator = new Evaluator(model.config, {
    recycles: a.recycles ?? run.max_recycles ?? 0,
    msaClusters: clusters,
    extraMsa: extra,
    seed: a.seed,
    chunkBudget: fit.chunkBudget,
    maxTemplates: model.config.template.enabled ? run.max_templates ?? 0 : 0,
  }, { device: a.device, threads: a.threads });
  const rows: ChainMetrics[] = [];
  const t0 = performance.now();
  const tty = Deno.stderr.isTerminal();
  for (const [i, entry] of kept.entries()) {
    const { metrics } = await evaluator.chain(model.params, await dataset.loadInput(entry));
    rows.push(metrics);
    const line = `eval: ${i + 1}/${kept.length} ${entry.id} (${entry.length} aa) lDDT-Cα ` +
      `${metrics.lddt_ca.toFixed(3)} TM ${metrics.tm_score.toFixed(3)}`;
    if (tty) Deno.stderr.writeSync(new TextEncoder().encode(`\r${line}\x1b[K`));
  }
  if (tty) Deno.stderr.writeSync(new TextEncoder().encode("\n"));
  await evaluator.release();
  const summary = {
    ...summarize(rows),
    checkpoint: a.checkpoint,
    step: model.sidecar.step,
    params: model.kind,
    data: a.data,
    split: a.split,
    skipped_longer_than_max: chains.length - kept.length,
    max_length: a.maxLength,
    recycles: evaluator.settings.recycles,
    seconds: (performance.now() - t0) / 1000,
  };
  if (a.out !== undefined) {
    await writeTextFileAtomic(`${a.out}/chains.csv`, chainsCsv(rows));
    await writeTextFileAtomic(`${a.out}/summary.json`, JSON.stringify(summary, null, 1) + "\n");
  }
  const f = (v: number) => v.toFixed(3);
  console.log(
    `${a.split}: ${summary.n} whole chains (${summary.skipped_longer_than_max} longer than ` +
      `${a.maxLength} skipped), ${model.kind} parameters of step ${model.sidecar.step}: ` +
      `lDDT-Cα ${f(summary.lddt_ca_mean)} (median ${f(summary.lddt_ca_median)}, extended chain ` +
      `${f(summary.baseline_lddt_ca_mean)}), TM-score ${f(summary.tm_score_mean)}, GDT-TS ` +
      `${f(summary.gdt_ts_mean)}, RMSD ${summary.rmsd_ca_mean.toFixed(1)} Å, pLDDT ` +
      `${f(summary.plddt_mean)} (r with lDDT ${
        // A correlation needs two chains with different scores.
        Number.isFinite(summary.plddt_lddt_pearson)
          ? f(summary.plddt_lddt_pearson)
          : "undefined"})`,
  );
}

if (import.meta.main) await runCli(EVAL_CLI, evaluate);
