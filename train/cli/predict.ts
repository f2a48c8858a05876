/**
 * `deno task predict`: predict structures as AlphaFold2 and ColabFold do. A
 * FASTA with several records (or a directory of FASTA files) predicts each;
 * `--models A,B` runs several models and ranks them; `--out-dir DIR` writes
 * AF2's layout per record (`ranked_<i>.pdb`/`.cif`, `ranking_debug.json`,
 * `confidence_<model>.json`, `pae_<model>.json` with a trained TM head,
 * `timings.json`); `--out FILE` writes one structure and `FILE.json`.
 * {@link PREDICT_CLI} is its usage.
 *
 * Everything that can be refused is refused before the first prediction: the
 * records, the alignments, the models, each (record, model)'s estimated memory
 * (chunked automatically where unchunked does not fit) and every output
 * folder, so a batch never stops hours in on something it could have said.
 *
 * @module
 */

import { z } from "zod";
import { type ModelConfig, modelConfig, PRESETS } from "../../model/af2/config.ts";
import { type FastaRecord, readFasta } from "../../model/features/fasta.ts";
import { readA3m } from "../../model/features/a3m.ts";
import { readStockholmMsa } from "../../model/features/stockholm.ts";
import { chainTemplateHits, readAlignmentDir } from "../../model/features/alignment_dir.ts";
import {
  mmcifDirTemplateReader,
  type TemplateFeatures,
  templateFeatures,
} from "../../model/features/templates.ts";
import type { Msa } from "../../model/features/msa.ts";
import {
  importAf2Npz,
  loadParams,
  modelParamSpecs,
  ParamStoreError,
  type ParamValues,
} from "../../model/params.ts";
import { readNpz } from "../../model/io/npz.ts";
import type { ParamSpec } from "../../model/nn/scope.ts";
import { initParams } from "../../model/nn/init.ts";
import {
  ExecutorCache,
  type Prediction,
  predictStructure,
  type StageEvent,
} from "../../model/predict.ts";
import { formatPdb } from "../../model/protein/pdb.ts";
import { formatMmcif } from "../../model/protein/mmcif.ts";
import { writeTextFileAtomic } from "../../model/io/atomic.ts";
import { existsSync } from "node:fs";
import { loadTrainedModel, PRETRAINED_MODEL } from "../../model/trained.ts";
import { requireDevice } from "../../model/graph/runtime.ts";
import { formatBytes } from "../../model/io/bounded.ts";
import { availableMemory, formatBudget, type MemoryPlan, planMemory } from "../../model/memory.ts";
import {
  confidenceJson,
  maxPredictedAlignedError,
  type ModelScore,
  paeJson,
  rankModels,
} from "../../model/prediction_files.ts";
import { InputError, ParseError, UsageError } from "../../model/util/errors.ts";
import { checkQuery, type CliSpec, inputPath, intFlag, runCli, textFlag } from "./kit.ts";
import { StageProgress } from "./progress.ts";

const MAX_LENGTH = 4000;

/** Templates per record at inference (AF2: 4). */
const PREDICT_TEMPLATES = 4;

/** FASTA file names a `--fasta DIR` reads. */
const FASTA_FILE = /\.(fasta|fa|faa|fas)$/i;

