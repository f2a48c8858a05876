/**
 * Implements Algorithm 31 (RecyclingTraining).
 *
 * Training AlphaFold2 (AF2 supplement 1.11): per sample of a step's batch,
 * draw a chain (AF2 weights), featurise and crop it, run the sampled number of
 * recycling iterations without gradient (each on its own MSA sample), then the
 * training plan's forward and backward on the last one. Every random choice of
 * sample k of step n derives from (seed, its index in the run), so a resumed
 * run continues identically however the batch is split over processes. Plans
 * are compiled per 32-residue length bucket.
 *
 * @module
 */

import type { CompileOptions, TypedArray } from "../model/graph/mod.ts";
import type { ModelConfig } from "../model/af2/config.ts";
import { initialParamsFrom, runModelConfig } from "../model/trained.ts";
import type { GraphDims } from "../model/af2/alphafold.ts";
import { recycledFrom, zeroRecycled } from "../model/af2/recycling.ts";
import { af2Plan } from "../model/exec/plan.ts";
import { Executor } from "../model/exec/executor.ts";
import { ATOM_ORDER, ATOM_TYPE_NUM, RESTYPES } from "../model/protein/residue_constants.ts";
import { buildFeatures, exampleFeeds, type FeatureExample } from "../model/features/pipeline.ts";
import type { FeatureTensor } from "../model/features/feature_tensor.ts";
import { hashSeed, Rng } from "../model/util/rng.ts";
import { InputError } from "../model/util/errors.ts";
import { initParams } from "../model/nn/init.ts";
import { lossConfig } from "../model/losses/config.ts";
import type { TrainState } from "../model/checkpoint.ts";
import { type ChainEntry, Dataset, type DatasetOptionsInput } from "./data/dataset.ts";
import { af2SampleWeights, WeightedSampler } from "./data/sampling.ts";
import { initialState, type Sample, TrainStep } from "./step.ts";
import type { TrainTask } from "./loop.ts";
import type { RunConfig } from "./config.ts";
import { type Probe, writeProbes, writeSnapshot } from "../analysis/snapshots.ts";
import { caCoords } from "../analysis/protein_coords.ts";
import { Evaluator, summarize } from "./evaluate.ts";
import { dssp, formatSs } from "../analysis/dssp.ts";

type AnyFeature = FeatureTensor<Float32Array> | FeatureTensor<Int32Array>;

/** Bucket dims of an example. */
function dimsOf(ex: FeatureExample, cfg: RunConfig): GraphDims {
  return {
    nRes: ex.meta.paddedLength,
    nSeq: cfg.msa_clusters,
    nExtra: cfg.extra_msa,
    nTempl: cfg.max_templates,
  };
}

/** How the run's graphs run besides the config's device. */
export interface EngineOptions {
  /** onnxruntime intra-op threads of every session (default: every core). */
  threads?: number;
}

/** The training executor of one length bucket (the plan kind from the config or the model's depth). */
function trainingExecutor(
  cfg: RunConfig,
  model: ModelConfig,
  dims: GraphDims,
  compile: CompileOptions,
): Promise<Executor> {
  const loss = lossConfig(cfg.loss_stage, {
    ...cfg.loss,
    ...(model.heads.tm.enabled ? { tm: { ...cfg.loss.tm, enabled: true } } : {}),
  } as never);
  return Executor.create(
    af2Plan(model, dims, { kind: cfg.plan, chunkBudget: cfg.chunk_budget, loss }),
    compile,
  );
}

/** Per-bucket cache of compiled graphs. */
class GraphCache<T> {
  readonly #m = new Map<number, Promise<T>>();
  get(n: number, make: () => Promise<T>): Promise<T> {
    let v = this.#m.get(n);
    if (!v) this.#m.set(n, v = make());
    return v;
  }
}

/** Atom37 backbone N, CA, C, O of residue i as 12 numbers. */
function backboneOf(pos: ArrayLike<number>, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    for (const a of [ATOM_ORDER.N, ATOM_ORDER.CA, ATOM_ORDER.C, ATOM_ORDER.O]) {
      for (let d = 0; d < 3; d++) out.push(pos[(i * 37 + a) * 3 + d]);
    }
  }
  return out;
}

function caOf(pos: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < 3; d++) out[3 * i + d] = pos[(i * 37 + 1) * 3 + d];
  }
  return out;
}

/** The AF2 training task of a run, plus what the CLI and reports need. */
export interface Af2Training {
  /** The task the loop runs. */
  task: TrainTask;
  /** The validated model config. */
  model: ModelConfig;
  /** The dataset (splits by 30 % identity cluster). */
  dataset: Dataset;
  /** Fresh parameters and optimizer state from the run's seed. */
  initial: () => Promise<TrainState>;
  /** Write the probe set's true structures into the run directory. */
  writeProbes(): Promise<void>;
  /** Predict validation chain `index` whole (Cα, truth, mask, pLDDT) for reports. */
  predictVal(state: TrainState, index: number): Promise<ValPrediction>;
  /** The whole-chain validation set (held-out clusters, at most `val_max_length` long). */
  valChains: ChainEntry[];
}

