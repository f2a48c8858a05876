/**
 * Implements Algorithm 6 (EvoformerStack).
 *
 * The Evoformer block (AF2 supplement Algorithm 6) and stack, and the pair
 * stack (the five pair updates of lines 6–10) that the extra-MSA block reuses.
 * OpenFold `EvoformerBlock`, `EvoformerStack`, `PairStack`.
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import type { Scope } from "../nn/scope.ts";
import { linear } from "../nn/linear.ts";
import { transition } from "../nn/transition.ts";
import type { ModelConfig } from "./config.ts";
import { msaColumnAttention, msaRowAttentionWithPairBias } from "./msa_attention.ts";
import { outerProductMean } from "./outer_product_mean.ts";
import { triangleMultiplication } from "./triangle_multiplication.ts";
import { triangleAttention } from "./triangle_attention.ts";

/** Hyperparameters of one Evoformer or extra-MSA block (OpenFold names; `ModelConfig.evoformer` fits). */
export type EvoformerBlockConfig = Omit<ModelConfig["evoformer"], "no_blocks">;

/** Options shared by the blocks. */
export interface BlockOptions {
  /**
   * Mask the transitions (OpenFold `_mask_trans`; the AF2 model config has
   * false, so the Evoformer's MSA/pair transitions are unmasked).
   */
  maskTransitions?: boolean;
}

/** MSA and pair representations. */
export interface MsaPair {
  /** `[*, N_seq, N_res, C_m]` */
  m: Tensor;
  /** `[*, N_res, N_res, C_z]` */
  z: Tensor;
}

// Dropout masks shared along rows of [*, R, C, channels] (batch dim -3) or columns (-2).
const ROWWISE = [-3], COLUMNWISE = [-2];

/**
 * The pair updates of Algorithm 6 lines 6–10 on `z [*, N_res, N_res, C_z]`:
 * triangle multiplication outgoing, incoming (each with row-wise dropout),
 * triangle attention starting node (row-wise dropout), ending node (column-wise
 * dropout), pair transition (masked only with `maskTransition`). Returns the
 * new z (residuals added). Parameters under `tri_mul_out`, `tri_mul_in`,
 * `tri_att_start`, `tri_att_end`, `pair_transition`.
 */
export function pairStack(
  scope: Scope,
  z: Tensor,
  pairMask: Tensor,
  cfg: EvoformerBlockConfig,
  maskTransition = false,
): Tensor {
  const rate = cfg.pair_dropout;
  const mul = { cHidden: cfg.c_hidden_mul };
  const att = { cHidden: cfg.c_hidden_pair_att, heads: cfg.no_heads_pair, inf: cfg.inf };
  const upd = (x: Tensor, u: Tensor, shared: number[]) => G.add(x, scope.dropout(u, rate, shared));
  z = upd(
    z,
    triangleMultiplication(scope.child("tri_mul_out"), z, pairMask, { ...mul, outgoing: true }),
    ROWWISE,
  );
  z = upd(
    z,
    triangleMultiplication(scope.child("tri_mul_in"), z, pairMask, { ...mul, outgoing: false }),
    ROWWISE,
  );
  z = upd(
    z,
    triangleAttention(scope.child("tri_att_start"), z, pairMask, { ...att, starting: true }),
    ROWWISE,
  );
  z = upd(
    z,
    triangleAttention(scope.child("tri_att_end"), z, pairMask, { ...att, starting: false }),
    COLUMNWISE,
  );
  const t = transition(
    scope.child("pair_transition"),
    z,
    cfg.transition_n,
    maskTransition ? pairMask : undefined,
    z.rank - 3,
  );
  return G.add(z, t);
}

/**
 * The MSA half of a block (Algorithm 6 lines 1–3, with the column step given):
 * row attention with pair bias (row-wise dropout), then `column`, then the MSA
 * transition (masked when `transitionMask` is given).
 */
