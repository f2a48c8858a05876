/**
 * Parameter initialisation from a seed (AF2 supplement 1.11.4, OpenFold
 * `primitives.Linear` init schemes), producing one Float32Array per parameter.
 *
 * @module
 */

import { Rng } from "../util/rng.ts";
import type { Init, ParamSpec } from "./scope.ts";

function normal(rng: Rng): number {
  // Box–Muller; 1 - u keeps the log finite.
  const u = 1 - rng.float(), v = rng.float();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Standard normal truncated to [-2, 2] (by rejection), as truncated_normal. */
function truncatedNormal(rng: Rng): number {
  for (;;) {
    const x = normal(rng);
    if (Math.abs(x) <= 2) return x;
  }
}

// Std of a standard normal truncated to [-2, 2]: rescales so the variance is exact.
const TRUNC_STD = 0.87962566103423978;

function fill(init: Init, n: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  switch (init.kind) {
    case "zeros":
      return out;
    case "ones":
      return out.fill(1);
    case "constant":
      return out.fill(init.value);
    case "lecun":
    case "he": {
      const scale = (init.kind === "he" ? 2 : 1) / Math.max(1, init.fanIn);
      const std = Math.sqrt(scale) / TRUNC_STD;
      for (let i = 0; i < n; i++) out[i] = std * truncatedNormal(rng);
      return out;
    }
    case "glorot": {
      const lim = Math.sqrt(6 / (init.fanIn + init.fanOut));
      for (let i = 0; i < n; i++) out[i] = (rng.float() * 2 - 1) * lim;
      return out;
    }
    case "normal": {
      const std = 1 / Math.sqrt(Math.max(1, init.fanIn));
      for (let i = 0; i < n; i++) out[i] = std * normal(rng);
      return out;
    }
  }
}

/** Initial values for every parameter, deterministic for a seed. */
export function initParams(specs: readonly ParamSpec[], seed: number): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  const root = new Rng(seed);
  for (const p of specs) {
    // Each parameter draws from its own stream, so adding one leaves the others unchanged.
    out.set(p.name, fill(p.init, p.shape.reduce((a, b) => a * b, 1), root.fork(p.name)));
  }
  return out;
}
