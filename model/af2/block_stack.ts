/**
 * One block of a stack of identical blocks (the 48 Evoformer blocks, the 4
 * extra-MSA blocks) as its own graph, built as block 0 (`<prefix>.0.*`) and
 * fed block i's parameters under block 0's names. The segmented training step
 * (train/segmented_step.ts) and the segmented inference
 * (model/af2/segmented_inference.ts) run a stack as repeated runs of ONE
 * compiled block: onnxruntime's session creation grows faster than linearly
 * with the node count, so one block compiles in a fraction of a second where
 * the whole stack takes minutes (long chunked proteins) or tens of seconds.
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor, TypedArray } from "../graph/mod.ts";
import { type BuildOptions, ModelBuilder, paramFeeds, type ParamSpec } from "../nn/scope.ts";
import type { ModelConfig } from "./config.ts";
import { evoformerBlock, type EvoformerBlockConfig, type MsaPair } from "./evoformer.ts";
import { extraMsaBlock } from "./extra_msa.ts";
import { pairMaskOf, type PreEmbedded } from "./alphafold.ts";

/** Parameter prefix of the extra-MSA stack's blocks. */
export const EXTRA_BLOCKS = "extra_msa_stack.blocks";
/** Parameter prefix of the Evoformer stack's blocks. */
export const EVOFORMER_BLOCKS = "evoformer.blocks";

/** One block's graph: inputs `trunk/m`, `trunk/z`, `trunk/msa_mask`, `seq_mask`; outputs m, z. */
export interface BlockGraph {
  builder: ModelBuilder;
  /** Parameter prefix of the stack's blocks. */
  prefix: string;
  /** Blocks in the stack. */
  count: number;
  /** The block's inputs and outputs. */
  input: MsaPair;
  output: MsaPair;
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
  const m = b.g.input("trunk/m", [...mShape]);
  const z = b.g.input("trunk/z", [nRes, nRes, model.c_z]);
  const msaMask = b.g.input("trunk/msa_mask", mShape.slice(0, 2));
  const pairMask = pairMaskOf(b.g.input("seq_mask", [nRes]));
  const extra = prefix === EXTRA_BLOCKS;
  const cfg: EvoformerBlockConfig = extra ? model.extra_msa : model.evoformer;
  const block = extra ? extraMsaBlock : evoformerBlock;
  const [root, ...rest] = prefix.split(".");
  let scope = b.scope(root);
  for (const part of rest) scope = scope.child(part);
  const output = block(scope.child(0), { m, z }, msaMask, pairMask, cfg);
  const count = extra ? model.extra_msa.no_blocks : model.evoformer.no_blocks;
  return { builder: b, prefix, count, input: { m, z }, output };
}

/** Block i's name of a parameter (or dropout mask) named for block 0. */
export function blockName(prefix: string, i: number): (name: string) => string {
  const from = `${prefix}.0.`, to = `${prefix}.${i}.`;
  return (n) => (n.startsWith(from) ? to + n.slice(from.length) : n);
}

/** The parameter specs of every block of the stack, block by block. */
export function stackParamSpecs(bg: BlockGraph): ParamSpec[] {
  return Array.from({ length: bg.count }, (_, i) => {
    const rename = blockName(bg.prefix, i);
    return bg.builder.params.map((p) => ({ ...p, name: rename(p.name) }));
  }).flat();
}

/** Feeds of block i's parameters under block 0's names. */
export function blockParamFeeds(
  bg: BlockGraph,
  i: number,
  params: ReadonlyMap<string, Float32Array>,
): Record<string, Float32Array> {
  return paramFeeds(bg.builder.params, params, blockName(bg.prefix, i));
}

/**
 * The embedding's outputs a segmented run passes on (m, z, and the extra
 * MSA's embedding a when there is one), named as {@link stackInput} reads them.
 */
export function embedOutputs(e: PreEmbedded): Record<string, Tensor> {
  const out: Record<string, Tensor> = { m: e.m, z: e.z };
  if (e.extra) out.a = e.extra.a;
  return out;
}

/**
 * A stack's MSA input and mask: the extra MSA's embedding and the
 * `extra_msa_mask` feature for the extra-MSA stack, the embedded MSA and its
 * mask (template rows included, output `trunk/msa_mask`) for the Evoformer.
 */
export function stackInput(
  bg: BlockGraph,
  embed: Readonly<Record<string, G.NdArray>>,
  features: Readonly<Record<string, TypedArray>>,
): { m: TypedArray; mask: TypedArray } {
  return bg.prefix === EXTRA_BLOCKS
    ? { m: embed["a"].data, mask: features.extra_msa_mask }
    : { m: embed["m"].data, mask: embed["trunk/msa_mask"].data };
}

/** The block's outputs as a compile map. */
export function blockOutputs(bg: BlockGraph): Record<string, Tensor> {
  return { m: bg.output.m, z: bg.output.z };
}

/** Compile the forward of a block graph. */
export function compileBlock(bg: BlockGraph, opts: G.CompileOptions = {}): Promise<G.Compiled> {
  return G.compile(blockOutputs(bg), opts);
}
