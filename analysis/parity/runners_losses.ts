/**
 * Parity runners for the AF2 losses (fixtures 14b–14k, OpenFold
 * `openfold.utils.loss`). Options (clamps, bins, eps, weights) come from each
 * fixture's `meta.call`, sizes from the arrays, never from a particular fixture.
 *
 * @module
 */

import { SUPERVISION_KEYS } from "../../model/losses/inputs.ts";
import { z } from "zod";
import * as G from "../../model/graph/mod.ts";
import { type ParityCase, runModule, type Runner } from "./harness.ts";
import { backboneFapeLoss, computeFape, sidechainFapeLoss } from "../../model/losses/fape.ts";
import { renameSymmetricGroundTruth } from "../../model/losses/renaming.ts";
import { supervisedChiLoss } from "../../model/losses/chi.ts";
import { distogramLoss } from "../../model/losses/distogram.ts";
import { maskedMsaLoss } from "../../model/losses/masked_msa.ts";
import { lddtCaGraph, lddtGraph, plddtLoss } from "../../model/losses/plddt.ts";
import { experimentallyResolvedLoss } from "../../model/losses/experimentally_resolved.ts";
import { tmLoss } from "../../model/losses/tm.ts";
import {
  findStructuralViolations,
  violationLoss,
  violationMetrics,
} from "../../model/losses/violations.ts";
import { fromTensor4x4, fromTensor7, quatFramesToFrames } from "../../model/af2/rigid.ts";
import { alphafoldLoss, type LossBatch, type LossModelOutputs } from "../../model/losses/total.ts";
import { type LossConfig, lossConfigSchema } from "../../model/losses/config.ts";
import {
  type AlphaFoldFeatures,
  alphafoldIteration,
  type Recycled,
} from "../../model/af2/alphafold.ts";
import { fromOpenFoldModelConfig } from "../../model/af2/openfold_config.ts";
import type { ModelBuilder } from "../../model/nn/scope.ts";
import { InputError, ParseError, RunError } from "../../model/util/errors.ts";

/** The fixture's `meta.call`, validated against a zod schema. */
function callOf<T extends z.ZodType>(c: ParityCase, schema: T): z.infer<T> {
  const r = schema.safeParse(c.meta.call);
  if (!r.success) throw new ParseError({ file: c.file }, `meta.call: ${r.error.message}`);
  return r.data;
}

const num = z.number();
const int = z.number().int().positive();
const resolutionCall = { min_resolution: num, max_resolution: num, eps: num };

