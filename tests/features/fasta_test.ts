import { assert, assertEquals, assertThrows } from "../assert.ts";
import { formatFasta, parseFasta, readFasta } from "../../model/features/fasta.ts";
import { ParseError } from "../../model/util/errors.ts";
import { SHARED_DATA, sharedData } from "../shared_data.ts";
import { toolMissing } from "../tools.ts";

/** Debian's python3 (with Biopython) as an independent reader, or why it is missing. */
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

Deno.test("fasta: wrapped multi-record text, blank lines, CRLF", () => {
  const text = ">sp|P69905|HBA_HUMAN Hemoglobin alpha\r\nMVLSPADKTN\r\nVKAAWGKVGA\r\n\r\n" +
    ">seq2\nHAGEY GAEAL\n>seq3 gapped\nMK-V.A\n";
  const recs = parseFasta(text, "t.fa");
  assertEquals(recs.map((r) => r.description), [
    "sp|P69905|HBA_HUMAN Hemoglobin alpha",
    "seq2",
    "seq3 gapped",
  ]);
  assertEquals(recs.map((r) => r.sequence), ["MVLSPADKTNVKAAWGKVGA", "HAGEYGAEAL", "MK-V.A"]);
  assertEquals(recs.map((r) => r.line), [1, 5, 7]);
  // Round trip through the writer with a different wrap width.
  assertEquals(
    parseFasta(formatFasta(recs, 7)).map((r) => r.sequence),
    recs.map((r) => r.sequence),
  );
});

Deno.test("fasta: errors name file and line", () => {
  const e = assertThrows(() => parseFasta(">a\nMKV\n>empty\n\n>c\nAA\n", "x.fa"), ParseError);
  assertEquals(e.message, 'x.fa:3: record "empty" has no sequence');
  assertThrows(() => parseFasta("MKV\n>a\nMK\n", "y.fa"), ParseError, "y.fa:1: sequence data");
  assertThrows(
    () => parseFasta(">a\nMK\nM1K\n", "z.fa"),
    ParseError,
    'z.fa:3: invalid character "1"',
  );
  assertThrows(() => parseFasta(">a\nMK\n>b", "w.fa"), ParseError, "w.fa:3:");
  assertEquals(parseFasta(">a\n>b\nK\n", "e.fa", { allowEmpty: true }).length, 2);
  assertEquals(parseFasta("#comment\n>a\nK\n").length, 1);
  assertEquals(parseFasta("").length, 0);
});

sharedData.test("shared data: FASTA files read as Biopython's SeqIO reads them", async () => {
  const files = [`${SHARED_DATA}/msa/hmmer_tutorial/globins45.fa.gz`];
  for (const e of Deno.readDirSync(`${SHARED_DATA}/msa/kortemme_pfam`)) {
    if (e.name.includes(".align.")) files.push(`${SHARED_DATA}/msa/kortemme_pfam/${e.name}`);
  }
  files.sort();
  assertEquals(files.length, 39);
  const ours: Record<string, [number, string]> = {};
  let total = 0;
  for (const f of files) {
    const recs = await readFasta(f);
    assert(recs.length > 0, f);
    total += recs.length;
    ours[f] = [recs.length, await sha256(recs.map((r) => r.sequence).join("\n"))];
  }
  console.log(`parsed ${total} FASTA records in ${files.length} files`);
  if (biopython) return;
  const ref = JSON.parse(
    await python(
      `
import sys, gzip, json, hashlib
from Bio import SeqIO
out = {}
for f in sys.argv[1:]:
    recs = list(SeqIO.parse(gzip.open(f, "rt"), "fasta"))
    h = hashlib.sha256("\\n".join(str(r.seq) for r in recs).encode()).hexdigest()
    out[f] = [len(recs), h]
print(json.dumps(out))
`,
      files,
    ),
  );
  assertEquals(ours, ref);
});
