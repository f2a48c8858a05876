/**
 * The structure module (AF2 supplement Algorithm 20; OpenFold
 * `structure_module.StructureModule`, monomer).
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import type { Scope } from "../nn/scope.ts";
import { layerNorm, linear } from "../nn/linear.ts";
import type { ModelConfig } from "./config.ts";
import { invariantPointAttention } from "./invariant_point_attention.ts";
import { backboneUpdate } from "./backbone_update.ts";
import { angleResnet } from "./angle_resnet.ts";
import {
  identityQuatFrames,
  type QuatFrames,
  quatFramesToFrames,
  scaleTranslation,
  stopRotationGradient,
  toTensor4x4,
  toTensor7,
} from "./rigid.ts";
import { framesToAtom14, torsionAnglesToFrames } from "./torsion_to_atoms.ts";

/** The structure module's section of the model config (OpenFold names). */
export type StructureModuleConfig = ModelConfig["structure_module"];

/** Inputs of {@link structureModule}. */
export interface StructureModuleInputs {
  /** Single representation `[*, N, C_s]` (Evoformer output). */
  single: Tensor;
  /** Pair representation `[*, N, N, C_z]`. */
  pair: Tensor;
  /** Residue types `[*, N]` (int). */
  aatype: Tensor;
  /** Residue mask `[*, N]` (1 = residue present). */
  mask: Tensor;
}

/** Per-layer outputs stacked on a new leading axis L (OpenFold names and layouts). */
export interface StructureModuleOutput {
  /** `[L, *, N, 7]` backbone frames as tensor_7, translations in Å. */
  frames: Tensor;
  /** `[L, *, N, 8, 4, 4]` all rigid-group frames, global, Å. */
  sidechain_frames: Tensor;
  /** `[L, *, N, 7, 2]` raw (sin, cos) predictions. */
  unnormalized_angles: Tensor;
  /** `[L, *, N, 7, 2]` unit (sin, cos). */
  angles: Tensor;
  /** `[L, *, N, 14, 3]` atom14 coordinates, Å. */
  positions: Tensor;
  /** `[L, *, N, C_s]` single representation after each layer. */
  states: Tensor;
  /** `[*, N, C_s]` the final single representation. */
  single: Tensor;
}

/**
 * OpenFold `StructureModuleTransition` (Algorithm 20 lines 8–9): residual
 * 3-linear MLPs, dropout, LayerNorm. Parameters `layers.<i>.linear_1..3`, `layer_norm`.
 */
function structureTransition(s: Scope, x: Tensor, layers: number, dropoutRate: number): Tensor {
  const c = x.shape[x.rank - 1];
  let y = x;
  for (let i = 0; i < layers; i++) {
    const l = s.child("layers").child(i);
    const h1 = G.relu(linear(l.child("linear_1"), y, c, { init: "relu" }));
    const h2 = G.relu(linear(l.child("linear_2"), h1, c, { init: "relu" }));
    y = G.add(y, linear(l.child("linear_3"), h2, c, { init: "final" }));
  }
  return layerNorm(s.child("layer_norm"), s.dropout(y, dropoutRate));
}

/**
 * Algorithm 20: `no_blocks` layers (shared weights) of IPA, transition, backbone
 * update and torsion prediction, starting from identity frames. Frames live in
 * units of `trans_scale_factor` Å inside the module; every output is in Å. The
 * rotation gradient is stopped between layers (Algorithm 20 line 21) exactly as
 * OpenFold's `stop_rot_gradient`: later layers see earlier rotations as constants,
 * translations keep their gradient. Parameters as OpenFold's state dict
 * (`layer_norm_s`, `layer_norm_z`, `linear_in`, `ipa.*`, `layer_norm_ipa`,
 * `transition.*`, `bb_update.*`, `angle_resnet.*`).
 */
export function structureModule(
  s: Scope,
  cfg: StructureModuleConfig,
  inputs: StructureModuleInputs,
): StructureModuleOutput {
  const { aatype, mask } = inputs;
  const cS = inputs.single.shape[inputs.single.rank - 1];
  const lead = inputs.single.shape.slice(0, -1); // [*, N]

  const sInitial = layerNorm(s.child("layer_norm_s"), inputs.single);
  const z = layerNorm(s.child("layer_norm_z"), inputs.pair);
  let x = linear(s.child("linear_in"), sInitial, cS);
  let frames: QuatFrames = identityQuatFrames(x, lead);

  const perLayer: Record<Exclude<keyof StructureModuleOutput, "single">, Tensor[]> = {
    frames: [],
    sidechain_frames: [],
    unnormalized_angles: [],
    angles: [],
    positions: [],
    states: [],
  };
  for (let layer = 0; layer < cfg.no_blocks; layer++) {
    // Lines 6–10: IPA with residual, dropout, LayerNorm, transition.
    const ipa = invariantPointAttention(s.child("ipa"), x, z, quatFramesToFrames(frames), mask, {
      cHidden: cfg.c_ipa,
      heads: cfg.no_heads_ipa,
      qkPoints: cfg.no_qk_points,
      vPoints: cfg.no_v_points,
      inf: cfg.inf,
      eps: cfg.epsilon,
    });
    x = layerNorm(s.child("layer_norm_ipa"), s.dropout(G.add(x, ipa), cfg.dropout_rate));
    x = structureTransition(s.child("transition"), x, cfg.no_transition_layers, cfg.dropout_rate);

    // Line 10: backbone update.
    frames = backboneUpdate(s.child("bb_update"), x, frames);

    // Lines 11–14 and Algorithm 24: torsions, rigid-group frames, atom14 positions (Å).
    const { unnormalized, angles } = angleResnet(s.child("angle_resnet"), x, sInitial, {
      cHidden: cfg.c_resnet,
      blocks: cfg.no_resnet_blocks,
      angles: cfg.no_angles,
      eps: cfg.epsilon,
    });
    const scaled = scaleTranslation(frames, cfg.trans_scale_factor);
    const allFrames = torsionAnglesToFrames(quatFramesToFrames(scaled), angles, aatype);
    perLayer.frames.push(toTensor7(scaled));
    perLayer.sidechain_frames.push(toTensor4x4(allFrames));
    perLayer.unnormalized_angles.push(unnormalized);
    perLayer.angles.push(angles);
    perLayer.positions.push(framesToAtom14(allFrames, aatype));
    perLayer.states.push(x);

    // Line 21: no rotation gradient flows from later layers into earlier ones.
    frames = stopRotationGradient(frames);
  }
  const stack = (ts: Tensor[]) => G.concat(ts.map((t) => G.unsqueeze(t, 0)), 0);
  return {
    frames: stack(perLayer.frames),
    sidechain_frames: stack(perLayer.sidechain_frames),
    unnormalized_angles: stack(perLayer.unnormalized_angles),
    angles: stack(perLayer.angles),
    positions: stack(perLayer.positions),
    states: stack(perLayer.states),
    single: x,
  };
}
