/**
 * The run configuration of `deno task train`: one zod schema (from flags or a
 * JSON file), defaults sized for CPU training on the bundled sample.
 *
 * @module
 */

import { z } from "zod";
import { scheduleSchema } from "./schedule.ts";
import { optimizerSchema } from "./optimizer.ts";

const posInt = () => z.number().int().positive();
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD");

/** Everything a training run depends on (with the seed, a run is a pure function of this). */
export const runConfigSchema = z.strictObject({
  /** Model preset (model/af2/config.ts). */
  preset: z.string().default("small"),
  /** Overrides of the preset's model config (any depth). */
  model: z.record(z.string(), z.unknown()).default({}),
  /**
   * Data root in the ../shared/data layout (default: the bundled sample), or
   * an OpenFold root (`alignments/` or `alignment_db/` beside `mmcif/`;
   * train/data/openfold_root.ts).
   */
  data: z.string(),
  /** OpenFold root: largest mmCIF resolution kept, Å (OpenFold: 9; NMR entries carry 0). */
  max_resolution: z.number().positive().optional(),
  /** OpenFold root: latest release date of a training chain, `YYYY-MM-DD` (none: no cutoff). */
  max_release_date: isoDate.optional(),
  /**
   * OpenFold root: latest release date of a template (AF2's max_template_date);
   * each chain's templates are also released at least 60 days before it.
   */
  max_template_date: isoDate.optional(),
  /** OpenFold root: cluster file (one cluster of chain ids per line; default DIR/clusters.txt). */
  cluster_file: z.string().optional(),
  /**
   * Training-set ablations: train only on these chain ids (ChainEntry.id) of the
   * training split (none = all), and never on `exclude_ids`. Validation is unchanged.
   */
  train_ids: z.array(z.string()).optional(),
  exclude_ids: z.array(z.string()).optional(),
  /**
   * Total training steps (optimizer updates). 2,000 by default: the default run
   * fits in 15 minutes on 2 cores and, on the bundled sample, ends just past the
   * collapse (bench/results/main_job/).
   */
  steps: posInt().default(2000),
  /**
   * Samples per optimizer update (AF2: 128): each its own crop and MSA sample;
   * their gradients are averaged, over every process of an MPI job.
   */
  batch_size: posInt().default(1),
  /**
   * Residues per training crop (graphs are built per 32-residue bucket up to this).
   * 48 by default (AF2: 256): at the small preset's size a step costs about the same
   * at 48 as at 64 residues; in the one pair of runs compared on the bundled sample,
   * 48 left the collapse ~500 steps sooner, within the run-to-run spread
   * (bench/results/main_job/).
   */
  crop: posInt().default(48),
  /**
   * Templates per example (AF2: 4), sampled from each chain's hits as AF2's
   * training does (supplement 1.2.3); only an OpenFold root's chains have hits.
   * 0: the run trains, validates and predicts without the template stack (its
   * parameters are then not part of the model).
   */
  max_templates: z.number().int().min(0).max(4, "AF2 uses at most 4 templates").default(0),
  /** MSA cluster rows N_clust and extra rows N_extra per example. */
  msa_clusters: posInt().default(16),
  extra_msa: z.number().int().nonnegative().default(32),
  /**
   * Recycling iterations sampled uniformly in [0, max_recycles] per step (AF2: 3).
   * 0 by default: on 2 CPU cores the steps are worth more than the recycles early in
   * training (the committed study crosses the extended-chain baseline after ~1,500 steps).
   */
  max_recycles: z.number().int().nonnegative().default(0),
  seed: z.number().int().default(0),
  /**
   * Start from these parameters instead of a random initialisation (a new run
   * only; a resumed run continues from its checkpoint): DeepMind's
   * `params_model_N(_ptm).npz` (OpenFold's fine-tuning path; a TM head the
   * file lacks starts random, as OpenFold's pTM fine-tuning does), a model
   * file or checkpoint sidecar `.json` (its EMA parameters), or a
   * `.safetensors` parameter file of this model.
   */
  init_from: z.string().optional(),
  /**
   * Fraction of samples whose backbone FAPE is clamped at 10 Å (AF2 1.11.5:
   * 0.9); 0 trains unclamped (the OpenFold paper's instability ablation).
   */
  clamped_fape_prob: z.number().min(0).max(1).default(0.9),
  /** Loss stage (initial / finetune weights). */
  loss_stage: z.enum(["initial", "finetune"]).default("initial"),
  /**
   * Overrides of the stage's loss terms (model/losses/config.ts), e.g.
   * `{ "masked_msa": { "weight": 0.5 } }`: the terms stay AF2's, their weights
   * are the recipe's.
   */
  loss: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
  schedule: scheduleSchema.default({
    base_lr: 1e-3,
    warmup_steps: 50,
    decay_after: 1_000_000,
    decay_every: 50_000,
    decay_factor: 0.95,
  }),
  optimizer: optimizerSchema.default({
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-6,
    clip_norm: 0.1,
    ema_decay: 0.999,
  }),
  checkpoint_every: posInt().default(50),
  keep_last: posInt().default(3),
  validate_every: posInt().default(250),
  /** Validation chains (held-out clusters), predicted and scored whole. */
  val_chains: posInt().default(8),
  /** Longest validation chain (residues): whole-chain prediction costs grow as L². */
  val_max_length: posInt().default(256),
  /**
   * Which parameters validation and snapshots use: the EMA (AF2's evaluation
   * weights) or the raw ones.
   */
  eval_params: z.enum(["ema", "raw"]).default("ema"),
  /** Probe proteins for the learning-dynamics snapshots. */
  probes: z.number().int().nonnegative().default(4),
  /** Snapshot steps: log-spaced (`count` of them) or every `every` steps. */
  snapshots: z.strictObject({
    schedule: z.enum(["log", "every"]).default("log"),
    count: posInt().default(16),
    every: posInt().default(100),
  }).default({ schedule: "log", count: 16, every: 100 }),
  /**
   * How the model is cut for execution (model/exec/plan.ts): "single" (one
   * graph) or "blocks" (one graph per Evoformer block, activations recomputed
   * in backward). By default "blocks" for models with 16 or more Evoformer
   * blocks (af2: compiles in seconds, keeps only block inputs).
   */
  plan: z.enum(["single", "blocks"]).optional(),
  /**
   * The memory budget of every chunked op, forward and backward (elements of
   * the largest per-chunk intermediate; model/nn/scope.ts); none by default.
   */
  chunk_budget: posInt().optional(),
  /**
   * Where the graphs run: "cpu", or "cuda" (onnxruntime's CUDA execution
   * provider; refused at once where it is not installed).
   */
  device: z.enum(["cpu", "cuda"]).default("cpu"),
  /** Stop after this many consecutive non-finite steps. */
  max_consecutive_skips: posInt().default(10),
});

/** A validated run configuration. */
export type RunConfig = z.infer<typeof runConfigSchema>;
