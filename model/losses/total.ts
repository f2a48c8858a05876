/**
 * The AlphaFold loss (AF2 supplement 1.9, equation 7; OpenFold `AlphaFoldLoss`):
 * every term on the graph IR, weighted per the loss config's stage, NaN/inf
 * terms dropped to 0 as OpenFold does, and the sum scaled by
 * `sqrt(min(seq_length, crop_size))`. Works on one (unbatched) example: the
 * model's output tensors plus the batch's ground-truth tensors, all under
 * OpenFold's names.
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import type { LossConfig } from "./config.ts";
import { finiteOrZero } from "./common.ts";
import { backboneFapeLoss, sidechainFapeLoss } from "./fape.ts";
import { type RenamedTruth, renameSymmetricGroundTruth } from "./renaming.ts";
import { supervisedChiLoss } from "./chi.ts";
import { distogramLoss } from "./distogram.ts";
import { maskedMsaLoss } from "./masked_msa.ts";
import { plddtLoss } from "./plddt.ts";
import { experimentallyResolvedLoss } from "./experimentally_resolved.ts";
import {
  findStructuralViolations,
  violationLoss,
  violationMetrics,
  type Violations,
} from "./violations.ts";
import { tmLoss } from "./tm.ts";
import { InputError } from "../util/errors.ts";

/** The model outputs the loss reads (OpenFold output names; L = structure-module layers). */
export interface LossModelOutputs {
  /** Structure-module trajectory. */
  sm: {
    /** `[L, N, 7]` backbone frames, tensor_7, Å. */
    frames: Tensor;
    /** `[L, N, 8, 4, 4]` rigid-group frames, Å. */
    sidechain_frames: Tensor;
    /** `[L, N, 7, 2]` */
    angles: Tensor;
    /** `[L, N, 7, 2]` */
    unnormalized_angles: Tensor;
    /** `[L, N, 14, 3]` atom14 positions, Å. */
    positions: Tensor;
  };
  /** `[N, 37, 3]` final atom37 positions. */
  final_atom_positions: Tensor;
  /** `[N, 7]` final backbone frames (default: the last layer of `sm.frames`). */
  final_affine_tensor?: Tensor;
  /** `[N, 50]` */
  lddt_logits: Tensor;
  /** `[N, N, 64]` */
  distogram_logits: Tensor;
  /** `[N_seq, N, 23]` */
  masked_msa_logits: Tensor;
  /** `[N, 37]` */
  experimentally_resolved_logits: Tensor;
  /** `[N, N, 64]`, needed when the TM loss is enabled. */
  tm_logits?: Tensor;
}

/** The batch tensors the loss reads (OpenFold feature names, one example, no recycling axis). */
export interface LossBatch {
  /** `[N]` int */
  aatype: Tensor;
  /** `[N]` int */
  residue_index: Tensor;
  /** `[N]` */
  seq_mask: Tensor;
  /** `[]` length of the whole chain before cropping (int or float). */
  seq_length: Tensor;
  /** `[]` resolution (Å). */
  resolution: Tensor;
  /** `[]` 1 → clamped backbone FAPE, 0 → unclamped (sampled per example, 90% clamped); omitted → clamped. */
  use_clamped_fape?: Tensor;
  /** `[N, 37, 3]`, `[N, 37]`, `[N, 37]` */
  all_atom_positions: Tensor;
  all_atom_mask: Tensor;
  atom37_atom_exists: Tensor;
  /** `[N, 14]`, `[N, 14]` int */
  atom14_atom_exists: Tensor;
  residx_atom14_to_atom37: Tensor;
  /** `[N, 14, 3]` ×2, `[N, 14]` ×3 */
  atom14_gt_positions: Tensor;
  atom14_alt_gt_positions: Tensor;
  atom14_gt_exists: Tensor;
  atom14_alt_gt_exists: Tensor;
  atom14_atom_is_ambiguous: Tensor;
  /** `[N, 8, 4, 4]` ×2, `[N, 8]` */
  rigidgroups_gt_frames: Tensor;
  rigidgroups_alt_gt_frames: Tensor;
  rigidgroups_gt_exists: Tensor;
  /** `[N, 4, 4]`, `[N]` */
  backbone_rigid_tensor: Tensor;
  backbone_rigid_mask: Tensor;
  /** `[N, 4, 2]`, `[N, 4]` */
  chi_angles_sin_cos: Tensor;
  chi_mask: Tensor;
  /** `[N, 3]`, `[N]` */
  pseudo_beta: Tensor;
  pseudo_beta_mask: Tensor;
  /** `[N_seq, N]` int, `[N_seq, N]` */
  true_msa: Tensor;
  bert_mask: Tensor;
}