/** The predict command's flags, usage and schema. */
export const PREDICT_CLI = {
  name: "predict",
  synopsis: [
    "deno task predict --fasta FILE|DIR [--models A.json,B.json] --out-dir DIR [FLAGS]",
    "deno task predict --fasta FILE [--msa FILE ...] [--checkpoint FILE | --af2-params FILE.npz]",
    "                  --out FILE.pdb|.cif [FLAGS]",
  ],
  about: `Predicts every record of --fasta (a FASTA file, or a directory of .fasta/.fa files) with
every model of --models, ranked by mean pLDDT (or --rank ptm). --out-dir DIR writes AF2's layout
per record, DIR/<record id>/: ranked_0.pdb (best) ... and .cif, ranking_debug.json, confidence_
<model>.json (per-residue pLDDT as the AlphaFold DB writes it), pae_<model>.json (AlphaFold DB's PAE
format; only for models whose TM head was trained, otherwise pTM and PAE are reported as not
available), timings.json. --out FILE writes the best model of one record, pLDDT in the B-factors,
and FILE.json with pLDDT, pTM and PAE. A model is a checkpoint or model file sidecar (.json: its run
config gives the model, EMA parameters unless --params raw), a parameter .safetensors file or
DeepMind's params_model_<n>.npz (both with --preset); without one, the pretrained model of
data/models/ (--preset alone: random weights, a smoke test; a warning says so). Each record's estimated memory is checked first: a length that does not
fit unchunked is chunked automatically, one that does not fit at all is refused with the estimate.
An --out-dir record folder that holds another run's results is refused unless --overwrite; one
that holds this very run's finished results is skipped.`,
  flags: {
    fasta: {
      value: "FILE|DIR",
      help:
        `the queries: FASTA records of at most ${MAX_LENGTH} residues, or a directory of FASTAs`,
    },
    msa: {
      value: "FILE",
      multiple: true,
      help: "an alignment of the one record: A3M, or Stockholm (.sto, .sto.gz)",
    },
    "msa-dir": {
      value: "DIR",
      help: "alignments per record: DIR/<record id>/ in OpenFold's layout (deno task msa)",
    },
    templates: {
      value: "DIR",
      help: "template structures (mmCIF files): up to 4 per record from its --msa-dir hits " +
        "(pdb70_hits.hhr, hhsearch_output.hhr, hmm_output.sto)",
    },
    "max-template-date": {
      value: "YYYY-MM-DD",
      help: "with --templates: only templates released on or before this date",
    },
    models: {
      value: "A,B",
      help: "models to run and rank: sidecar .json, .safetensors or .npz, comma-separated",
    },
    checkpoint: { value: "FILE", help: "one model: a checkpoint sidecar .json or .safetensors" },
    "af2-params": { value: "FILE", help: "one model: DeepMind's params_model_<n>.npz" },
    preset: {
      value: "NAME",
      help: `the model of .safetensors/.npz/random weights: ${
        Object.keys(PRESETS).join(", ")
      } (default small)`,
    },
    rank: { value: "BY", help: "rank models by plddt (default; AF2's monomer ranking) or ptm" },
    recycles: { value: "N", help: "recycling iterations, 0-20 (default 3)" },
    device: { value: "NAME", help: "cpu (default) or cuda" },
    "chunk-budget": {
      value: "ELEMENTS",
      help: "memory budget: the largest intermediate of every chunked op (default: automatic)",
    },
    memory: {
      value: "GIB",
      help: "memory the predictions may use, in GiB (default: what this machine has available)",
    },
    "msa-clusters": { value: "N", help: "MSA cluster rows (default 128)" },
    "extra-msa": { value: "N", help: "extra MSA rows (default 1024)" },
    seed: { value: "N", help: "seed of MSA sampling and of random weights (default 0)" },
    params: { value: "KIND", help: "of a sidecar .json: ema (default) or raw parameters" },
    out: { value: "FILE", help: "one structure to write: .pdb or .cif (and FILE.json)" },
    "out-dir": { value: "DIR", help: "a folder per record with AF2's output layout" },
    overwrite: { help: "replace an --out-dir record folder's earlier results" },
  },
  schema: z.object({
    fasta: inputPath("file or directory"),
    out: textFlag().regex(/\.(pdb|cif)$/, "must end in .pdb or .cif").optional(),
    outDir: textFlag().optional(),
    msa: z.array(inputPath("file")).default([]),
    msaDir: inputPath("directory").optional(),
    templates: inputPath("directory").optional(),
    maxTemplateDate: textFlag().regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD").optional(),
    models: textFlag().transform((s) => s.split(",").map((m) => m.trim()).filter((m) => m))
      .pipe(z.array(inputPath("file")).min(1, "names no model")).optional(),
    checkpoint: inputPath("file").optional(),
    af2Params: inputPath("file").optional(),
    preset: z.enum(Object.keys(PRESETS), {
      error: `must be one of ${Object.keys(PRESETS).join(", ")}`,
    })
      .optional(),
    rank: z.enum(["plddt", "ptm"], { error: "must be plddt or ptm" }).default("plddt"),
    recycles: intFlag({ min: 0, max: 20 }).default(3),
    chunkBudget: intFlag({ min: 1 }).optional(),
    device: z.enum(["cpu", "cuda"], { error: "must be cpu or cuda" }).default("cpu"),
    memory: z.string().regex(/^\d+(\.\d+)?$/, "must be a number of GiB").transform(Number)
      .pipe(z.number().positive("must be positive")).optional(),
    msaClusters: intFlag({ min: 1 }).default(128),
    extraMsa: intFlag({ min: 0 }).default(1024),
    seed: intFlag().default(0),
    params: z.enum(["ema", "raw"], { error: "must be ema or raw" }).default("ema"),
    overwrite: z.boolean().default(false),
  }).superRefine((a, ctx) => {
    const issue = (message: string) => ctx.addIssue({ code: "custom", message });
    if (a.out === undefined && a.outDir === undefined) issue("give --out FILE or --out-dir DIR");
    if (a.out !== undefined && a.outDir !== undefined) issue("give --out or --out-dir, not both");
    const sources = [a.models, a.checkpoint, a.af2Params].filter((x) => x !== undefined);
    if (sources.length > 1) issue("give one of --models, --checkpoint, --af2-params");
    if (a.msa.length > 0 && a.msaDir !== undefined) issue("give --msa or --msa-dir, not both");
    if (a.templates !== undefined && a.msaDir === undefined) {
      issue("--templates needs --msa-dir: the template hits are in each record's alignments");
    }
    if (a.maxTemplateDate !== undefined && a.templates === undefined) {
      issue("--max-template-date needs --templates");
    }
  }),
} satisfies CliSpec;

