import { assert, assertEquals, assertThrows } from "../assert.ts";
import { SHARED_DATA, sharedData } from "../shared_data.ts";
import { dssp, dsspProtein, formatSs, toThreeState } from "../../analysis/dssp.ts";
import { hbondEnergy } from "../../analysis/dssp_hbond.ts";
import { parseClassicDssp } from "../../analysis/dssp_classic.ts";
import { ParseError } from "../../model/util/errors.ts";
import { backboneToProtein, readBackboneCorpus } from "../../model/features/backbone_corpus.ts";
import { readLines } from "../../model/io/text.ts";

const TSV = `${SHARED_DATA}/dssp_ref/pm3_backbone_mkdssp.tsv.gz`;
const CORPUS = `${SHARED_DATA}/backbone/pm3_backbone.jsonl.gz`;

async function mkdsspColumn(): Promise<Map<string, string>> {
  const want = new Map<string, string>();
  for await (const { line, lineNo } of readLines(TSV)) {
    if (lineNo === 1 || line === "") continue;
    const [id, , mk] = line.split("\t");
    want.set(id, mk);
  }
  return want;
}

sharedData.test("shared data: DSSP matches mkdssp 4.2.2 on the backbone-only corpus chains", async () => {
  const want = await mkdsspColumn();
  let total = 0, same = 0, chains = 0, sameByProtein = 0;
  const confusion = new Map<string, number>();
  for await (const c of readBackboneCorpus(CORPUS, { ids: new Set(want.keys()) })) {
    const got = formatSs(
      dssp({ backbone: c.backbone, isProline: [...c.seq].map((a) => a === "P") }).ss,
      "C",
    );
    const ref = want.get(c.id)!;
    assertEquals(got.length, ref.length, c.id);
    // The Protein adapter must give the same string.
    if (formatSs(dsspProtein(backboneToProtein(c)).ss, "C") === got) sameByProtein++;
    for (let i = 0; i < ref.length; i++) {
      total++;
      if (got[i] === ref[i]) same++;
      else confusion.set(`${ref[i]}>${got[i]}`, (confusion.get(`${ref[i]}>${got[i]}`) ?? 0) + 1);
    }
    chains++;
  }
  const pct = (100 * same) / total;
  console.log(
    `DSSP vs mkdssp 4.2.2 (backbone-only): ${chains} chains, ${same}/${total} residues = ` +
      `${pct.toFixed(3)} %; mismatches ref>ours: ${JSON.stringify([...confusion])}`,
  );
  assertEquals(chains, want.size, "every tsv chain found in the corpus");
  assertEquals(sameByProtein, chains, "dsspProtein agrees with dssp");
  assert(pct >= 99, `agreement ${pct} % < 99 %`);
});

sharedData.test("shared data: DSSP finds helix and strand on a real chain; 3-state reduction", async () => {
  const want = await mkdsspColumn();
  const id = [...want.keys()][0];
  for await (const c of readBackboneCorpus(CORPUS, { ids: new Set([id]) })) {
    const { ss, phi, kappa } = dssp({ backbone: c.backbone });
    assert(ss.includes("H") && ss.includes("E"), ss);
    assertEquals(phi[0], 360);
    assertEquals(kappa[0], 360);
    const three = toThreeState(ss);
    assert(/^[HEC]+$/.test(three));
    for (let i = 0; i < ss.length; i++) {
      const expect = "HGI".includes(ss[i]) ? "H" : "EB".includes(ss[i]) ? "E" : "C";
      assertEquals(three[i], expect);
    }
  }
});

Deno.test("H-bond energy: ideal linear N-H···O=C at 2.9 Å N···O is about -3 kcal/mol", () => {
  // Donor residue 0: N at origin, H 1 Å along +x; acceptor residue 1: O at 2.9 Å
  // on x, C 1.23 Å further. Hand value: 27.888*(1/2.9 + 1/3.13 - 1/1.9 - 1/4.13).
  const bb = new Float64Array(24); // N of residue 0 stays at the origin
  const o = 2.9, c = 2.9 + 1.23;
  bb[12 + 6] = c; // C of residue 1
  bb[12 + 9] = o; // O of residue 1
  const h = new Float64Array([1, 0, 0, 0, 0, 0]);
  const hand = 0.084 * 332 * (1 / 2.9 + 1 / (c - 1) - 1 / (o - 1) - 1 / c);
  const e = hbondEnergy(bb, h, 0, 1);
  assert(Math.abs(e - Math.round(hand * 1000) / 1000) < 1e-9, `${e} vs ${hand}`);
  assert(e < -2.5 && e > -3.5, String(e));
});

Deno.test("classic DSSP reader: rejects a file without a residue table", () => {
  assertThrows(() => parseClassicDssp("HEADER x\n", "x.dssp"), ParseError, "x.dssp");
});
