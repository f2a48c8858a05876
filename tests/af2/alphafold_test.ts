/**
 * The full model: parameter counts against OpenFold's, and the af2 preset
 * building, compiling and running a forward pass at N_res 64 on CPU.
 */
import { modelConfig } from "../../model/af2/config.ts";
import { alphafoldIteration, featureInputs } from "../../model/af2/alphafold.ts";
import { af2Plan } from "../../model/exec/plan.ts";
import { Executor } from "../../model/exec/executor.ts";
import { ModelBuilder } from "../../model/nn/scope.ts";
import { initParams } from "../../model/nn/init.ts";
import type { TypedArray } from "../../model/graph/mod.ts";
import { assert, assertEquals } from "../assert.ts";

function countParams(preset: string): number {
  const cfg = modelConfig(preset);
  const b = new ModelBuilder();
  const { features, prev } = featureInputs(b.g, cfg, { nRes: 8, nSeq: 2, nExtra: 2, nTempl: 1 });
  alphafoldIteration(b.scope(), cfg, features, prev);
  return b.paramCount();
}

Deno.test("parameter counts equal OpenFold's: af2 (model_1) 93,229,082 and bench-tiny 686,138", () => {
  const af2 = countParams("af2"), tiny = countParams("bench_tiny");
  console.log(
    `af2 (model_1): ${af2.toLocaleString("en")} parameters; bench-tiny: ${
      tiny.toLocaleString("en")
    }`,
  );
  assertEquals(af2, 93_229_082);
  assertEquals(tiny, 686_138);
});

Deno.test("a bad config override is rejected with the field named", () => {
  try {
    modelConfig("tiny", { evoformer: { no_blocks: -1 } });
    throw new Error("accepted");
  } catch (e) {
    assert(String(e).includes("no_blocks"), String(e));
  }
});

Deno.test("the af2 preset builds, compiles and runs a forward pass at N_res 64 on CPU", async () => {
  const cfg = modelConfig("af2");
  const m = await Executor.create(af2Plan(cfg, { nRes: 64, nSeq: 8, nExtra: 16, nTempl: 1 }));
  const params = initParams(m.params, 0);
  const feeds: Record<string, TypedArray> = {};
  for (const [name, t] of m.inputs) {
    if (name.startsWith("prev_") || params.has(name)) continue;
    const n = t.shape.reduce((a, b) => a * b, 1);
    feeds[name] = t.dtype === "int32"
      ? Int32Array.from({ length: n }, (_, i) => (name === "residue_index" ? i : i % 20))
      : new Float32Array(n).fill(name.includes("mask") ? 1 : 0.1);
  }
  const r = await m.infer(params, feeds, 0);
  assertEquals(r.final_atom_positions.shape, [64, 37, 3]);
  assert(Array.from(r.final_atom_positions.data as Float32Array).every(Number.isFinite));
  assert(Array.from(r.plddt.data as Float32Array).every((v) => v >= 0 && v <= 100));
});