type Args = z.output<typeof PREDICT_CLI.schema>;

/** One query record. */
interface Query {
  /** Folder-safe id (the header's first word). */
  id: string;
  sequence: string;
  /** Where it was read (for messages). */
  at: { file: string; line: number };
  msas: Msa[];
  /** With --templates: the template features (best first, padded to 4) and the hits used. */
  templates?: { features: TemplateFeatures; used: string[] };
}

/** One model to predict with. */
interface LoadedModel {
  /** Folder-safe name, unique in the run (`confidence_<name>.json`). */
  name: string;
  /** What the user passed ("random weights" for none). */
  source: string;
  config: ModelConfig;
  params: Map<string, Float32Array>;
  /** pTM and PAE mean something: the TM head exists and was trained. */
  tmTrained: boolean;
}

/** A header's first word as a file-system-safe id. */
function recordId(rec: FastaRecord, index: number): string {
  const word = rec.description.split(/\s/)[0] ?? "";
  const safe = word.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "_");
  return safe || `query_${index + 1}`;
}

/** The FASTA files `--fasta` names: the file, or a directory's FASTA files in name order. */
function fastaFiles(path: string): string[] {
  if (!Deno.statSync(path).isDirectory) return [path];
  const files = [...Deno.readDirSync(path)]
    .filter((e) => e.isFile && FASTA_FILE.test(e.name))
    .map((e) => `${path.replace(/\/$/, "")}/${e.name}`)
    .sort();
  if (files.length === 0) {
    throw new InputError(`--fasta: ${path} holds no .fasta, .fa, .faa or .fas file`);
  }
  return files;
}

