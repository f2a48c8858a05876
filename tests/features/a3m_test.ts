import { assertEquals, assertThrows } from "../assert.ts";
import { parseA3m, readA3m } from "../../model/features/a3m.ts";
import { ParseError } from "../../model/util/errors.ts";
import { SHARED_DATA, sharedData } from "../shared_data.ts";
import { haveProgram, toolMissing } from "../tools.ts";

async function python(script: string, args: string[]): Promise<string> {
  const out = await new Deno.Command("/usr/bin/python3", { args: ["-c", script, ...args] })
    .output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

Deno.test("a3m: lower-case insertions count toward the next aligned column (hand-checked)", () => {
  // query has 6 columns; hit2 inserts "kl" before column 2 and "m" before column 5,
  // and a trailing insertion "xy" that AF2 drops; hit3 starts with an insertion.
  const text = ">query\nMKVLAE\n>hit2 desc\nMKklV-mAExy\n>hit3\nppM-VLAE\n";
  const msa = parseA3m(text, "t.a3m");
  assertEquals(msa.sequences, ["MKVLAE", "MKV-AE", "M-VLAE"]);
  assertEquals(msa.descriptions, ["query", "hit2 desc", "hit3"]);
  assertEquals(msa.deletions.map((d) => Array.from(d)), [
    [0, 0, 0, 0, 0, 0],
    [0, 0, 2, 0, 1, 0],
    [2, 0, 0, 0, 0, 0],
  ]);
  assertEquals(parseA3m(text, "t.a3m", { maxSequences: 2 }).sequences.length, 2);
});

Deno.test("a3m: rows of unequal aligned length are a ParseError at the row's header", () => {
  const e = assertThrows(
    () => parseA3m(">q\nMKV\n>ok\nM-V\n>bad\nMKVA\n", "u.a3m"),
    ParseError,
  );
  assertEquals(e.message, 'u.a3m:5: row "bad" has 4 aligned columns, the query has 3');
  assertThrows(() => parseA3m(">q\nMK*V\n", "s.a3m"), ParseError, "s.a3m:1:");
  assertThrows(() => parseA3m("", "e.a3m"), ParseError, "e.a3m: no sequences");
});

sharedData.test("shared data: OpenFold A3M deletion matrices match a regex recount in Python", async () => {
  if (!haveProgram("/usr/bin/python3")) {
    return toolMissing("/usr/bin/python3 is not installed (apt-get install python3)");
  }
  const files = [...Deno.readDirSync(`${SHARED_DATA}/msa/openfold`)].map((e) =>
    `${SHARED_DATA}/msa/openfold/${e.name}/bfd_uniclust_hits.a3m.gz`
  ).sort();
  assertEquals(files.length, 9);
  // Independent method: each aligned character with the run of lower-case letters
  // just before it, found by a regular expression, not a running counter.
  const ref = JSON.parse(
    await python(
      `
import sys, gzip, json, re
out = {}
for f in sys.argv[1:]:
    seqs, dels, rows = [], [], []
    for block in gzip.open(f, "rt").read().split(">")[1:]:
        rows.append("".join(block.split("\\n")[1:]))
    for r in rows:
        pairs = re.findall(r"([a-z]*)([A-Z-])", r)
        seqs.append("".join(p[1] for p in pairs))
        dels.append([len(p[0]) for p in pairs])
    out[f] = [seqs, dels]
print(json.dumps(out))
`,
      files,
    ),
  );
  let rows = 0, withDeletions = 0;
  for (const f of files) {
    const msa = await readA3m(f);
    const [seqs, dels] = ref[f] as [string[], number[][]];
    assertEquals(msa.sequences, seqs, f);
    assertEquals(msa.deletions.map((d) => Array.from(d)), dels, f);
    rows += seqs.length;
    withDeletions += dels.filter((d) => d.some((x) => x > 0)).length;
  }
  console.log(`${rows} rows agree, ${withDeletions} of them with deletions`);
  assertEquals(withDeletions > 100, true);
});

sharedData.test("shared data: Pfam aligned FASTA reads as an MSA of equal-width rows", async () => {
  const dir = `${SHARED_DATA}/msa/kortemme_pfam`;
  let files = 0, rows = 0;
  for (const e of Deno.readDirSync(dir)) {
    if (!e.name.includes(".align.")) continue;
    const msa = await readA3m(`${dir}/${e.name}`);
    const width = msa.sequences[0].length;
    assertEquals(msa.sequences.every((r) => r.length === width), true, e.name);
    files++;
    rows += msa.sequences.length;
  }
  assertEquals(files, 38);
  console.log(`${files} Pfam alignments, ${rows} rows`);
});
