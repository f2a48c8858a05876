/**
 * Finite-difference checking of the graph's gradients: the reference every
 * VJP rule is held to.
 *
 * @module
 */

import * as G from "../../model/graph/mod.ts";
import type { DType, Tensor, TypedArray } from "../../model/graph/mod.ts";

/** A deterministic PRNG (mulberry32) so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One operand of a checked function. */
export interface Operand {
  shape: number[];
  /** Default float (the case's dtype); ints are not differentiated. */
  dtype?: DType;
  /** Explicit values; otherwise uniform in `range`. */
  data?: number[];
  range?: [number, number];
}

/** Tolerances and dtype of a check. */
export interface CheckOptions {
  dtype?: "float32" | "float64";
  seed?: number;
  /** Absolute + relative tolerance on each gradient entry. */
  atol?: number;
  rtol?: number;
  /** Finite-difference step. */
  h?: number;
}

/** Largest error found, for the test's message. */
export interface CheckResult {
  maxAbsErr: number;
  worst: string;
  checked: number;
}

function typed(values: number[], dtype: DType): TypedArray {
  return G.toTyped(values, dtype);
}

/**
 * Compare grad() of `sum(f(xs) * r)` (r random) with central differences,
 * entry by entry, for every float operand.
 */
export async function checkGradient(
  f: (...xs: Tensor[]) => Tensor,
  operands: Operand[],
  opts: CheckOptions = {},
): Promise<CheckResult> {
  const dtype = opts.dtype ?? "float64";
  const rand = rng(opts.seed ?? 1);
  const h = opts.h ?? (dtype === "float64" ? 1e-6 : 1e-2);
  const atol = opts.atol ?? (dtype === "float64" ? 1e-7 : 2e-3);
  const rtol = opts.rtol ?? (dtype === "float64" ? 1e-5 : 2e-2);

  const g = new G.Graph();
  const values = operands.map((o) => {
    const n = o.shape.reduce((p, d) => p * d, 1);
    if (o.data) return [...o.data];
    const [lo, hi] = o.range ?? [-1, 1];
    return Array.from({ length: n }, () => lo + (hi - lo) * rand());
  });
  const dtypes = operands.map((o) => o.dtype ?? dtype);
  const xs = operands.map((o, i) => g.input(`x${i}`, o.shape, dtypes[i]));
  const y = f(...xs);
  const yf = G.cast(y, dtype);
  const r = g.input("r", y.shape, dtype);
  const loss = G.sum(G.mul(yf, r));
  const wrt = xs.filter((x) => G.isFloat(x.dtype));
  const grads = G.grad(loss, wrt);
  const outs: Record<string, Tensor> = { loss };
  grads.forEach((gr, i) => (outs[`g${i}`] = gr));
  const both = await G.compile(outs);
  const lossOnly = await G.compile({ loss });

  const rData = typed(Array.from({ length: y.size }, () => rand() * 2 - 1), dtype);
  const feeds: Record<string, TypedArray> = { r: rData };
  values.forEach((v, i) => (feeds[`x${i}`] = typed(v, dtypes[i])));
  const base = await both.run(feeds);

  let maxAbsErr = 0, worst = "", checked = 0;
  for (const [k, x] of wrt.entries()) {
    const i = xs.indexOf(x);
    const an = base[`g${k}`].data as Float64Array;
    for (let e = 0; e < values[i].length; e++) {
      const at = (delta: number) => {
        const v = [...values[i]];
        v[e] += delta;
        return lossOnly.run({ ...feeds, [`x${i}`]: typed(v, dtypes[i]) });
      };
      const plus = (await at(h)).loss.data[0] as number;
      const minus = (await at(-h)).loss.data[0] as number;
      const fd = (plus - minus) / (2 * h);
      const err = Math.abs(fd - an[e]);
      checked++;
      if (err > maxAbsErr) {
        maxAbsErr = err;
        worst = `x${i}[${e}]: grad ${an[e]} vs finite difference ${fd}`;
      }
      if (err > atol + rtol * Math.abs(fd)) {
        throw new Error(
          `gradient mismatch at x${i}[${e}]: grad ${
            an[e]
          } vs finite difference ${fd} (tolerance ${atol}+${rtol}·|fd|)`,
        );
      }
    }
  }
  return { maxAbsErr, worst, checked };
}
