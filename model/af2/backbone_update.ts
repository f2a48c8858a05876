/**
 * Implements Algorithm 23 (BackboneUpdate).
 *
 * Backbone update (AF2 supplement Algorithm 23; OpenFold
 * `structure_module.BackboneUpdate`).
 *
 * @module
 */

import type { Tensor } from "../graph/mod.ts";
import type { Scope } from "../nn/scope.ts";
import { linear } from "../nn/linear.ts";
import { composeQuatUpdate, type QuatFrames } from "./rigid.ts";

/**
 * Algorithm 23 line 1: the update vector `[*, N, 6] = (b, c, d, tx, ty, tz)`
 * predicted from `s [*, N, C_s]`; parameter `linear` ("final" init, so an
 * untrained module leaves the frames alone).
 */
export function backboneUpdateVector(scope: Scope, x: Tensor): Tensor {
  return linear(scope.child("linear"), x, 6, { init: "final" });
}

/**
 * Algorithm 23 in full: frames composed with the update predicted from `x`
 * (`q ← normalize(q·(1, b, c, d))`, `t ← t + R_old (tx, ty, tz)`).
 */
export function backboneUpdate(scope: Scope, x: Tensor, frames: QuatFrames): QuatFrames {
  return composeQuatUpdate(frames, backboneUpdateVector(scope, x));
}
