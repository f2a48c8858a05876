/**
 * The feature pipeline: one chain in, the AF2 input (and ground-truth) tensors
 * out, cropped and padded to a length bucket — `buildFeatures(input, config, rng)`.
 *
 * Feature names are AF2/OpenFold's (`msa_feat`, `target_feat`, `extra_msa`, ...)
 * so they match the parity fixtures and the model's input names.
 *
 * Order (AF2 supplement 1.2, OpenFold `input_pipeline.py`): MSA merge →
 * block deletion → cluster sampling → masking → cluster profiles → extra-MSA
 * crop → `msa_feat`, then the residue crop, then padding (residues to the length
 * bucket, MSA rows to `maxMsaClusters`, extra rows to `maxExtraMsa`, all masks 0
 * on padding).
 *
 * Evolutionary input per chain: its alignments when given (fullatom chains with
 * OpenFold MSAs), otherwise its profile through `profile_msa.ts` (backbone
 * corpus), otherwise the query alone (AF2 single-sequence mode).
 *
 * @module
 */

import { z } from "zod";
import type { Same } from "../util/types.ts";
import type { Msa } from "./msa.ts";
import type { Protein } from "../protein/protein.ts";
import { ATOM_ORDER, ATOM_TYPE_NUM, RESTYPES } from "../protein/residue_constants.ts";
import type { Rng } from "../util/rng.ts";
import { type FeatureTensor, tensorOf } from "./feature_tensor.ts";
import {
  type BlockDeletionConfig,
  type MaskedMsaConfig,
  mergeMsas,
  sampleMsaFeatures,
  targetFeat,
} from "./msa_features.ts";
import { profilePseudoMsa } from "./profile_msa.ts";
import { chooseCrop, type CropKind, lengthBucket, padAlong, takeAlong } from "./crop.ts";
import { type GroundTruthFeatures, groundTruthFeatures } from "../protein/gt_transforms.ts";
import { fillVirtualCb } from "./virtual_cb.ts";
import {
  cropTemplateFeatures,
  emptyTemplateFeatures,
  selectTemplates,
  templateCount,
  type TemplateFeatures,
} from "./templates.ts";
import { InputError } from "../util/errors.ts";

const probability = z.number().min(0).max(1);

/** Feature-pipeline settings, defaults filled (see {@link FeatureConfigInput} for the defaults). */
export interface FeatureConfig {
  /** Residues per training crop (AF2: 256; fine-tuning 384). */
  cropSize: number;
  /** Crop residues at all (training); off for inference on whole chains. */
  crop: boolean;
  /** Probability of a spatial crop (see crop.ts). */
  spatialCropProb: number;
  /** Cluster centres N_clust (AF2: 128 training, 512 fine-tuning/eval). */
  maxMsaClusters: number;
  /** Extra MSA rows N_extra (AF2: 1024 training, 5120 fine-tuning). */
  maxExtraMsa: number;
  /** BERT masking (AF2 `masked_msa` and `masked_msa_replace_fraction`). */
  maskedMsa: MaskedMsaConfig;
  /** MSA block deletion (AF2 config `block_delete_msa`); null disables it. */
  blockDeletion: BlockDeletionConfig | null;
  /** Gap agreement weight of the nearest-cluster assignment (AF2: 0). */
  gapAgreementWeight: number;
  /** Per database (in merge order), rows kept before merging (AF2: uniref90 10000, mgnify 501). */
  maxRowsPerMsa: (number | null)[];
  /**
   * Rows of the pseudo-MSA drawn from a profile (query included); null = exactly
   * `maxMsaClusters + maxExtraMsa`, every row used.
   */
  profileMsaDepth: number | null;
  /** Pad residues to the length bucket and MSA rows to their maxima. */
  pad: boolean;
  /** Probability that a sample uses clamped FAPE (AF2 supplement 1.11.5: 0.9). */
  clampedFapeProb: number;
  /**
   * Independent MSA samples per example (same crop): AF2 draws new cluster
   * centres, masks and extra rows for every recycling iteration
   * (`resample_msa_in_recycling`), so set this to the number of passes.
   */
  msaSamples: number;
  /**
   * Templates per example `T` (AF2: 4; 0: no template features). Fewer usable
   * templates are padded with empty ones (`template_mask` 0).
   */
  maxTemplates: number;
  /**
   * AF2's training-time template sampling (see `selectTemplates`): a random
   * subset of random size of the input's candidates; off: the best first.
   */
  subsampleTemplates: boolean;
}

