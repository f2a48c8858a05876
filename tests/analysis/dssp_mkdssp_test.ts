import { assert } from "../assert.ts";
import { SHARED_DATA, sharedData } from "../shared_data.ts";
import { dssp, dsspProtein } from "../../analysis/dssp.ts";
import { parseClassicDssp } from "../../analysis/dssp_classic.ts";
import { formatPdb, readPdb } from "../../model/protein/pdb.ts";
import { backbonePdb, corpusChains, runTool } from "./fixtures.ts";

sharedData.test("shared data: DSSP agrees with mkdssp run here on further real chains", async () => {
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

sharedData.test("shared data: DSSP agrees with mkdssp run here on full-atom PDB files from Debian packages", async () => {
  // Every 12th single-model PDB file of the Debian part of fullatom/ (deterministic, varied).
  const manifest = (await Deno.readTextFile(`${SHARED_DATA}/fullatom/fullatom_manifest.tsv`))
    .split("\n").slice(1).map((l) => l.split("\t"))
    .filter((f) =>
      f[0]?.startsWith("fullatom/debian/") && f[0].endsWith(".pdb.gz") && f[3] === "1"
    );
  const files = [...new Set(manifest.map((f) => f[0]))].filter((_, i) => i % 12 === 0);
  const dir = await Deno.makeTempDir();
  try {
    let total = 0, same = 0;
    for (const f of files) {
      const p = await readPdb(`${SHARED_DATA}/${f}`);
      // mkdssp reads what we write, so both see the same single conformation.
      await Deno.writeTextFile(`${dir}/in.pdb`, formatPdb(p));
      const ok = await runTool("mkdssp", [
        "--output-format",
        "dssp",
        `${dir}/in.pdb`,
        `${dir}/out.dssp`,
      ]);
      if (ok === null) return;
      const ref = parseClassicDssp(await Deno.readTextFile(`${dir}/out.dssp`), f);
      const ours = dsspProtein(p);
      const byKey = new Map<string, string>();
      for (let i = 0; i < p.aatype.length; i++) {
        const key = `${p.chainIds[i]}/${p.residueIndex[i]}${p.insertionCodes?.[i] ?? ""}`;
        if (ours.assigned[i]) byKey.set(key, ours.ss[i]);
      }
      assert(byKey.size === ref.length, `${f}: we assign ${byKey.size}, mkdssp ${ref.length}`);
      for (const r of ref) {
        total++;
        if (byKey.get(`${r.chain}/${r.resNum}${r.insCode}`) === r.ss) same++;
      }
    }
    const pct = (100 * same) / total;
    console.log(
      `DSSP vs mkdssp (run now) on ${files.length} full-atom files: ${same}/${total} = ${
        pct.toFixed(3)
      } %`,
    );
    assert(files.length >= 10 && pct >= 99, `agreement ${pct} % on ${files.length} files`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
