/**
 * Checks of numeric arguments at the public API: lengths, shapes and
 * finiteness. Each throws an {@link InputError} whose one line names the
 * function, the argument and the first offending index, so a NaN coordinate
 * or a short mask is refused where it enters instead of looping forever or
 * coming out as a NaN score.
 *
 * @module
 */

import { InputError } from "./errors.ts";

/** Throw an {@link InputError} `fn: problem`. */
export function invalid(fn: string, problem: string): never {
  throw new InputError(`${fn}: ${problem}`);
}

/** `a` has exactly `n` entries. */
export function checkLength(
  fn: string,
  name: string,
  a: ArrayLike<unknown> | undefined | null,
  n: number,
  what = "values",
): void {
  if (a === undefined || a === null || typeof a.length !== "number") {
    invalid(fn, `${name} is missing`);
  }
  if (a.length !== n) invalid(fn, `${name} has ${a.length} ${what}, expected ${n}`);
}

/** `v` is a finite number (optionally an integer, at least `min`). */
export function checkNumber(
  fn: string,
  name: string,
  v: number,
  opts: { min?: number; integer?: boolean; exclusiveMin?: boolean } = {},
): void {
  if (typeof v !== "number" || !Number.isFinite(v)) invalid(fn, `${name} is ${v}, not a number`);
  if (opts.integer && !Number.isInteger(v)) invalid(fn, `${name} is ${v}, not an integer`);
  if (opts.min !== undefined && (opts.exclusiveMin ? v <= opts.min : v < opts.min)) {
    invalid(fn, `${name} is ${v}, must be ${opts.exclusiveMin ? "above" : "at least"} ${opts.min}`);
  }
}

/** Every entry of `a` is finite (or only those where `use(i)` holds). */
export function checkFinite(
  fn: string,
  name: string,
  a: ArrayLike<number>,
  use?: (i: number) => boolean,
): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      if (use && !use(i)) continue;
      invalid(fn, `${name}[${i}] is ${v}, not a finite number`);
    }
  }
}

/**
 * A flat xyz array `[N,3]` with an optional per-point `mask` `[N]`: the length
 * is a multiple of 3, the mask has one finite value per point, and every
 * coordinate of a point in use (mask > 0, or every point without a mask) is
 * finite. Returns N.
 */
export function checkPoints(
  fn: string,
  name: string,
  xyz: ArrayLike<number>,
  mask?: ArrayLike<number>,
  maskName = "mask",
): number {
  if (xyz === undefined || xyz === null || typeof xyz.length !== "number") {
    invalid(fn, `${name} is missing`);
  }
  if (xyz.length % 3 !== 0) invalid(fn, `${name} has ${xyz.length} values, not a multiple of 3`);
  const n = xyz.length / 3;
  if (mask !== undefined) {
    checkLength(fn, maskName, mask, n, "values");
    checkFinite(fn, maskName, mask);
  }
  for (let i = 0; i < n; i++) {
    if (mask !== undefined && !(mask[i] > 0)) continue;
    for (let d = 0; d < 3; d++) {
      const v = xyz[3 * i + d];
      if (typeof v !== "number" || !Number.isFinite(v)) {
        invalid(fn, `${name} has a non-finite coordinate (${v}) at point ${i}`);
      }
    }
  }
  return n;
}
