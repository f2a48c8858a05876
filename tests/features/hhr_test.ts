import { assert, assertEquals, assertThrows } from "../assert.ts";
import { parseHhr, queryToTemplateMapping } from "../../model/features/hhr.ts";
import { readA3m } from "../../model/features/a3m.ts";
import { ParseError } from "../../model/util/errors.ts";
import { SHARED_DATA, sharedData } from "../shared_data.ts";
import { REQUIRE_TOOLS } from "../tools.ts";
import { Q_2CRB, Q_4ZEY, REPORT } from "./hhr_fixture.ts";

Deno.test("hhr: summary numbers, ranges and multi-block alignments of a real report", () => {
  const r = parseHhr(REPORT, "2crb.hhr");
  assertEquals(r.queryName, "query");
  assertEquals(r.matchColumns, 97);
  assertEquals(r.hits.length, 2);
  const [a, b] = r.hits;
  assertEquals([a.index, a.name, a.probability, a.eValue, a.alignedCols, a.sumProbs], [
    1,
    "4zey_A",
    99.81,
    1.3e-28,
    82,
    78.9,
  ]);
  // The ranges agree with the report's summary table (8-89 / 2-83 (84)), which
  // the parser does not read.
  assertEquals([a.queryStart, a.queryEnd, a.templateStart, a.templateEnd, a.templateLength], [
    8,
    89,
    2,
    83,
    84,
  ]);
  assertEquals(a.query.length, 82); // 40 + 40 + 2 columns over three blocks
  assertEquals([b.index, b.name, b.eValue, b.queryStart, b.queryEnd, b.templateStart], [
    2,
    "2q2k_A",
    0.57,
    40,
    61,
    38,
  ]);
  // Every mapped residue is the residue of the real sequences at that index.
  for (const [hit, tseq] of [[a, Q_4ZEY]] as const) {
    for (let c = 0; c < hit.query.length; c++) {
      if (hit.indicesQuery[c] >= 0) assertEquals(Q_2CRB[hit.indicesQuery[c]], hit.query[c]);
      if (hit.indicesHit[c] >= 0) assertEquals(tseq[hit.indicesHit[c]], hit.hitSequence[c]);
    }
  }
  const map = queryToTemplateMapping(a);
  assertEquals(map.size, 82);
  assertEquals(map.get(7), 1); // query residue 8 (1-based) <-> template residue 2
});

Deno.test("hhr: annotation tracks are skipped and gaps get index -1 (hand-made)", () => {
  // Hand-made in the hhsearch layout: ss_pred/ss_dssp/Consensus tracks around a
  // gapped two-block alignment.
  const text = [
    "Query         toy",
    "Match_columns 9",
    "",
    "No 1",
    ">1abc_A some template; 1.5A {Homo sapiens}",
    "Probab=97.5  E-value=2e-05  Score=40.1  Aligned_cols=7  Identities=50%  Similarity=0.5  " +
    "Sum_probs=6.2  Template_Neff=3.1",
    "",
    "Q ss_pred             CHHHH",
    "Q toy              2 MK-VL    5 (9)",
    "Q Consensus        2 mk~vl    5 (9)",
    "                      || ||",
    "T Consensus       10 mkaiv   14 (40)",
    "T 1abc_A          10 MKAIV   14 (40)",
    "T ss_dssp            CHHHH",
    "T ss_pred            CHHHH",
    "Confidence           99999",
    "",
    "Q toy              6 AEGK    9 (9)",
    "T 1abc_A          15 A--K   16 (40)",
    "",
    "Done!",
  ].join("\n");
  const [h] = parseHhr(text, "toy.hhr").hits;
  assertEquals(h.query, "MK-VLAEGK");
  assertEquals(h.hitSequence, "MKAIVA--K");
  assertEquals(h.indicesQuery, [1, 2, -1, 3, 4, 5, 6, 7, 8]);
  assertEquals(h.indicesHit, [9, 10, 11, 12, 13, 14, -1, -1, 15]);
  assertEquals([h.queryStart, h.queryEnd, h.templateStart, h.templateEnd], [2, 9, 10, 16]);
  assertEquals([...queryToTemplateMapping(h)], [[1, 9], [2, 10], [3, 12], [4, 13], [5, 14], [
    8,
    15,
  ]]);
});

Deno.test("hhr: damaged reports are ParseErrors naming the line", () => {
  const lines = REPORT.split("\n");
  const at = (pattern: string) => lines.findIndex((l) => l.startsWith(pattern));
  const edit = (i: number, line: string) => lines.map((l, k) => (k === i ? line : l)).join("\n");
  const q = at("Q query             8");
  assertThrows(
    () => parseHhr(edit(q, lines[q].replace("   47 (97)", "   48 (97)")), "d.hhr"),
    ParseError,
    `d.hhr:${q + 1}: block 8-48 should hold 41 residues, it holds 40`,
  );
  const t = at("T 4zey_A            2");
  assertThrows(
    () => parseHhr(edit(t, lines[t].replace("SE   41", "S   41")), "d.hhr"),
    ParseError,
    `d.hhr:${t + 1}:`,
  );
  const p = at("Probab=99.81");
  assertThrows(
    () => parseHhr(edit(p, lines[p].replace("E-value=1.3e-28", "E-value=abc")), "d.hhr"),
    ParseError,
    `d.hhr:${p + 1}: hit summary lacks a number for E-value=`,
  );
  assertThrows(() => parseHhr(edit(t, ""), "d.hhr"), ParseError, "without its T line");
  assertThrows(
    () => parseHhr(lines.slice(0, at("No 2") + 3).join("\n"), "c.hhr"),
    ParseError,
    "hit 2 has no alignment",
  );
  assertEquals(parseHhr("Query x\nMatch_columns 3\n", "e.hhr").hits, []);
});

