/**
 * The plain typed-array tensor the feature pipeline produces: a flat
 * row-major buffer and its shape (what the ONNX runtime feeds take).
 *
 * @module
 */

import { RunError } from "../util/errors.ts";

/** A dense row-major tensor: `data.length` equals the product of `shape`. */
export interface FeatureTensor<A extends Float32Array | Int32Array = Float32Array> {
  /** Flat row-major values. */
  data: A;
  /** Dimensions, outermost first. */
  shape: number[];
}

/** Number of elements of a shape. */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A zero float32 tensor of the given shape. */
export function zerosF32(shape: number[]): FeatureTensor<Float32Array> {
  return { data: new Float32Array(shapeSize(shape)), shape };
}

/** A zero int32 tensor of the given shape. */
export function zerosI32(shape: number[]): FeatureTensor<Int32Array> {
  return { data: new Int32Array(shapeSize(shape)), shape };
}

/** Wrap a buffer as a tensor, checking that its length matches the shape. */
export function tensorOf<A extends Float32Array | Int32Array>(
  data: A,
  shape: number[],
): FeatureTensor<A> {
  if (data.length !== shapeSize(shape)) {
    throw new RunError(`tensorOf: ${data.length} values do not fit shape [${shape}]`);
  }
  return { data, shape };
}
