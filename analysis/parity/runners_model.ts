/**
 * Parity runner for the full model (15a: tiny AlphaFold with templates and
 * extra MSA, one recycle = two passes), built from the fixture's own OpenFold
 * config. Outputs at padded residues are excluded, as the fixture's
 * conventions require.
 *
 * @module
 */

import { af2Plan, type PlanKind } from "../../model/exec/plan.ts";
import { Executor } from "../../model/exec/executor.ts";
import { fromOpenFoldModelConfig } from "../../model/af2/openfold_config.ts";
import type { NdArray } from "../../model/io/ndarray.ts";
import { arrayOf, feedOf, type ParityCase, type ParityOutputs, type Runner } from "./harness.ts";
import type { TypedArray } from "../../model/graph/mod.ts";
import { RunError } from "../../model/util/errors.ts";

/** Mask of entries whose residue axes (`axes` of `shape`) are all valid. */
function residueValid(shape: number[], axes: number[], seqMask: ArrayLike<number>): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(n);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  for (let k = 0; k < n; k++) {
    out[k] = axes.every((a) => seqMask[Math.floor(k / strides[a]) % shape[a]] > 0) ? 1 : 0;
  }
  return out;
}

/**
 * Run the full model on a fixture given its parameters (OpenFold names),
 * cut as `kind` (default: the model's own plan).
 */
export async function runFullModel(
  c: ParityCase,
  params: Map<string, Float32Array>,
  kind?: PlanKind,
): Promise<ParityOutputs> {
  const meta = c.meta as Record<string, unknown>;
  const ofConfig = (meta.ctor as { config: { model: unknown } }).config.model;
  const cfg = fromOpenFoldModelConfig(ofConfig);
  const nRes = arrayOf(c, "in/aatype").shape[0];
  const dims = {
    nRes,
    nSeq: arrayOf(c, "in/msa_feat").shape[0],
    nExtra: c.arrays.get("in/extra_msa")?.shape[0] ?? 0,
    nTempl: c.arrays.get("in/template_aatype")?.shape[0] ?? 0,
  };
  const wanted = [...c.arrays.keys()].filter((k) =>
    k.startsWith("out/") && k !== "out/num_recycles"
  );
  const names = [...new Set(wanted.map((k) => k.slice(4).replace(/^iter0\//, "")))];
  const model = await Executor.create(af2Plan(cfg, dims, { kind, outputs: names }));
  const ours = new Set(model.params.map((p) => p.name));
  const unused = [...params.keys()].filter((k) => !ours.has(k));
  if (unused.length) {
    throw new RunError(`${c.file}: fixture parameters not used: ${unused.join(", ")}`);
  }
  const feeds: Record<string, TypedArray> = {};
  for (const name of model.inputs.keys()) {
    const a = c.arrays.get(`in/${name}`);
    if (a) feeds[name] = feedOf(a);
  }
  const nRecycle = Number((meta.call as { n_recycling_iters?: number }).n_recycling_iters ?? 1) - 1;
  let first: Record<string, { data: TypedArray }> = {};
  const last = await model.infer(params, feeds, nRecycle, (i, r) => {
    if (i === 0) first = r;
  });
  const seqMask = feedOf(arrayOf(c, "in/seq_mask")) as Float32Array;
  const out: ParityOutputs = { num_recycles: { data: [nRecycle + 1] } };
  for (const k of wanted) {
    const key = k.slice(4);
    const base = key.replace(/^iter0\//, "");
    const src = key.startsWith("iter0/") ? first : last;
    const ref = arrayOf(c, k) as NdArray;
    // Residue axes: every axis of size N_res (MSA rows and layers differ in size).
    const axes = ref.shape.flatMap((d, i) => (d === nRes ? [i] : []));
    out[key] = {
      data: src[base].data as ArrayLike<number>,
      valid: residueValid(ref.shape, axes, seqMask),
    };
  }
  return out;
}

/** The fixture's `param/` arrays by OpenFold name. */
export function fixtureParams(c: ParityCase, prefix = "param/"): Map<string, Float32Array> {
  const m = new Map<string, Float32Array>();
  for (const [k, a] of c.arrays) {
    if (k.startsWith(prefix)) m.set(k.slice(prefix.length), feedOf(a) as Float32Array);
  }
  return m;
}

/** OpenFold module path → runner. */
export const MODEL_RUNNERS: Record<string, Runner> = {
  "openfold.model.model.AlphaFold": (c) => runFullModel(c, fixtureParams(c)),
};