/** Every record, checked: protein letters, lengths, unique ids. */
async function readQueries(a: Args): Promise<Query[]> {
  const queries: Query[] = [];
  const seen = new Map<string, Query>();
  for (const file of fastaFiles(a.fasta)) {
    for (const rec of await readFasta(file)) {
      const sequence = rec.sequence.toUpperCase().replaceAll("-", "");
      const at = { file, line: rec.line };
      checkQuery(sequence, at, MAX_LENGTH);
      const q: Query = { id: recordId(rec, queries.length), sequence, at, msas: [] };
      const other = seen.get(q.id);
      if (other) {
        throw new ParseError(
          at,
          `record id "${q.id}" is also the id of ${other.at.file}:${other.at.line}; ` +
            "ids name the output folders and must differ",
        );
      }
      seen.set(q.id, q);
      queries.push(q);
    }
  }
  if (a.out !== undefined && queries.length !== 1) {
    throw new UsageError(
      `--out writes one structure but --fasta holds ${queries.length} records; use --out-dir`,
    );
  }
  return queries;
}

/** Each record's alignments: --msa (one record), --msa-dir/<id>/, or none (single sequence). */
async function readAlignments(a: Args, queries: Query[]): Promise<void> {
  if (a.msa.length > 0) {
    if (queries.length !== 1) {
      throw new UsageError(
        `--msa gives the alignments of one record but --fasta holds ${queries.length}; ` +
          "use --msa-dir DIR with DIR/<record id>/",
      );
    }
    for (const f of a.msa) {
      queries[0].msas.push(/\.sto(\.gz)?$/.test(f) ? await readStockholmMsa(f) : await readA3m(f));
    }
    return;
  }
  if (a.msaDir === undefined) return;
  const missing: string[] = [];
  for (const q of queries) {
    try {
      Deno.statSync(`${a.msaDir}/${q.id}`);
    } catch {
      missing.push(q.id);
      continue;
    }
    const found = await readAlignmentDir(a.msaDir, q.id, { querySequence: q.sequence });
    q.msas = found.msas.map((m) => m.msa);
    if (a.templates !== undefined) {
      // AF2's inference templates: the best 4 usable hits (supplement 1.2.3).
      const hits = chainTemplateHits(found);
      const reader = mmcifDirTemplateReader(a.templates);
      const r = await templateFeatures(q.sequence, hits, reader, {
        maxTemplates: PREDICT_TEMPLATES,
        maxTemplateDate: a.maxTemplateDate,
        releaseDate: reader.releaseDate,
      });
      q.templates = { features: r.features, used: r.used.map((u) => u.name.split(/\s/)[0]) };
      console.error(
        `predict: ${q.id}: ${
          r.used.length ? `templates ${q.templates.used.join(", ")}` : "no usable template"
        } (of ${hits.length} hits)`,
      );
    }
  }
  if (missing.length > 0) {
    console.error(
      `predict: no alignments in ${a.msaDir} for ${missing.join(", ")}: single sequence`,
    );
  }
}

/** A path's file name without its extension and folder. */
function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1).replace(/\.(json|safetensors|npz)$/, "");
}

/** Unique, folder-safe model names: file names, with the parent folder where two clash. */
function modelNames(paths: readonly string[]): string[] {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, "_");
  let names = paths.map((p) => safe(baseName(p)));
  const clash = (n: string) => names.filter((m) => m === n).length > 1;
  names = names.map((n, i) => {
    if (!clash(n)) return n;
    const parts = paths[i].split("/");
    return safe(`${parts.at(-2) ?? "model"}_${n}`);
  });
  return names.map((n, i) => (names.indexOf(n) === i ? n : `${n}_${i + 1}`));
}

/**
 * DeepMind's `params_model_<n>.npz` for `preset`: every array of the file must
 * map onto the model and every parameter must come from the file (a model_1
 * file in model_3 would silently lose its templates); the error names the
 * preset the stray keys belong to. One line on stderr says what was mapped.
 */
