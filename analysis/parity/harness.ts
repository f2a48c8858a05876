/**
 * The parity harness: run one OpenFold fixture (../shared/parity format: `in/`,
 * `param/`, `out/`, `meta`) through our implementation and measure the error of
 * every output.
 *
 * Tolerance (stated once, here): an output passes when its max absolute error,
 * relative to the output's scale (max |reference|), is at most 1e-4 — or, where
 * float32 itself is noisier than that (the fixture's `fp32_vs_fp64` estimate),
 * when the absolute error is within 10× that float32 noise.
 *
 * @module
 */

import * as G from "../../model/graph/mod.ts";
import type { Tensor, TypedArray } from "../../model/graph/mod.ts";
import { fp32Noise, type ParityMeta, parityMeta, readNpz } from "../../model/io/npz.ts";
import type { NdArray } from "../../model/io/ndarray.ts";
import { ModelBuilder } from "../../model/nn/scope.ts";
import { InputError, ParseError, RunError } from "../../model/util/errors.ts";

/** Relative tolerance on max |error| / max |reference|. */
export const PARITY_RTOL = 1e-4;
/** Multiple of the fixture's own float32 noise that is also accepted. */
export const PARITY_NOISE_FACTOR = 10;

/** One loaded fixture. */
export interface ParityCase {
  /** Fixture path. */
  file: string;
  /** Its metadata (module, ctor, call, conventions, noise estimates). */
  meta: ParityMeta;
  /** Every array by key (`in/x`, `param/w`, `out/y`, ...). */
  arrays: Map<string, NdArray>;
}

/** Our outputs by fixture key (without `out/`), each optionally with a mask of entries to compare. */
export type ParityOutputs = Record<string, { data: ArrayLike<number>; valid?: ArrayLike<number> }>;

/** Computes a fixture's outputs with our implementation. */
export type Runner = (c: ParityCase) => Promise<ParityOutputs>;

/** Error of one output. */
export interface OutputError {
  key: string;
  maxAbs: number;
  scale: number;
  rel: number;
  noise?: number;
  pass: boolean;
}

/** The `in/`, `param/` or other array `key` of a case, or an error naming it. */
export function arrayOf(c: ParityCase, key: string): NdArray {
  const a = c.arrays.get(key);
  if (!a) throw new ParseError({ file: c.file }, `no array "${key}"`);
  return a;
}

/** Typed data of a numeric fixture array in the dtype a graph input wants. */
export function feedOf(a: NdArray): TypedArray {
  if (a.dtype === "unicode") throw new InputError("a fixture array of strings cannot be fed");
  return a.data as TypedArray;
}

function graphDtype(a: NdArray): G.DType {
  if (
    a.dtype === "float32" || a.dtype === "float64" || a.dtype === "int32" || a.dtype === "int64"
  ) {
    return a.dtype;
  }
  if (a.dtype === "bool" || a.dtype === "uint8") return "bool";
  throw new InputError(`a fixture array of dtype ${a.dtype} cannot be fed`);
}

/**
 * Build a module graph over the fixture's `in/` arrays (graph inputs named like
 * the fixture keys without `in/`), feed `param/` arrays by name, run, and return
 * the outputs. Every parameter the module creates must be in the fixture and
 * every fixture parameter must be used: a renamed or missing weight fails loudly.
 */
