/**
 * Implements Algorithm 3 (InputEmbedder).
 * Implements Algorithm 4 (relpos).
 * Implements Algorithm 5 (one_hot).
 *
 * The input embedder (AF2 supplement Algorithm 3) with the relative position
 * encoding of Algorithm 4 (one-hot of clipped residue-index offsets, Algorithm 5).
 * OpenFold `embedders.InputEmbedder`.
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import type { Scope } from "../nn/scope.ts";
import { linear } from "../nn/linear.ts";

/** Sizes of the input embedder (`c_m`, `c_z` and the config's `input_embedder.relpos_k`). */
export interface InputEmbedderDims {
  c_m: number;
  c_z: number;
  /** Offsets are clipped to [-relpos_k, relpos_k] (32 in AF2). */
  relpos_k: number;
}

/**
 * Relative position encoding (Algorithm 4): `linear_relpos(onehot(clip(r_i - r_j,
 * -k, k) + k))` for residue indices `ri [*, N_res]` (integer values; a float
 * input is truncated to int32). Returns `[*, N_res, N_res, C_z]`.
 */
export function relpos(scope: Scope, ri: Tensor, cZ: number, relposK: number): Tensor {
  const r = G.cast(ri, "int32");
  // OpenFold takes the argmin of |d - bin| over the integer bins -k..k, which for
  // integer offsets is the clipped offset (Algorithm 5 `one_hot`).
  const d = G.sub(G.unsqueeze(r, -1), G.unsqueeze(r, -2));
  const idx = G.add(G.clip(d, -relposK, relposK), relposK);
  return linear(scope.child("linear_relpos"), G.oneHot(idx, 2 * relposK + 1), cZ);
}

/**
 * Algorithm 3: embed target features `tf [*, N_res, tf_dim]`, residue indices
 * `ri [*, N_res]` and MSA features `msa [*, N_clust, N_res, msa_dim]` into the
 * MSA representation `[*, N_clust, N_res, C_m]` and the pair representation
 * `[*, N_res, N_res, C_z]`. Parameters `linear_tf_z_i`, `linear_tf_z_j`,
 * `linear_tf_m`, `linear_msa_m`, `linear_relpos`.
 */
export function inputEmbedder(
  scope: Scope,
  tf: Tensor,
  ri: Tensor,
  msa: Tensor,
  dims: InputEmbedderDims,
): { msa: Tensor; pair: Tensor } {
  const tfZi = linear(scope.child("linear_tf_z_i"), tf, dims.c_z); // [*, N, C_z]
  const tfZj = linear(scope.child("linear_tf_z_j"), tf, dims.c_z);
  const pair = G.add(
    G.add(relpos(scope, ri, dims.c_z, dims.relpos_k), G.unsqueeze(tfZi, -2)),
    G.unsqueeze(tfZj, -3),
  );
  const tfM = G.unsqueeze(linear(scope.child("linear_tf_m"), tf, dims.c_m), -3); // [*, 1, N, C_m]
  const m = G.add(linear(scope.child("linear_msa_m"), msa, dims.c_m), tfM);
  return { msa: m, pair };
}
