// Every structure of ../shared/data/fullatom parses, and each manifest chain's sequence is
// what the reader returns for that chain.
import { assert, assertEquals } from "../assert.ts";
import { readStructure } from "../../model/protein/structure_file.ts";
import { oneLetter, RESTYPE_3 } from "../../model/protein/residue_constants.ts";
import type { Protein } from "../../model/protein/protein.ts";
import { readText } from "../../model/io/text.ts";
import { SHARED_DATA, sharedData } from "../shared_data.ts";

interface ManifestRow {
  file: string;
  chain: string;
  seq: string;
}

async function manifest(): Promise<ManifestRow[]> {
  const text = await Deno.readTextFile(`${SHARED_DATA}/fullatom/fullatom_manifest.tsv`);
  const [header, ...rows] = text.trim().split("\n").map((l) => l.split("\t"));
  const col = (name: string) => header.indexOf(name);
  return rows.map((r) => ({ file: r[col("file")], chain: r[col("chain")], seq: r[col("seq")] }));
}

function chainSequence(p: Protein, chain: string): { seq: string; residues: string[] } {
  let seq = "";
  const residues: string[] = [];
  for (let i = 0; i < p.aatype.length; i++) {
    if (p.chainIds[i] !== chain) continue;
    seq += oneLetter(RESTYPE_3[p.aatype[i]]);
    residues.push(`${p.residueIndex[i]}${p.insertionCodes![i]}`);
  }
  return { seq, residues };
}

/** Residue (number + insertion code) of the first TER record of `chain`, if any. */
function firstTer(text: string, chain: string): string | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith("TER") && line.length >= 27 && line[21] === chain) {
      return line.slice(22, 27).trim();
    }
  }
  return undefined;
}

/**
 * The manifest lists both residue types where a position holds two (microheterogeneity);
 * the reader keeps the one with the highest-occupancy altloc: PRO/SER 22 → PRO (CG 0.57),
 * LEU/ILE 25 → LEU (CG 0.57).
 */
const MICROHETEROGENEITY: Record<string, (seq: string) => string> = {
  "pdb1ejg.pdb.gz": (s) => s.replace("GTPSEALICA", "GTPEALCA"),
};

sharedData.test("shared data: every fullatom structure parses and matches the manifest sequence", async () => {
  const rows = await manifest();
  assert(rows.length > 800, `manifest has ${rows.length} rows`);
  let exact = 0, toTer = 0, micro = 0, file = "", p: Protein | undefined, text = "";
  for (const row of rows) {
    const path = `${SHARED_DATA}/${row.file}`;
    if (row.file !== file) {
      file = row.file;
      p = await readStructure(path);
      text = path.includes(".cif") ? "" : await readText(path);
    }
    const { seq, residues } = chainSequence(p!, row.chain);
    const name = row.file.split("/").pop()!;
    if (seq === row.seq) {
      exact++;
    } else if (name in MICROHETEROGENEITY) {
      assertEquals(seq, MICROHETEROGENEITY[name](row.seq), `${name} ${row.chain}`);
      micro++;
    } else {
      // The manifest stops a chain at its first TER record; the reader (like Biopython
      // and OpenFold) keeps the residues after a TER that continue the same chain.
      assert(seq.startsWith(row.seq), `${name} ${row.chain}: ${seq} vs manifest ${row.seq}`);
      assertEquals(residues[row.seq.length - 1], firstTer(text, row.chain), `${name} TER`);
      toTer++;
    }
  }
  console.log(
    `${rows.length} chains: ${exact} identical, ${toTer} identical up to the first TER, ` +
      `${micro} differing only at microheterogeneous positions`,
  );
  assert(exact > 800, `only ${exact} exact matches`);
});
