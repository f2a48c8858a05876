/**
 * One block of a stack of identical blocks (the 48 Evoformer blocks, the 4
 * extra-MSA blocks) as its own graph, built as block 0 (`<prefix>.0.*`) and
 * fed block i's parameters and dropout masks under block 0's names. The
 * executor (model/exec) runs a stack as repeated runs of ONE compiled block:
 * onnxruntime's session creation grows faster than linearly with the node
 * count, so one block compiles in a fraction of a second where the whole stack
 * takes minutes (long chunked proteins) or tens of seconds.
 *
 * A block reads and writes the trunk state under the names the embedding
 * produces (`trunk/m`, `trunk/z`, `trunk/msa_mask`; the extra MSA's `trunk/a`
 * and its `extra_msa_mask` feature), so a plan is a plain sequence of graphs.
 *
 * @module
 */

import type { Tensor } from "../graph/mod.ts";
import { type BuildOptions, ModelBuilder } from "../nn/scope.ts";
import type { ModelConfig } from "./config.ts";
import { evoformerBlock, type EvoformerBlockConfig } from "./evoformer.ts";
import { extraMsaBlock } from "./extra_msa.ts";
import { pairMaskOf, type PreEmbedded } from "./alphafold.ts";

/** Parameter prefix of the extra-MSA stack's blocks. */
export const EXTRA_BLOCKS = "extra_msa_stack.blocks";
/** Parameter prefix of the Evoformer stack's blocks. */
export const EVOFORMER_BLOCKS = "evoformer.blocks";

/** One block's graph, built as block 0 of its stack. */
export interface BlockGraph {
  builder: ModelBuilder;
  /** Parameter prefix of the stack's blocks. */
  prefix: typeof EXTRA_BLOCKS | typeof EVOFORMER_BLOCKS;
  /** Blocks in the stack. */
  count: number;
  /** The trunk inputs that carry a gradient (the MSA or extra MSA, and the pair). */
  carried: Record<string, Tensor>;
  /** The block's outputs under the trunk names it overwrites. */
  outputs: Record<string, Tensor>;
}

/**
 * Build block 0 of the stack at `prefix` (EXTRA_BLOCKS or EVOFORMER_BLOCKS)
 * for an MSA input of shape `mShape` `[rows, N, C]` and pair `[N, N, C_z]`.
 */
export function buildBlockGraph(
  model: ModelConfig,
  prefix: typeof EXTRA_BLOCKS | typeof EVOFORMER_BLOCKS,
  mShape: readonly number[],
  options: BuildOptions = {},
): BlockGraph {
  const b = new ModelBuilder(options);
  const nRes = mShape[1];
  const extra = prefix === EXTRA_BLOCKS;
  const msaName = extra ? "trunk/a" : "trunk/m";
  const m = b.g.input(msaName, [...mShape]);
  const z = b.g.input("trunk/z", [nRes, nRes, model.c_z]);
  // The extra stack's mask is a feature; the Evoformer's includes template rows.
  const msaMask = b.g.input(extra ? "extra_msa_mask" : "trunk/msa_mask", mShape.slice(0, 2));
  const pairMask = pairMaskOf(b.g.input("seq_mask", [nRes]));
  const cfg: EvoformerBlockConfig = extra ? model.extra_msa : model.evoformer;
  const block = extra ? extraMsaBlock : evoformerBlock;
  const [root, ...rest] = prefix.split(".");
  let scope = b.scope(root);
  for (const part of rest) scope = scope.child(part);
  const out = block(scope.child(0), { m, z }, msaMask, pairMask, cfg);
  const count = extra ? model.extra_msa.no_blocks : model.evoformer.no_blocks;
  return {
    builder: b,
    prefix,
    count,
    carried: { [msaName]: m, "trunk/z": z },
    outputs: { [msaName]: out.m, "trunk/z": out.z },
  };
}

/** Block i's name of a parameter (or dropout mask) named for block 0. */
export function blockName(prefix: string, i: number): (name: string) => string {
  const from = `${prefix}.0.`, to = `${prefix}.${i}.`;
  return (n) => (n.startsWith(from) ? to + n.slice(from.length) : n);
}

/**
 * The embedding's outputs the stacks read: the MSA, pair and MSA mask (with
 * template rows), and the extra MSA's embedding when there is one.
 */
export function embedOutputs(e: PreEmbedded): Record<string, Tensor> {
  const out: Record<string, Tensor> = {
    "trunk/m": e.m,
    "trunk/z": e.z,
    "trunk/msa_mask": e.msaMask,
  };
  if (e.extra) out["trunk/a"] = e.extra.a;
  return out;
}