/** Options of {@link alphafoldLoss}. */
export interface AlphaFoldLossOptions {
  /**
   * Leave out terms whose weight is 0 (they are then neither computed nor
   * reported). By default they are computed and reported, as OpenFold does,
   * but stop-gradient'ed so they cost no backward pass.
   */
  skipZeroWeight?: boolean;
}

/** What {@link alphafoldLoss} returns (fits `train/step.ts`'s `LossGraph`). */
export interface AlphaFoldLossResult {
  /** `[]` the scaled total loss to minimise. */
  loss: Tensor;
  /**
   * `[]` each term before weighting, under OpenFold's breakdown names
   * (`distogram`, `experimentally_resolved`, `fape`, `plddt_loss`, `masked_msa`,
   * `supervised_chi`, `violation`, `tm`), plus `fape_backbone`,
   * `fape_sidechain`, `unscaled_loss` and `loss`.
   */
  terms: Record<string, Tensor>;
  /** The structural violations of the final layer, when computed. */
  violations?: Violations;
  /**
   * `[]` scalars to report, when the violations were computed: the fractions
   * of residues with violations (`violations_between_residue_bond`,
   * `..._clash`, `violations_within_residue`, `violations_per_residue`,
   * `violations_extreme_ca_ca_distance`; OpenFold `compute_violation_metrics`).
   */
  extras: Record<string, Tensor>;
  /** The Algorithm 26 choice of ground-truth naming. */
  renamed: RenamedTruth;
}

/**
 * The AF2 training loss (supplement 1.9 eq. 7, OpenFold `AlphaFoldLoss`):
 * `sqrt(min(seq_length, N)) · Σ_t w_t · L_t` over the terms of `cfg`, with
 * the renamed ground truth (Algorithm 26) and the violations computed from the
 * last structure-module layer's atom14 positions.
 *
 * @example
 * ```ts
 * const { loss, terms } = alphafoldLoss(outputs, batch, lossConfig("initial"));
 * const grads = G.grad(loss, params);
 * ```
 */
