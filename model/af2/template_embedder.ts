/**
 * The template embedder (AF2 supplement Algorithm 2 lines 7-13): template
 * pair features → linear → template pair stack (Algorithm 16) → pointwise
 * attention against the pair representation (Algorithm 17); template angle
 * features → two-layer single embedder whose output joins the MSA rows.
 * OpenFold `embedders.TemplateEmbedder` (with `TemplatePairEmbedder` and
 * `TemplateSingleEmbedder`).
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import type { Scope } from "../nn/scope.ts";
import { linear } from "../nn/linear.ts";
import type { ModelConfig } from "./config.ts";
import {
  buildTemplateAngleFeat,
  buildTemplatePairFeat,
  type TemplateInputs,
} from "./template_features.ts";
import { templatePairStack } from "./template_pair_stack.ts";
import { templatePointwiseAttention } from "./template_pointwise_attention.ts";

/** Template inputs plus `template_mask [*, N_templ]` (1 = a real template). */
export interface TemplateBatch extends TemplateInputs {
  template_mask: Tensor;
}

/** Output of {@link templateEmbedder}. */
export interface TemplateEmbedding {
  /** `[*, N_res, N_res, C_z]`, to be added to the pair representation. */
  pair: Tensor;
  /** `[*, N_templ, N_res, C_m]`, extra MSA rows (when `embed_angles`). */
  single?: Tensor;
}

/**
 * Algorithm 2 lines 7-13 on a batch of templates. `z [*, N_res, N_res, C_z]`
 * is the pair representation (the pointwise-attention query), `pairMask
 * [*, N_res, N_res]` masks the template pair stack. `cfg` is the config's
 * `template` section; `cT`, `cM` the template and MSA channels. Parameters
 * `template_pair_embedder.linear`, `template_pair_stack.*`,
 * `template_pointwise_att.mha.*`, `template_single_embedder.linear_1/2`.
 * The pair embedding is zeroed when no template is present. `maskTransition`
 * masks the pair stack's transitions (OpenFold `_mask_trans`, off in AF2).
 */
export function templateEmbedder(
  scope: Scope,
  batch: TemplateBatch,
  z: Tensor,
  pairMask: Tensor,
  cfg: ModelConfig["template"],
  dims: { c_t: number; c_m: number },
  opts: { maskTransition?: boolean } = {},
): TemplateEmbedding {
  const pairFeat = buildTemplatePairFeat(batch, {
    ...cfg.distogram,
    inf: cfg.inf,
    eps: cfg.eps,
    use_unit_vector: cfg.use_unit_vector,
  });
  const t0 = linear(scope.child("template_pair_embedder").child("linear"), pairFeat, dims.c_t, {
    init: "relu",
  });
  const t = templatePairStack(
    scope.child("template_pair_stack"),
    t0,
    G.unsqueeze(pairMask, -3),
    { ...cfg.pair_stack, mask_transition: opts.maskTransition },
  );
  const att = templatePointwiseAttention(
    scope.child("template_pointwise_att"),
    t,
    z,
    batch.template_mask,
    cfg.pointwise_attention,
  );
  // No template at all: the update is zero rather than an average over masked templates.
  const anyTemplate = G.cast(G.greater(G.sum(batch.template_mask, -1, true), 0), att.dtype); // [*, 1]
  const pair = G.mul(att, G.unsqueeze(anyTemplate, [-1, -2]));
  if (!cfg.embed_angles) return { pair };
  const se = scope.child("template_single_embedder");
  const angleFeat = buildTemplateAngleFeat(batch);
  const h = G.relu(linear(se.child("linear_1"), angleFeat, dims.c_m, { init: "relu" }));
  return { pair, single: linear(se.child("linear_2"), h, dims.c_m, { init: "relu" }) };
}