export async function runModule(
  c: ParityCase,
  build: (b: ModelBuilder, inputs: Record<string, Tensor>) => Record<string, Tensor>,
  opts: { chunkBudget?: number; paramPrefix?: string } = {},
): Promise<Record<string, { data: Float32Array; shape: number[] }>> {
  const b = new ModelBuilder({ chunkBudget: opts.chunkBudget });
  const inputs: Record<string, Tensor> = {};
  for (const [k, a] of c.arrays) {
    if (!k.startsWith("in/")) continue;
    inputs[k.slice(3)] = b.g.input(`in/${k.slice(3)}`, a.shape, graphDtype(a));
  }
  const outs = build(b, inputs);
  const prefix = opts.paramPrefix ?? "param/";
  const feeds: Record<string, TypedArray> = {};
  const fixtureParams = [...c.arrays.keys()].filter((k) => k.startsWith(prefix));
  for (const p of b.params) {
    const a = c.arrays.get(prefix + p.name);
    if (!a) throw new RunError(`${c.file}: our parameter "${p.name}" is not in the fixture`);
    if (a.shape.join() !== p.shape.join()) {
      throw new RunError(
        `${c.file}: parameter "${p.name}" is [${a.shape}] there, [${p.shape}] here`,
      );
    }
    feeds[p.name] = feedOf(a);
  }
  const used = new Set(b.params.map((p) => prefix + p.name));
  const unused = fixtureParams.filter((k) => !used.has(k));
  if (unused.length) {
    throw new RunError(`${c.file}: fixture parameters not used: ${unused.join(", ")}`);
  }
  const compiled = await G.compile(outs);
  for (const name of compiled.inputs.keys()) {
    if (name.startsWith("in/")) feeds[name] = feedOf(arrayOf(c, name));
  }
  const res = await compiled.run(feeds);
  const out: Record<string, { data: Float32Array; shape: number[] }> = {};
  for (const [k, v] of Object.entries(res)) {
    out[k] = { shape: v.shape, data: Float32Array.from(v.data as ArrayLike<number>, Number) };
  }
  return out;
}

/** Load a fixture file. */
export async function loadCase(file: string): Promise<ParityCase> {
  const arrays = await readNpz(file);
  return { file, meta: parityMeta(arrays, file), arrays };
}

/**
 * The float32 noise of an output restricted to valid entries: the fixtures name
 * these `key` or `key(condition)` in `fp32_vs_fp64_valid_only` or
 * `fp32_vs_fp64_valid_positions_only`. A masked comparison never falls back to
 * the whole-output noise (masked entries can be arbitrarily noisy).
 */
function validOnlyNoise(meta: ParityMeta, key: string): [number, number] | undefined {
  for (const table of ["fp32_vs_fp64_valid_only", "fp32_vs_fp64_valid_positions_only"]) {
    const t = (meta as Record<string, unknown>)[table] as Record<string, unknown> | undefined;
    if (!t) continue;
    for (const [k, v] of Object.entries(t)) {
      if ((k === key || k.startsWith(`${key}(`)) && Array.isArray(v)) return v as [number, number];
    }
  }
  return undefined;
}

/** Compare our outputs with every `out/` array of the fixture. */
export function compareOutputs(c: ParityCase, ours: ParityOutputs): OutputError[] {
  const errors: OutputError[] = [];
  for (const [k, ref] of c.arrays) {
    if (!k.startsWith("out/")) continue;
    const key = k.slice(4);
    const mine = ours[key];
    const r = Array.from(feedOf(ref) as ArrayLike<number>, Number);
    if (!mine) {
      errors.push({ key, maxAbs: Infinity, scale: 0, rel: Infinity, pass: false });
      continue;
    }
    if (mine.data.length !== r.length) {
      throw new RunError(
        `${c.file}: output ${key} has ${mine.data.length} values, reference ${r.length}`,
      );
    }
    let maxAbs = 0, scale = 0;
    for (let i = 0; i < r.length; i++) {
      if (mine.valid && !mine.valid[i]) continue;
      scale = Math.max(scale, Math.abs(r[i]));
      const e = Math.abs(Number(mine.data[i]) - r[i]);
      maxAbs = Math.max(maxAbs, Number.isNaN(e) ? Infinity : e);
    }
    const rel = scale > 0 ? maxAbs / scale : maxAbs;
    const noise = mine.valid ? validOnlyNoise(c.meta, key) : fp32Noise(c.meta, key);
    const pass = rel <= PARITY_RTOL ||
      (noise !== undefined && maxAbs <= PARITY_NOISE_FACTOR * noise[0]);
    errors.push({ key, maxAbs, scale, rel, noise: noise?.[0], pass });
  }
  return errors;
}