/** Fixture case name → runner. */
export const LOSS_RUNNERS: Record<string, Runner> = {
  "14b_backbone_fape": (c) => {
    const call = callOf(
      c,
      z.object({
        backbone_loss: z.object({ clamp_distance: num, loss_unit_distance: num, eps: num }),
      }),
    );
    const cfg = call.backbone_loss;
    return runModule(c, (_b, i) => {
      const one = G.full(i.traj, [], 1), zero = G.full(i.traj, [], 0);
      const bb = (u?: G.Tensor) =>
        backboneFapeLoss(i.traj, i.backbone_rigid_tensor, i.backbone_rigid_mask, cfg, u);
      // compute_fape on the last layer alone, clamped and unclamped.
      const last = quatFramesToFrames(fromTensor7(G.select(i.traj, 0, i.traj.shape[0] - 1)));
      const gt = fromTensor4x4(i.backbone_rigid_tensor);
      const lastFape = (clamp?: number) =>
        computeFape({
          predFrames: last,
          targetFrames: gt,
          framesMask: i.backbone_rigid_mask,
          predPositions: last.trans,
          targetPositions: gt.trans,
          positionsMask: i.backbone_rigid_mask,
        }, { lengthScale: cfg.loss_unit_distance, clampDistance: clamp, eps: cfg.eps });
      return {
        backbone_fape_clamped: bb(),
        backbone_fape_use_clamped_1: bb(one),
        backbone_fape_use_clamped_0: bb(zero),
        compute_fape_last_layer_clamped: lastFape(cfg.clamp_distance),
        compute_fape_last_layer_unclamped: lastFape(),
      };
    });
  },

  "14c_sidechain_fape": (c) => {
    const call = callOf(
      c,
      z.object({
        sidechain_loss: z.object({ clamp_distance: num, length_scale: num, eps: num }),
        compute_renamed_ground_truth: z.object({ eps: num }),
      }),
    );
    return runModule(c, (_b, i) => {
      const pos = i.sidechain_atom_pos;
      const renamed = renameSymmetricGroundTruth(
        G.select(pos, 0, pos.shape[0] - 1),
        {
          atom14_gt_positions: i.atom14_gt_positions,
          atom14_alt_gt_positions: i.atom14_alt_gt_positions,
          atom14_gt_exists: i.atom14_gt_exists,
          atom14_alt_gt_exists: i.atom14_alt_gt_exists,
          atom14_atom_is_ambiguous: i.atom14_atom_is_ambiguous,
        },
        call.compute_renamed_ground_truth.eps,
      );
      return {
        "renamed/alt_naming_is_better": renamed.alt_naming_is_better,
        "renamed/renamed_atom14_gt_positions": renamed.renamed_atom14_gt_positions,
        "renamed/renamed_atom14_gt_exists": renamed.renamed_atom14_gt_exists,
        sidechain_fape: sidechainFapeLoss(i.sidechain_frames, pos, {
          rigidgroups_gt_frames: i.rigidgroups_gt_frames,
          rigidgroups_alt_gt_frames: i.rigidgroups_alt_gt_frames,
          rigidgroups_gt_exists: i.rigidgroups_gt_exists,
          ...renamed,
        }, call.sidechain_loss),
      };
    });
  },

  "14d_supervised_chi_loss": (c) => {
    const cfg = callOf(c, z.object({ chi_weight: num, angle_norm_weight: num, eps: num }));
    return runModule(c, (_b, i) => ({
      supervised_chi_loss: supervisedChiLoss(i.angles_sin_cos, i.unnormalized_angles_sin_cos, {
        aatype: i.aatype,
        seq_mask: i.seq_mask,
        chi_mask: i.chi_mask,
        chi_angles_sin_cos: i.chi_angles_sin_cos,
      }, cfg),
    }));
  },

  "14e_distogram_loss": (c) => {
    const cfg = callOf(c, z.object({ min_bin: num, max_bin: num, no_bins: int, eps: num }));
    return runModule(c, (_b, i) => ({
      distogram_loss: distogramLoss(i.logits, i.pseudo_beta, i.pseudo_beta_mask, cfg),
    }));
  },

  "14f_masked_msa_loss": (c) => {
    const cfg = callOf(c, z.object({ num_classes: int, eps: num }));
    return runModule(c, (_b, i) => ({
      masked_msa_loss: maskedMsaLoss(i.logits, i.true_msa, i.bert_mask, cfg),
    }));
  },

  "14g_lddt": (c) => {
    const cfg = callOf(c, z.object({ cutoff: num, eps: num }));
    return runModule(c, (_b, i) => {
      const args = [i.all_atom_pred_pos, i.all_atom_positions, i.all_atom_mask] as const;
      const ca = 1; // atom37 index of CA
      return {
        lddt_ca_per_residue: lddtCaGraph(...args, cfg),
        lddt_ca_global: lddtCaGraph(...args, { ...cfg, perResidue: false }),
        lddt_ca_points_per_residue: lddtGraph(
          G.select(i.all_atom_pred_pos, -2, ca),
          G.select(i.all_atom_positions, -2, ca),
          G.select(i.all_atom_mask, -1, ca),
          cfg,
        ),
      };
    });
  },

  "14h_plddt_loss": (c) => {
    const cfg = callOf(c, z.object({ cutoff: num, no_bins: int, ...resolutionCall }));
    return runModule(c, (_b, i) => ({
      plddt_loss: plddtLoss(
        i.logits,
        i.all_atom_pred_pos,
        i.all_atom_positions,
        i.all_atom_mask,
        i.resolution,
        cfg,
      ),
    }));
  },

  "14i_experimentally_resolved_loss": (c) => {
    const cfg = callOf(c, z.object(resolutionCall));
    return runModule(c, (_b, i) => ({
      experimentally_resolved_loss: experimentallyResolvedLoss(
        i.logits,
        i.atom37_atom_exists,
        i.all_atom_mask,
        i.resolution,
        cfg,
      ),
    }));
  },

  "14j_violations": (c) => {
    const call = callOf(
      c,
      z.object({
        find_structural_violations: z.object({
          violation_tolerance_factor: num,
          clash_overlap_tolerance: num,
        }),
        violation_loss: z.object({ eps: num }),
      }),
    );
    return runModule(c, (_b, i) => {
      const batch = {
        aatype: i.aatype,
        residue_index: i.residue_index,
        atom14_atom_exists: i.atom14_atom_exists,
        residx_atom14_to_atom37: i.residx_atom14_to_atom37,
        seq_mask: i.seq_mask,
      };
      const pos = i.atom14_pred_positions;
      const v = findStructuralViolations(batch, pos, call.find_structural_violations);
      const out: Record<string, G.Tensor> = {};
      const flatten = (prefix: string, o: object) => {
        for (const [k, t] of Object.entries(o)) {
          if (t instanceof G.Tensor) out[`${prefix}${k}`] = t;
          else flatten(`${prefix}${k}/`, t);
        }
      };
      flatten("violations/", v);
      flatten("metrics/", violationMetrics(batch, pos, v));
      const eps = call.violation_loss.eps;
      out.violation_loss = violationLoss(v, i.atom14_atom_exists, { eps, average_clashes: false });
      out.violation_loss_average_clashes = violationLoss(v, i.atom14_atom_exists, {
        eps,
        average_clashes: true,
      });
      return out;
    });
  },

  "14z_alphafold_loss_tiny_model": (c) => runModule(c, (b, i) => tinyModelLoss(c, b, i)),

  "14k_tm_loss": (c) => {
    const cfg = callOf(c, z.object({ max_bin: num, no_bins: int, ...resolutionCall }));
    return runModule(c, (_b, i) => ({
      tm_loss: tmLoss(
        i.logits,
        i.final_affine_tensor,
        i.backbone_rigid_tensor,
        i.backbone_rigid_mask,
        i.resolution,
        cfg,
      ),
    }));
  },
};

