/**
 * Parity runners for the embedders and templates (fixtures 09*, 13*).
 *
 * @module
 */

import type { Tensor } from "../../model/graph/mod.ts";
import type { ModelBuilder } from "../../model/nn/scope.ts";
import type { ModelConfig } from "../../model/af2/config.ts";
import { inputEmbedder } from "../../model/af2/input_embedder.ts";
import { recyclingEmbedder } from "../../model/af2/recycling_embedder.ts";
import { buildExtraMsaFeat, extraMsaEmbedder } from "../../model/af2/extra_msa_embedder.ts";
import {
  buildTemplateAngleFeat,
  buildTemplatePairFeat,
  type TemplateInputs,
} from "../../model/af2/template_features.ts";
import {
  templatePairStack,
  type TemplatePairStackDims,
} from "../../model/af2/template_pair_stack.ts";
import { templatePointwiseAttention } from "../../model/af2/template_pointwise_attention.ts";
import { templateEmbedder } from "../../model/af2/template_embedder.ts";
import { templateGtFeatures } from "../../model/protein/gt_transforms.ts";
import {
  arrayOf,
  feedOf,
  type ParityCase,
  type ParityOutputs,
  runModule,
  type Runner,
} from "./harness.ts";
import { InputError } from "../../model/util/errors.ts";

type Json = Record<string, unknown>;
/** Builds a module graph over a fixture's inputs (the second argument of `runModule`). */
export type ModuleBuild = (
  b: ModelBuilder,
  inputs: Record<string, Tensor>,
) => Record<string, Tensor>;

const ctorOf = (c: ParityCase) => c.meta.ctor as Json;
const callOf = (c: ParityCase) => (c.meta.call ?? {}) as Json;
function num(o: Json, k: string): number {
  const v = o[k];
  if (typeof v !== "number") {
    throw new InputError(`fixture meta field "${k}" is ${JSON.stringify(v)}, not a number`);
  }
  return v;
}

/** Whether the fixture ran with masked transitions (OpenFold's default is true). */
const maskTrans = (c: ParityCase) => callOf(c)._mask_trans !== false;

/** The graph's template inputs by their OpenFold batch names. */
function templateInputs(i: Record<string, Tensor>): TemplateInputs {
  const names = [
    "template_aatype",
    "template_all_atom_positions",
    "template_all_atom_mask",
    "template_torsion_angles_sin_cos",
    "template_alt_torsion_angles_sin_cos",
    "template_torsion_angles_mask",
    "template_pseudo_beta",
    "template_pseudo_beta_mask",
  ] as const;
  for (const k of names) if (!i[k]) throw new InputError(`the fixture has no input in/${k}`);
  return Object.fromEntries(names.map((k) => [k, i[k]])) as unknown as TemplateInputs;
}

/** Template pair stack sizes from an OpenFold `TemplatePairStack` ctor. */
function pairStackDims(o: Json): TemplatePairStackDims {
  return {
    c_hidden_tri_att: num(o, "c_hidden_tri_att"),
    c_hidden_tri_mul: num(o, "c_hidden_tri_mul"),
    no_blocks: num(o, "no_blocks"),
    no_heads: num(o, "no_heads"),
    pair_transition_n: num(o, "pair_transition_n"),
    dropout_rate: num(o, "dropout_rate"),
    inf: num(o, "inf"),
  };
}

/** The `template` config section (and c_t, c_m) of an OpenFold `TemplateEmbedder` ctor. */
function templateConfig(c: ParityCase): { cfg: ModelConfig["template"]; c_t: number; c_m: number } {
  const o = ctorOf(c).config as Json;
  const dg = o.distogram as Json;
  const pw = o.template_pointwise_attention as Json;
  const single = o.template_single_embedder as Json;
  const pair = o.template_pair_embedder as Json;
  return {
    cfg: {
      enabled: o.enabled !== false,
      embed_angles: o.embed_angles !== false,
      use_unit_vector: o.use_unit_vector === true,
      distogram: {
        min_bin: num(dg, "min_bin"),
        max_bin: num(dg, "max_bin"),
        no_bins: num(dg, "no_bins"),
      },
      angle_feat_dim: num(single, "c_in"),
      pair_feat_dim: num(pair, "c_in"),
      pair_stack: pairStackDims(o.template_pair_stack as Json),
      pointwise_attention: {
        c_hidden: num(pw, "c_hidden"),
        no_heads: num(pw, "no_heads"),
        inf: num(pw, "inf"),
      },
      inf: num(o, "inf"),
      eps: num(o, "eps"),
    },
    c_t: num(pair, "c_out"),
    c_m: num(single, "c_out"),
  };
}

/**
 * The module graph builders of the fixtures that are pure graphs, by OpenFold
 * module path (tests run them chunked too, through `runModule`'s chunk option).
 */
