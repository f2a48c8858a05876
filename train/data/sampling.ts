/**
 * AF2's training-chain sampling weights and a deterministic, resumable sampler.
 *
 * AF2 supplement 1.2.5 (Filtering) accepts a PDB chain with probability
 * `max(min(N_res, 512), 256) / 512` (rebalancing lengths) times `1 / cluster size`
 * (rebalancing redundancy; AF2 used 40 % identity clusters, we use `clu30`).
 * OpenFold implements the same product in `get_stochastic_train_filter_prob`
 * and applies it by rejection. Sampling with replacement in proportion to these
 * weights is the same distribution; we draw with an alias table (Vose), one
 * independent stream per sample position, so sample `k` of a seed is the same
 * whether the run started at 0 or resumed at `k`.
 *
 * @module
 */

import { Rng } from "../../model/util/rng.ts";
import { RunError } from "../../model/util/errors.ts";

/** AF2 supplement 1.2.5 length factor: max(min(L, 512), 256) / 512, in [0.5, 1]. */
export function lengthFactor(length: number): number {
  return Math.max(Math.min(length, 512), 256) / 512;
}

/**
 * Sampling weight of each chain: `lengthFactor(L) / clusterSize`, cluster sizes
 * counted over the chains given (one split), unless a chain carries its own
 * `clusterSize` (OpenFold's `cluster_size` from a cluster file: every member
 * the file lists, present in the data or not).
 */
export function af2SampleWeights(
  chains: readonly { length: number; cluster: string; clusterSize?: number }[],
): Float64Array {
  const size = new Map<string, number>();
  for (const c of chains) size.set(c.cluster, (size.get(c.cluster) ?? 0) + 1);
  return Float64Array.from(
    chains,
    (c) => lengthFactor(c.length) / (c.clusterSize ?? size.get(c.cluster)!),
  );
}

/** Vose alias table for O(1) draws from a discrete distribution. */
export class AliasTable {
  readonly #prob: Float64Array;
  readonly #alias: Int32Array;

  /** Build from non-negative weights (at least one positive). */
  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    let total = 0;
    for (let i = 0; i < n; i++) {
      if (!(weights[i] >= 0)) {
        throw new RunError(`AliasTable: weight ${i} is ${weights[i]}, not >= 0`);
      }
      total += weights[i];
    }
    if (!(total > 0)) {
      throw new RunError(`AliasTable: none of the ${n} weights is positive`);
    }
    this.#prob = new Float64Array(n);
    this.#alias = new Int32Array(n);
    const scaled = Float64Array.from({ length: n }, (_, i) => weights[i] * n / total);
    const small: number[] = [], large: number[] = [];
    scaled.forEach((p, i) => (p < 1 ? small : large).push(i));
    while (small.length && large.length) {
      const s = small.pop()!, l = large.pop()!;
      this.#prob[s] = scaled[s];
      this.#alias[s] = l;
      scaled[l] += scaled[s] - 1;
      (scaled[l] < 1 ? small : large).push(l);
    }
    for (const i of [...small, ...large]) this.#prob[i] = 1;
  }

  /** Number of outcomes. */
  get size(): number {
    return this.#prob.length;
  }

  /** One draw. */
  draw(rng: Rng): number {
    const i = rng.int(this.#prob.length);
    return rng.float() < this.#prob[i] ? i : this.#alias[i];
  }
}

/** One drawn sample: its position in the stream, the chain, and its own seed. */
export interface SampleDraw {
  /** Position in the sample stream (record it to resume). */
  position: number;
  /** Index of the chain in the list the sampler was built on. */
  index: number;
  /** Seed for this sample's feature pipeline (crop, MSA sampling, masking). */
  seed: number;
}

/**
 * The infinite weighted stream of samples for a seed. Sample `k` depends only on
 * `(seed, k)`: resume a run by starting at the recorded position.
 *
 * @example
 * ```ts
 * import { WeightedSampler } from "denofold";
 *
 * const sampler = new WeightedSampler([1, 1, 2], 0); // chain 2 twice as likely
 * const first = sampler.at(0), again = sampler.at(0);
 * console.log(first.index === again.index); // true: a position always draws the same
 * ```
 */
export class WeightedSampler {
  readonly #table: AliasTable;
  readonly #seed: number;

  /** A sampler over chains with the given weights. */
  constructor(weights: ArrayLike<number>, seed: number) {
    this.#table = new AliasTable(weights);
    this.#seed = seed;
  }

  /** The sample at stream position `position`. */
  at(position: number): SampleDraw {
    // State built from (seed, position) directly: distinct positions never share a stream.
    const rng = Rng.fromWords([
      this.#seed,
      position % 4294967296,
      Math.floor(position / 4294967296),
    ]);
    const index = this.#table.draw(rng);
    return { position, index, seed: rng.nextU32() };
  }

  /** Samples from `start` on (infinite). */
  *from(start = 0): Generator<SampleDraw> {
    for (let k = start;; k++) yield this.at(k);
  }
}
