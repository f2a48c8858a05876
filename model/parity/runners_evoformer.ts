/**
 * Parity runners for the Evoformer family (fixtures 02–08): MSA attention,
 * transitions, outer product mean, triangle updates, Evoformer and extra-MSA
 * blocks and stacks. Sizes come from each fixture's `meta.ctor` and array shapes.
 *
 * @module
 */

import type { Tensor } from "../graph/mod.ts";
import type { ModelBuilder } from "../nn/scope.ts";
import { triangleMultiplication } from "../af2/triangle_multiplication.ts";
import { triangleAttention } from "../af2/triangle_attention.ts";
import { type ParityCase, runModule, type Runner } from "./harness.ts";

type Ctor = Record<string, number | boolean | null>;

/** Builds a fixture's module over its inputs (what `runModule` takes). */
export type ModuleBuild = (b: ModelBuilder, inputs: Record<string, Tensor>) => Record<
  string,
  Tensor
>;

const num = (c: ParityCase, key: string): number => {
  const v = (c.meta.ctor as Ctor)[key];
  if (typeof v !== "number") throw new Error(`${c.file}: meta.ctor.${key} is not a number`);
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

/**
 * OpenFold module path → graph builder for that fixture (tests reuse these to
 * run the fixtures with chunking switched on).
 */
export const EVOFORMER_BUILDS: Record<string, (c: ParityCase) => ModuleBuild> = {
  "openfold.model.triangular_multiplicative_update.TriangleMultiplicationOutgoing": triMul(true),
  "openfold.model.triangular_multiplicative_update.TriangleMultiplicationIncoming": triMul(false),
  "openfold.model.triangular_attention.TriangleAttentionStartingNode": triAtt(true),
  "openfold.model.triangular_attention.TriangleAttentionEndingNode": triAtt(false),
};

/** OpenFold module path → runner. */
export const EVOFORMER_RUNNERS: Record<string, Runner> = Object.fromEntries(
  Object.entries(EVOFORMER_BUILDS).map(([k, build]) => [k, (c) => runModule(c, build(c))]),
);
