/**
 * Chunking in graph construction (as OpenFold's `chunk_layer`): run a function
 * on slices of a batch axis and concatenate, so peak memory is set by the chunk
 * size. Results are identical to the unchunked graph.
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";

/**
 * Apply `fn` to chunks of `size` along `axis` of every input whose dimension at
 * `axis` is `n` (inputs with size 1 there are broadcast and passed whole), and
 * concatenate the results along the same axis. No chunking when `size` is
 * undefined or covers `n`.
 */
export function chunked(
  inputs: readonly Tensor[],
  axis: number,
  size: number | undefined,
  fn: (...xs: Tensor[]) => Tensor,
): Tensor {
  const n = Math.max(...inputs.map((x) => x.shape[axis]));
  if (size === undefined || size >= n) return fn(...inputs);
  const parts: Tensor[] = [];
  for (let start = 0; start < n; start += size) {
    const end = Math.min(start + size, n);
    parts.push(fn(...inputs.map((x) => (x.shape[axis] === n ? G.slice(x, axis, start, end) : x))));
  }
  return G.concat(parts, axis);
}