/**
 * Feature-pipeline settings as written: every field may be left out for its
 * default, which is AF2's initial training (cropSize 256, crop true,
 * spatialCropProb 0.5, maxMsaClusters 128, maxExtraMsa 1024, masking
 * 0.1/0.1/0.1 of 0.15, block deletion of 5 blocks of 0.3, gapAgreementWeight 0,
 * maxRowsPerMsa none, profileMsaDepth null, pad true, clampedFapeProb 0.9,
 * msaSamples 1, maxTemplates 0, subsampleTemplates false).
 */
export interface FeatureConfigInput {
  /** See {@link FeatureConfig.cropSize}. */
  cropSize?: number;
  /** See {@link FeatureConfig.crop}. */
  crop?: boolean;
  /** See {@link FeatureConfig.spatialCropProb}. */
  spatialCropProb?: number;
  /** See {@link FeatureConfig.maxMsaClusters}. */
  maxMsaClusters?: number;
  /** See {@link FeatureConfig.maxExtraMsa}. */
  maxExtraMsa?: number;
  /** See {@link FeatureConfig.maskedMsa}; each field defaults on its own. */
  maskedMsa?: Partial<MaskedMsaConfig>;
  /** See {@link FeatureConfig.blockDeletion}; given, it is given whole. */
  blockDeletion?: BlockDeletionConfig | null;
  /** See {@link FeatureConfig.gapAgreementWeight}. */
  gapAgreementWeight?: number;
  /** See {@link FeatureConfig.maxRowsPerMsa}. */
  maxRowsPerMsa?: (number | null)[];
  /** See {@link FeatureConfig.profileMsaDepth}. */
  profileMsaDepth?: number | null;
  /** See {@link FeatureConfig.pad}. */
  pad?: boolean;
  /** See {@link FeatureConfig.clampedFapeProb}. */
  clampedFapeProb?: number;
  /** See {@link FeatureConfig.msaSamples}. */
  msaSamples?: number;
  /** See {@link FeatureConfig.maxTemplates}. */
  maxTemplates?: number;
  /** See {@link FeatureConfig.subsampleTemplates}. */
  subsampleTemplates?: boolean;
}

/** zod schema of {@link FeatureConfig}; defaults are AF2's initial training. */
export const FeatureConfigSchema = z.object({
  cropSize: z.number().int().positive().default(256),
  crop: z.boolean().default(true),
  spatialCropProb: probability.default(0.5),
  maxMsaClusters: z.number().int().positive().default(128),
  maxExtraMsa: z.number().int().nonnegative().default(1024),
  maskedMsa: z.object({
    uniformProb: probability.default(0.1),
    profileProb: probability.default(0.1),
    sameProb: probability.default(0.1),
    replaceFraction: probability.default(0.15),
  }).refine((m) => m.uniformProb + m.profileProb + m.sameProb <= 1, {
    message: "uniformProb + profileProb + sameProb must not exceed 1",
  }).default({ uniformProb: 0.1, profileProb: 0.1, sameProb: 0.1, replaceFraction: 0.15 }),
  blockDeletion: z.object({
    msaFractionPerBlock: probability,
    numBlocks: z.number().int().nonnegative(),
    randomizeNumBlocks: z.boolean(),
  }).nullable().default({ msaFractionPerBlock: 0.3, numBlocks: 5, randomizeNumBlocks: false }),
  gapAgreementWeight: z.number().min(0).default(0),
  maxRowsPerMsa: z.array(z.number().int().positive().nullable()).default([]),
  profileMsaDepth: z.number().int().positive().nullable().default(null),
  pad: z.boolean().default(true),
  clampedFapeProb: probability.default(0.9),
  msaSamples: z.number().int().positive().default(1),
  maxTemplates: z.number().int().nonnegative().default(0),
  subsampleTemplates: z.boolean().default(false),
});

// The interfaces above are the schema's types written out for the docs; these stop them drifting apart.
const _featureConfigMatches: Same<FeatureConfig, z.output<typeof FeatureConfigSchema>> = true;
const _featureInputMatches: Same<FeatureConfigInput, z.input<typeof FeatureConfigSchema>> = true;

/**
 * Parse and validate settings (unknown JSON in, defaults filled); throws a zod error.
 *
 * @example
 * ```ts
 * import { parseFeatureConfig } from "denofold";
 *
 * const cfg = parseFeatureConfig({ cropSize: 64, maxMsaClusters: 16, maxExtraMsa: 32 });
 * console.log(cfg.blockDeletion); // the default: 5 blocks of 30 %
 * ```
 */
