/**
 * The loss section of the training config: one zod schema with OpenFold's
 * names (`config.loss`) and the two training stages of AF2 supplement 1.9 /
 * 1.11 (Table 6): `initial` training and `finetune` (which switches on the
 * violation loss and the experimentally-resolved head's loss).
 *
 * @module
 */

import { z } from "zod";
import { InputError } from "../util/errors.ts";

const nonneg = () => z.number().nonnegative();
const pos = () => z.number().positive();
const bins = () => z.number().int().min(2);
const resolution = { min_resolution: nonneg(), max_resolution: nonneg() };

/** Every loss term's options and weight (OpenFold `config.loss`, monomer). */
export const lossConfigSchema = z.strictObject({
  distogram: z.strictObject({
    min_bin: pos(),
    max_bin: pos(),
    no_bins: bins(),
    eps: pos(),
    weight: nonneg(),
  }),
  experimentally_resolved: z.strictObject({ ...resolution, eps: pos(), weight: nonneg() }),
  fape: z.strictObject({
    backbone: z.strictObject({
      clamp_distance: pos(),
      loss_unit_distance: pos(),
      weight: nonneg(),
    }),
    sidechain: z.strictObject({ clamp_distance: pos(), length_scale: pos(), weight: nonneg() }),
    eps: pos(),
    weight: nonneg(),
  }),
  plddt_loss: z.strictObject({
    ...resolution,
    cutoff: pos(),
    no_bins: bins(),
    eps: pos(),
    weight: nonneg(),
  }),
  masked_msa: z.strictObject({ num_classes: bins(), eps: pos(), weight: nonneg() }),
  supervised_chi: z.strictObject({
    chi_weight: nonneg(),
    angle_norm_weight: nonneg(),
    eps: pos(),
    weight: nonneg(),
  }),
  violation: z.strictObject({
    violation_tolerance_factor: pos(),
    clash_overlap_tolerance: nonneg(),
    average_clashes: z.boolean(),
    eps: pos(),
    weight: nonneg(),
  }),
  tm: z.strictObject({
    ...resolution,
    max_bin: pos(),
    no_bins: bins(),
    eps: pos(),
    weight: nonneg(),
    enabled: z.boolean(),
  }),
  eps: pos(),
});

/** The loss config. */
export type LossConfig = z.infer<typeof lossConfigSchema>;

/** Training stages with their own loss weights. */
export type LossStage = "initial" | "finetune";

/**
 * Initial training (OpenFold `model_config(...).loss` defaults; supplement 1.9:
 * 0.5 FAPE + 0.5 aux, 0.3 distogram, 2.0 masked MSA, 0.01 pLDDT; violations and
 * experimentally-resolved off).
 */
const INITIAL: LossConfig = {
  distogram: { min_bin: 2.3125, max_bin: 21.6875, no_bins: 64, eps: 1e-8, weight: 0.3 },
  experimentally_resolved: { min_resolution: 0.1, max_resolution: 3, eps: 1e-8, weight: 0 },
  fape: {
    backbone: { clamp_distance: 10, loss_unit_distance: 10, weight: 0.5 },
    sidechain: { clamp_distance: 10, length_scale: 10, weight: 0.5 },
    eps: 1e-4,
    weight: 1,
  },
  plddt_loss: {
    min_resolution: 0.1,
    max_resolution: 3,
    cutoff: 15,
    no_bins: 50,
    eps: 1e-8,
    weight: 0.01,
  },
  masked_msa: { num_classes: 23, eps: 1e-8, weight: 2 },
  supervised_chi: { chi_weight: 0.5, angle_norm_weight: 0.01, eps: 1e-8, weight: 1 },
  violation: {
    violation_tolerance_factor: 12,
    clash_overlap_tolerance: 1.5,
    average_clashes: false,
    eps: 1e-8,
    weight: 0,
  },
  tm: {
    max_bin: 31,
    no_bins: 64,
    min_resolution: 0.1,
    max_resolution: 3,
    eps: 1e-8,
    weight: 0,
    enabled: false,
  },
  eps: 1e-8,
};

/** Fine-tuning (OpenFold `finetuning` preset): violation loss 1.0, experimentally resolved 0.01. */
const FINETUNE: LossConfig = {
  ...INITIAL,
  violation: { ...INITIAL.violation, weight: 1 },
  experimentally_resolved: { ...INITIAL.experimentally_resolved, weight: 0.01 },
};

/** The loss config of each training stage. */
export const LOSS_STAGES: Readonly<Record<LossStage, LossConfig>> = {
  initial: INITIAL,
  finetune: FINETUNE,
};

/** A partial loss config, nested. */
export type LossConfigOverrides = {
  [K in keyof LossConfig]?: LossConfig[K] extends object ? Partial<LossConfig[K]> : LossConfig[K];
};

/**
 * The config of a stage with overrides (one level deep per section, e.g.
 * `{ tm: { enabled: true, weight: 0.1 } }` for the pTM models), validated:
 * a bad field raises an InputError naming its path.
 *
 * @example
 * ```ts
 * const cfg = lossConfig("finetune");
 * cfg.violation.weight; // 1
 * ```
 */
export function lossConfig(stage: LossStage, overrides: LossConfigOverrides = {}): LossConfig {
  const base = LOSS_STAGES[stage];
  if (!base) {
    throw new InputError(
      `unknown loss stage "${stage}" (have: ${Object.keys(LOSS_STAGES).join(", ")})`,
    );
  }
  const merged: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    const b = (base as Record<string, unknown>)[k];
    merged[k] = typeof v === "object" && v !== null && typeof b === "object" ? { ...b, ...v } : v;
  }
  const r = lossConfigSchema.safeParse(merged);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new InputError(`loss config field ${i.path.join(".") || "(root)"}: ${i.message}`);
  }
  return r.data;
}
