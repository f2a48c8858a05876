/**
 * Model configuration: one zod schema (every field validated, errors name the
 * field) and the presets. Values follow OpenFold's `model_config("model_1")`
 * (AF2 supplement Table 4/5 hyperparameters).
 *
 * @module
 */

import { z } from "zod";
import { InputError } from "../util/errors.ts";
import type { Same } from "../util/types.ts";

const pos = () => z.number().int().positive();
const nonneg = () => z.number().int().nonnegative();
const rate = () => z.number().min(0).max(1);

/**
 * The model hyperparameters (OpenFold's `model_config` names). Channel counts
 * are `c_*`, head counts `no_heads_*`, block counts `no_blocks`; `inf` and
 * `eps` are the large value used for masking and the small value guarding
 * divisions in that module.
 */
export interface ModelConfig {
  /** MSA representation channels (AF2: 256). */
  c_m: number;
  /** Pair representation channels (AF2: 128). */
  c_z: number;
  /** Single representation channels (AF2: 384). */
  c_s: number;
  /** Template pair representation channels (AF2: 64). */
  c_t: number;
  /** Extra-MSA representation channels (AF2: 64). */
  c_e: number;
  /** The input embedder (Algorithm 3). */
  input_embedder: {
    /** Channels of `target_feat` (22). */
    tf_dim: number;
    /** Channels of `msa_feat` (49). */
    msa_dim: number;
    /** Relative positions are clipped to ±`relpos_k` (Algorithm 4; 32). */
    relpos_k: number;
  };
  /** The recycling embedder (Algorithm 32): a distogram of the previous pseudo-β positions. */
  recycling_embedder: {
    /** Lower edge of the first distance bin, Å. */
    min_bin: number;
    /** Lower edge of the last distance bin, Å. */
    max_bin: number;
    /** Number of distance bins. */
    no_bins: number;
    /** Upper edge of the last bin. */
    inf: number;
  };
  /** The template embedding (supplement 1.7.1). */
  template: {
    /** Embed templates at all. */
    enabled: boolean;
    /** Embed the template torsion angles as extra MSA rows (Algorithm 2 lines 7–8). */
    embed_angles: boolean;
    /** Include the backbone-frame unit vectors in the template pair features (AF2: false). */
    use_unit_vector: boolean;
    /** The template pseudo-β distogram. */
    distogram: {
      /** Lower edge of the first bin, Å. */
      min_bin: number;
      /** Lower edge of the last bin, Å. */
      max_bin: number;
      /** Number of bins. */
      no_bins: number;
    };
    /** Channels of the template angle features (57). */
    angle_feat_dim: number;
    /** Channels of the template pair features (88). */
    pair_feat_dim: number;
    /** The template pair stack (Algorithm 16). */
    pair_stack: {
      /** Hidden channels per head of triangle attention. */
      c_hidden_tri_att: number;
      /** Hidden channels of triangle multiplication. */
      c_hidden_tri_mul: number;
      /** Number of blocks. */
      no_blocks: number;
      /** Attention heads. */
      no_heads: number;
      /** Pair transition widening factor. */
      pair_transition_n: number;
      /** Dropout rate (rows and columns). */
      dropout_rate: number;
      /** Masking value. */
      inf: number;
    };
    /** The template point-wise attention (Algorithm 17). */
    pointwise_attention: {
      /** Hidden channels per head. */
      c_hidden: number;
      /** Attention heads. */
      no_heads: number;
      /** Masking value. */
      inf: number;
    };
    /** Masking value. */
    inf: number;
    /** Division guard. */
    eps: number;
  };
  /** The extra-MSA stack (Algorithm 18). */
  extra_msa: {
    /** Embed extra MSA rows at all. */
    enabled: boolean;
    /** Channels of `extra_msa_feat` (25). */
    c_in: number;
    /** Hidden channels per head of MSA attention. */
    c_hidden_msa_att: number;
    /** Hidden channels of the outer product mean. */
    c_hidden_opm: number;
    /** Hidden channels of triangle multiplication. */
    c_hidden_mul: number;
    /** Hidden channels per head of triangle attention. */
    c_hidden_pair_att: number;
    /** MSA attention heads. */
    no_heads_msa: number;
    /** Triangle attention heads. */
    no_heads_pair: number;
    /** Number of blocks (AF2: 4). */
    no_blocks: number;
    /** Transition widening factor. */
    transition_n: number;
    /** Dropout rate of the MSA updates. */
    msa_dropout: number;
    /** Dropout rate of the pair updates. */
    pair_dropout: number;
    /** Masking value. */
    inf: number;
    /** Division guard. */
    eps: number;
  };
  /** The Evoformer stack (Algorithm 6). */
  evoformer: {
    /** Hidden channels per head of MSA attention. */
    c_hidden_msa_att: number;
    /** Hidden channels of the outer product mean. */
    c_hidden_opm: number;
    /** Hidden channels of triangle multiplication. */
    c_hidden_mul: number;
    /** Hidden channels per head of triangle attention. */
    c_hidden_pair_att: number;
    /** MSA attention heads. */
    no_heads_msa: number;
    /** Triangle attention heads. */
    no_heads_pair: number;
    /** Number of blocks (AF2: 48). */
    no_blocks: number;
    /** Transition widening factor. */
    transition_n: number;
    /** Dropout rate of the MSA updates. */
    msa_dropout: number;
    /** Dropout rate of the pair updates. */
    pair_dropout: number;
    /** Masking value. */
    inf: number;
    /** Division guard. */
    eps: number;
  };
  /** The structure module (Algorithm 20). */
  structure_module: {
    /** Hidden channels per head of invariant point attention. */
    c_ipa: number;
    /** Hidden channels of the angle resnet. */
    c_resnet: number;
    /** IPA heads. */
    no_heads_ipa: number;
    /** IPA query/key points per head. */
    no_qk_points: number;
    /** IPA value points per head. */
    no_v_points: number;
    /** Dropout rate. */
    dropout_rate: number;
    /** Layers (shared weights; AF2: 8). */
    no_blocks: number;
    /** Layers of the single transition. */
    no_transition_layers: number;
    /** Blocks of the angle resnet. */
    no_resnet_blocks: number;
    /** Torsion angles predicted per residue (7). */
    no_angles: number;
    /** Ångström per unit of the internal translations (10). */
    trans_scale_factor: number;
    /** Division guard. */
    epsilon: number;
    /** Masking value. */
    inf: number;
  };
  /** The auxiliary heads (supplement 1.9). */
  heads: {
    /** The pLDDT head (Algorithm 29). */
    lddt: {
      /** Bins of lDDT. */
      no_bins: number;
      /** Hidden channels. */
      c_hidden: number;
    };
    /** The distogram head. */
    distogram: {
      /** Number of bins. */
      no_bins: number;
      /** First bin edge, Å. */
      first_break: number;
      /** Last bin edge, Å. */
      last_break: number;
    };
    /** The predicted-aligned-error / pTM head. */
    tm: {
      /** Build the head at all (the `_ptm` models). */
      enabled: boolean;
      /** Number of error bins. */
      no_bins: number;
      /** Largest error bin edge, Å. */
      max_bin: number;
    };
    /** The masked-MSA head. */
    masked_msa: {
      /** Output classes (23). */
      c_out: number;
    };
    /** The experimentally-resolved head. */
    experimentally_resolved: {
      /** Output atoms (37). */
      c_out: number;
    };
  };
}

