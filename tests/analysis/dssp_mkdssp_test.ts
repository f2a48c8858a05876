import { assert } from "../assert.ts";
import { dssp } from "../../analysis/dssp.ts";
import { parseClassicDssp } from "../../analysis/dssp_classic.ts";
import { backbonePdb, corpusChains, runTool } from "./fixtures.ts";

Deno.test("shared data: DSSP agrees with mkdssp run here on further real chains", async () => {
  // Chains 300.. of the corpus: not the ones whose mkdssp strings are stored in dssp_ref.
  const chains = (await corpusChains(330)).slice(300);
  const dir = await Deno.makeTempDir();
  try {
    let total = 0, same = 0;
    for (const c of chains) {
      await Deno.writeTextFile(`${dir}/in.pdb`, backbonePdb(c.backbone, c.seq));
      const ok = await runTool("mkdssp", [
        "--output-format",
        "dssp",
        `${dir}/in.pdb`,
        `${dir}/out.dssp`,
      ]);
      if (ok === null) return;
      const ref = parseClassicDssp(await Deno.readTextFile(`${dir}/out.dssp`), `${c.id}.dssp`);
      const ours = dssp({ backbone: c.backbone, isProline: [...c.seq].map((a) => a === "P") }).ss;
      assert(
        ref.length === ours.length,
        `${c.id}: mkdssp lists ${ref.length} residues, we ${ours.length}`,
      );
      ref.forEach((r, i) => {
        total++;
        if (r.ss === ours[i]) same++;
      });
    }
    const pct = (100 * same) / total;
    console.log(
      `DSSP vs mkdssp (run now) on ${chains.length} chains: ${same}/${total} = ${pct.toFixed(3)} %`,
    );
    assert(pct >= 99, `agreement ${pct} %`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
