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
 * undefined or covers `n`. With `remat` (training graphs) each chunk is
 * recomputed in the backward pass ({@link G.remat}): a backward graph would
 * otherwise keep every chunk's intermediates (e.g. all attention weights of
 * an extra-MSA row attention, 2 GiB at 1,024 rows × 256 residues) until their
 * VJPs, so the budget would bound only the forward.
 */
export function chunked(
  inputs: readonly Tensor[],
  axis: number,
  size: number | undefined,
  fn: (...xs: Tensor[]) => Tensor,
  remat = false,
): Tensor {
  const n = Math.max(...inputs.map((x) => x.shape[axis]));
  if (size === undefined || size >= n) return fn(...inputs);
  const parts: Tensor[] = [];
  for (let start = 0; start < n; start += size) {
    const end = Math.min(start + size, n);
    const xs = inputs.map((x) => (x.shape[axis] === n ? G.slice(x, axis, start, end) : x));
    parts.push(remat ? G.remat(xs, fn) : fn(...xs));
  }
  return G.concat(parts, axis);
}