export function parseFeatureConfig(json: unknown = {}): FeatureConfig {
  return FeatureConfigSchema.parse(json);
}

/**
 * Settings of AF2's regimes (supplement Table 4 and `config.py`):
 * - `af2Initial`: initial training — 256-residue crops, 128 clusters, 1024
 *   extra rows, block deletion, BERT masking (the schema defaults);
 * - `af2Finetune`: fine-tuning — 384-residue crops, 512 clusters, 5120 extra;
 * - `inference`: whole chains, 512 clusters, 5120 extra, no block deletion (AF2
 *   keeps the 15 % BERT replacement at inference too, `masked_msa_replace_fraction`).
 *
 * @example
 * ```ts
 * import { FEATURE_PRESETS } from "denofold";
 *
 * const { crop, maxMsaClusters } = FEATURE_PRESETS.inference;
 * console.log(crop, maxMsaClusters); // false 512
 * ```
 */
export const FEATURE_PRESETS: Readonly<Record<string, FeatureConfig>> = {
  af2Initial: parseFeatureConfig({}),
  af2Finetune: parseFeatureConfig({ cropSize: 384, maxMsaClusters: 512, maxExtraMsa: 5120 }),
  inference: parseFeatureConfig({
    crop: false,
    maxMsaClusters: 512,
    maxExtraMsa: 5120,
    blockDeletion: null,
  }),
};

/** One chain to featurise. */
export interface FeatureInput {
  /** Identifier for messages. */
  id: string;
  /** The query sequence; taken from `structure.aatype` when absent. */
  sequence?: string;
  /** The structure (ground truth), atom37; residues must match the sequence. */
  structure?: Protein;
  /** Alignments, one per database in AF2 merge order, each with row 0 = query. */
  msas?: Msa[];
  /** Sequence profile `[L, 20]` (AF2 aatype order), used when `msas` is absent. */
  profile?: Float32Array;
  /**
   * Template candidates over the whole chain (`templateFeatures`, real ones
   * first), chosen from by `maxTemplates` / `subsampleTemplates`.
   */
  templates?: TemplateFeatures;
  /**
   * The structure has only N, CA, C, O (backbone corpus): pseudo-β then uses the
   * ideal virtual Cβ (see virtual_cb.ts).
   */
  backboneOnly?: boolean;
}

/** Where a feature set came from and how it was cut. */
export interface FeatureMeta {
  /** Chain identifier. */
  id: string;
  /** Residues of the chain before cropping. */
  chainLength: number;
  /** Real (unpadded) residues in the crop. */
  numRes: number;
  /** Residue dimension after padding. */
  paddedLength: number;
  /** Crop kind. */
  crop: CropKind;
  /** Chain residue index of each cropped residue. */
  cropIndices: Int32Array;
  /** Source of the MSA features. */
  msaSource: "alignment" | "profile" | "single_sequence";
  /** Rows of the merged MSA before sampling. */
  msaDepth: number;
  /** Real templates in the example (of `maxTemplates`). */
  templates: number;
}

/** The tensors of one example; residue dimension `N_res` is the padded length. */
export interface AF2Features {
  /** `[N_res]` residue types 0..20. */
  aatype: FeatureTensor<Int32Array>;
  /** `[N_res]` residue numbers from 0 (gaps in the structure's numbering kept). */
  residue_index: FeatureTensor<Int32Array>;
  /** `[N_res]` 1 on real residues. */
  seq_mask: FeatureTensor<Float32Array>;
  /** `[N_res, 22]` between-segment flag + aatype one-hot (21). */
  target_feat: FeatureTensor<Float32Array>;
  /** `[N_clust, N_res, 49]`. */
  msa_feat: FeatureTensor<Float32Array>;
  /** `[N_clust, N_res]`. */
  msa_mask: FeatureTensor<Float32Array>;
  /** `[N_clust, N_res]` BERT targets. */
  true_msa: FeatureTensor<Int32Array>;
  /** `[N_clust, N_res]` BERT positions. */
  bert_mask: FeatureTensor<Float32Array>;
  /** `[N_extra, N_res]`. */
  extra_msa: FeatureTensor<Int32Array>;
  /** `[N_extra, N_res]`. */
  extra_has_deletion: FeatureTensor<Float32Array>;
  /** `[N_extra, N_res]`. */
  extra_deletion_value: FeatureTensor<Float32Array>;
  /** `[N_extra, N_res]`. */
  extra_msa_mask: FeatureTensor<Float32Array>;
  /** `[N_res, 37, 3]` ground-truth atom positions (Å), when a structure was given. */
  all_atom_positions?: FeatureTensor<Float32Array>;
  /** `[N_res, 37]` 1 where the atom was observed (backbone-only chains: N, CA, C, O). */
  all_atom_mask?: FeatureTensor<Float32Array>;
  /** `[]` 1 when this sample's FAPE is clamped (AF2: 90 % of samples). */
  use_clamped_fape: FeatureTensor<Float32Array>;
}

