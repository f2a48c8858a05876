/**
 * The AlphaFold2 modules on the graph IR, one file per component (embedders,
 * Evoformer, extra MSA, templates, structure module, heads), the one-iteration
 * model, the recycling driver and the model configuration. This is the door for
 * code that builds or inspects model graphs; notebooks and analysis scripts
 * use the top-level `mod.ts`.
 *
 * @example Build one Evoformer block of the tiny preset and count its parameters
 * ```ts
 * import { evoformerBlock, modelConfig } from "./mod.ts";
 * import { ModelBuilder } from "../nn/mod.ts";
 *
 * const cfg = modelConfig("tiny");
 * const b = new ModelBuilder();
 * const m = b.g.input("m", [4, 16, cfg.c_m]);
 * const z = b.g.input("z", [16, 16, cfg.c_z]);
 * const msaMask = b.g.input("msa_mask", [4, 16]);
 * const pairMask = b.g.input("pair_mask", [16, 16]);
 * const s = b.scope("evoformer").child("blocks").child(0);
 * const out = evoformerBlock(s, { m, z }, msaMask, pairMask, cfg.evoformer);
 * console.log(out.z.shape, b.paramCount());
 * ```
 *
 * @module
 */

export * from "./config.ts";
export * from "./openfold_config.ts";
export * from "./input_embedder.ts";
export * from "./recycling_embedder.ts";
export * from "./extra_msa_embedder.ts";
export * from "./template_features.ts";
export * from "./template_pair_stack.ts";
export * from "./template_pointwise_attention.ts";
export * from "./template_embedder.ts";
export * from "./triangle_multiplication.ts";
export * from "./triangle_attention.ts";
export * from "./msa_attention.ts";
export * from "./outer_product_mean.ts";
export * from "./evoformer.ts";
export * from "./evoformer_axes.ts";
export * from "./extra_msa.ts";
export * from "./structure_module.ts";
export * from "./invariant_point_attention.ts";
export * from "./backbone_update.ts";
export * from "./angle_resnet.ts";
export * from "./torsion_to_atoms.ts";
export * from "./heads.ts";
export * from "./alphafold.ts";
/** Rigid frames as graph tensors (`model/af2/rigid.ts`); plain-number rigid maths is in `model/protein`. */
export * as graphRigid from "./rigid.ts";
// Being rewritten by the lead; re-exported whole so the door follows the rewrite.
export * from "./recycling.ts";
export * from "./block_stack.ts";