// The fixture's loss inputs: the model's per-residue features plus every supervision
// tensor (use_clamped_fape is optional in 14z-style fixtures, picked separately below).
const LOSS_BATCH_KEYS = [
  "aatype",
  "residue_index",
  "seq_mask",
  ...SUPERVISION_KEYS.filter((k) => k !== "use_clamped_fape"),
];

/**
 * The loss batch from graph inputs named like the fixture's `in/` keys (14z:
 * features and supervision without a recycling axis). `use_clamped_fape` is
 * taken when present.
 */
export function lossBatchOf(inputs: Record<string, G.Tensor>): LossBatch {
  const pick = (k: string) => {
    const t = inputs[k];
    if (!t) throw new InputError(`loss batch: the fixture has no input in/${k}`);
    return t;
  };
  const batch = Object.fromEntries(
    LOSS_BATCH_KEYS.map((k) => [k, pick(k)]),
  ) as unknown as LossBatch;
  if (inputs.use_clamped_fape) batch.use_clamped_fape = inputs.use_clamped_fape;
  return batch;
}

/** The loss config of a 14z-style fixture (`meta.ctor.loss_config`; the multimer-only term must be off). */
export function lossConfigOf(c: ParityCase): LossConfig {
  const ctor = z.object({ loss_config: z.record(z.string(), z.unknown()) }).parse(c.meta.ctor);
  const { chain_center_of_mass: com, ...rest } = ctor.loss_config;
  if (com && (com as { enabled?: boolean }).enabled) {
    throw new RunError(`${c.file}: chain_center_of_mass loss (multimer) is not supported`);
  }
  return lossConfigSchema.parse(rest);
}

/**
 * The AlphaFoldLoss outputs of a 14z-style fixture (`loss`, `breakdown/<term>`,
 * `violation/...`) for given model outputs: the lead's full-model runner
 * passes the model's tensors, the loss-only check passes `in/model_out/*`.
 */
export function alphafoldLossOutputs(
  out: LossModelOutputs,
  batch: LossBatch,
  cfg: LossConfig,
): Record<string, G.Tensor> {
  const r = alphafoldLoss(out, batch, cfg);
  const res: Record<string, G.Tensor> = { loss: r.loss };
  const breakdown = [
    "distogram",
    "experimentally_resolved",
    "fape",
    "plddt_loss",
    "masked_msa",
    "supervised_chi",
    "violation",
    "tm",
    "unscaled_loss",
    "loss",
  ];
  for (const k of breakdown) if (r.terms[k]) res[`breakdown/${k}`] = r.terms[k];
  const flatten = (prefix: string, o: object) => {
    for (const [k, t] of Object.entries(o)) {
      if (t instanceof G.Tensor) res[`${prefix}${k}`] = t;
      else flatten(`${prefix}${k}/`, t);
    }
  };
  if (r.violations) flatten("violation/", r.violations);
  return res;
}

/**
 * 14z's loss alone: AlphaFoldLoss on the recorded model outputs
 * `in/model_out/*` (the full-model runner, with gradients, is the lead's).
 */
