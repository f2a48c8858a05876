/**
 * Every parity fixture (../shared/parity, else the bundled data/parity) through
 * `deno task parity`'s code path. A fixture whose module has no runner yet is
 * reported as ignored, not passed.
 */
import { SHARED_PARITY } from "../shared_data.ts";
import { fixtureFiles, formatResult, runFixture } from "../../analysis/parity/run.ts";
import { loadCase } from "../../analysis/parity/harness.ts";
import { RUNNERS } from "../../analysis/parity/registry.ts";
import { assert } from "../assert.ts";

for (const file of await fixtureFiles(SHARED_PARITY)) {
  const c = await loadCase(file);
  const module = String(c.meta.module ?? c.meta.case);
  const name = file.split("/").pop()!;
  Deno.test({
    name: `parity ${name} (${module})`,
    ignore: !(module in RUNNERS || String(c.meta.case) in RUNNERS),
    fn: async () => {
      const r = await runFixture(file);
      console.log(formatResult(r));
      assert(r.pass, formatResult(r));
    },
  });
}
