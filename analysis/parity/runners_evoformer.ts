/**
 * Parity runners for the Evoformer family (fixtures 02–08): MSA attention,
 * transitions, outer product mean, triangle updates, Evoformer and extra-MSA
 * blocks and stacks. Sizes come from each fixture's `meta.ctor` and array shapes.
 *
 * @module
 */

import type { Tensor } from "../../model/graph/mod.ts";
import type { ModelBuilder } from "../../model/nn/scope.ts";
import { triangleMultiplication } from "../../model/af2/triangle_multiplication.ts";
import { triangleAttention } from "../../model/af2/triangle_attention.ts";
import {
  msaColumnAttention,
  msaColumnGlobalAttention,
  msaRowAttentionWithPairBias,
} from "../../model/af2/msa_attention.ts";
import { outerProductMean } from "../../model/af2/outer_product_mean.ts";
import {
  evoformerBlock,
  type EvoformerBlockConfig,
  evoformerStack,
} from "../../model/af2/evoformer.ts";
import { extraMsaBlock, extraMsaStack } from "../../model/af2/extra_msa.ts";
import { transition } from "../../model/nn/transition.ts";
import { type ParityCase, runModule, type Runner } from "./harness.ts";
import { ParseError, RunError } from "../../model/util/errors.ts";

type Ctor = Record<string, number | boolean | null>;

/** Builds a fixture's module over its inputs (what `runModule` takes). */
export type ModuleBuild = (b: ModelBuilder, inputs: Record<string, Tensor>) => Record<
  string,
  Tensor
>;

const num = (c: ParityCase, key: string): number => {
  const v = (c.meta.ctor as Ctor)[key];
  if (typeof v !== "number") {
    throw new ParseError({ file: c.file }, `meta.ctor.${key} is not a number`);
  }
  return v;
};

const triMul = (outgoing: boolean) => (c: ParityCase): ModuleBuild => (b, i) => ({
  z_update: triangleMultiplication(b.scope(), i.z, i.mask, {
    cHidden: num(c, "c_hidden"),
    outgoing,
  }),
});

const triAtt = (starting: boolean) => (c: ParityCase): ModuleBuild => (b, i) => ({
  z_update: triangleAttention(b.scope(), i.z, i.mask, {
    cHidden: num(c, "c_hidden"),
    heads: num(c, "no_heads"),
    inf: num(c, "inf"),
    starting,
  }),
});

const msaDims = (c: ParityCase) => ({
  cHidden: num(c, "c_hidden"),
  heads: num(c, "no_heads"),
  inf: num(c, "inf"),
});

/** A block's hyperparameters from the fixture's constructor arguments. */
function blockConfig(c: ParityCase): EvoformerBlockConfig {
  // Variants outside AF2 monomer (OpenFold flags) must fail loudly, not run as something else.
  for (const flag of ["opm_first", "no_column_attention", "fuse_projection_weights"]) {
    if ((c.meta.ctor as Ctor)[flag] === true) {
      throw new RunError(`${c.file}: ${flag}=true is not implemented (AF2 monomer only)`);
    }
  }
  const keys = [
    "c_hidden_msa_att",
    "c_hidden_opm",
    "c_hidden_mul",
    "c_hidden_pair_att",
    "no_heads_msa",
    "no_heads_pair",
    "transition_n",
    "msa_dropout",
    "pair_dropout",
    "inf",
    "eps",
  ] as const;
  return Object.fromEntries(keys.map((k) => [k, num(c, k)])) as EvoformerBlockConfig;
}

/** OpenFold's `_mask_trans` call flag (false in the AF2 model config). */
const maskTrans = (c: ParityCase) => ({
  maskTransitions: (c.meta.call as Ctor | undefined)?._mask_trans === true,
});

/** A transition fixture: the masked output and the unmasked `<key>_nomask`. */
const transitionBuild = (key: string, input: string) => (c: ParityCase): ModuleBuild => (b, i) => ({
  [key]: transition(b.scope(), i[input], num(c, "n"), i.mask, i[input].rank - 3),
  [`${key}_nomask`]: transition(b.scope(), i[input], num(c, "n"), undefined, i[input].rank - 3),
});

/**
 * OpenFold module path → graph builder for that fixture (tests reuse these to
 * run the fixtures with chunking switched on).
 */
export const EVOFORMER_BUILDS: Record<string, (c: ParityCase) => ModuleBuild> = {
  "openfold.model.triangular_multiplicative_update.TriangleMultiplicationOutgoing": triMul(true),
  "openfold.model.triangular_multiplicative_update.TriangleMultiplicationIncoming": triMul(false),
  "openfold.model.triangular_attention.TriangleAttentionStartingNode": triAtt(true),
  "openfold.model.triangular_attention.TriangleAttentionEndingNode": triAtt(false),
  "openfold.model.msa.MSARowAttentionWithPairBias": (c) => (b, i) => ({
    m_update: msaRowAttentionWithPairBias(b.scope(), i.m, i.z, i.mask, msaDims(c)),
  }),
  "openfold.model.msa.MSAColumnAttention": (c) => (b, i) => ({
    m_update: msaColumnAttention(b.scope(), i.m, i.mask, msaDims(c)),
  }),
  "openfold.model.msa.MSAColumnGlobalAttention": (c) => (b, i) => ({
    m_update: msaColumnGlobalAttention(b.scope(), i.m, i.mask, {
      ...msaDims(c),
      eps: num(c, "eps"),
    }),
  }),
  "openfold.model.evoformer.MSATransition": transitionBuild("m_update", "m"),
  "openfold.model.pair_transition.PairTransition": transitionBuild("z_update", "z"),
  "openfold.model.outer_product_mean.OuterProductMean": (c) => (b, i) => ({
    z_update: outerProductMean(b.scope(), i.m, i.mask, {
      cZ: num(c, "c_z"),
      cHidden: num(c, "c_hidden"),
      eps: num(c, "eps"),
    }),
  }),
  "openfold.model.evoformer.EvoformerBlock": (c) => (b, i) => {
    const { m, z } = evoformerBlock(
      b.scope(),
      { m: i.m, z: i.z },
      i.msa_mask,
      i.pair_mask,
      blockConfig(c),
      maskTrans(c),
    );
    return { m, z };
  },
  "openfold.model.evoformer.EvoformerStack": (c) => (b, i) => {
    const cfg = { ...blockConfig(c), no_blocks: num(c, "no_blocks") };
    const { m, z, s } = evoformerStack(
      b.scope(),
      { m: i.m, z: i.z },
      i.msa_mask,
      i.pair_mask,
      cfg,
      num(c, "c_s"),
      maskTrans(c),
    );
    return { m, z, s };
  },
  "openfold.model.evoformer.ExtraMSABlock": (c) => (b, i) => {
    const { m, z } = extraMsaBlock(
      b.scope(),
      { m: i.m, z: i.z },
      i.msa_mask,
      i.pair_mask,
      blockConfig(c),
      maskTrans(c),
    );
    return { m, z };
  },
  "openfold.model.evoformer.ExtraMSAStack": (c) => (b, i) => ({
    z: extraMsaStack(
      b.scope(),
      { m: i.m, z: i.z },
      i.msa_mask,
      i.pair_mask,
      { ...blockConfig(c), no_blocks: num(c, "no_blocks") },
      maskTrans(c),
    ),
  }),
};

/** OpenFold module path → runner. */
export const EVOFORMER_RUNNERS: Record<string, Runner> = Object.fromEntries(
  Object.entries(EVOFORMER_BUILDS).map(([k, build]) => [k, (c) => runModule(c, build(c))]),
);