/**
 * Input features with the template features (`T = maxTemplates`, residues
 * cropped and padded like the rest) when `maxTemplates` > 0.
 */
export type AF2TemplateFeatures = AF2Features & Partial<TemplateFeatures>;

/**
 * Input features plus, when a structure was given, OpenFold's ground-truth
 * features (`atom14_gt_positions`, `rigidgroups_gt_frames`,
 * `torsion_angles_sin_cos`, `pseudo_beta`, `backbone_rigid_tensor`, `chi_mask`,
 * ...; see gt_transforms.ts), all with the padded residue dimension first.
 */
export type AF2TrainingFeatures = AF2TemplateFeatures & Partial<GroundTruthFeatures>;

/** The features that change when the MSA is resampled. */
export type MsaSampleFeatures = Pick<
  AF2Features,
  | "msa_feat"
  | "msa_mask"
  | "true_msa"
  | "bert_mask"
  | "extra_msa"
  | "extra_has_deletion"
  | "extra_deletion_value"
  | "extra_msa_mask"
>;

/**
 * The flat arrays of an example by feature name, with the MSA features of
 * sample `k` (AF2 gives each recycling iteration its own MSA sample; past the
 * last sample the last one is reused).
 *
 * @example
 * ```ts
 * import { buildFeatures, exampleFeeds, readStructure, Rng } from "denofold";
 *
 * const structure = await readStructure(
 *   "data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz",
 * );
 * const ex = buildFeatures({ id: "1ubi", structure }, { crop: false, msaSamples: 2 }, new Rng(0));
 * const feeds = exampleFeeds(ex, 1); // the arrays of MSA sample 1
 * console.log(Object.keys(feeds).length);
 * ```
 */
export function exampleFeeds(
  ex: FeatureExample,
  k = 0,
): Record<string, Float32Array | Int32Array> {
  const out: Record<string, Float32Array | Int32Array> = {};
  for (const [name, t] of Object.entries(ex.features)) out[name] = (t as FeatureTensor).data;
  const sample = ex.msaSamples[Math.min(k, ex.msaSamples.length - 1)];
  if (sample) {
    for (const [name, t] of Object.entries(sample)) out[name] = (t as FeatureTensor).data;
  }
  return out;
}

/** Features plus their provenance. */
export interface FeatureExample {
  /** The tensors. */
  features: AF2TrainingFeatures;
  /**
   * `config.msaSamples` independent MSA samples for the same crop, cropped and
   * padded alike; entry 0 holds the same tensors as `features`.
   */
  msaSamples: MsaSampleFeatures[];
  /** Provenance. */
  meta: FeatureMeta;
}

const MSA_ROW_FEATURES = ["msa_feat", "msa_mask", "true_msa", "bert_mask"] as const;
const EXTRA_ROW_FEATURES = [
  "extra_msa",
  "extra_has_deletion",
  "extra_deletion_value",
  "extra_msa_mask",
] as const;

function sequenceOf(input: FeatureInput): string {
  if (input.sequence !== undefined) return input.sequence.toUpperCase();
  if (!input.structure) {
    throw new InputError(`${input.id}: the feature input has neither a sequence nor a structure`);
  }
  return Array.from(input.structure.aatype, (a) => a < 20 ? RESTYPES[a] : "X").join("");
}

/**
 * Residue numbers shifted to start at 0 (AF2 numbers the modelled sequence
 * 0..L-1; we keep gaps of the structure's numbering so relative positions stay
 * true), or plain 0..L-1 when the numbering is not strictly increasing
 * (insertion codes) or absent.
 */
