/**
 * Type-level helpers. Validated settings are written out twice on purpose: a
 * zod schema checks values at run time, and a plain interface with one doc
 * comment per field is what `deno doc` shows (a type inferred from a schema
 * is zod's internals to a reader). {@link Same} ties the two together so that
 * they cannot drift apart: `deno check` fails when they differ.
 *
 * @module
 */

/**
 * `true` when `A` and `B` are the same type, `false` otherwise — stricter
 * than mutual assignability: an extra optional field or a changed modifier
 * counts as a difference.
 *
 * @example
 * ```ts
 * interface Point {
 *   x: number;
 * }
 * const ok: Same<Point, { x: number }> = true;
 * const differs: Same<Point, { x: number; y?: number }> = false;
 * ```
 */
export type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2)
  ? true
  : false;