async function importDeepMind(
  path: string,
  preset: string,
  specs: readonly ParamSpec[],
): Promise<ParamValues> {
  const arrays = await readNpz(path);
  let params: ParamValues;
  try {
    params = await importAf2Npz(arrays, specs);
  } catch (e) {
    if (!(e instanceof ParamStoreError) || e.unexpected.length === 0) throw e;
    const stray = e.unexpected;
    const hint = stray.some((k) => k.includes("template"))
      ? "template arrays: a model_1/model_2 file (--preset model_1 or model_2)"
      : stray.some((k) => k.includes("predicted_aligned_error_head"))
      ? "a predicted-aligned-error head: a _ptm file (--preset model_<n>_ptm)"
      : "arrays this model does not use";
    throw new ParamStoreError(
      `${path} (for --preset ${preset}; it holds ${hint})`,
      e.missing,
      e.unexpected,
      e.misshaped,
      e.unmapped,
    );
  }
  const values = [...arrays.values()].reduce((n, a) => n + a.data.length, 0);
  console.error(
    `predict: ${path}: all ${arrays.size} DeepMind arrays (${values} values) mapped onto ` +
      `${specs.length} parameters of ${preset}`,
  );
  return params;
}

/** Load every model the flags name (or random weights of the preset). */
async function loadModels(a: Args): Promise<LoadedModel[]> {
  const paths = a.models ?? [a.checkpoint ?? a.af2Params].filter((p): p is string => !!p);
  if (paths.length === 0 && a.preset === undefined && existsSync(PRETRAINED_MODEL)) {
    // No model named: the pretrained one (a --preset alone asks for random weights).
    console.error(`predict: no model given: using the pretrained ${PRETRAINED_MODEL}`);
    paths.push(PRETRAINED_MODEL);
  }
  if (paths.length === 0) {
    console.error(
      "predict: no --models, --checkpoint or --af2-params: using randomly initialised weights",
    );
    const config = modelConfig(a.preset ?? "small");
    return [{
      name: "random_weights",
      source: "random weights",
      config,
      params: initParams(modelParamSpecs(config), a.seed),
      tmTrained: false,
    }];
  }
  const names = modelNames(paths);
  const out: LoadedModel[] = [];
  for (const [i, path] of paths.entries()) {
    const name = names[i];
    if (path.endsWith(".json")) {
      // A checkpoint or model file: its run config gives the model; EMA parameters by default.
      const m = await loadTrainedModel(path, { params: a.params });
      out.push({ name, source: path, config: m.config, params: m.params, tmTrained: m.tmTrained });
      continue;
    }
    const config = modelConfig(a.preset ?? "small");
    const specs = modelParamSpecs(config);
    if (path.endsWith(".npz")) {
      const params = await importDeepMind(path, a.preset ?? "small", specs);
      // DeepMind's _ptm parameters come with a trained TM head; the others have none.
      out.push({ name, source: path, config, params, tmTrained: config.heads.tm.enabled });
    } else if (path.endsWith(".safetensors")) {
      const params = await loadParams(path, specs);
      // A bare parameter file says nothing of its training: trust the preset's head.
      out.push({ name, source: path, config, params, tmTrained: config.heads.tm.enabled });
    } else {
      throw new UsageError(`--models: ${path} is not a .json sidecar, .safetensors or .npz file`);
    }
  }
  if (a.rank === "ptm") {
    const untrained = out.filter((m) => !m.tmTrained).map((m) => m.name);
    if (untrained.length > 0) {
      throw new UsageError(
        `--rank ptm: pTM is not available for ${untrained.join(", ")} ` +
          "(no TM head, or its run did not train it: loss tm weight 0)",
      );
    }
  }
  return out;
}

/** Rows the feature pipeline makes for `q` (cluster centres, extra rows): at most these. */
function msaRows(q: Query, a: Args): { nSeq: number; nExtra: number } {
  // Merged MSAs drop duplicate rows, so the sum is an upper bound; the query is row 0 of each.
  const rows = 1 + q.msas.reduce((n, m) => n + Math.max(0, m.sequences.length - 1), 0);
  const nSeq = Math.min(a.msaClusters, rows);
  return { nSeq, nExtra: Math.min(a.extraMsa, rows - nSeq) };
}

