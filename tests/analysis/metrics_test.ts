import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../assert.ts";
import { SHARED_DATA, sharedData } from "../shared_data.ts";
import { compareStructures, pairResidues } from "../../analysis/metrics.ts";
import { formatPdb, readPdbModels } from "../../model/protein/pdb.ts";
import { readMmcifModels } from "../../model/protein/mmcif.ts";
import { backboneToProtein } from "../../model/features/backbone_corpus.ts";
import { corpusChains, runTool } from "./fixtures.ts";
import { InputError } from "../../model/util/errors.ts";

/** NMR ensembles in fullatom/: the first and the last model are a real pair with one numbering. */
const ENSEMBLES = [
  "fullatom/debian/tm-align/1ni7.pdb.gz",
  "fullatom/debian/python-mdtraj-doc/2MI7.pdb.gz",
  "fullatom/debian/theseus-examples/1adz.pdb.gz",
  "fullatom/debian/theseus-examples/1s40.pdb.gz",
  "fullatom/debian/theseus-examples/2sdf.pdb.gz",
  "fullatom/github/aqlaboratory_openfold/2crb.cif.gz",
];

sharedData.test("shared data: TM-score and GDT of NMR model pairs agree with Debian's TMscore", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const f of ENSEMBLES) {
      const path = `${SHARED_DATA}/${f}`;
      const models = f.endsWith(".cif.gz")
        ? await readMmcifModels(path)
        : await readPdbModels(path);
      const ref = models[0], model = models[models.length - 1];
      await Deno.writeTextFile(`${dir}/model.pdb`, formatPdb(model));
      await Deno.writeTextFile(`${dir}/ref.pdb`, formatPdb(ref));
      const out = await runTool("TMscore", [`${dir}/model.pdb`, `${dir}/ref.pdb`]);
      if (out === null) return;
      const num = (re: RegExp) => Number(re.exec(out)![1]);
      const c = compareStructures(model, ref);
      const want = { tm: num(/TM-score\s*=\s*([\d.]+)/), gdt: num(/GDT-TS-score=\s*([\d.]+)/) };
      console.log(
        `${f} model ${models.length} vs 1: TM ${c.tm.tmScore.toFixed(4)} vs ${want.tm}, ` +
          `GDT-TS ${c.tm.gdtTs.toFixed(4)} vs ${want.gdt}, lDDT-Cα ${c.lddtCa.toFixed(3)}`,
      );
      assertAlmostEquals(c.tm.tmScore, want.tm, 0.01, f);
      assertAlmostEquals(c.tm.gdtTs, want.gdt, 0.01, f);
      assertEquals(c.aligned, num(/Number of residues in common=\s*(\d+)/), f);
      assert(c.lddtAllAtom > 0 && c.lddtAllAtom <= 1 && c.lddtCa > 0.4, f);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("residues pair by number; a truncated model is normalised by the reference", async () => {
  const [c] = await corpusChains(1);
  const ref = backboneToProtein(c);
  const n = c.seq.length;
  // The model lacks its first 10 residues.
  const model = { ...ref, atomMask: ref.atomMask.map((v, k) => (k < 10 * 37 ? 0 : v)) };
  const pairs = pairResidues(model, ref);
  assertEquals(pairs.model.length, n - 10);
  assertEquals(pairs.model[0], 10);
  const cmp = compareStructures(model, ref);
  assertAlmostEquals(cmp.tm.tmScore, (n - 10) / n, 1e-9);
  assertAlmostEquals(cmp.rmsdCa, 0, 1e-5);
  assertAlmostEquals(cmp.lddtCa, 1, 1e-9);
  // Chain ids are ignored between single-chain structures.
  const renamed = { ...ref, chainIds: ref.chainIds.map(() => "Z") };
  assertEquals(pairResidues(renamed, ref).model.length, n);
  const shifted = { ...ref, residueIndex: ref.residueIndex.map((r) => r + 100000) };
  assertThrows(() => compareStructures(shifted, ref), InputError, "no residues in common");
});