/** zod schema of {@link ModelConfig}: every field validated, errors name the field. */
export const modelConfigSchema = z.strictObject({
  c_m: pos(),
  c_z: pos(),
  c_s: pos(),
  c_t: pos(),
  c_e: pos(),
  input_embedder: z.strictObject({ tf_dim: pos(), msa_dim: pos(), relpos_k: pos() }),
  recycling_embedder: z.strictObject({
    min_bin: z.number(),
    max_bin: z.number(),
    no_bins: pos(),
    inf: z.number(),
  }),
  template: z.strictObject({
    enabled: z.boolean(),
    embed_angles: z.boolean(),
    use_unit_vector: z.boolean(),
    distogram: z.strictObject({ min_bin: z.number(), max_bin: z.number(), no_bins: pos() }),
    angle_feat_dim: pos(),
    pair_feat_dim: pos(),
    pair_stack: z.strictObject({
      c_hidden_tri_att: pos(),
      c_hidden_tri_mul: pos(),
      no_blocks: nonneg(),
      no_heads: pos(),
      pair_transition_n: pos(),
      dropout_rate: rate(),
      inf: z.number(),
    }),
    pointwise_attention: z.strictObject({ c_hidden: pos(), no_heads: pos(), inf: z.number() }),
    inf: z.number(),
    eps: z.number(),
  }),
  extra_msa: z.strictObject({
    enabled: z.boolean(),
    c_in: pos(),
    c_hidden_msa_att: pos(),
    c_hidden_opm: pos(),
    c_hidden_mul: pos(),
    c_hidden_pair_att: pos(),
    no_heads_msa: pos(),
    no_heads_pair: pos(),
    no_blocks: nonneg(),
    transition_n: pos(),
    msa_dropout: rate(),
    pair_dropout: rate(),
    inf: z.number(),
    eps: z.number(),
  }),
  evoformer: z.strictObject({
    c_hidden_msa_att: pos(),
    c_hidden_opm: pos(),
    c_hidden_mul: pos(),
    c_hidden_pair_att: pos(),
    no_heads_msa: pos(),
    no_heads_pair: pos(),
    no_blocks: nonneg(),
    transition_n: pos(),
    msa_dropout: rate(),
    pair_dropout: rate(),
    inf: z.number(),
    eps: z.number(),
  }),
  structure_module: z.strictObject({
    c_ipa: pos(),
    c_resnet: pos(),
    no_heads_ipa: pos(),
    no_qk_points: pos(),
    no_v_points: pos(),
    dropout_rate: rate(),
    no_blocks: pos(),
    no_transition_layers: pos(),
    no_resnet_blocks: pos(),
    no_angles: pos(),
    trans_scale_factor: z.number().positive(),
    epsilon: z.number().positive(),
    inf: z.number(),
  }),
  heads: z.strictObject({
    lddt: z.strictObject({ no_bins: pos(), c_hidden: pos() }),
    distogram: z.strictObject({ no_bins: pos(), first_break: z.number(), last_break: z.number() }),
    tm: z.strictObject({ enabled: z.boolean(), no_bins: pos(), max_bin: pos() }),
    masked_msa: z.strictObject({ c_out: pos() }),
    experimentally_resolved: z.strictObject({ c_out: pos() }),
  }),
});

