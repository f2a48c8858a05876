/**
 * A whole inference iteration (tiny widths: embedders, templates, extra-MSA
 * stack, Evoformer, structure module, heads) built with a small chunk budget —
 * every chunked op picks its own rows, most ops run in many chunks — equals the
 * unchunked iteration.
 */
import * as G from "../../model/graph/mod.ts";
import { type BuildOptions, ModelBuilder } from "../../model/nn/scope.ts";
import { initParams } from "../../model/nn/init.ts";
import { modelConfig } from "../../model/af2/config.ts";
import { alphafoldIteration, featureInputs } from "../../model/af2/alphafold.ts";
import { rng } from "../graph/fd.ts";
import { assert } from "../assert.ts";

const DIMS = { nRes: 18, nSeq: 5, nExtra: 9, nTempl: 2 };
const cfg = modelConfig("tiny");

function build(options: BuildOptions) {
  const b = new ModelBuilder(options);
  const { features, prev } = featureInputs(b.g, cfg, DIMS);
  const out = alphafoldIteration(b.scope(), cfg, features, prev);
  return { b, outs: { z: out.next.z, m1: out.next.m1, x: out.next.x, plddt: out.plddt } };
}

function feeds(b: ModelBuilder): Record<string, G.TypedArray> {
  const r = rng(21);
  const params = initParams(b.params, 3);
  // Zero 'final'/'gating' weights would hide whole branches from the comparison.
  for (const v of params.values()) {
    if (v.every((e) => e === 0)) v.set(Float32Array.from(v, () => (r() * 2 - 1) * 0.05));
  }
  const f: Record<string, G.TypedArray> = Object.fromEntries(params);
  for (const t of b.g.tensors) {
    if (t.op !== "Input" || params.has(t.name!)) continue;
    const n = G.sizeOf(t.shape);
    if (t.dtype === "int32") {
      f[t.name!] = Int32Array.from(
        { length: n },
        (_, i) => t.name === "residue_index" ? i : Math.floor(r() * 20),
      );
    } else if (t.name!.includes("mask")) f[t.name!] = new Float32Array(n).fill(1);
    else f[t.name!] = Float32Array.from({ length: n }, () => r() * 2 - 1);
  }
  return f;
}

Deno.test("an inference iteration chunked by a small budget equals the unchunked one", async () => {
  const plain = build({}), chunked = build({ chunkBudget: 400 });
  const concats = (b: ModelBuilder) => b.g.tensors.filter((t) => t.op === "Concat").length;
  assert(concats(chunked.b) > concats(plain.b) + 50, "the budget chunks the ops");
  const f = feeds(plain.b);
  const a = await (await G.compile(plain.outs, { optimize: false })).run(f);
  const c = await (await G.compile(chunked.outs, { optimize: false })).run(f);
  for (const k of Object.keys(plain.outs)) {
    const x = a[k].data as Float32Array, y = c[k].data as Float32Array;
    let err = 0, scale = 0;
    for (let i = 0; i < x.length; i++) {
      err = Math.max(err, Math.abs(x[i] - y[i]));
      scale = Math.max(scale, Math.abs(x[i]));
    }
    console.log(`${k}: rel max diff ${(err / scale).toExponential(2)}`);
    assert(scale > 0 && err / scale < 1e-4, `${k}: rel max diff ${err / scale}`);
  }
});
