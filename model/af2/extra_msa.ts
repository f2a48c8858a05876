/**
 * Implements Algorithm 18 (ExtraMsaStack).
 *
 * The extra-MSA stack (AF2 supplement Algorithm 18): Evoformer-like blocks on
 * the large unclustered MSA with column-wise GLOBAL attention (Algorithm 19)
 * and a masked MSA transition. OpenFold `ExtraMSABlock`, `ExtraMSAStack`.
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import type { Scope } from "../nn/scope.ts";
import type { ModelConfig } from "./config.ts";
import { msaColumnGlobalAttention } from "./msa_attention.ts";
import { outerProductMean } from "./outer_product_mean.ts";
import {
  type BlockOptions,
  type EvoformerBlockConfig,
  type MsaPair,
  msaUpdates,
  pairStack,
} from "./evoformer.ts";

/**
 * One extra-MSA block on `m [*, N_extra, N_res, C_e]`, `z [*, N_res, N_res, C_z]`:
 * the Evoformer block's order with the column attention replaced by global
 * attention (eps `cfg.eps`) and the MSA transition ALWAYS masked by `msaMask`
 * (the pair transition follows `maskTransitions`). Returns the new m and z.
 */
export function extraMsaBlock(
  scope: Scope,
  { m, z }: MsaPair,
  msaMask: Tensor,
  pairMask: Tensor,
  cfg: EvoformerBlockConfig,
  opts: BlockOptions = {},
): MsaPair {
  const column = (mm: Tensor) =>
    msaColumnGlobalAttention(scope.child("msa_att_col"), mm, msaMask, {
      cHidden: cfg.c_hidden_msa_att,
      heads: cfg.no_heads_msa,
      inf: cfg.inf,
      eps: cfg.eps,
    });
  m = msaUpdates(scope, m, z, msaMask, cfg, column, msaMask);
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

/** Hyperparameters of the extra-MSA stack (`ModelConfig.extra_msa` fits; `c_in`/`enabled` are the embedder's). */
export type ExtraMsaStackConfig = Omit<ModelConfig["extra_msa"], "c_in" | "enabled">;

/**
 * The extra-MSA stack (Algorithm 18, `blocks.<i>.*`): returns the updated pair
 * representation `z [*, N_res, N_res, C_z]` (the extra MSA itself is discarded).
 */
export function extraMsaStack(
  scope: Scope,
  mz: MsaPair,
  msaMask: Tensor,
  pairMask: Tensor,
  cfg: ExtraMsaStackConfig,
  opts: BlockOptions = {},
): Tensor {
  let state = mz;
  for (let i = 0; i < cfg.no_blocks; i++) {
    state = extraMsaBlock(scope.child("blocks").child(i), state, msaMask, pairMask, cfg, opts);
  }
  return state.z;
}