export function alphafoldLoss(
  out: LossModelOutputs,
  batch: LossBatch,
  cfg: LossConfig,
  opts: AlphaFoldLossOptions = {},
): AlphaFoldLossResult {
  const lastLayer = (t: Tensor) => G.select(t, 0, t.shape[0] - 1);
  const positions = lastLayer(out.sm.positions); // [N, 14, 3]
  const renamed = renameSymmetricGroundTruth(positions, batch);
  let violations: Violations | undefined;

  const fapeTerms = () => {
    const bb = backboneFapeLoss(
      out.sm.frames,
      batch.backbone_rigid_tensor,
      batch.backbone_rigid_mask,
      { ...cfg.fape.backbone, eps: cfg.fape.eps },
      batch.use_clamped_fape,
    );
    const sc = sidechainFapeLoss(out.sm.sidechain_frames, out.sm.positions, {
      ...batch,
      ...renamed,
    }, { ...cfg.fape.sidechain, eps: cfg.fape.eps });
    return { bb, sc };
  };
  let fapeParts: { bb: Tensor; sc: Tensor } | undefined;

  const terms: [string, number, () => Tensor][] = [
    [
      "distogram",
      cfg.distogram.weight,
      () =>
        distogramLoss(
          out.distogram_logits,
          batch.pseudo_beta,
          batch.pseudo_beta_mask,
          cfg.distogram,
        ),
    ],
    [
      "experimentally_resolved",
      cfg.experimentally_resolved.weight,
      () =>
        experimentallyResolvedLoss(
          out.experimentally_resolved_logits,
          batch.atom37_atom_exists,
          batch.all_atom_mask,
          batch.resolution,
          cfg.experimentally_resolved,
        ),
    ],
    [
      "fape",
      cfg.fape.weight,
      () => {
        fapeParts = fapeTerms();
        return G.add(
          G.mul(fapeParts.bb, cfg.fape.backbone.weight),
          G.mul(fapeParts.sc, cfg.fape.sidechain.weight),
        );
      },
    ],
    [
      "plddt_loss",
      cfg.plddt_loss.weight,
      () =>
        plddtLoss(
          out.lddt_logits,
          out.final_atom_positions,
          batch.all_atom_positions,
          batch.all_atom_mask,
          batch.resolution,
          cfg.plddt_loss,
        ),
    ],
    [
      "masked_msa",
      cfg.masked_msa.weight,
      () => maskedMsaLoss(out.masked_msa_logits, batch.true_msa, batch.bert_mask, cfg.masked_msa),
    ],
    [
      "supervised_chi",
      cfg.supervised_chi.weight,
      () => supervisedChiLoss(out.sm.angles, out.sm.unnormalized_angles, batch, cfg.supervised_chi),
    ],
    [
      "violation",
      cfg.violation.weight,
      () => {
        violations = findStructuralViolations(batch, positions, cfg.violation);
        return violationLoss(violations, batch.atom14_atom_exists, cfg.violation);
      },
    ],
  ];
  if (cfg.tm.enabled) {
    terms.push([
      "tm",
      cfg.tm.weight,
      () => {
        if (!out.tm_logits) {
          throw new InputError(
            "alphafoldLoss: the loss config enables tm but the model has no TM head " +
              "(heads.tm.enabled is false, so there is no tm_logits output)",
          );
        }
        return tmLoss(
          out.tm_logits,
          out.final_affine_tensor ?? lastLayer(out.sm.frames),
          batch.backbone_rigid_tensor,
          batch.backbone_rigid_mask,
          batch.resolution,
          cfg.tm,
        );
      },
    ]);
  }

  const reported: Record<string, Tensor> = {};
  let total: Tensor | undefined;
  for (const [name, weight, build] of terms) {
    if (weight === 0 && opts.skipZeroWeight) continue;
    let value = finiteOrZero(build());
    if (weight === 0) value = G.stopGradient(value);
    reported[name] = value;
    const weighted = G.mul(value, weight);
    total = total ? G.add(total, weighted) : weighted;
  }
  if (!total) {
    throw new InputError(
      `alphafoldLoss: every loss term has weight 0 (${terms.map(([n]) => n).join(", ")})`,
    );
  }
  if (fapeParts) {
    reported.fape_backbone = finiteOrZero(fapeParts.bb);
    reported.fape_sidechain = finiteOrZero(fapeParts.sc);
  }
  reported.unscaled_loss = total;
  // Supplement 1.9: scale by sqrt of the (cropped) length so the loss per
  // residue pair stays comparable across crop sizes.
  const crop = batch.aatype.shape[batch.aatype.rank - 1];
  const length = G.minimum(G.cast(batch.seq_length, total.dtype), crop);
  const loss = G.mul(total, G.sqrt(length));
  reported.loss = loss;
  const extras = violations ? violationMetrics(batch, positions, violations) : {};
  return { loss, terms: reported, violations, renamed, extras };
}