/** Each (record, model)'s memory plan, refused up front when one does not fit. */
function planAll(a: Args, queries: Query[], models: LoadedModel[]): MemoryPlan[][] {
  const available = a.memory !== undefined ? a.memory * 2 ** 30 : availableMemory();
  return queries.map((q) =>
    models.map((m) => {
      const count = [...m.params.values()].reduce((n, v) => n + v.length, 0);
      const dims = { nRes: q.sequence.length, ...msaRows(q, a) };
      const what = models.length > 1 ? `${q.id} with ${m.name}` : q.id;
      const plan = planMemory(what, m.config, dims, count, available, a.chunkBudget);
      if (plan.unchunked) {
        console.error(
          `predict: ${what}: ${dims.nRes} residues need about ` +
            `${formatBytes(plan.unchunked.bytes)} unchunked, ${formatBytes(available)} ` +
            `available: chunked with a budget of ${formatBudget(plan.chunkBudget!)} ` +
            `(about ${formatBytes(plan.estimate.bytes)})`,
        );
      }
      return plan;
    })
  );
}

// --- The --out-dir layout ----------------------------------------------------

/** Files of our layout in a record folder (what --overwrite clears). */
const LAYOUT_FILE =
  /^(ranked_\d+\.(pdb|cif)|confidence_.+\.json|pae_.+\.json|ranking_debug\.json|timings\.json|request\.json)$/;

/** What a record folder's results were made from: equal requests give equal results. */
function requestOf(q: Query, models: LoadedModel[], a: Args): Record<string, unknown> {
  return {
    id: q.id,
    sequence: q.sequence,
    msa_rows: q.msas.map((m) => m.sequences.length),
    ...(q.templates ? { templates: q.templates.used } : {}),
    models: models.map((m) => ({ name: m.name, source: m.source })),
    params: a.params,
    recycles: a.recycles,
    msa_clusters: a.msaClusters,
    extra_msa: a.extraMsa,
    seed: a.seed,
    rank: a.rank,
  };
}

/** What to do with a record's folder: write it, or skip it (this run's results are there). */
function folderState(dir: string, request: Record<string, unknown>, a: Args): "write" | "done" {
  let entries: string[];
  try {
    entries = [...Deno.readDirSync(dir)].map((e) => e.name);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return "write";
    throw new InputError(`--out-dir: cannot read ${dir} (${(e as Error).message})`);
  }
  if (entries.length === 0) return "write";
  let earlier: unknown;
  try {
    earlier = JSON.parse(Deno.readTextFileSync(`${dir}/request.json`));
  } catch {
    earlier = undefined;
  }
  const same = JSON.stringify(earlier) === JSON.stringify(request);
  if (same) return entries.includes("ranking_debug.json") ? "done" : "write";
  if (a.overwrite) {
    for (const name of entries) if (LAYOUT_FILE.test(name)) Deno.removeSync(`${dir}/${name}`);
    return "write";
  }
  throw new InputError(
    `--out-dir: ${dir} already holds ${
      earlier === undefined ? "files of something else" : "another run's results"
    }; pass --overwrite to replace them, or choose another --out-dir`,
  );
}

/** Check --out's companion JSON: ours from an earlier run, or absent (never someone's file). */
function checkOutJson(path: string, a: Args): void {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    return;
  }
  let ours = false;
  try {
    const j = JSON.parse(text);
    ours = typeof j.sequence === "string" && Array.isArray(j.plddt);
  } catch {
    ours = false;
  }
  if (!ours && !a.overwrite) {
    throw new InputError(
      `--out: ${path} exists and is not a predict result; pass --overwrite to replace it`,
    );
  }
}

const mean = (v: Float32Array) => v.reduce((s, x) => s + x, 0) / v.length;
const round3 = (v: number) => Math.round(v * 1000) / 1000;