// The interface above is the schema's type written out for the docs; this stops them drifting apart.
const _modelConfigMatches: Same<ModelConfig, z.output<typeof modelConfigSchema>> = true;

/**
 * AF2 model_1 (OpenFold `model_config("model_1")`): 93,229,082 parameters.
 *
 * @example
 * ```ts
 * import { AF2_MODEL_1 } from "denofold";
 *
 * console.log(AF2_MODEL_1.evoformer.no_blocks, AF2_MODEL_1.c_m); // 48 256
 * ```
 */
export const AF2_MODEL_1: ModelConfig = {
  c_m: 256,
  c_z: 128,
  c_s: 384,
  c_t: 64,
  c_e: 64,
  input_embedder: { tf_dim: 22, msa_dim: 49, relpos_k: 32 },
  recycling_embedder: { min_bin: 3.25, max_bin: 20.75, no_bins: 15, inf: 1e8 },
  template: {
    enabled: true,
    embed_angles: true,
    use_unit_vector: false,
    distogram: { min_bin: 3.25, max_bin: 50.75, no_bins: 39 },
    angle_feat_dim: 57,
    pair_feat_dim: 88,
    pair_stack: {
      c_hidden_tri_att: 16,
      c_hidden_tri_mul: 64,
      no_blocks: 2,
      no_heads: 4,
      pair_transition_n: 2,
      dropout_rate: 0.25,
      inf: 1e9,
    },
    pointwise_attention: { c_hidden: 16, no_heads: 4, inf: 1e5 },
    inf: 1e5,
    eps: 1e-8,
  },
  extra_msa: {
    enabled: true,
    c_in: 25,
    c_hidden_msa_att: 8,
    c_hidden_opm: 32,
    c_hidden_mul: 128,
    c_hidden_pair_att: 32,
    no_heads_msa: 8,
    no_heads_pair: 4,
    no_blocks: 4,
    transition_n: 4,
    msa_dropout: 0.15,
    pair_dropout: 0.25,
    inf: 1e9,
    eps: 1e-8,
  },
  evoformer: {
    c_hidden_msa_att: 32,
    c_hidden_opm: 32,
    c_hidden_mul: 128,
    c_hidden_pair_att: 32,
    no_heads_msa: 8,
    no_heads_pair: 4,
    no_blocks: 48,
    transition_n: 4,
    msa_dropout: 0.15,
    pair_dropout: 0.25,
    inf: 1e9,
    eps: 1e-8,
  },
  structure_module: {
    c_ipa: 16,
    c_resnet: 128,
    no_heads_ipa: 12,
    no_qk_points: 4,
    no_v_points: 8,
    dropout_rate: 0.1,
    no_blocks: 8,
    no_transition_layers: 1,
    no_resnet_blocks: 2,
    no_angles: 7,
    trans_scale_factor: 10,
    epsilon: 1e-8,
    inf: 1e5,
  },
  heads: {
    lddt: { no_bins: 50, c_hidden: 128 },
    distogram: { no_bins: 64, first_break: 2.3125, last_break: 21.6875 },
    tm: { enabled: false, no_bins: 64, max_bin: 31 },
    masked_msa: { c_out: 23 },
    experimentally_resolved: { c_out: 37 },
  },
};

