/**
 * One full-size Evoformer block (c_m 256, c_z 128, AF2 model_1 settings) at
 * N_res 128, N_seq 128 (issue 8): forward, and forward + backward (the
 * gradient of a scalar with respect to every parameter and both inputs), with
 * its analytic FLOP count and achieved GFLOP/s next to the MatMul GFLOP/s of
 * the same run.
 *
 * Outputs are kept to scalars so the timing is compute, not copying arrays
 * back into JS: the forward returns Σm + Σz; the backward returns the loss
 * plus Σ‖g‖² over every gradient, so none of them can be skipped.
 *
 * @module
 */

import * as G from "../model/graph/mod.ts";
import type { Tensor, TypedArray } from "../model/graph/mod.ts";
import { AF2_MODEL_1 } from "../model/af2/config.ts";
import { evoformerBlock } from "../model/af2/evoformer.ts";
import { ModelBuilder } from "../model/nn/scope.ts";
import { initParams } from "../model/nn/init.ts";
import { Rng } from "../model/util/rng.ts";
import { bestOfWithCpu } from "./graph_bench.ts";
import { evoformerBlockFlops, graphContractionFlops } from "./flops.ts";

/** Sizes of an Evoformer block graph. */
export interface BlockDims {
  nSeq: number;
  nRes: number;
  /** Memory budget of every chunked op (undefined = unchunked). */
  chunkBudget?: number;
}

/** A built block: graph outputs, feeds and the FLOP counts. */
export interface BlockGraph {
  builder: ModelBuilder;
  m: Tensor;
  z: Tensor;
  mIn: Tensor;
  zIn: Tensor;
  feeds: Record<string, TypedArray>;
}

function uniform(n: number, rng: Rng, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rng.float() * 2 - 1) * scale;
  return out;
}

/**
 * Build one AF2 Evoformer block over random inputs with every parameter
 * random-nonzero (the "final"-zero inits would make half the block trivial).
 */
export function buildBlock(d: BlockDims): BlockGraph {
  const cfg = AF2_MODEL_1;
  const b = new ModelBuilder({ chunkBudget: d.chunkBudget });
  const mIn = b.g.input("m", [d.nSeq, d.nRes, cfg.c_m]);
  const zIn = b.g.input("z", [d.nRes, d.nRes, cfg.c_z]);
  const msaMask = b.g.input("msa_mask", [d.nSeq, d.nRes]);
  const pairMask = b.g.input("pair_mask", [d.nRes, d.nRes]);
  const { m, z } = evoformerBlock(b.scope(), { m: mIn, z: zIn }, msaMask, pairMask, cfg.evoformer);
  const rng = new Rng(5);
  const feeds: Record<string, TypedArray> = {
    m: uniform(mIn.size, rng),
    z: uniform(zIn.size, rng),
    msa_mask: new Float32Array(msaMask.size).fill(1),
    pair_mask: new Float32Array(pairMask.size).fill(1),
  };
  for (const [name, v] of initParams(b.params, 1)) {
    feeds[name] = v.some((x) => x !== 0) ? v : uniform(v.length, rng, 0.02);
  }
  return { builder: b, m, z, mIn, zIn, feeds };
}

/** Feeds restricted to a compiled graph's inputs. */
export function feedsFor(c: G.Compiled, all: Record<string, TypedArray>) {
  return Object.fromEntries([...c.inputs.keys()].map((k) => [k, all[k]]));
}

/** The forward scalar Σm + Σz (keeps the output small). */
export function forwardScalar(bg: BlockGraph): Tensor {
  return G.add(G.sum(bg.m), G.sum(bg.z));
}

/** The figures of the Evoformer section. */
export async function evoformerBench(runs = 3): Promise<Record<string, number>> {
  const nSeq = 128, nRes = 128;
  const flops = evoformerBlockFlops(nSeq, nRes, AF2_MODEL_1.c_m, AF2_MODEL_1.c_z, {
    ...AF2_MODEL_1.evoformer,
  });
  const analytic = Object.values(flops).reduce((a, b) => a + b, 0);
  const bg = buildBlock({ nSeq, nRes });
  const counted = graphContractionFlops([bg.m, bg.z]);
  console.log(
    `  evoformer block FLOPs (N_seq ${nSeq}, N_res ${nRes}): analytic ${
      (analytic / 1e9).toFixed(2)
    } GFLOP, graph MatMul/Einsum count ${(counted / 1e9).toFixed(2)} GFLOP; by module: ` +
      Object.entries(flops).map(([k, v]) => `${k} ${(v / 1e9).toFixed(2)}`).join(", "),
  );

  const fwd = await G.compile({ out: forwardScalar(bg) });
  const fFeeds = feedsFor(fwd, bg.feeds);
  await fwd.run(fFeeds);
  const f = await bestOfWithCpu(runs, () => fwd.run(fFeeds));
  await fwd.release();

  const loss = G.add(G.mean(G.mul(bg.m, bg.m)), G.mean(G.mul(bg.z, bg.z)));
  const wrt = [...bg.builder.paramTensors().values(), bg.mIn, bg.zIn];
  const grads = G.grad(loss, wrt);
  const check = grads.reduce((acc, g) => G.add(acc, G.sum(G.mul(g, g))), loss);
  const bwd = await G.compile({ out: check });
  const bFeeds = feedsFor(bwd, bg.feeds);
  await bwd.run(bFeeds);
  const b = await bestOfWithCpu(runs, () => bwd.run(bFeeds));
  await bwd.release();
  return {
    evoformer_block_fwd_s: f.wall,
    evoformer_block_fwdbwd_s: b.wall,
    evoformer_block_fwd_cpu_s: f.cpu,
    evoformer_block_fwdbwd_cpu_s: b.cpu,
    evoformer_block_gflop: analytic / 1e9,
    evoformer_gflops: analytic / f.wall / 1e9,
  };
}
