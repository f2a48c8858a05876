/**
 * Fuzzing the alignment parsers: 10,000 mutated real inputs per parser (seeded, so
 * a failure reproduces). A parser may accept an input or throw ParseError; any other
 * exception fails the test and prints the seed and the input.
 */
import { assert } from "../assert.ts";
import { parseFasta } from "../../model/features/fasta.ts";
import { parseA3m } from "../../model/features/a3m.ts";
import {
  formatStockholm,
  hmmsearchTemplateHits,
  parseStockholm,
  parseStockholmAll,
  removeEmptyColumns,
  stockholmToMsa,
  truncateStockholm,
} from "../../model/features/stockholm.ts";
import { parseHhr, queryToTemplateMapping } from "../../model/features/hhr.ts";
import {
  openAlignmentDb,
  parseAlignmentDbIndex,
  writeAlignmentDb,
} from "../../model/features/alignment_dir.ts";
import { ParseError } from "../../model/util/errors.ts";
import { readText } from "../../model/io/text.ts";
import { SHARED_DATA, sharedData } from "../shared_data.ts";
import { REPORT } from "./hhr_fixture.ts";

const RUNS = 10_000;
const OPENFOLD = `${SHARED_DATA}/msa/openfold`;

/** mulberry32: a small seeded PRNG, enough to pick mutations reproducibly. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n) };
}

// Characters and lines that mean something to one of the formats.
const CHARS = [..."\n\n\r\t >#=/-.*~()0123456789%ACDEFGHIKLMNPQRSTVWYaclq\u0000\u00e9\ufffd"];
const JUNK = [
  "",
  "//",
  "# STOCKHOLM 1.0",
  "#=GF",
  "#=GS x",
  "#=GS x DE mol:protein length:9",
  "#=GR query PP ***",
  "#=GC RF xx",
  "query ACDEFGH",
  ">",
  ">x",
  "No 1",
  "No 99999999999",
  ">1abc_A junk",
  "Probab=1 E-value=1 Score=1 Aligned_cols=1 Identities=1% Similarity=1 Sum_probs=1",
  "Q query 1 ACD 3 (3)",
  "T 1abc_A 1 A-D 2 (2)",
  "Q ss_pred CCC",
  "Q query 99999999999 ACD 1 (1)",
  "Done!",
  "Match_columns 1e309",
  '{"x": {"db": "a.db", "files": [["a", 0, 1]]}}',
  "mkvLA",
  "\u0000\u0001\u0002",
];
const HUGE = ["99999999999999999999", "-1", "1e309", "NaN", "0", "4294967296", "2147483648"];

function mutate(text: string, rnd: ReturnType<typeof prng>): string {
  let s = text;
  const rounds = 1 + rnd.int(3);
  for (let r = 0; r < rounds; r++) {
    const pos = rnd.int(s.length + 1);
    switch (rnd.int(8)) {
      case 0: // truncate
        s = s.slice(0, pos);
        break;
      case 1: { // flip a few characters
        const chars = [...s];
        for (let k = 0, n = 1 + rnd.int(8); k < n && chars.length; k++) {
          chars[rnd.int(chars.length)] = rnd.int(4) === 0
            ? String.fromCharCode(rnd.int(256))
            : CHARS[rnd.int(CHARS.length)];
        }
        s = chars.join("");
        break;
      }
      case 2: { // a number becomes huge, negative or not a number
        const numbers = [...s.matchAll(/\d+/g)];
        if (numbers.length) {
          const m = numbers[rnd.int(numbers.length)];
          s = s.slice(0, m.index) + HUGE[rnd.int(HUGE.length)] + s.slice(m.index! + m[0].length);
        }
        break;
      }
      case 3: { // a junk line
        const lines = s.split("\n");
        lines.splice(rnd.int(lines.length + 1), 0, JUNK[rnd.int(JUNK.length)]);
        s = lines.join("\n");
        break;
      }
      case 4: { // drop, duplicate or swap lines
        const lines = s.split("\n");
        const i = rnd.int(lines.length), j = rnd.int(lines.length);
        const op = rnd.int(3);
        if (op === 0) lines.splice(i, 1);
        else if (op === 1) lines.splice(i, 0, lines[j]);
        else [lines[i], lines[j]] = [lines[j], lines[i]];
        s = lines.join("\n");
        break;
      }
      case 5: // delete a span
        s = s.slice(0, pos) + s.slice(pos + rnd.int(200));
        break;
      case 6: { // shift a column: delete or insert one character inside a line
        s = rnd.int(2) ? s.slice(0, pos) + s.slice(pos + 1) : s.slice(0, pos) + "-" + s.slice(pos);
        break;
      }
      default: // cut the middle out (a torn file)
        s = s.slice(0, pos) + s.slice(pos + rnd.int(s.length + 1));
    }
  }
  return s;
}

/** Runs `parse` on RUNS mutants of the seeds; only success or ParseError is allowed. */
function fuzz(name: string, seeds: string[], parse: (text: string) => void, seed: number) {
  const rnd = prng(seed);
  let failed = 0;
  for (let i = 0; i < RUNS; i++) {
    const input = mutate(seeds[rnd.int(seeds.length)], rnd);
    try {
      parse(input);
    } catch (e) {
      if (e instanceof ParseError) {
        failed++;
        continue;
      }
      throw new Error(
        `${name} mutant ${i} (seed ${seed}) threw ${(e as Error)?.stack ?? e}\n--- input ---\n` +
          input.slice(0, 2000),
      );
    }
  }
  console.log(`${name}: ${RUNS} mutants, ${failed} ParseErrors, ${RUNS - failed} accepted`);
  // Both outcomes must occur, or the mutations do not reach the parser's checks.
  assert(failed > RUNS / 20 && failed < RUNS, `${failed} of ${RUNS} rejected`);
}

