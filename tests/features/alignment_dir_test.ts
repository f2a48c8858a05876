import { assert, assertEquals, assertRejects, assertThrows } from "../assert.ts";
import {
  ALIGNMENT_FILES,
  type ChainAlignments,
  listAlignmentChains,
  openAlignmentDb,
  parseAlignmentDbIndex,
  readAlignmentDir,
  writeAlignmentDb,
} from "../../model/features/alignment_dir.ts";
import { ParseError } from "../../model/util/errors.ts";
import { readText } from "../../model/io/text.ts";
import { SHARED_DATA, sharedData } from "../shared_data.ts";
import { toolMissing } from "../tools.ts";
import { REPORT } from "./hhr_fixture.ts";

const OPENFOLD = `${SHARED_DATA}/msa/openfold`;

async function python(script: string, args: string[]): Promise<string> {
  const out = await new Deno.Command("/usr/bin/python3", { args: ["-c", script, ...args] })
    .output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}
const biopython = await python("import Bio", []).then(() => "", (e) => String(e).slice(0, 120));
if (biopython) {
  toolMissing(
    `the mmCIF entity sequence check: no /usr/bin/python3 with Biopython (apt-get install python3-biopython): ${biopython}`,
  );
}

/** Drops where each MSA came from, so a directory and an alignment_db compare equal. */
function withoutSources(c: ChainAlignments) {
  return {
    ...c,
    msas: c.msas.map((m) => ({ database: m.database, msa: m.msa })),
    uniprot: c.uniprot && { database: c.uniprot.database, msa: c.uniprot.msa },
  };
}

sharedData.test("shared data: every OpenFold chain directory parses, in AF2's merge order", async () => {
  const chains = await listAlignmentChains(OPENFOLD);
  assertEquals(chains.length, 9);
  let files = 0;
  for (const id of chains) {
    const c = await readAlignmentDir(OPENFOLD, id);
    const present = [...Deno.readDirSync(`${OPENFOLD}/${id}`)].map((e) =>
      e.name.replace(".gz", "")
    );
    files += present.length;
    // Main MSAs: exactly the msa-role files present, ordered uniref90, bfd, mgnify.
    const order = ["uniref90", "bfd", "mgnify"];
    assertEquals(
      c.msas.map((m) => m.database),
      order.filter((d) =>
        ALIGNMENT_FILES.some((s) =>
          s.database === d && s.role === "msa" && present.includes(s.file)
        )
      ),
      id,
    );
    assertEquals(c.uniprot !== undefined, present.includes("uniprot_hits.sto"), id);
    assertEquals(c.hmmsearchHits !== undefined, present.includes("hmm_output.sto"), id);
    for (const m of [...c.msas, ...(c.uniprot ? [c.uniprot] : [])]) {
      assertEquals(m.msa.sequences[0], c.query, `${id} ${m.source}`);
      for (const row of m.msa.sequences) assertEquals(row.length, c.query.length);
    }
  }
  console.log(`9 chains, ${files} files`);
});

sharedData.test("shared data: each query is its chain's sequence in the mmCIF (Biopython) and manifest", async () => {
  // The manifest lists the observed residues of each chain (a subsequence of the
  // full entity sequence); the mmCIF's _entity_poly holds the full sequence.
  const manifest = (await readText(`${SHARED_DATA}/fullatom/fullatom_manifest.tsv`)).split("\n")
    .map((l) => l.split("\t"));
  const cifDir = `${SHARED_DATA}/fullatom/github/aqlaboratory_openfold`;
  let checked = 0, entity = 0;
  const entitySeqs: Record<string, string> = biopython ? {} : JSON.parse(
    await python(
      `
import sys, gzip, json
from Bio.PDB.MMCIF2Dict import MMCIF2Dict
out = {}
for f in sys.argv[1:]:
    d = MMCIF2Dict(gzip.open(f, "rt"))
    ids = d["_entity_poly.pdbx_strand_id"]
    seqs = d["_entity_poly.pdbx_seq_one_letter_code_can"]
    for chains, seq in zip(ids, seqs):
        for ch in chains.split(","):
            out[f.split("/")[-1][:4] + "_" + ch] = seq.replace("\\n", "")
print(json.dumps(out))
`,
      [...Deno.readDirSync(cifDir)].map((e) => `${cifDir}/${e.name}`),
    ),
  );
  for (const id of await listAlignmentChains(OPENFOLD)) {
    const { query } = await readAlignmentDir(OPENFOLD, id);
    if (entitySeqs[id] !== undefined) {
      assertEquals(query, entitySeqs[id], id);
      entity++;
    }
    const [pdb, chain] = id.split("_");
    const row = manifest.find((r) =>
      r[0] === `fullatom/github/aqlaboratory_openfold/${pdb}.cif.gz` && r[1] === chain
    );
    if (!row) continue;
    // Observed residues appear in order in the query.
    let k = 0;
    for (const c of query) if (c === row[6][k]) k++;
    assertEquals(k, row[6].length, `${id}: manifest sequence is not a subsequence of the query`);
    checked++;
  }
  assert(checked >= 4, `${checked}`);
  if (!biopython) assertEquals(entity, 6);
  console.log(
    `${entity} queries equal the mmCIF entity sequence, ${checked} contain the manifest's`,
  );
});