/** One validation chain predicted. */
export interface ValPrediction {
  id: string;
  /** Predicted and true Cα `[n, 3]`, mask `[n]`, pLDDT `[n]`. */
  pred: Float64Array;
  truth: Float64Array;
  mask: Float64Array;
  plddt: Float32Array;
}

/**
 * The training chains of a run: the training split, restricted to `train_ids` and
 * without `exclude_ids` when the config names them (training-set ablations).
 */
export function trainingChains(dataset: Dataset, cfg: RunConfig): ChainEntry[] {
  const only = cfg.train_ids ? new Set(cfg.train_ids) : undefined;
  const drop = new Set(cfg.exclude_ids ?? []);
  const chains = dataset.split("train").filter((e) =>
    (only === undefined || only.has(e.id)) && !drop.has(e.id)
  );
  if (chains.length === 0) {
    throw new InputError("no training chains left (train split, train_ids, exclude_ids)");
  }
  return chains;
}

/**
 * The dataset options of a run (its filters, cluster file and template pool),
 * so that evaluating a run's checkpoint sees the run's chains and splits.
 */
export function runDatasetOptions(
  cfg: Pick<
    Partial<RunConfig>,
    "max_resolution" | "max_release_date" | "cluster_file" | "max_templates" | "max_template_date"
  >,
): DatasetOptionsInput {
  return {
    maxResolution: cfg.max_resolution,
    maxReleaseDate: cfg.max_release_date ?? null,
    clusterFile: cfg.cluster_file,
    // AF2's pool of template candidates per chain (supplement 1.2.3: the top 20).
    templateCandidates: (cfg.max_templates ?? 0) > 0 ? 20 : 0,
    maxTemplateDate: cfg.max_template_date,
  };
}

