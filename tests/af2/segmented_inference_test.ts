/**
 * Segmented inference (one compiled block per stack, run once per block)
 * against the single-graph inference, whose full-model output matches
 * OpenFold (parity fixture 15a): same outputs on a real crop with a template,
 * extra MSA and one recycling iteration, with and without chunking.
 */

import { assert, assertEquals } from "../assert.ts";
import { modelConfig } from "../../model/af2/config.ts";
import { AlphaFoldInference } from "../../model/af2/recycling.ts";
import { SegmentedInference } from "../../model/af2/segmented_inference.ts";
import { initParams } from "../../model/nn/init.ts";
import { benchExample } from "../../bench/tiny_batch.ts";

function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(a[i]));
  }
  return err / (scale || 1);
}

for (const chunkBudget of [undefined, 1 << 14]) {
  Deno.test(`segmented inference == single graph (bench-tiny, 3 blocks, 1 recycle, chunkBudget ${chunkBudget ?? "none"})`, async () => {
    const cfg = modelConfig("bench_tiny", { evoformer: { no_blocks: 3 } });
    const ex = await benchExample(32, 8, 16);
    const outputs = ["final_atom_positions", "plddt", "distogram_logits"];
    const one = await AlphaFoldInference.create(cfg, ex.dims, { outputs, chunkBudget });
    const seg = await SegmentedInference.create(cfg, ex.dims, { outputs, chunkBudget });
    assertEquals(seg.params.map((p) => p.name).sort(), one.params.map((p) => p.name).sort());
    const params = initParams(one.params, 11);
    const a = await one.run(params, ex.feeds, 1);
    const b = await seg.run(params, ex.feeds, 1);
    for (const k of outputs) {
      const e = maxRelErr(a[k].data as Float32Array, b[k].data as Float32Array);
      assert(e < 1e-4, `${k}: relative error ${e}`);
    }
    assert(maxRelErr(a["next/z"].data as Float32Array, b["next/z"].data as Float32Array) < 1e-4);
    assertEquals(seg.graphs.length, 4, "embed, extra block, Evoformer block, tail");
    await seg.release();
    await one.compiled.release();
  });
}
