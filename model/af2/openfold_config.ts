/**
 * Conversion of an OpenFold model config (the `model` section of
 * `openfold.config.model_config(...)`, as JSON) into our {@link ModelConfig}, so
 * fixtures and checkpoints that carry OpenFold's config run as they are.
 *
 * @module
 */

import { z } from "zod";
import { type ModelConfig, modelConfigSchema } from "./config.ts";
import { AF2_MODEL_1 } from "./config.ts";

const num = z.number();
const ofSchema = z.looseObject({
  input_embedder: z.looseObject({ tf_dim: num, msa_dim: num, c_z: num, c_m: num, relpos_k: num }),
  recycling_embedder: z.looseObject({ min_bin: num, max_bin: num, no_bins: num, inf: num }),
  template: z.looseObject({
    distogram: z.looseObject({ min_bin: num, max_bin: num, no_bins: num }),
    template_single_embedder: z.looseObject({ c_in: num }),
    template_pair_embedder: z.looseObject({ c_in: num }),
    template_pair_stack: z.looseObject({
      c_t: num,
      c_hidden_tri_att: num,
      c_hidden_tri_mul: num,
      no_blocks: num,
      no_heads: num,
      pair_transition_n: num,
      dropout_rate: num,
      inf: num,
    }),
    template_pointwise_attention: z.looseObject({ c_hidden: num, no_heads: num, inf: num }),
    inf: num,
    eps: num,
    enabled: z.boolean(),
    embed_angles: z.boolean(),
    use_unit_vector: z.boolean(),
  }),
  extra_msa: z.looseObject({
    extra_msa_embedder: z.looseObject({ c_in: num, c_out: num }),
    extra_msa_stack: z.looseObject({
      c_hidden_msa_att: num,
      c_hidden_opm: num,
      c_hidden_mul: num,
      c_hidden_pair_att: num,
      no_heads_msa: num,
      no_heads_pair: num,
      no_blocks: num,
      transition_n: num,
      msa_dropout: num,
      pair_dropout: num,
      inf: num,
      eps: num,
    }),
    enabled: z.boolean(),
  }),
  evoformer_stack: z.looseObject({
    c_hidden_msa_att: num,
    c_hidden_opm: num,
    c_hidden_mul: num,
    c_hidden_pair_att: num,
    c_s: num,
    no_heads_msa: num,
    no_heads_pair: num,
    no_blocks: num,
    transition_n: num,
    msa_dropout: num,
    pair_dropout: num,
    inf: num,
    eps: num,
  }),
  structure_module: z.looseObject({
    c_ipa: num,
    c_resnet: num,
    no_heads_ipa: num,
    no_qk_points: num,
    no_v_points: num,
    dropout_rate: num,
    no_blocks: num,
    no_transition_layers: num,
    no_resnet_blocks: num,
    no_angles: num,
    trans_scale_factor: num,
    epsilon: num,
    inf: num,
  }),
  heads: z.looseObject({
    lddt: z.looseObject({ no_bins: num, c_hidden: num }),
    distogram: z.looseObject({ no_bins: num }),
    tm: z.looseObject({ no_bins: num, enabled: z.boolean() }),
    masked_msa: z.looseObject({ c_out: num }),
    experimentally_resolved: z.looseObject({ c_out: num }),
  }),
});

