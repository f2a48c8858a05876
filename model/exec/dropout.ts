/**
 * The one dropout stream (AF2 supplement 1.11.6): every mask is a pure
 * function of (seed, step, sample, the mask's full name), so a run is
 * reproducible and resumable, and every execution plan — one graph, or one
 * graph per block fed block i's masks — draws the same masks.
 *
 * @module
 */

import { hashSeed, Rng } from "../util/rng.ts";
import type { DropoutSpec } from "../nn/scope.ts";

/** Where a training pass takes its dropout masks from. */
export interface DropoutStream {
  /**
   * The masks of `specs` (graph names), each drawn under its full name
   * `rename(spec.name)` — block i's name for a block graph built as block 0.
   */
  masks(
    specs: readonly DropoutSpec[],
    rename?: (name: string) => string,
  ): Record<string, Float32Array>;
}

/**
 * The masks of sample `sample` (its index in the whole batch, whichever
 * process computes it) of 1-based step `step` of a run seeded `seed`: each
 * value 1/(1-rate) or 0.
 */
export function dropoutStream(seed: number, step: number, sample: number): DropoutStream {
  return {
    masks(specs, rename = (n) => n) {
      const out: Record<string, Float32Array> = {};
      for (const s of specs) {
        const rng = new Rng(hashSeed("dropout", seed, step, sample, rename(s.name)));
        const n = s.shape.reduce((a, b) => a * b, 1);
        const keep = 1 / (1 - s.rate);
        const m = new Float32Array(n);
        for (let i = 0; i < n; i++) m[i] = rng.float() >= s.rate ? keep : 0;
        out[s.name] = m;
      }
      return out;
    },
  };
}