/** A partial override, any depth. */
export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

function merge<T>(base: T, over: DeepPartial<T> | undefined): T {
  if (over === undefined) return base;
  if (typeof base !== "object" || base === null || Array.isArray(base)) return over as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over as Record<string, unknown>)) {
    out[k] = k in out ? merge(out[k], v as never) : v;
  }
  return out as T;
}

/** The dimensions OpenFold's bench-tiny uses (issue 8): 686,138 parameters. */
export const TINY_DIMS: DeepPartial<ModelConfig> = {
  c_m: 32,
  c_z: 16,
  c_s: 64,
  c_t: 16,
  c_e: 16,
  template: { pair_stack: { no_blocks: 1 } },
  extra_msa: { no_blocks: 1 },
  evoformer: { no_blocks: 2 },
};

/**
 * DeepMind's five monomer models and their pTM fine-tunes (AF2 supplement
 * Table 5): models 1 and 2 embed templates (with torsion angles), 3–5 do not;
 * the `_ptm` models add the predicted-aligned-error head. What else differs is
 * data, not parameters: models 1, 3 and 4 were trained with 5,120 extra MSA
 * rows, 2 and 5 with 1,024 (`predict --extra-msa`).
 */
function af2Monomers(): Record<string, ModelConfig> {
  const out: Record<string, ModelConfig> = {};
  for (let n = 1; n <= 5; n++) {
    const base = n <= 2 ? AF2_MODEL_1 : merge(AF2_MODEL_1, { template: { enabled: false } });
    out[`model_${n}`] = base;
    out[`model_${n}_ptm`] = merge(base, { heads: { tm: { enabled: true } } });
  }
  return out;
}

/**
 * Named presets.
 *
 * @example
 * ```ts
 * import { PRESETS } from "denofold";
 *
 * for (const [name, cfg] of Object.entries(PRESETS)) console.log(name, cfg.evoformer.no_blocks);
 * ```
 */
export const PRESETS: Readonly<Record<string, ModelConfig>> = {
  af2: AF2_MODEL_1,
  /** AF2 with the pTM head (model_1_ptm). */
  af2_ptm: merge(AF2_MODEL_1, { heads: { tm: { enabled: true } } }),
  ...af2Monomers(),
  /** OpenFold's bench-tiny shapes with the full 8 structure-module layers. */
  bench_tiny: merge(AF2_MODEL_1, TINY_DIMS),
  /** The smallest trainable model: tiny dims and 4 structure-module layers. */
  tiny: merge(AF2_MODEL_1, merge(TINY_DIMS, { structure_module: { no_blocks: 4 } })),
  /** The default for CPU training: wider and deeper than tiny, still minutes per hundred steps. */
  small: merge(AF2_MODEL_1, {
    c_m: 64,
    c_z: 32,
    c_s: 128,
    c_t: 16,
    c_e: 16,
    template: { enabled: false, pair_stack: { no_blocks: 1 } },
    extra_msa: { no_blocks: 1, c_hidden_mul: 32, c_hidden_opm: 16 },
    evoformer: { no_blocks: 4, c_hidden_mul: 32, c_hidden_opm: 16, c_hidden_msa_att: 16 },
    structure_module: { no_blocks: 4, c_resnet: 64, no_heads_ipa: 4 },
    heads: { lddt: { c_hidden: 64 }, tm: { enabled: true } },
  }),
};

/**
 * A preset with overrides, validated; a bad field raises a zod error naming its path.
 *
 * @example The tiny preset with two more Evoformer blocks and the pTM head
 * ```ts
 * import { modelConfig } from "denofold";
 *
 * const cfg = modelConfig("tiny", {
 *   evoformer: { no_blocks: 4 },
 *   heads: { tm: { enabled: true } },
 * });
 * console.log(cfg.c_m, cfg.evoformer.no_blocks); // 32 4
 * ```
 */
export function modelConfig(preset: string, overrides?: DeepPartial<ModelConfig>): ModelConfig {
  const base = PRESETS[preset];
  if (!base) {
    throw new InputError(
      `unknown model preset "${preset}" (have: ${Object.keys(PRESETS).join(", ")})`,
    );
  }
  const r = modelConfigSchema.safeParse(merge(base, overrides));
  if (!r.success) {
    const i = r.error.issues[0];
    throw new InputError(`model config field ${i.path.join(".") || "(root)"}: ${i.message}`);
  }
  return r.data;
}