export function msaUpdates(
  scope: Scope,
  m: Tensor,
  z: Tensor,
  msaMask: Tensor,
  cfg: EvoformerBlockConfig,
  column: (m: Tensor) => Tensor,
  transitionMask?: Tensor,
): Tensor {
  const row = msaRowAttentionWithPairBias(scope.child("msa_att_row"), m, z, msaMask, {
    cHidden: cfg.c_hidden_msa_att,
    heads: cfg.no_heads_msa,
    inf: cfg.inf,
  });
  m = G.add(m, scope.dropout(row, cfg.msa_dropout, ROWWISE));
  m = G.add(m, column(m));
  return G.add(
    m,
    transition(scope.child("msa_transition"), m, cfg.transition_n, transitionMask, m.rank - 3),
  );
}

/**
 * One Evoformer block (Algorithm 6) on `m [*, N_seq, N_res, C_m]`,
 * `z [*, N_res, N_res, C_z]` with `msaMask [*, N_seq, N_res]` and
 * `pairMask [*, N_res, N_res]`. Order (OpenFold `opm_first=False`): row
 * attention, column attention, MSA transition, outer product mean, then
 * {@link pairStack}. Returns the new m and z. Parameters under `msa_att_row`,
 * `msa_att_col`, `msa_transition`, `outer_product_mean`, `pair_stack`.
 */
export function evoformerBlock(
  scope: Scope,
  { m, z }: MsaPair,
  msaMask: Tensor,
  pairMask: Tensor,
  cfg: EvoformerBlockConfig,
  opts: BlockOptions = {},
): MsaPair {
  const column = (mm: Tensor) =>
    msaColumnAttention(scope.child("msa_att_col"), mm, msaMask, {
      cHidden: cfg.c_hidden_msa_att,
      heads: cfg.no_heads_msa,
      inf: cfg.inf,
    });
  m = msaUpdates(scope, m, z, msaMask, cfg, column, opts.maskTransitions ? msaMask : undefined);
  z = G.add(
    z,
    outerProductMean(scope.child("outer_product_mean"), m, msaMask, {
      cZ: z.shape[z.rank - 1],
      cHidden: cfg.c_hidden_opm,
    }),
  );
  z = pairStack(scope.child("pair_stack"), z, pairMask, cfg, opts.maskTransitions ?? false);
  return { m, z };
}

/** The Evoformer stack's outputs. */
export interface EvoformerOutput extends MsaPair {
  /** The single representation `[*, N_res, C_s]` = `linear(m[..., 0, :, :])`. */
  s: Tensor;
}

/** The stack's `cfg.no_blocks` blocks (`blocks.<i>.*`, Algorithm 2 line 16). */
export function evoformerBlocks(
  scope: Scope,
  mz: MsaPair,
  msaMask: Tensor,
  pairMask: Tensor,
  cfg: ModelConfig["evoformer"],
  opts: BlockOptions = {},
): MsaPair {
  let state: MsaPair = { m: mz.m, z: mz.z };
  for (let i = 0; i < cfg.no_blocks; i++) {
    state = evoformerBlock(scope.child("blocks").child(i), state, msaMask, pairMask, cfg, opts);
  }
  return state;
}

/** The single representation `s = linear(m[0])` (Algorithm 2 line 17; parameter `linear`). */
export function evoformerSingle(scope: Scope, m: Tensor, cS: number): Tensor {
  return linear(scope.child("linear"), G.select(m, m.rank - 3, 0), cS);
}

/**
 * The Evoformer stack: {@link evoformerBlocks}, then {@link evoformerSingle}.
 */
export function evoformerStack(
  scope: Scope,
  mz: MsaPair,
  msaMask: Tensor,
  pairMask: Tensor,
  cfg: ModelConfig["evoformer"],
  cS: number,
  opts: BlockOptions = {},
): EvoformerOutput {
  const state = evoformerBlocks(scope, mz, msaMask, pairMask, cfg, opts);
  return { ...state, s: evoformerSingle(scope, state.m, cS) };
}