sharedData.test("shared data: fuzz FASTA", async () => {
  const seeds = [
    await readText(`${SHARED_DATA}/msa/hmmer_tutorial/globins45.fa.gz`),
    (await readText(`${SHARED_DATA}/msa/kortemme_pfam/PF00013.align.80.gz`)).slice(0, 4000),
  ];
  for (const s of seeds) parseFasta(s);
  fuzz("FASTA", seeds, (t) => void parseFasta(t, "fuzz.fa"), 1);
});

sharedData.test("shared data: fuzz A3M", async () => {
  const big = await readText(`${OPENFOLD}/2crb_A/bfd_uniclust_hits.a3m.gz`);
  const seeds = [
    await readText(`${OPENFOLD}/2q2k_A/bfd_uniclust_hits.a3m.gz`),
    await readText(`${OPENFOLD}/1psm_A/bfd_uniclust_hits.a3m.gz`),
    big.split("\n").slice(0, 40).join("\n"),
  ];
  for (const s of seeds) parseA3m(s);
  fuzz("A3M", seeds, (t) => void parseA3m(t, "fuzz.a3m"), 2);
});

sharedData.test("shared data: fuzz Stockholm", async () => {
  const hmmPath = `${OPENFOLD}/1psm_A/hmm_output.sto.gz`;
  const hmm = truncateStockholm(parseStockholm(await readText(hmmPath), hmmPath), 6);
  const query =
    stockholmToMsa(parseStockholm(await readText(`${OPENFOLD}/1psm_A/uniref90_hits.sto.gz`)))
      .sequences[0];
  const seeds = [
    await readText(`${OPENFOLD}/1psm_A/uniref90_hits.sto.gz`),
    await readText(`${OPENFOLD}/5kc1_A/mgnify_hits.sto.gz`),
    await readText(`${SHARED_DATA}/msa/hmmer_tutorial/globins4.sto.gz`),
    formatStockholm(hmm),
  ];
  for (const s of seeds) parseStockholm(s);
  fuzz("Stockholm", seeds, (t) => {
    for (const aln of parseStockholmAll(t, "fuzz.sto")) {
      stockholmToMsa(aln, "fuzz.sto", { maxSequences: 3 });
      removeEmptyColumns(aln);
      hmmsearchTemplateHits(aln, query, "fuzz.sto");
    }
  }, 3);
});

Deno.test("fuzz HHR", () => {
  parseHhr(REPORT);
  fuzz("HHR", [REPORT], (t) => {
    for (const hit of parseHhr(t, "fuzz.hhr").hits) queryToTemplateMapping(hit);
  }, 4);
});

sharedData.test("shared data: fuzz alignment_db index (and reads through mutated indices)", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "fuzz_alignment_db_" });
  try {
    const chains = ["1psm_A", "2q2k_A"];
    await writeAlignmentDb(OPENFOLD, `${tmp}/a.db`, `${tmp}/index.json`, chains);
    const seed = await Deno.readTextFile(`${tmp}/index.json`);
    const sizes = new Map([["a.db", (await Deno.stat(`${tmp}/a.db`)).size]]);
    parseAlignmentDbIndex(seed, "index.json", sizes);
    const accepted: string[] = [];
    fuzz("alignment_db index", [seed, JSON.stringify(JSON.parse(seed), null, 1)], (t) => {
      parseAlignmentDbIndex(t, "fuzz.json", sizes);
      accepted.push(t);
    }, 5);
    // Indices that pass validation may still point at the wrong bytes: reading the
    // chains through them must also end in success or ParseError.
    const rnd = prng(6);
    let read = 0;
    for (let i = 0; i < 150 && accepted.length; i++) {
      await Deno.writeTextFile(`${tmp}/m.json`, accepted[rnd.int(accepted.length)]);
      try {
        const db = await openAlignmentDb(`${tmp}/m.json`);
        for (const id of db.chains.slice(0, 2)) await db.readChain(id);
        read++;
      } catch (e) {
        if (!(e instanceof ParseError)) throw e;
      }
    }
    console.log(`${read} mutated indices read without error`);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