sharedData.test("shared data: an alignment_db built from the directory reads back identically", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "alignment_db_" });
  try {
    const index = await writeAlignmentDb(OPENFOLD, `${tmp}/alignments.db`, `${tmp}/index.json`);
    assertEquals(Object.keys(index).sort(), await listAlignmentChains(OPENFOLD));
    // The index is OpenFold's: {chain: {db, files: [[name, start, size]]}}.
    const raw = JSON.parse(await Deno.readTextFile(`${tmp}/index.json`));
    assertEquals(raw["2crb_A"].db, "alignments.db");
    const [name, start, size] = raw["2crb_A"].files.find((f: [string]) =>
      f[0] === "uniref90_hits.sto"
    );
    assertEquals(name, "uniref90_hits.sto");
    const bytes = await Deno.readFile(`${tmp}/alignments.db`);
    assertEquals(
      new TextDecoder().decode(bytes.subarray(start, start + size)),
      await readText(`${OPENFOLD}/2crb_A/uniref90_hits.sto.gz`),
    );
    const db = await openAlignmentDb(`${tmp}/index.json`);
    for (const id of db.chains) {
      const fromDb = await db.readChain(id);
      const fromDir = await readAlignmentDir(OPENFOLD, id);
      assertEquals(withoutSources(fromDb), withoutSources(fromDir), id);
    }
    // A range past the end of the db file is refused before any read.
    raw["2crb_A"].files[0][2] = bytes.length;
    await Deno.writeTextFile(`${tmp}/bad.json`, JSON.stringify(raw));
    await assertRejects(() => openAlignmentDb(`${tmp}/bad.json`), ParseError, "beyond the end");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("alignment_db index: zod validation and bounds checks name the problem", () => {
  const ok = '{"1abc_A": {"db": "a.db", "files": [["uniref90_hits.sto", 0, 10]]}}';
  assertEquals(parseAlignmentDbIndex(ok, "i.json", new Map([["a.db", 10]]))["1abc_A"].db, "a.db");
  assertThrows(() => parseAlignmentDbIndex("{", "i.json"), ParseError, "i.json: not JSON");
  assertThrows(
    () => parseAlignmentDbIndex(ok.replace("0, 10", "-1, 10"), "i.json"),
    ParseError,
    "i.json: 1abc_A.files.0.1:",
  );
  assertThrows(
    () => parseAlignmentDbIndex(ok.replace('"a.db"', '"../a.db"'), "i.json"),
    ParseError,
    "plain file name",
  );
  assertThrows(
    () => parseAlignmentDbIndex(ok, "i.json", new Map([["a.db", 9]])),
    ParseError,
    "1abc_A/uniref90_hits.sto: bytes 0..10 beyond the end of a.db (9 bytes)",
  );
  assertThrows(
    () => parseAlignmentDbIndex(ok, "i.json", new Map()),
    ParseError,
    "db file a.db not found",
  );
});

Deno.test("alignment dir: row limits, query disagreement and duplicate files", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "alignment_dir_" });
  try {
    await Deno.mkdir(`${tmp}/x_A`);
    const sto = "# STOCKHOLM 1.0\nquery MKV-L\nh1    MKVAL\nh2    M-V-L\nh3    MRVAL\n//\n";
    await Deno.writeTextFile(`${tmp}/x_A/uniref90_hits.sto`, sto);
    await Deno.writeTextFile(`${tmp}/x_A/bfd_uniclust_hits.a3m`, ">q\nMKVL\n>b\nMkKVL\n");
    const c = await readAlignmentDir(tmp, "x_A", { maxSequences: { "uniref90_hits.sto": 2 } });
    assertEquals(c.query, "MKVL");
    assertEquals(c.msas.map((m) => m.msa.sequences), [["MKVL", "MKVL"], ["MKVL", "MKVL"]]);
    assertEquals(Array.from(c.msas[0].msa.deletions[1]), [0, 0, 0, 1]);
    await assertRejects(
      () => readAlignmentDir(tmp, "x_A", { querySequence: "MKVI" }),
      ParseError,
      "differs from the given query sequence",
    );
    await Deno.writeTextFile(`${tmp}/x_A/bfd_uniclust_hits.a3m`, ">q\nMKVA\n");
    await assertRejects(() => readAlignmentDir(tmp, "x_A"), ParseError, "bfd_uniclust_hits.a3m:");
    await Deno.writeTextFile(`${tmp}/x_A/uniref90_hits.sto.gz`, "");
    await assertRejects(() => readAlignmentDir(tmp, "x_A"), ParseError, "keep one");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

sharedData.test("shared data: pdb70_hits.hhr beside the MSAs is read and checked against the query", async () => {
  // REPORT is a real hhsearch report for 2crb_A (see hhr_fixture.ts).
  const tmp = await Deno.makeTempDir({ prefix: "alignment_hhr_" });
  try {
    await Deno.mkdir(`${tmp}/2crb_A`);
    await Deno.copyFile(
      `${OPENFOLD}/2crb_A/bfd_uniclust_hits.a3m.gz`,
      `${tmp}/2crb_A/bfd_uniclust_hits.a3m.gz`,
    );
    await Deno.writeTextFile(`${tmp}/2crb_A/pdb70_hits.hhr`, REPORT);
    const c = await readAlignmentDir(tmp, "2crb_A");
    assertEquals(c.pdb70Hits?.map((h) => h.name), ["4zey_A", "2q2k_A"]);
    // The same report with one query residue changed (E9 -> A) no longer fits.
    const wrong = REPORT.replace("Q query             8 MEGPLN", "Q query             8 MAGPLN");
    assert(wrong !== REPORT);
    await Deno.writeTextFile(`${tmp}/2crb_A/pdb70_hits.hhr`, wrong);
    await assertRejects(
      () => readAlignmentDir(tmp, "2crb_A"),
      ParseError,
      "hit 1 (4zey_A): query residue 9 is A in the report, E in the chain's sequence",
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