/** Our config for an OpenFold `config.model` JSON object (validated; errors name the field). */
export function fromOpenFoldModelConfig(json: unknown): ModelConfig {
  const o = ofSchema.parse(json);
  const t = o.template, tps = t.template_pair_stack, tpa = t.template_pointwise_attention;
  const e = o.extra_msa.extra_msa_stack, ev = o.evoformer_stack, sm = o.structure_module;
  return modelConfigSchema.parse(
    {
      c_m: o.input_embedder.c_m,
      c_z: o.input_embedder.c_z,
      c_s: ev.c_s,
      c_t: tps.c_t,
      c_e: o.extra_msa.extra_msa_embedder.c_out,
      input_embedder: {
        tf_dim: o.input_embedder.tf_dim,
        msa_dim: o.input_embedder.msa_dim,
        relpos_k: o.input_embedder.relpos_k,
      },
      recycling_embedder: {
        min_bin: o.recycling_embedder.min_bin,
        max_bin: o.recycling_embedder.max_bin,
        no_bins: o.recycling_embedder.no_bins,
        inf: o.recycling_embedder.inf,
      },
      template: {
        enabled: t.enabled,
        embed_angles: t.embed_angles,
        use_unit_vector: t.use_unit_vector,
        distogram: {
          min_bin: t.distogram.min_bin,
          max_bin: t.distogram.max_bin,
          no_bins: t.distogram.no_bins,
        },
        angle_feat_dim: t.template_single_embedder.c_in,
        pair_feat_dim: t.template_pair_embedder.c_in,
        pair_stack: {
          c_hidden_tri_att: tps.c_hidden_tri_att,
          c_hidden_tri_mul: tps.c_hidden_tri_mul,
          no_blocks: tps.no_blocks,
          no_heads: tps.no_heads,
          pair_transition_n: tps.pair_transition_n,
          dropout_rate: tps.dropout_rate,
          inf: tps.inf,
        },
        pointwise_attention: { c_hidden: tpa.c_hidden, no_heads: tpa.no_heads, inf: tpa.inf },
        inf: t.inf,
        eps: t.eps,
      },
      extra_msa: {
        enabled: o.extra_msa.enabled,
        c_in: o.extra_msa.extra_msa_embedder.c_in,
        c_hidden_msa_att: e.c_hidden_msa_att,
        c_hidden_opm: e.c_hidden_opm,
        c_hidden_mul: e.c_hidden_mul,
        c_hidden_pair_att: e.c_hidden_pair_att,
        no_heads_msa: e.no_heads_msa,
        no_heads_pair: e.no_heads_pair,
        no_blocks: e.no_blocks,
        transition_n: e.transition_n,
        msa_dropout: e.msa_dropout,
        pair_dropout: e.pair_dropout,
        inf: e.inf,
        eps: e.eps,
      },
      evoformer: {
        c_hidden_msa_att: ev.c_hidden_msa_att,
        c_hidden_opm: ev.c_hidden_opm,
        c_hidden_mul: ev.c_hidden_mul,
        c_hidden_pair_att: ev.c_hidden_pair_att,
        no_heads_msa: ev.no_heads_msa,
        no_heads_pair: ev.no_heads_pair,
        no_blocks: ev.no_blocks,
        transition_n: ev.transition_n,
        msa_dropout: ev.msa_dropout,
        pair_dropout: ev.pair_dropout,
        inf: ev.inf,
        eps: ev.eps,
      },
      structure_module: {
        c_ipa: sm.c_ipa,
        c_resnet: sm.c_resnet,
        no_heads_ipa: sm.no_heads_ipa,
        no_qk_points: sm.no_qk_points,
        no_v_points: sm.no_v_points,
        dropout_rate: sm.dropout_rate,
        no_blocks: sm.no_blocks,
        no_transition_layers: sm.no_transition_layers,
        no_resnet_blocks: sm.no_resnet_blocks,
        no_angles: sm.no_angles,
        trans_scale_factor: sm.trans_scale_factor,
        epsilon: sm.epsilon,
        inf: sm.inf,
      },
      heads: {
        ...AF2_MODEL_1.heads,
        lddt: { no_bins: o.heads.lddt.no_bins, c_hidden: o.heads.lddt.c_hidden },
        distogram: { ...AF2_MODEL_1.heads.distogram, no_bins: o.heads.distogram.no_bins },
        tm: { ...AF2_MODEL_1.heads.tm, no_bins: o.heads.tm.no_bins, enabled: o.heads.tm.enabled },
        masked_msa: { c_out: o.heads.masked_msa.c_out },
        experimentally_resolved: { c_out: o.heads.experimentally_resolved.c_out },
      },
    } satisfies ModelConfig,
  );
}
