/**
 * Parity runners for the structure module and the heads (fixtures 10*, 11, 12*).
 * Sizes come from `meta.ctor` / `meta.call` and the array shapes, never from a
 * particular fixture.
 *
 * @module
 */

import { z } from "zod";
import * as G from "../../model/graph/mod.ts";
import { modelConfigSchema } from "../../model/af2/config.ts";
import { invariantPointAttention } from "../../model/af2/invariant_point_attention.ts";
import { backboneUpdateVector } from "../../model/af2/backbone_update.ts";
import { angleResnet } from "../../model/af2/angle_resnet.ts";
import {
  composeQuatUpdate,
  fromTensor4x4,
  normalizeQuat,
  quatFramesToFrames,
  toTensor4x4,
  toTensor7,
} from "../../model/af2/rigid.ts";
import {
  atom14ToAtom37,
  atom37AtomExists,
  framesToAtom14,
  residxAtom37ToAtom14,
  torsionAnglesToFrames,
} from "../../model/af2/torsion_to_atoms.ts";
import { structureModule } from "../../model/af2/structure_module.ts";
import {
  computePlddt,
  computePredictedAlignedError,
  computePtm,
  distogramHead,
  experimentallyResolvedHead,
  maskedMsaHead,
  plddtHead,
  tmHead,
} from "../../model/af2/heads.ts";
import { type ParityCase, runModule } from "./harness.ts";
import type { Runner } from "./harness.ts";
import { ParseError } from "../../model/util/errors.ts";

/** The fixture's `meta.ctor`, validated against a zod schema. */
function ctorOf<T extends z.ZodType>(c: ParityCase, schema: T): z.infer<T> {
  const r = schema.safeParse(c.meta.ctor);
  if (!r.success) throw new ParseError({ file: c.file }, `meta.ctor: ${r.error.message}`);
  return r.data;
}

const int = z.number().int().positive();

const ipaCtor = z.object({
  c_hidden: int,
  no_heads: int,
  no_qk_points: int,
  no_v_points: int,
  inf: z.number(),
  eps: z.number(),
});

/** The structure-module config section from an OpenFold ctor (c_s / c_z come from the shapes). */
const structureCtor = z.record(z.string(), z.unknown()).transform((o) =>
  modelConfigSchema.shape.structure_module.parse(
    Object.fromEntries(
      Object.keys(modelConfigSchema.shape.structure_module.shape).map((k) => [k, o[k]]),
    ),
  )
);

/** OpenFold module path (or fixture case name) → runner. */
export const STRUCTURE_RUNNERS: Record<string, Runner> = {
  "openfold.model.structure_module.InvariantPointAttention": (c) => {
    const ctor = ctorOf(c, ipaCtor);
    return runModule(c, (b, i) => ({
      s_update: invariantPointAttention(b.scope(), i.s, i.z, fromTensor4x4(i.rigid_4x4), i.mask, {
        cHidden: ctor.c_hidden,
        heads: ctor.no_heads,
        qkPoints: ctor.no_qk_points,
        vPoints: ctor.no_v_points,
        inf: ctor.inf,
        eps: ctor.eps,
      }),
    }));
  },

  "openfold.model.structure_module.BackboneUpdate": (c) =>
    runModule(c, (b, i) => {
      const update = backboneUpdateVector(b.scope(), i.s);
      const frames = composeQuatUpdate(
        { quat: normalizeQuat(i.rigid_quat), trans: i.rigid_trans },
        update,
      );
      return {
        update,
        composed_tensor_7: toTensor7(frames),
        composed_4x4: toTensor4x4(quatFramesToFrames(frames)),
      };
    }),

  "openfold.model.structure_module.AngleResnet": (c) => {
    const ctor = ctorOf(
      c,
      z.object({ c_hidden: int, no_blocks: int, no_angles: int, epsilon: z.number() }),
    );
    return runModule(c, (b, i) => {
      const { unnormalized, angles } = angleResnet(b.scope(), i.s, i.s_initial, {
        cHidden: ctor.c_hidden,
        blocks: ctor.no_blocks,
        angles: ctor.no_angles,
        eps: ctor.epsilon,
      });
      return { unnormalized_angles: unnormalized, angles };
    });
  },

  "10d_torsion_angles_to_atoms": (c) =>
    runModule(c, (_b, i) => {
      const frames = torsionAnglesToFrames(fromTensor4x4(i.backbone_4x4), i.angles, i.aatype);
      const atom14 = framesToAtom14(frames, i.aatype);
      return {
        all_frames_to_global_4x4: toTensor4x4(frames),
        atom14_positions: atom14,
        atom37_positions: atom14ToAtom37(atom14, i.aatype),
        atom37_atom_exists: atom37AtomExists(i.aatype),
        residx_atom37_to_atom14: G.cast(residxAtom37ToAtom14(i.aatype), "float32"),
      };
    }),

  "openfold.model.structure_module.StructureModule": (c) => {
    const cfg = ctorOf(c, structureCtor);
    return runModule(c, (b, i) => {
      const o = structureModule(b.scope(), cfg, {
        single: i.single,
        pair: i.pair,
        aatype: i.aatype,
        mask: i.mask,
      });
      return { ...o };
    });
  },

  "openfold.model.heads.PerResidueLDDTCaPredictor": (c) => {
    const ctor = ctorOf(c, z.object({ no_bins: int, c_hidden: int }));
    return runModule(c, (b, i) => {
      const logits = plddtHead(b.scope(), i.s, ctor.no_bins, ctor.c_hidden);
      return { logits, plddt: computePlddt(logits) };
    });
  },

  "openfold.model.heads.DistogramHead": (c) => {
    const ctor = ctorOf(c, z.object({ no_bins: int }));
    return runModule(c, (b, i) => ({ logits: distogramHead(b.scope(), i.z, ctor.no_bins) }));
  },

  "openfold.model.heads.MaskedMSAHead": (c) => {
    const ctor = ctorOf(c, z.object({ c_out: int }));
    return runModule(c, (b, i) => ({ logits: maskedMsaHead(b.scope(), i.m, ctor.c_out) }));
  },

  "openfold.model.heads.ExperimentallyResolvedHead": (c) => {
    const ctor = ctorOf(c, z.object({ c_out: int }));
    return runModule(c, (b, i) => ({
      logits: experimentallyResolvedHead(b.scope(), i.s, ctor.c_out),
    }));
  },

  "openfold.model.heads.TMScoreHead": (c) => {
    const ctor = ctorOf(c, z.object({ no_bins: int }));
    const call = z.object({
      compute_tm: z.object({ max_bin: z.number(), no_bins: int, eps: z.number() }),
      compute_predicted_aligned_error: z.object({ max_bin: z.number(), no_bins: int }),
    }).parse(c.meta.call);
    return runModule(c, (b, i) => {
      const logits = tmHead(b.scope(), i.z, ctor.no_bins);
      const tm = call.compute_tm;
      const pae = call.compute_predicted_aligned_error;
      return {
        logits,
        ptm: computePtm(logits, tm.max_bin, tm.no_bins, undefined, tm.eps),
        ptm_weighted: computePtm(logits, tm.max_bin, tm.no_bins, i.residue_weights, tm.eps),
        ...computePredictedAlignedError(logits, pae.max_bin, pae.no_bins),
      };
    });
  },
};
