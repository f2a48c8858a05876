/**
 * Eager convenience for analysis code and notebooks: evaluate a graph-building
 * function on plain arrays in one call.
 *
 * @module
 */

import { type DType, Graph, type Tensor, type TypedArray } from "./tensor.ts";
import { compile, type NdArray } from "./runtime.ts";

function dtypeOf(a: TypedArray): DType {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Int32Array) return "int32";
  if (a instanceof BigInt64Array) return "int64";
  return "bool";
}

/**
 * Build `fn` on fresh inputs shaped like `args`, compile (sessions are cached by
 * graph), run it and return the result.
 *
 * @example
 * ```ts
 * const y = await evaluate((x) => softmax(x), { data: new Float32Array([1, 2, 3]), shape: [3] });
 * ```
 */
export async function evaluate(
  fn: (...xs: Tensor[]) => Tensor,
  ...args: NdArray[]
): Promise<NdArray> {
  const g = new Graph();
  const xs = args.map((a, i) => g.input(`x${i}`, a.shape, dtypeOf(a.data)));
  const c = await compile({ y: fn(...xs) });
  const feeds = Object.fromEntries(args.map((a, i) => [`x${i}`, a.data]));
  return (await c.run(feeds)).y;
}
