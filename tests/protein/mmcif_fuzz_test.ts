// 10,000+ seeded mutants of real mmCIF files: the reader returns a consistent Protein or
// throws ParseError, never another exception.
import { assert } from "../assert.ts";
import { parseMmcif, parseMmcifModels } from "../../model/protein/mmcif.ts";
import { readText } from "../../model/io/text.ts";
import { SHARED_DATA, sharedData } from "../shared_data.ts";
import { fuzz, mutants } from "./structure_fuzz.ts";

const FULLATOM = `${SHARED_DATA}/fullatom`;

/** The first `rows` `_atom_site` rows of a real mmCIF, with the categories before them
 * cut after `headerLines` lines (at a `#` separator). */
async function excerpt(path: string, headerLines: number, rows: number): Promise<string> {
  const lines = (await readText(path)).split("\n");
  const site = lines.findIndex((l) => l.startsWith("_atom_site.group_PDB")) - 1; // loop_
  let cut = Math.min(headerLines, site);
  while (cut < site && !lines[cut].startsWith("#")) cut++;
  const first = lines.findIndex((l, i) => i > site && /^(ATOM|HETATM)/.test(l));
  return [...lines.slice(0, cut), "#", ...lines.slice(site, first + rows), "#"].join("\n");
}

sharedData.test("shared data: 12,000 mutated mmCIF files give a Protein or a ParseError", async () => {
  const inputs = [
    // 3zee: quoted and multi-word values in its first categories; author numbering from -1
    await excerpt(`${FULLATOM}/github/aqlaboratory_openfold/3zee.cif.gz`, 60, 80),
    // 6WQA: altlocs A/B with 0.5 occupancy, label_seq_id '?'
    await excerpt(`${FULLATOM}/debian/python-biopython-doc/6WQA.cif.gz`, 0, 100),
  ];
  for (const text of inputs) parseMmcif(text, { file: "fuzz.cif" });
  const one = fuzz(
    mutants(inputs, 10_000, 6),
    (t) => parseMmcif(t, { file: "fuzz.cif" }),
    "fuzz.cif",
  );
  const all = fuzz(
    mutants(inputs, 2_000, 7),
    (t) => parseMmcifModels(t, { file: "fuzz.cif", chains: ["A"] }),
    "fuzz.cif",
  );
  console.log(
    `parseMmcif: ${one.proteins} proteins, ${one.parseErrors} ParseErrors; ` +
      `parseMmcifModels: ${all.proteins} / ${all.parseErrors}`,
  );
  assert(one.proteins > 1000 && one.parseErrors > 1000);
});