// ---------------------------------------------------------------------------
// Live cross-check: real hhsearch reports vs Biopython's SearchIO hhsuite2-text.

async function run(cmd: string, args: string[], cwd?: string): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd }).output();
  if (!out.success) throw new Error(`${cmd}: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}
const missing = await run("hhsearch", ["-h"]).then(() =>
  run("/usr/bin/python3", ["-c", "import Bio"])
)
  .then(() => "", (e) => String(e).split("\n")[0].slice(0, 120));
if (missing) console.log(`skipping the live hhsearch/Biopython check: ${missing}`);

sharedData.test({
  name: "shared data: hhsearch reports on Pfam families read as Biopython reads them",
  ignore: missing !== "" && !REQUIRE_TOOLS, // under DENOFOLD_REQUIRE_TOOLS=1 a missing tool fails
  async fn() {
    // A small HH-suite database of 38 Pfam families (first 100 sequences of each
    // aligned-FASTA family), searched with each of 6 families as the query.
    const dir = await Deno.makeTempDir({ prefix: "hhr_test_" });
    try {
      await Deno.mkdir(`${dir}/fas`);
      await Deno.mkdir(`${dir}/hhm`);
      const pfam = `${SHARED_DATA}/msa/kortemme_pfam`;
      const names = [...Deno.readDirSync(pfam)].map((e) => e.name).filter((n) => n.startsWith("PF"))
        .sort();
      for (const n of names) {
        const id = n.split(".")[0];
        const text = new TextDecoder().decode(
          new Uint8Array(
            await new Response(
              (await Deno.open(`${pfam}/${n}`)).readable.pipeThrough(
                new DecompressionStream("gzip"),
              ),
            ).arrayBuffer(),
          ),
        );
        const records = text.split("\n>").slice(0, 100).join("\n>");
        await Deno.writeTextFile(
          `${dir}/fas/${id}.fas`,
          records.endsWith("\n") ? records : records + "\n",
        );
        await run(
          "hhmake",
          ["-v", "0", "-M", "50", "-i", `fas/${id}.fas`, "-o", `hhm/${id}.hhm`],
          dir,
        );
      }
      for (const kind of ["a3m", "hhm", "cs219"]) {
        // hhsearch opens a cs219 index but does not use it; the A3M files stand in.
        const src = kind === "hhm" ? "hhm" : "fas";
        await run(
          "ffindex_build",
          ["-s", `db_${kind}.ffdata`, `db_${kind}.ffindex`, `${src}/`],
          dir,
        );
      }
      // Biopython's reader needs upper-case Q/T lines; PF00013's first sequence has
      // insert-state (lower-case) residues, checked separately below.
      const queries = ["PF00072", "PF00076", "PF00085", "PF00240", "PF00595", "PF00691", "PF00013"];
      const reports: string[] = [];
      for (const q of queries) {
        await run("hhsearch", [
          "-v",
          "0",
          "-cpu",
          "1",
          "-aliw",
          "50",
          "-i",
          `hhm/${q}.hhm`,
          "-d",
          "db",
          "-o",
          `${q}.hhr`,
        ], dir);
        reports.push(`${dir}/${q}.hhr`);
      }
      const ref = JSON.parse(
        await run("/usr/bin/python3", [
          "-c",
          `
import sys, json
from Bio import SearchIO
out = []
for f in sys.argv[1:]:
    q = SearchIO.read(f, "hhsuite2-text")
    out.append([[h.id, hsp.prob, hsp.evalue, hsp.query_start, hsp.query_end, hsp.hit_start,
                 hsp.hit_end, str(hsp.query.seq), str(hsp.hit.seq)] for h in q for hsp in h])
print(json.dumps(out))
`,
          ...reports.slice(0, -1),
        ]),
      );
      let hits = 0, gapped = 0;
      for (let k = 0; k < reports.length - 1; k++) {
        const ours = parseHhr(await Deno.readTextFile(reports[k]), reports[k]).hits.map((h) => [
          h.name.split(/\s/)[0],
          h.probability,
          h.eValue,
          h.queryStart - 1,
          h.queryEnd,
          h.templateStart - 1,
          h.templateEnd,
          h.query,
          h.hitSequence,
        ]);
        assertEquals(ours, ref[k], reports[k]);
        hits += ours.length;
        gapped += ours.filter((h) => `${h[7]}${h[8]}`.includes("-")).length;
      }
      console.log(`${hits} hits agree with Biopython, ${gapped} of them gapped`);
      // The lower-case query: indices point at the query's own residues.
      const first = (await Deno.readTextFile(`${dir}/fas/PF00013.fas`)).split("\n")[1];
      const q13 = first.replaceAll("-", "").replaceAll(".", "").toUpperCase();
      const r13 = parseHhr(await Deno.readTextFile(reports[reports.length - 1]), "PF00013.hhr");
      assert(r13.hits.length > 0 && r13.hits[0].query !== r13.hits[0].query.toLowerCase());
      for (const h of r13.hits) {
        h.indicesQuery.forEach((i, c) => i >= 0 && assertEquals(q13[i], h.query[c]));
      }
      assert(hits >= 30 && gapped >= 10, `${hits} hits, ${gapped} gapped`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

sharedData.test("shared data: the embedded report's templates are the OpenFold chains' sequences", async () => {
  // Guards the hard-coded sequences above against the real files.
  const dir = `${SHARED_DATA}/msa/openfold`;
  assertEquals((await readA3m(`${dir}/2crb_A/bfd_uniclust_hits.a3m.gz`)).sequences[0], Q_2CRB);
  assertEquals((await readA3m(`${dir}/4zey_A/bfd_uniclust_hits.a3m.gz`)).sequences[0], Q_4ZEY);
});