/** Write one record's folder: ranked structures, confidences, PAE, timings, then the ranking. */
async function writeRecord(
  dir: string,
  q: Query,
  models: LoadedModel[],
  preds: Prediction[],
  request: Record<string, unknown>,
  timings: Record<string, number>,
  a: Args,
): Promise<{ best: string; score: ModelScore }> {
  await Deno.mkdir(dir, { recursive: true });
  await writeTextFileAtomic(`${dir}/request.json`, JSON.stringify(request, null, 1) + "\n");
  const scores: ModelScore[] = models.map((m, i) => ({
    name: m.name,
    plddt: mean(preds[i].plddt),
    ...(m.tmTrained && preds[i].ptm !== undefined ? { ptm: preds[i].ptm } : {}),
  }));
  const ranking = rankModels(scores, a.rank);
  for (const [i, m] of models.entries()) {
    const p = preds[i];
    await writeTextFileAtomic(
      `${dir}/confidence_${m.name}.json`,
      JSON.stringify(confidenceJson(p.plddt)) + "\n",
    );
    if (m.tmTrained && p.pae) {
      const pae = paeJson(p.pae, q.sequence.length, maxPredictedAlignedError(m.config));
      await writeTextFileAtomic(`${dir}/pae_${m.name}.json`, JSON.stringify(pae) + "\n");
    }
  }
  for (const [rank, name] of ranking.order.entries()) {
    const p = preds[models.findIndex((m) => m.name === name)];
    const opts = { plddt: p.plddt, name: q.id };
    await writeTextFileAtomic(`${dir}/ranked_${rank}.pdb`, formatPdb(p.protein, opts));
    await writeTextFileAtomic(`${dir}/ranked_${rank}.cif`, formatMmcif(p.protein, opts));
  }
  await writeTextFileAtomic(`${dir}/timings.json`, JSON.stringify(timings, null, 1) + "\n");
  // Last: its presence marks the folder complete (a rerun of the same request skips it).
  await writeTextFileAtomic(`${dir}/ranking_debug.json`, JSON.stringify(ranking, null, 4) + "\n");
  const best = ranking.order[0];
  return { best, score: scores.find((s) => s.name === best)! };
}

/** `--out FILE`: the best model's structure and FILE.json. */
async function writeSingle(
  q: Query,
  m: LoadedModel,
  p: Prediction,
  a: Args & { out: string },
): Promise<void> {
  const out = a.out;
  const L = q.sequence.length;
  const text = out.endsWith(".cif")
    ? formatMmcif(p.protein, { plddt: p.plddt })
    : formatPdb(p.protein, { plddt: p.plddt });
  await writeTextFileAtomic(out, text);
  const json = {
    sequence: q.sequence,
    model: m.name,
    mean_plddt: mean(p.plddt),
    plddt: Array.from(p.plddt, (v) => Math.round(v * 100) / 100),
    // The head's outputs as they are; `tm_trained` says whether they mean anything.
    ptm: p.ptm ?? null,
    tm_trained: m.tmTrained,
    // The template hits the model was given (none without --templates or a template stack).
    templates: q.templates && m.config.template.enabled ? q.templates.used : [],
    pae: p.pae
      ? Array.from(
        { length: L },
        (_, i) => Array.from(p.pae!.subarray(i * L, (i + 1) * L), (v) => Math.round(v * 100) / 100),
      )
      : null,
  };
  await writeTextFileAtomic(a.out.replace(/\.(pdb|cif)$/, ".json"), JSON.stringify(json) + "\n");
}

/** "mean pLDDT 71.2, pTM 0.613" or "…, pTM not available (…)". */
function scoreText(m: LoadedModel, p: Prediction): string {
  const ptm = m.tmTrained && p.ptm !== undefined
    ? `pTM ${p.ptm.toFixed(3)}`
    : `pTM not available (${m.config.heads.tm.enabled ? "TM head not trained" : "no TM head"})`;
  return `mean pLDDT ${mean(p.plddt).toFixed(1)}, ${ptm}`;
}

