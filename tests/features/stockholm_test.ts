import { assert, assertEquals, assertThrows } from "../assert.ts";
import {
  formatStockholm,
  hmmsearchTemplateHits,
  parseStockholm,
  parseStockholmAll,
  removeEmptyColumns,
  type StockholmAlignment,
  stockholmToMsa,
  truncateStockholm,
} from "../../model/features/stockholm.ts";
import { readA3m } from "../../model/features/a3m.ts";
import { ParseError } from "../../model/util/errors.ts";
import { readText } from "../../model/io/text.ts";
import { SHARED_DATA, sharedData } from "../shared_data.ts";
import { toolMissing } from "../tools.ts";

async function python(script: string, args: string[]): Promise<string> {
  const out = await new Deno.Command("/usr/bin/python3", { args: ["-c", script, ...args] })
    .output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}
const biopython = await python("import Bio", []).then(() => "", (e) => String(e).slice(0, 120));
if (biopython) {
  toolMissing(
    `Biopython cross-checks: no /usr/bin/python3 with Biopython (apt-get install python3-biopython): ${biopython}`,
  );
}

async function sha256(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// Two blocks, all annotation kinds, both gap conventions, an insert column the
// query lacks and a lower-case residue in a query column.
const TOY = `# STOCKHOLM 1.0
#=GF ID   toy
#=GF DE   hand-made
#=GS hit1 DE a hit
#=GS hit1 DE   continued

query  AC-.DE
hit1   ACkaD-
#=GR hit1 PP 99**9.
hit2   -Cr.dE
#=GC RF xx..xx

query  FG
hit1   Fg
#=GR hit1 PP 9*
hit2   F-
#=GC RF xx
//
`;

Deno.test("stockholm: multi-block parse with #=GF/#=GS/#=GR/#=GC (hand-checked)", () => {
  const aln = parseStockholm(TOY, "toy.sto");
  assertEquals(aln.names, ["query", "hit1", "hit2"]);
  assertEquals(aln.rows, ["AC-.DEFG", "ACkaD-Fg", "-Cr.dEF-"]);
  assertEquals(aln.lines, [7, 8, 10]);
  assertEquals(aln.gf.get("ID"), ["toy"]);
  assertEquals(aln.gs.get("hit1")?.get("DE"), "a hit continued");
  assertEquals(aln.gr.get("hit1")?.get("PP"), "99**9.9*");
  assertEquals(aln.gc.get("RF"), "xx..xxxx");
});

Deno.test("stockholm: AF2 query-first conversion (hand-checked)", () => {
  const msa = stockholmToMsa(parseStockholm(TOY, "toy.sto"));
  // Query columns 0,1,4,5,6,7. hit1 has two residues (k, a) in dropped columns
  // before column 4; hit2 has one (r).
  assertEquals(msa.sequences, ["ACDEFG", "ACD-FG", "-CDEF-"]);
  assertEquals(msa.deletions.map((d) => Array.from(d)), [
    [0, 0, 0, 0, 0, 0],
    [0, 0, 2, 0, 0, 0],
    [0, 0, 1, 0, 0, 0],
  ]);
  assertEquals(msa.descriptions, ["query", "hit1", "hit2"]);
  assertEquals(stockholmToMsa(parseStockholm(TOY), "x", { maxSequences: 2 }).sequences.length, 2);
});

Deno.test("stockholm: AF2's empty-column removal and truncation", () => {
  const text = "# STOCKHOLM 1.0\n#=GS b DE bee\nq  A--C\nb  A-.D\nc  --.E\n#=GC RF x..x\n//\n";
  const aln = parseStockholm(text);
  const clean = removeEmptyColumns(aln);
  assertEquals(clean.rows, ["AC", "AD", "-E"]);
  assertEquals(clean.gc.get("RF"), "xx");
  // Removing all-gap columns does not change the query-first MSA.
  assertEquals(stockholmToMsa(clean), stockholmToMsa(aln));
  const cut = truncateStockholm(aln, 1);
  assertEquals(cut.names, ["q"]);
  assertEquals(cut.gs.size, 0);
});

Deno.test("stockholm: malformed input is a ParseError with file:line", () => {
  assertThrows(() => parseStockholm("q AC\n", "h.sto"), ParseError, "h.sto:1: missing");
  const bad = "# STOCKHOLM 1.0\nq  ACD\nr  AC\n//\n";
  assertThrows(() => parseStockholm(bad, "l.sto"), ParseError, 'l.sto:3: row "r" has 2 columns');
  assertThrows(
    () => parseStockholm("# STOCKHOLM 1.0\nq ACD extra\n", "f.sto"),
    ParseError,
    "f.sto:2:",
  );
  assertThrows(() => parseStockholm("# STOCKHOLM 1.0\nq AC1\n", "c.sto"), ParseError, "c.sto:2:");
  assertThrows(
    () => parseStockholm("# STOCKHOLM 1.0\nq AC\n#=GC RF x\n//\n", "g.sto"),
    ParseError,
    "g.sto:3: #=GC RF has 1 columns",
  );
  assertThrows(() => parseStockholm("", "e.sto"), ParseError, "e.sto: no alignment");
  assertThrows(
    () => stockholmToMsa(parseStockholm("# STOCKHOLM 1.0\n//\n"), "n.sto"),
    ParseError,
    "no sequences",
  );
  assertEquals(parseStockholmAll(TOY + TOY).length, 2);
});

function stockholmFiles(): string[] {
  const files: string[] = [];
  for (const chain of Deno.readDirSync(`${SHARED_DATA}/msa/openfold`)) {
    for (const f of Deno.readDirSync(`${SHARED_DATA}/msa/openfold/${chain.name}`)) {
      if (f.name.includes(".sto")) {
        files.push(`${SHARED_DATA}/msa/openfold/${chain.name}/${f.name}`);
      }
    }
  }
  for (const f of Deno.readDirSync(`${SHARED_DATA}/msa/hmmer_tutorial`)) {
    if (f.name.includes(".sto")) files.push(`${SHARED_DATA}/msa/hmmer_tutorial/${f.name}`);
  }
  return files.sort();
}

sharedData.test("shared data: Stockholm rows and conversions agree with Biopython AlignIO", async () => {
  const files = stockholmFiles();
  assertEquals(files.length, 37);
  const ours: Record<string, string[]> = {};
  let rows = 0;
  for (const f of files) {
    const aln = parseStockholm(await readText(f), f);
    const msa = stockholmToMsa(aln, f);
    rows += aln.rows.length;
    ours[f] = [
      // Biopython turns '.' gaps into '-'.
      await sha256(aln.rows.join("\n").replaceAll(".", "-")),
      await sha256(msa.sequences.join("\n")),
      await sha256(msa.deletions.map((d) => d.join(",")).join("\n")),
    ];
  }
  console.log(`${files.length} Stockholm files, ${rows} rows`);
  if (biopython) return;
  // Independent: Biopython reads the rows; the conversion is recomputed by slicing
  // between consecutive query residue columns (not a running counter).
  const ref = JSON.parse(
    await python(
      `
import sys, gzip, json, hashlib
from Bio import AlignIO
h = lambda s: hashlib.sha256(s.encode()).hexdigest()
gap = set("-.")
out = {}
for f in sys.argv[1:]:
    aln = AlignIO.read(gzip.open(f, "rt"), "stockholm")
    rows = [str(r.seq) for r in aln]
    q = [i for i, c in enumerate(rows[0]) if c not in gap]
    seqs, dels = [], []
    for r in rows:
        seqs.append("".join("-" if r[i] in gap else r[i].upper() for i in q))
        bounds = [-1] + q
        dels.append([sum(c not in gap for c in r[bounds[k] + 1:bounds[k + 1]]) for k in range(len(q))])
    out[f] = [h("\\n".join(rows)), h("\\n".join(seqs)), h("\\n".join(",".join(map(str, d)) for d in dels))]
print(json.dumps(out))
`,
      files,
    ),
  );
  for (const f of files) assertEquals(ours[f], ref[f], f);
  assertEquals(Object.keys(ref).length, files.length);
});

sharedData.test("shared data: hmmsearch template hits map onto the template's own sequence", async () => {
  // hmm_output.sto of 2crb_A holds the 4zey_A hit; 4zey_A's full sequence is the
  // query of its own (independently computed) MSA.
  const dir = `${SHARED_DATA}/msa/openfold`;
  const query = (await readA3m(`${dir}/2crb_A/bfd_uniclust_hits.a3m.gz`)).sequences[0];
  const zey = (await readA3m(`${dir}/4zey_A/bfd_uniclust_hits.a3m.gz`)).sequences[0];
  const path = `${dir}/2crb_A/hmm_output.sto.gz`;
  const hits = hmmsearchTemplateHits(parseStockholm(await readText(path), path), query, path);
  assert(hits.length > 100);
  const self = hits.find((h) => h.name === "2crb_A")!;
  assertEquals(self.indicesHit, self.indicesQuery);
  const hit = hits.find((h) => h.name === "4zey_A")!;
  assertEquals(hit.templateStart, 2);
  let checked = 0;
  for (let c = 0; c < hit.indicesHit.length; c++) {
    const t = hit.indicesHit[c];
    if (t < 0) continue;
    assertEquals(zey[t], hit.hitSequence[c], `column ${c}`);
    checked++;
  }
  assertEquals(checked, hit.alignedCols);
  assert(checked >= 80, `${checked}`);
});

sharedData.test("shared data: formatStockholm writes what parseStockholm reads back", async () => {
  const path = `${SHARED_DATA}/msa/openfold/2crb_A/hmm_output.sto.gz`;
  for (const aln of [parseStockholm(TOY), parseStockholm(await readText(path), path)]) {
    const again = parseStockholm(formatStockholm(aln));
    // Maps as nested arrays: the test's deep equality does not look inside Maps.
    const plain = (a: StockholmAlignment) =>
      JSON.stringify(
        { ...a, lines: [] },
        (_, v) => v instanceof Map ? [...v] : v,
      );
    assertEquals(plain(again), plain(aln));
    assert(aln.gs.size > 0 && aln.gr.size > 0 && aln.gc.size > 0, "annotation round-trips too");
  }
});
