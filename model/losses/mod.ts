/**
 * The AlphaFold2 losses on the graph IR (AF2 supplement 1.9; OpenFold
 * `loss.py`): FAPE, the auxiliary heads' losses, structural violations,
 * symmetric ground-truth renaming, the weighted total and the per-stage loss
 * configuration. Each term is a function from tensors to a scalar tensor, so
 * `grad` differentiates it with the model.
 *
 * @example The loss weights of AF2's initial-training stage
 * ```ts
 * import { lossConfig } from "./mod.ts";
 *
 * const cfg = lossConfig("initial", { tm: { enabled: true, weight: 0.1 } });
 * console.log(cfg.fape.weight, cfg.tm.weight);
 * ```
 *
 * @module
 */

export * from "./config.ts";
export * from "./total.ts";
export * from "./inputs.ts";
export * from "./common.ts";
export * from "./fape.ts";
export * from "./renaming.ts";
export * from "./chi.ts";
export * from "./distogram.ts";
export * from "./masked_msa.ts";
export * from "./plddt.ts";
export * from "./experimentally_resolved.ts";
export * from "./violations.ts";
export * from "./tm.ts";
