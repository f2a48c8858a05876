/**
 * Torsion-angle prediction (AF2 supplement Algorithm 20 lines 11–14; OpenFold
 * `structure_module.AngleResnet`).
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import type { Scope } from "../nn/scope.ts";
import { linear } from "../nn/linear.ts";

/** Sizes of the angle resnet (OpenFold names in the comments). */
export interface AngleResnetDims {
  /** Hidden width (`c_resnet`). */
  cHidden: number;
  /** Residual blocks (`no_resnet_blocks`). */
  blocks: number;
  /** Angles predicted per residue (`no_angles`, 7: ω, φ, ψ, χ1..χ4). */
  angles: number;
  /** Lower clamp of the squared (sin, cos) norm before normalising (1e-8 in OpenFold). */
  eps: number;
}

/** The two angle outputs, each `[*, N, no_angles, 2]` as (sin, cos). */
export interface AngleResnetOutput {
  unnormalized: Tensor;
  angles: Tensor;
}

/**
 * Algorithm 20 lines 11–14 on `x [*, N, C]` (current single) and `xInitial`
 * (the single before `linear_in`): `a = linear_in(relu(x)) + linear_initial(relu(x0))`,
 * residual blocks `a += linear_2(relu(linear_1(relu(a))))`, `linear_out(relu(a))`.
 * Parameters `linear_in`, `linear_initial`, `layers.<i>.linear_1/2`, `linear_out`.
 */
export function angleResnet(
  scope: Scope,
  x: Tensor,
  xInitial: Tensor,
  dims: AngleResnetDims,
): AngleResnetOutput {
  const c = dims.cHidden;
  let a = G.add(
    linear(scope.child("linear_in"), G.relu(x), c),
    linear(scope.child("linear_initial"), G.relu(xInitial), c),
  );
  for (let i = 0; i < dims.blocks; i++) {
    const l = scope.child("layers").child(i);
    const hidden = G.relu(linear(l.child("linear_1"), G.relu(a), c, { init: "relu" }));
    a = G.add(a, linear(l.child("linear_2"), hidden, c, { init: "final" }));
  }
  const out = linear(scope.child("linear_out"), G.relu(a), dims.angles * 2);
  const unnormalized = G.reshape(out, [...out.shape.slice(0, -1), dims.angles, 2]);
  // Unit (sin, cos) pairs; the clamp keeps the gradient finite at a zero vector.
  const norm = G.sqrt(G.maximum(G.sum(G.mul(unnormalized, unnormalized), -1, true), dims.eps));
  return { unnormalized, angles: G.div(unnormalized, norm) };
}
