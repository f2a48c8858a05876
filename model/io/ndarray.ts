/**
 * The plain n-dimensional array that the `.npy`/`.npz` and safetensors readers
 * return and the writers take: a dtype tag, a C-order shape and a flat typed
 * array (or decoded text for numpy unicode arrays).
 *
 * @module
 */

import { InputError } from "../util/errors.ts";

/** Element types the readers and writers understand. */
export type DType = "float32" | "float64" | "int32" | "int64" | "uint8" | "bool" | "unicode";

/**
 * An n-dimensional array in C (row-major) order. The `dtype` tag narrows
 * `data`: `bool` is stored as 0/1 bytes; `unicode` (numpy `<U…`) holds one
 * string for a 0-d array and a flat `string[]` otherwise.
 */
export type NdArray =
  | { dtype: "float32"; shape: number[]; data: Float32Array }
  | { dtype: "float64"; shape: number[]; data: Float64Array }
  | { dtype: "int32"; shape: number[]; data: Int32Array }
  | { dtype: "int64"; shape: number[]; data: BigInt64Array }
  | { dtype: "uint8"; shape: number[]; data: Uint8Array }
  | { dtype: "bool"; shape: number[]; data: Uint8Array }
  | { dtype: "unicode"; shape: number[]; data: string | string[] };

/** Bytes per element of each numeric dtype. */
export const DTYPE_BYTES: Readonly<Record<Exclude<DType, "unicode">, number>> = {
  float32: 4,
  float64: 8,
  int32: 4,
  int64: 8,
  uint8: 1,
  bool: 1,
};

/**
 * Check a shape: a list of non-negative integer sizes; throws an
 * {@link InputError} `what: shape [..] ...` otherwise.
 */
export function checkShape(what: string, shape: readonly number[]): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new InputError(`${what}: shape [${shape}] is not a list of sizes (integers ≥ 0)`);
  }
}

/**
 * Number of elements of a shape (1 for a 0-d array).
 *
 * @example
 * ```ts
 * import { numel } from "denofold";
 *
 * console.log(numel([2, 3, 4]), numel([])); // 24 1
 * ```
 */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * The values of a numeric array as float32 (copied unless already float32).
 * int64 values beyond 2^53 lose precision, as they would in numpy's `astype`.
 *
 * @example
 * ```ts
 * import { asFloat32 } from "denofold";
 *
 * const a = asFloat32({ dtype: "int32", shape: [2], data: new Int32Array([1, 2]) });
 * console.log(a); // Float32Array [1, 2]
 * ```
 */
export function asFloat32(a: NdArray): Float32Array {
  switch (a.dtype) {
    case "float32":
      return a.data;
    case "int64":
      return Float32Array.from(a.data, (v) => Number(v));
    case "unicode":
      throw new TypeError("asFloat32: a unicode array has no numeric values");
    default:
      return Float32Array.from(a.data);
  }
}

/**
 * The values of a numeric array as float64 (always a new array unless already float64).
 *
 * @example
 * ```ts
 * import { asFloat64 } from "denofold";
 *
 * console.log(asFloat64({ dtype: "float32", shape: [2], data: new Float32Array([0.5, 2]) }));
 * ```
 */
export function asFloat64(a: NdArray): Float64Array {
  switch (a.dtype) {
    case "float64":
      return a.data;
    case "int64":
      return Float64Array.from(a.data, (v) => Number(v));
    case "unicode":
      throw new TypeError("asFloat64: a unicode array has no numeric values");
    default:
      return Float64Array.from(a.data);
  }
}

/**
 * The values of an integer (or boolean) array as int32; throws a RangeError if
 * a value does not fit, and a TypeError for float or unicode arrays.
 *
 * @example
 * ```ts
 * import { asInt32 } from "denofold";
 *
 * const a = asInt32({ dtype: "int64", shape: [2], data: new BigInt64Array([1n, 2n]) });
 * console.log(a); // Int32Array [1, 2]
 * ```
 */
export function asInt32(a: NdArray): Int32Array {
  switch (a.dtype) {
    case "int32":
      return a.data;
    case "int64":
      return Int32Array.from(a.data, (v) => {
        if (v > 2147483647n || v < -2147483648n) {
          throw new InputError(`asInt32: ${v} does not fit in int32`);
        }
        return Number(v);
      });
    case "uint8":
    case "bool":
      return Int32Array.from(a.data);
    default:
      throw new TypeError(`asInt32: a ${a.dtype} array is not an integer array`);
  }
}