async function predict(a: Args): Promise<void> {
  await requireDevice(a.device);
  const queries = await readQueries(a);
  await readAlignments(a, queries);
  const models = await loadModels(a);
  if (a.templates !== undefined) {
    for (const m of models.filter((m) => !m.config.template.enabled)) {
      console.error(`predict: ${m.name} has no template stack: it predicts without templates`);
    }
  }
  const plans = planAll(a, queries, models);
  if (a.out !== undefined) checkOutJson(a.out.replace(/\.(pdb|cif)$/, ".json"), a);
  const root = a.outDir?.replace(/\/$/, "");
  if (root !== undefined) {
    try {
      if (!Deno.statSync(root).isDirectory) {
        throw new InputError(`--out-dir: ${root} is not a directory`);
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  const todo = queries.map((q) =>
    root === undefined ? "write" : folderState(`${root}/${q.id}`, requestOf(q, models, a), a)
  );
  for (const [i, q] of queries.entries()) {
    if (todo[i] === "done") console.error(`predict: ${q.id}: already predicted in ${root}/${q.id}`);
  }

  // Work units: residues² per recycling iteration (the pair stack's cost) for the ETA.
  const iterations = a.recycles + 1;
  const units = (q: Query) => q.sequence.length ** 2;
  const total = queries.reduce(
    (n, q, i) => n + (todo[i] === "write" ? units(q) * iterations * models.length : 0),
    0,
  );
  const progress = new StageProgress(total);
  const runs = queries.filter((_, i) => todo[i] === "write").length * models.length;
  let run = 0;
  try {
    for (const [qi, q] of queries.entries()) {
      if (todo[qi] === "done") continue;
      const preds: Prediction[] = [];
      const timings: Record<string, number> = {};
      const executors = new ExecutorCache();
      const t0 = performance.now();
      try {
        for (const [mi, m] of models.entries()) {
          run++;
          const label = `[${run}/${runs}] ${q.id} (${q.sequence.length} aa)` +
            (models.length > 1 || a.models ? ` · ${m.name}` : "");
          const onStage = (e: StageEvent) => {
            if (e.phase === "start") {
              const what = e.stage === "iteration"
                ? `recycle ${e.iteration! + 1} of ${e.iterations}`
                : e.stage === "compile"
                ? "compiling"
                : "features";
              progress.stage(`${label}: ${what}`);
            } else if (e.stage === "iteration") progress.advance(units(q));
          };
          const p = await predictStructure({
            id: q.id,
            sequence: q.sequence,
            msas: q.msas,
            templates: q.templates?.features,
            params: m.params,
            config: m.config,
            recycles: a.recycles,
            msaClusters: a.msaClusters,
            extraMsa: a.extraMsa,
            chunkBudget: plans[qi][mi].chunkBudget,
            seed: a.seed,
            device: a.device,
            onStage,
            executors,
          });
          preds.push(p);
          // AF2's timings.json keys: features (once per record), then per model.
          if (mi === 0) timings.features = round3(p.timings.features);
          else timings[`process_features_${m.name}`] = round3(p.timings.features);
          timings[`predict_and_compile_${m.name}`] = round3(
            p.timings.compile + p.timings.iterations.reduce((s, v) => s + v, 0),
          );
          timings[`compile_${m.name}`] = round3(p.timings.compile);
        }
      } finally {
        await executors.release();
      }
      timings.total = round3((performance.now() - t0) / 1000);
      if (root !== undefined) {
        const dir = `${root}/${q.id}`;
        const request = requestOf(q, models, a);
        const { best } = await writeRecord(dir, q, models, preds, request, timings, a);
        const bi = models.findIndex((m) => m.name === best);
        progress.log(
          `predict: ${q.id}: ${models.length > 1 ? `best ${best}, ` : ""}` +
            `${scoreText(models[bi], preds[bi])} -> ${dir}/ranked_0.pdb`,
        );
      } else {
        const ranking = rankModels(
          models.map((m, i) => ({
            name: m.name,
            plddt: mean(preds[i].plddt),
            ...(m.tmTrained && preds[i].ptm !== undefined ? { ptm: preds[i].ptm } : {}),
          })),
          a.rank,
        );
        const bi = models.findIndex((m) => m.name === ranking.order[0]);
        await writeSingle(q, models[bi], preds[bi], { ...a, out: a.out! });
        progress.stop();
        console.error(
          `predict: ${q.sequence.length} residues, ${scoreText(models[bi], preds[bi])} ` +
            `(${timings.total.toFixed(1)} s) -> ${a.out}`,
        );
      }
    }
  } finally {
    progress.stop();
  }
}

if (import.meta.main) await runCli(PREDICT_CLI, predict);
