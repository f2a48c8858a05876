/**
 * The flat layout of a model's parameters: every tensor of one kind
 * (parameters, a moment, the EMA, a gradient) in ONE buffer, in a plan's
 * parameter order. The optimizer runs on these buffers, and each segment run
 * of the executor is fed its parameters as one slice of it (a handful of
 * feeds instead of one per tensor).
 *
 * @module
 */

import { GraphError } from "../graph/mod.ts";

/**
 * One state kind (parameters, a moment, the EMA) as ONE buffer in parameter
 * order: zero-copy when the map already holds views of such a buffer (every
 * step after the first), else packed once.
 */
export function packFlat(
  specs: readonly { name: string; shape: number[] }[],
  values: ReadonlyMap<string, Float32Array>,
): Float32Array {
  const first = values.get(specs[0]?.name);
  let shared = first !== undefined && first.byteOffset === 0;
  let at = 0;
  for (const p of specs) {
    const v = values.get(p.name);
    if (!v) throw new GraphError("flat", `no values for parameter "${p.name}"`);
    const n = p.shape.reduce((a, b) => a * b, 1);
    if (v.length !== n) {
      throw new GraphError("flat", `"${p.name}" has ${v.length} values, want [${p.shape}]`);
    }
    shared &&= v.buffer === first!.buffer && v.byteOffset === at * 4;
    at += n;
  }
  if (shared && first!.buffer.byteLength === at * 4) return new Float32Array(first!.buffer, 0, at);
  const out = new Float32Array(at);
  at = 0;
  for (const p of specs) {
    const v = values.get(p.name)!;
    out.set(v, at);
    at += v.length;
  }
  return out;
}

/** Views of a flat state buffer, one per parameter (the inverse of {@link packFlat}). */
export function unpackFlat(
  specs: readonly { name: string; shape: number[] }[],
  flat: Float32Array,
): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  let at = 0;
  for (const p of specs) {
    const n = p.shape.reduce((a, b) => a * b, 1);
    out.set(p.name, flat.subarray(at, at + n));
    at += n;
  }
  return out;
}
