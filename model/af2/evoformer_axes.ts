/**
 * Axis helpers of the Evoformer-family modules (MSA / pair transposes, channel-first layouts).
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";

/** Permute the last three axes of `x` by `perm` (indices 0..2 into those axes), keeping the batch axes. */
export function permuteLast3(x: Tensor, perm: readonly [number, number, number]): Tensor {
  const nb = x.rank - 3;
  return G.transpose(x, [...Array(nb).keys(), ...perm.map((p) => p + nb)]);
}

/** Swap axes `a` and `b` (negative = from the end). */
export function swapAxes(x: Tensor, a: number, b: number): Tensor {
  const r = x.rank;
  const ia = a < 0 ? a + r : a, ib = b < 0 ? b + r : b;
  const perm = [...x.shape.keys()];
  perm[ia] = ib;
  perm[ib] = ia;
  return G.transpose(x, perm);
}
