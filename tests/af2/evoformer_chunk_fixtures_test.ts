/**
 * The Evoformer-family parity fixtures (../shared/parity, else the bundled
 * data/parity) again, this time with the graph chunked (Slice … Concat):
 * OpenFold's unchunked outputs must still be matched within the parity tolerance.
 */
import { SHARED_PARITY } from "../shared_data.ts";
import { compareOutputs, loadCase, runModule } from "../../analysis/parity/harness.ts";
import { EVOFORMER_BUILDS } from "../../analysis/parity/runners_evoformer.ts";
import { fixtureFiles } from "../../analysis/parity/run.ts";
import { assert } from "../assert.ts";

for (const file of await fixtureFiles(SHARED_PARITY)) {
  const c = await loadCase(file);
  const build = EVOFORMER_BUILDS[String(c.meta.module)];
  if (!build) continue;
  const name = file.split("/").pop()!;
  // A budget of one element chunks every op to one row; 2^12 to a few rows.
  for (const chunkBudget of [1, 1 << 12]) {
    Deno.test(`${name} chunked by a budget of ${chunkBudget} matches OpenFold`, async () => {
      const ours = await runModule(c, build(c), { chunkBudget });
      for (const e of compareOutputs(c, ours)) {
        assert(e.pass, `${e.key}: max abs ${e.maxAbs}, rel ${e.rel}`);
      }
    });
  }
}