function residueIndexOf(L: number, structure?: Protein): Int32Array {
  const idx = Int32Array.from({ length: L }, (_, i) => i);
  const src = structure?.residueIndex;
  if (!src || src.length !== L) return idx;
  for (let i = 1; i < L; i++) if (src[i] <= src[i - 1]) return idx;
  return Int32Array.from(src, (v) => v - src[0]);
}

/**
 * Featurise one chain: MSA features (from alignments, a profile, or the query
 * alone), sequence features, ground-truth atom37 when a structure is given, one
 * training crop (when `config.crop`), and padding (when `config.pad`). All random
 * choices come from `rng`.
 *
 * @example Features of one chain with its MSA, cropped to 64 residues
 * ```ts
 * import { buildFeatures, Dataset, Rng } from "denofold";
 *
 * const ds = await Dataset.open("data/sample");
 * const entry = ds.entries.find((e) => e.id === "3zee_A")!; // a chain with OpenFold MSAs
 * const ex = buildFeatures(await ds.loadInput(entry), { cropSize: 64 }, new Rng(0));
 * console.log(ex.meta, ex.features.aatype.shape);
 * ```
 */
export function buildFeatures(
  input: FeatureInput,
  config: FeatureConfigInput,
  rng: Rng,
): FeatureExample {
  const cfg = FeatureConfigSchema.parse(config);
  const seq = sequenceOf(input);
  const L = seq.length;
  const s = input.structure;
  if (s && s.aatype.length !== L) {
    throw new InputError(`${input.id}: structure has ${s.aatype.length} residues, sequence ${L}`);
  }
  if (input.profile && input.profile.length !== L * 20) {
    throw new InputError(
      `${input.id}: profile has ${input.profile.length} values, want ${L} x 20`,
    );
  }

  // Evolutionary input.
  const msaRng = rng.fork("msa");
  let msaSource: FeatureMeta["msaSource"];
  let encoded;
  let profile: Float32Array | undefined;
  if (input.msas && input.msas.length > 0) {
    msaSource = "alignment";
    encoded = mergeMsas(seq, input.msas, {
      maxRowsPerMsa: cfg.maxRowsPerMsa.map((v) => v ?? undefined),
    });
  } else if (input.profile) {
    msaSource = "profile";
    profile = input.profile;
    const depth = cfg.profileMsaDepth ?? cfg.maxMsaClusters + cfg.maxExtraMsa;
    encoded = profilePseudoMsa(seq, profile, depth, msaRng.fork("pseudo"));
  } else {
    msaSource = "single_sequence";
    encoded = mergeMsas(seq, []);
  }
  // Pseudo-rows are exchangeable independent draws: deleting blocks of them would
  // only mean drawing fewer, so block deletion applies to real alignments only.
  const sampling = profile ? { ...cfg, blockDeletion: null } : cfg;
  const msa = sampleMsaFeatures(encoded, sampling, msaRng, { profile });
  const resampled = Array.from(
    { length: cfg.msaSamples - 1 },
    (_, k) => sampleMsaFeatures(encoded, sampling, rng.fork(`msa${k + 1}`), { profile }),
  );

  // Per-residue features.
  const aatype = Int32Array.from(seq, (c) => {
    const i = RESTYPES.indexOf(c);
    return i >= 0 ? i : 20;
  });
  const feats: Record<string, FeatureTensor<Float32Array> | FeatureTensor<Int32Array>> = {
    aatype: tensorOf(aatype, [L]),
    residue_index: tensorOf(residueIndexOf(L, s), [L]),
    seq_mask: tensorOf(new Float32Array(L).fill(1), [L]),
    target_feat: tensorOf(targetFeat(aatype), [L, 22]),
    ...msa,
  };
  if (s) {
    feats.all_atom_positions = tensorOf(Float32Array.from(s.atomPositions), [L, ATOM_TYPE_NUM, 3]);
    feats.all_atom_mask = tensorOf(Float32Array.from(s.atomMask), [L, ATOM_TYPE_NUM]);
  }

  // Residue crop, applied to every per-residue axis alike.
  const cropRng = rng.fork("crop");
  let ca: { positions: Float32Array; mask: Float32Array } | undefined;
  if (s) {
    const caSlot = ATOM_ORDER["CA"];
    const positions = new Float32Array(L * 3);
    const mask = new Float32Array(L);
    for (let i = 0; i < L; i++) {
      mask[i] = s.atomMask[i * ATOM_TYPE_NUM + caSlot];
      for (let d = 0; d < 3; d++) {
        positions[3 * i + d] = s.atomPositions[(i * ATOM_TYPE_NUM + caSlot) * 3 + d];
      }
    }
    ca = { positions, mask };
  }
  const choice = cfg.crop
    ? chooseCrop(L, cfg, cropRng, ca)
    : { indices: Int32Array.from({ length: L }, (_, i) => i), kind: "none" as CropKind };
  const n = choice.indices.length;
  if (choice.kind !== "none") {
    for (const [k, t] of Object.entries(feats)) {
      feats[k] = takeAlong(t, residueAxis(k), choice.indices);
    }
  }
  // Ground truth of the cropped residues (every transform is per residue).
  if (s) {
    const aa = feats.aatype.data, pos = feats.all_atom_positions.data;
    const mask = feats.all_atom_mask.data;
    const gt = groundTruthFeatures(aa, pos, mask);
    if (input.backboneOnly) {
      fillVirtualCb(
        aa,
        pos,
        mask,
        gt.pseudo_beta.data as Float32Array,
        gt.pseudo_beta_mask.data as Float32Array,
      );
    }
    for (const [k, t] of Object.entries(gt)) feats[k] = t as (typeof feats)[string];
  }
  const paddedLength = cfg.pad ? lengthBucket(n) : n;
  if (cfg.pad) {
    for (const [k, t] of Object.entries(feats)) {
      let u = padAlong(t, residueAxis(k), paddedLength);
      if (k in ROW_PAD) u = padAlong(u, 0, ROW_PAD[k](cfg));
      feats[k] = u;
    }
  }
  // The further MSA samples, cut and padded like the first.
  const msaSamples: MsaSampleFeatures[] = [pickMsa(feats)];
  for (const r of resampled) {
    const t: Record<string, FeatureTensor<Float32Array> | FeatureTensor<Int32Array>> = { ...r };
    for (const [k, v] of Object.entries(t)) {
      let u = choice.kind === "none" ? v : takeAlong(v, 1, choice.indices);
      if (cfg.pad) u = padAlong(padAlong(u, 1, paddedLength), 0, ROW_PAD[k](cfg));
      t[k] = u;
    }
    msaSamples.push(pickMsa(t));
  }
  // Templates: chosen over the whole chain, then cut and padded like the residues.
  let templates = 0;
  if (cfg.maxTemplates > 0) {
    if (input.templates && input.templates.template_aatype.shape[1] !== L) {
      throw new InputError(
        `${input.id}: template features cover ${
          input.templates.template_aatype.shape[1]
        } residues, the sequence ${L}`,
      );
    }
    const chosen = selectTemplates(
      input.templates,
      cfg.maxTemplates,
      cfg.subsampleTemplates ? rng.fork("templates") : undefined,
    );
    const t = input.templates
      ? cropTemplateFeatures(chosen, choice.indices, paddedLength)
      : emptyTemplateFeatures(cfg.maxTemplates, paddedLength);
    for (const [k, v] of Object.entries(t)) feats[k] = v as (typeof feats)[string];
    templates = templateCount(t);
  }
  const clamped = rng.fork("fape").float() < cfg.clampedFapeProb ? 1 : 0;
  feats.use_clamped_fape = tensorOf(Float32Array.of(clamped), []);

  return {
    features: feats as unknown as AF2TrainingFeatures,
    msaSamples,
    meta: {
      id: input.id,
      chainLength: L,
      numRes: n,
      paddedLength,
      crop: choice.kind,
      cropIndices: choice.indices,
      msaSource,
      msaDepth: encoded.numRows,
      templates,
    },
  };
}

const ROW_PAD: Record<string, (cfg: FeatureConfig) => number> = Object.fromEntries([
  ...MSA_ROW_FEATURES.map((k) => [k, (c: FeatureConfig) => c.maxMsaClusters]),
  ...EXTRA_ROW_FEATURES.map((k) => [k, (c: FeatureConfig) => c.maxExtraMsa]),
]);

function pickMsa(
  t: Record<string, FeatureTensor<Float32Array> | FeatureTensor<Int32Array>>,
): MsaSampleFeatures {
  const out: Record<string, unknown> = {};
  for (const k of [...MSA_ROW_FEATURES, ...EXTRA_ROW_FEATURES]) out[k] = t[k];
  return out as unknown as MsaSampleFeatures;
}

/** The residue axis of a feature: 1 for MSA-row features, 0 for the rest. */
function residueAxis(name: string): number {
  return name in ROW_PAD ? 1 : 0;
}