export const alphafoldLossOnRecordedOutputs: Runner = (c) => {
  const cfg = lossConfigOf(c);
  return runModule(c, (_b, i) => {
    const o = (k: string) => {
      const t = i[`model_out/${k}`];
      if (!t) throw new ParseError({ file: c.file }, `no in/model_out/${k}`);
      return t;
    };
    const out: LossModelOutputs = {
      sm: {
        frames: o("sm/frames"),
        sidechain_frames: o("sm/sidechain_frames"),
        angles: o("sm/angles"),
        unnormalized_angles: o("sm/unnormalized_angles"),
        positions: o("sm/positions"),
      },
      final_atom_positions: o("final_atom_positions"),
      final_affine_tensor: o("final_affine_tensor"),
      lddt_logits: o("lddt_logits"),
      distogram_logits: o("distogram_logits"),
      masked_msa_logits: o("masked_msa_logits"),
      experimentally_resolved_logits: o("experimentally_resolved_logits"),
    };
    return alphafoldLossOutputs(out, lossBatchOf(i), cfg);
    // The model's parameters are not part of this check.
  }, { paramPrefix: "(loss only: no parameters)/" });
};

/** The model features of a 14z-style fixture from its graph inputs (OpenFold batch names). */
function modelFeaturesOf(i: Record<string, G.Tensor>): AlphaFoldFeatures {
  const f: AlphaFoldFeatures = {
    aatype: i.aatype,
    target_feat: i.target_feat,
    residue_index: i.residue_index,
    msa_feat: i.msa_feat,
    seq_mask: i.seq_mask,
    msa_mask: i.msa_mask,
  };
  if (i.extra_msa) {
    Object.assign(f, {
      extra_msa: i.extra_msa,
      extra_has_deletion: i.extra_has_deletion,
      extra_deletion_value: i.extra_deletion_value,
      extra_msa_mask: i.extra_msa_mask,
    });
  }
  if (i.template_aatype) {
    f.templates = {
      template_aatype: i.template_aatype,
      template_all_atom_positions: i.template_all_atom_positions,
      template_all_atom_mask: i.template_all_atom_mask,
      template_torsion_angles_sin_cos: i.template_torsion_angles_sin_cos,
      template_alt_torsion_angles_sin_cos: i.template_alt_torsion_angles_sin_cos,
      template_torsion_angles_mask: i.template_torsion_angles_mask,
      template_pseudo_beta: i.template_pseudo_beta,
      template_pseudo_beta_mask: i.template_pseudo_beta_mask,
      template_mask: i.template_mask,
    };
  }
  return f;
}

/**
 * The full tiny model plus AlphaFoldLoss as one graph, as 14z ran it: the
 * fixture's OpenFold model config, `n` passes (the features are shared, the
 * recycled state starts at zeros), the gradient flowing only through the last
 * pass (earlier passes stop-gradient'ed, as OpenFold runs them under no_grad).
 * Returns the fixture's output keys (`loss`, `breakdown/*`, `violation/*`).
 */
export function tinyModelLoss(
  c: ParityCase,
  b: ModelBuilder,
  i: Record<string, G.Tensor>,
  passes = 2,
): Record<string, G.Tensor> {
  const model = z.object({ model_config: z.object({ model: z.unknown() }) }).parse(c.meta.ctor);
  const cfg = fromOpenFoldModelConfig(model.model_config.model);
  const f = modelFeaturesOf(i);
  const n = f.aatype.shape[0];
  let prev: Recycled = {
    m1: G.full(f.seq_mask, [n, cfg.c_m], 0),
    z: G.full(f.seq_mask, [n, n, cfg.c_z], 0),
    x: G.full(f.seq_mask, [n, 37, 3], 0),
  };
  let out = alphafoldIteration(b.scope(), cfg, f, prev);
  for (let p = 1; p < passes; p++) {
    prev = {
      m1: G.stopGradient(out.next.m1),
      z: G.stopGradient(out.next.z),
      x: G.stopGradient(out.next.x),
    };
    out = alphafoldIteration(b.scope(), cfg, f, prev);
  }
  return alphafoldLossOutputs(out, lossBatchOf(i), lossConfigOf(c));
}

/** 14z's loss outputs and `grad/<param>` of the loss w.r.t. every model parameter. */
export function tinyModelLossAndGradients(c: ParityCase) {
  return runModule(c, (b, i) => {
    const outs = tinyModelLoss(c, b, i);
    const params = b.paramTensors();
    const names = [...params.keys()];
    const grads = G.grad(outs.loss, names.map((k) => params.get(k)!));
    return { ...outs, ...Object.fromEntries(names.map((k, j) => [`grad/${k}`, grads[j]])) };
  });
}