/** Set up AF2 training for a run config writing into `dir`. */
export async function af2Training(
  cfg: RunConfig,
  dir: string,
  engine: EngineOptions = {},
): Promise<Af2Training> {
  const compile: CompileOptions = { device: cfg.device, threads: engine.threads };
  const model = runModelConfig(cfg);
  const dataset = await Dataset.open(cfg.data, runDatasetOptions(cfg));
  const chains = trainingChains(dataset, cfg);
  const sampler = new WeightedSampler(af2SampleWeights(chains), cfg.seed);
  const featureConfig = {
    cropSize: cfg.crop,
    maxMsaClusters: cfg.msa_clusters,
    maxExtraMsa: cfg.extra_msa,
    msaSamples: cfg.max_recycles + 1,
    clampedFapeProb: cfg.clamped_fape_prob,
    maxTemplates: cfg.max_templates,
    subsampleTemplates: true,
  };
  // Validation: whole chains of the first held-out clusters (at most val_max_length long).
  const valChains = dataset.split("val").filter((e) => e.length <= cfg.val_max_length)
    .slice(0, cfg.val_chains);
  const evaluator = new Evaluator(model, {
    recycles: cfg.max_recycles,
    msaClusters: cfg.msa_clusters,
    extraMsa: cfg.extra_msa,
    seed: cfg.seed,
    chunkBudget: cfg.chunk_budget,
    maxTemplates: cfg.max_templates,
  }, compile);
  const evalParams = (state: TrainState) => cfg.eval_params === "ema" ? state.ema : state.params;
  // Probes of the learning-dynamics snapshots: one fixed contiguous crop each.
  const probeConfig = {
    ...featureConfig,
    spatialCropProb: 0,
    msaSamples: 1,
    subsampleTemplates: false,
  };
  const valExamples: { entry: ChainEntry; example: FeatureExample }[] = [];
  for (const entry of dataset.split("val").slice(0, cfg.probes)) {
    const rng = new Rng(hashSeed("eval", cfg.seed, entry.key));
    valExamples.push({
      entry,
      example: buildFeatures(await dataset.loadInput(entry), probeConfig, rng),
    });
  }
  /** The example of the run's `g`-th sample (0-based over the whole run). */
  const exampleOf = async (g: number) => {
    const draw = sampler.at(g);
    const entry = chains[draw.index];
    const ex = buildFeatures(await dataset.loadInput(entry), featureConfig, new Rng(draw.seed));
    return Object.assign(ex, { resolution: entry.resolution });
  };

  const trainers = new GraphCache<Executor>();
  const infer = new GraphCache<Executor>();
  const trainerFor = (ex: FeatureExample) =>
    trainers.get(
      ex.meta.paddedLength,
      () => trainingExecutor(cfg, model, dimsOf(ex, cfg), compile),
    );
  const inference = (ex: FeatureExample) =>
    infer.get(ex.meta.paddedLength, () =>
      Executor.create(
        af2Plan(model, dimsOf(ex, cfg), {
          kind: cfg.plan,
          chunkBudget: cfg.chunk_budget,
          outputs: ["final_atom_positions", "plddt", "distogram_logits"],
        }),
        compile,
      ));

  const predict = async (params: ReadonlyMap<string, Float32Array>, ex: FeatureExample) => {
    const r = await (await inference(ex)).infer(
      params,
      (i) => exampleFeeds(ex, i),
      cfg.max_recycles,
    );
    const n = ex.meta.numRes;
    const f = ex.features as unknown as Record<string, AnyFeature>;
    const mask = new Float64Array(n);
    for (let i = 0; i < n; i++) mask[i] = f.all_atom_mask.data[i * 37 + ATOM_ORDER.CA];
    const positions = r.final_atom_positions.data as Float32Array;
    return {
      positions,
      plddt: r.plddt.data as Float32Array,
      ca: caOf(positions, n),
      dgram: r.distogram_logits.data as Float32Array,
      truth: caOf(f.all_atom_positions.data, n),
      mask,
    };
  };

  const first = await exampleOf(0);
  const step = await TrainStep.create((await trainerFor(first)).params, cfg.optimizer, compile);
  const task: TrainTask = {
    step,
    async sample(n, k, state): Promise<Sample> {
      const g = (n - 1) * cfg.batch_size + k;
      const ex = g === 0 ? first : await exampleOf(g);
      const executor = await trainerFor(ex);
      const recycles = new Rng(hashSeed("recycles", cfg.seed, g + 1)).int(cfg.max_recycles + 1);
      const np = ex.meta.paddedLength;
      let prev: Record<string, TypedArray> = zeroRecycled(model, np);
      if (recycles > 0) {
        // Earlier iterations without gradient (AF2 1.10), each on its own MSA sample.
        const r = await (await inference(ex)).infer(
          state.params,
          (i) => exampleFeeds(ex, i),
          recycles - 1,
        );
        prev = recycledFrom(r);
      }
      const feeds = {
        ...exampleFeeds(ex, recycles),
        ...prev,
        seq_length: new Int32Array([ex.meta.chainLength]),
        // An OpenFold root's chains carry their mmCIF's resolution (AF2 1.9.6: the
        // pLDDT loss only on 0.1–3 Å); the others none, and 2 Å keeps them inside.
        resolution: new Float32Array([ex.resolution ?? 2.0]),
      };
      return { executor, feeds, index: k };
    },
    async validate(state) {
      const rows = [];
      for (const entry of valChains) {
        rows.push(
          (await evaluator.chain(evalParams(state), await dataset.loadInput(entry))).metrics,
        );
      }
      const sum = summarize(rows);
      return {
        val_lddt_ca: sum.lddt_ca_mean,
        val_lddt_ca_extended_baseline: sum.baseline_lddt_ca_mean,
        val_tm_score: sum.tm_score_mean,
        val_gdt_ts: sum.gdt_ts_mean,
        val_plddt: sum.plddt_mean,
        val_score: sum.lddt_ca_mean,
      };
    },
    async snapshot(state, n) {
      if (cfg.probes === 0) return; // no probe set, nothing to record
      const probes = [];
      for (const { entry, example: ex } of valExamples.slice(0, cfg.probes)) {
        const p = await predict(evalParams(state), ex);
        probes.push({
          id: entry.id,
          backbone: backboneOf(p.positions, ex.meta.numRes),
          plddt: Array.from(p.plddt.slice(0, ex.meta.numRes)),
        });
      }
      await writeSnapshot(dir, { step: n, probes });
    },
  };

  return {
    task,
    model,
    dataset,
    initial: async () =>
      initialState(
        cfg.init_from
          ? await initialParamsFrom(cfg.init_from, step.params, cfg.seed)
          : initParams(step.params, cfg.seed),
      ),
    async writeProbes() {
      const probes: Probe[] = valExamples.slice(0, cfg.probes).map(({ entry, example: ex }) => {
        const f = ex.features as unknown as Record<string, AnyFeature>;
        const n = ex.meta.numRes;
        const backbone = backboneOf(f.all_atom_positions.data, n);
        return {
          id: entry.id,
          // The crop's own residues (the probe is the cropped chain).
          seq: Array.from(f.aatype.data.slice(0, n), (a) => RESTYPES[a] ?? "X").join(""),
          residue_index: Array.from(f.residue_index.data.slice(0, n)),
          backbone,
          mask: Array.from({ length: n }, (_, i) => f.all_atom_mask.data[i * 37 + ATOM_ORDER.CA]),
          dssp: formatSs(
            dssp({
              backbone: Float64Array.from(backbone),
              isProline: Array.from(f.aatype.data.slice(0, n), (a) => a === RESTYPES.indexOf("P")),
            }).ss,
            "-",
          ),
        };
      });
      await writeProbes(dir, probes);
    },
    async predictVal(state, index) {
      const entry = valChains[index];
      const input = await dataset.loadInput(entry);
      const { predicted, truth } = await evaluator.chain(evalParams(state), input);
      const t = caCoords(truth);
      return {
        id: entry.id,
        pred: caCoords(predicted).xyz,
        truth: t.xyz,
        mask: Float64Array.from(t.mask),
        plddt: Float32Array.from(
          { length: predicted.aatype.length },
          (_, i) => predicted.bFactors[i * ATOM_TYPE_NUM],
        ),
      };
    },
    valChains,
  };
}
