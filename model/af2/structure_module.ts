/**
 * Implements Algorithm 20 (StructureModule).
 *
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
function structureTransition(scope: Scope, x: Tensor, layers: number, dropoutRate: number): Tensor {
  const c = x.shape[x.rank - 1];
  let y = x;
  for (let i = 0; i < layers; i++) {
    const l = scope.child("layers").child(i);
    const h1 = G.relu(linear(l.child("linear_1"), y, c, { init: "relu" }));
    const h2 = G.relu(linear(l.child("linear_2"), h1, c, { init: "relu" }));
    y = G.add(y, linear(l.child("linear_3"), h2, c, { init: "final" }));
  }
  return layerNorm(scope.child("layer_norm"), scope.dropout(y, dropoutRate));
}

/** What every structure-module layer reads (computed once, before the layers). */
export interface StructureModuleContext {
  /** LayerNorm'd single `[*, N, C_s]`, the angle resnet's second input. */
  sInitial: Tensor;
  /** LayerNorm'd pair `[*, N, N, C_z]`. */
  z: Tensor;
  aatype: Tensor;
  mask: Tensor;
}

/** The state carried from layer to layer: the single `x [*, N, C_s]` and the backbone frames (nm-like units). */
export interface StructureModuleState {
  x: Tensor;
  frames: QuatFrames;
}

/** One layer's outputs (OpenFold names; Å). */
export type StructureLayerOutput = Record<Exclude<keyof StructureModuleOutput, "single">, Tensor>;

/**
 * Algorithm 20 lines 1–4: LayerNorms of the inputs, `linear_in`, identity frames.
 * Parameters `layer_norm_s`, `layer_norm_z`, `linear_in`.
 */
export function structureModuleInit(
  scope: Scope,
  inputs: StructureModuleInputs,
): { context: StructureModuleContext; state: StructureModuleState } {
  const cS = inputs.single.shape[inputs.single.rank - 1];
  const sInitial = layerNorm(scope.child("layer_norm_s"), inputs.single);
  const z = layerNorm(scope.child("layer_norm_z"), inputs.pair);
  const x = linear(scope.child("linear_in"), sInitial, cS);
  return {
    context: { sInitial, z, aatype: inputs.aatype, mask: inputs.mask },
    state: { x, frames: identityQuatFrames(x, inputs.single.shape.slice(0, -1)) },
  };
}

/**
 * Algorithm 20 lines 6–20, one layer (weights shared by every layer): IPA with
 * residual, dropout and LayerNorm, transition, backbone update, torsion angles,
 * rigid-group frames and atom14 positions. Returns the new state (rotation
 * gradient NOT yet stopped) and the layer's outputs in Å.
 */
export function structureModuleLayer(
  scope: Scope,
  cfg: StructureModuleConfig,
  ctx: StructureModuleContext,
  state: StructureModuleState,
): { state: StructureModuleState; outputs: StructureLayerOutput } {
  const ipa = invariantPointAttention(
    scope.child("ipa"),
    state.x,
    ctx.z,
    quatFramesToFrames(state.frames),
    ctx.mask,
    {
      cHidden: cfg.c_ipa,
      heads: cfg.no_heads_ipa,
      qkPoints: cfg.no_qk_points,
      vPoints: cfg.no_v_points,
      inf: cfg.inf,
      eps: cfg.epsilon,
    },
  );
  let x = layerNorm(
    scope.child("layer_norm_ipa"),
    scope.dropout(G.add(state.x, ipa), cfg.dropout_rate),
  );
  x = structureTransition(scope.child("transition"), x, cfg.no_transition_layers, cfg.dropout_rate);

  // Line 10 / Algorithm 23: backbone update.
  const frames = backboneUpdate(scope.child("bb_update"), x, state.frames);

  // Lines 11–14 and Algorithm 24: torsions, rigid-group frames, atom14 positions (Å).
  const { unnormalized, angles } = angleResnet(scope.child("angle_resnet"), x, ctx.sInitial, {
    cHidden: cfg.c_resnet,
    blocks: cfg.no_resnet_blocks,
    angles: cfg.no_angles,
    eps: cfg.epsilon,
  });
  const scaled = scaleTranslation(frames, cfg.trans_scale_factor);
  const allFrames = torsionAnglesToFrames(quatFramesToFrames(scaled), angles, ctx.aatype);
  return {
    state: { x, frames },
    outputs: {
      frames: toTensor7(scaled),
      sidechain_frames: toTensor4x4(allFrames),
      unnormalized_angles: unnormalized,
      angles,
      positions: framesToAtom14(allFrames, ctx.aatype),
      states: x,
    },
  };
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
  scope: Scope,
  cfg: StructureModuleConfig,
  inputs: StructureModuleInputs,
): StructureModuleOutput {
  const init = structureModuleInit(scope, inputs);
  let state = init.state;
  const perLayer: StructureLayerOutput[] = [];
  for (let layer = 0; layer < cfg.no_blocks; layer++) {
    const step = structureModuleLayer(scope, cfg, init.context, state);
    perLayer.push(step.outputs);
    state = step.state;
    // Line 21: no rotation gradient flows from later layers into earlier ones.
    if (layer < cfg.no_blocks - 1) {
      state = { x: state.x, frames: stopRotationGradient(state.frames) };
    }
  }
  const stack = (k: keyof StructureLayerOutput) =>
    G.concat(perLayer.map((o) => G.unsqueeze(o[k], 0)), 0);
  return {
    frames: stack("frames"),
    sidechain_frames: stack("sidechain_frames"),
    unnormalized_angles: stack("unnormalized_angles"),
    angles: stack("angles"),
    positions: stack("positions"),
    states: stack("states"),
    single: state.x,
  };
}