export const EMBEDDER_BUILDS: Record<string, (c: ParityCase) => ModuleBuild> = {
  "openfold.model.embedders.InputEmbedder": (c) => (b, i) => {
    const ctor = ctorOf(c);
    const { msa, pair } = inputEmbedder(b.scope(), i.tf, i.ri, i.msa, {
      c_m: num(ctor, "c_m"),
      c_z: num(ctor, "c_z"),
      relpos_k: num(ctor, "relpos_k"),
    });
    return { msa_emb: msa, pair_emb: pair };
  },
  "openfold.model.embedders.RecyclingEmbedder": (c) => (b, i) => {
    const ctor = ctorOf(c);
    const { m, z } = recyclingEmbedder(b.scope(), i.m, i.z, i.x, {
      min_bin: num(ctor, "min_bin"),
      max_bin: num(ctor, "max_bin"),
      no_bins: num(ctor, "no_bins"),
      inf: num(ctor, "inf"),
    });
    return { m_update: m, z_update: z };
  },
  "openfold.model.embedders.ExtraMSAEmbedder": (c) => (b, i) => {
    const feat = buildExtraMsaFeat(i.extra_msa, i.extra_has_deletion, i.extra_deletion_value);
    return {
      extra_msa_feat: feat,
      extra_msa_emb: extraMsaEmbedder(b.scope(), feat, num(ctorOf(c), "c_out")),
    };
  },
  "openfold.model.template.TemplatePairStack": (c) => (b, i) => ({
    t: templatePairStack(b.scope(), i.t, i.mask, {
      ...pairStackDims(ctorOf(c)),
      mask_transition: maskTrans(c),
    }),
  }),
  "openfold.model.template.TemplatePointwiseAttention": (c) => (b, i) => {
    const ctor = ctorOf(c);
    return {
      z_update: templatePointwiseAttention(b.scope(), i.t, i.z, i.template_mask, {
        c_hidden: num(ctor, "c_hidden"),
        no_heads: num(ctor, "no_heads"),
        inf: num(ctor, "inf"),
      }),
    };
  },
  "openfold.model.embedders.TemplateEmbedder": (c) => (b, i) => {
    const { cfg, c_t, c_m } = templateConfig(c);
    const e = templateEmbedder(
      b.scope(),
      { ...templateInputs(i), template_mask: i.template_mask },
      i.z,
      i.pair_mask,
      cfg,
      { c_t, c_m },
      { maskTransition: maskTrans(c) },
    );
    const out: Record<string, Tensor> = { template_pair_embedding: e.pair };
    if (e.single) out.template_single_embedding = e.single;
    return out;
  },
};

/**
 * 13c's `out/transform/*`: the data pipeline's template torsions and
 * pseudo-beta (plain TS, `model/protein/gt_transforms.ts`) from the atom37
 * inputs. Torsion sin/cos are compared only where the torsion exists: the
 * others are undefined in OpenFold (garbage that differs even in float64).
 */
function templateTransformOutputs(c: ParityCase): ParityOutputs {
  const aatype = arrayOf(c, "in/template_aatype");
  const g = templateGtFeatures(
    feedOf(aatype) as Int32Array,
    feedOf(arrayOf(c, "in/template_all_atom_positions")) as Float32Array,
    feedOf(arrayOf(c, "in/template_all_atom_mask")) as Float32Array,
    aatype.shape[0],
  );
  const angleMask = g.template_torsion_angles_mask.data;
  const sinCosValid = Float32Array.from(
    { length: angleMask.length * 2 },
    (_, i) => angleMask[i >> 1],
  );
  const out: ParityOutputs = {};
  for (const [k, v] of Object.entries(g)) {
    out[`transform/${k}`] = k.endsWith("sin_cos") ? { data: v.data, valid: sinCosValid } : v;
  }
  return out;
}

/** Runner for 13c: the template transforms and the in-graph template feature builders. */
async function templateFeaturesRunner(c: ParityCase): Promise<ParityOutputs> {
  const o = callOf(c).build_template_pair_feat as Json;
  const pairOpts = {
    min_bin: num(o, "min_bin"),
    max_bin: num(o, "max_bin"),
    no_bins: num(o, "no_bins"),
    inf: num(o, "inf"),
    eps: num(o, "eps"),
  };
  const graphOutputs = await runModule(c, (_b, i) => {
    const f = templateInputs(i);
    return {
      template_angle_feat: buildTemplateAngleFeat(f),
      template_pair_feat: buildTemplatePairFeat(f, { ...pairOpts, use_unit_vector: false }),
      template_pair_feat_unit_vector: buildTemplatePairFeat(f, {
        ...pairOpts,
        use_unit_vector: true,
      }),
    };
  });
  return { ...templateTransformOutputs(c), ...graphOutputs };
}

/** OpenFold module path (or case name) → runner. */
export const EMBEDDER_RUNNERS: Record<string, Runner> = {
  ...Object.fromEntries(
    Object.entries(EMBEDDER_BUILDS).map((
      [k, build],
    ) => [k, (c: ParityCase) => runModule(c, build(c))]),
  ),
  "13c_template_features": templateFeaturesRunner,
};
