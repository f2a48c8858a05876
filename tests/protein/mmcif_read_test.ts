// The CIF tokenizer on the CIF 1.1 syntax cases, and the mmCIF reader's policies on real
// entries (author vs label numbering, models, MSE, modified residues, errors).
import { assert, assertEquals, assertThrows } from "../assert.ts";
import {
  mmcifHeader,
  parseCif,
  parseMmcif,
  parseMmcifModels,
  readMmcif,
} from "../../model/protein/mmcif.ts";
import { ParseError } from "../../model/util/errors.ts";
import { oneLetter, RESTYPE_3 } from "../../model/protein/residue_constants.ts";
import type { Protein } from "../../model/protein/protein.ts";
import { readText } from "../../model/io/text.ts";
import { SHARED_DATA, sharedData } from "../shared_data.ts";

const OPENFOLD = `${SHARED_DATA}/fullatom/github/aqlaboratory_openfold`;
const BIOPYTHON = `${SHARED_DATA}/fullatom/debian/python-biopython-doc`;

const sequence = (p: Protein) => Array.from(p.aatype, (a) => oneLetter(RESTYPE_3[a])).join("");

Deno.test("CIF tokenizer: quotes close only before whitespace, text fields, ? and .", () => {
  const text = [
    "data_test",
    "# a comment",
    "_a.prime    'N'-acetyl'   # quote inside a single-quoted value",
    '_a.say      "say "hi"now"',
    "_a.unknown  ?",
    "_a.none     .",
    "_a.quoted   '?'",
    "_a.text",
    ";first line",
    "second; line",
    ";",
    "loop_",
    "_b.id",
    "_b.name",
    "1 'C1''",
    '2 "O5\'" 3',
    "'x y'",
    "#",
    "_c.hash a#b",
  ].join("\n");
  const [block] = parseCif(text, "t.cif");
  assertEquals(block.name, "test");
  const v = (tag: string) => block.values.get(tag);
  assertEquals(v("_a.prime"), ["N'-acetyl"]);
  assertEquals(v("_a.say"), ['say "hi"now']);
  assertEquals(v("_a.unknown"), [null]);
  assertEquals(v("_a.none"), [null]);
  assertEquals(v("_a.quoted"), ["?"]);
  assertEquals(v("_a.text"), ["first line\nsecond; line"]);
  assertEquals(v("_b.id"), ["1", "2", "3"]);
  assertEquals(v("_b.name"), ["C1'", "O5'", "x y"]);
  assertEquals(v("_c.hash"), ["a#b"]);
  assertEquals(block.lines.get("_b.name"), [15, 16, 17]);
  assertEquals(block.lines.get("_c.hash"), [19]);
});

Deno.test("CIF tokenizer: syntax errors name the line", () => {
  const cases: [string, number, string][] = [
    ["data_x\n_a.b 'open\n", 2, "unterminated quoted value"],
    ["data_x\n_a.b\n;never closed\n", 3, "unterminated ';' text field"],
    ["data_x\nloop_\n_a.b\n_a.c\n1 2 3\n", 2, "has 3 values, not a multiple"],
    ["data_x\n_a.b 1\nstray\n", 3, 'value "stray" without a tag'],
    ["data_x\n_a.b\n_a.c 1\n", 2, "_a.b has no value"],
    ["data_x\n_a.b 1\n_A.B 2\n", 3, "duplicate tag _A.B"],
    ["_a.b 1\n", 1, "before any data_ block"],
    ["data_x\nloop_\n1 2\n", 2, "loop_ without tags"],
  ];
  for (const [text, line, problem] of cases) {
    const e = assertThrows(() => parseCif(text, "bad.cif"), ParseError, problem);
    assertEquals([e.file, e.line], ["bad.cif", line], problem);
  }
});

sharedData.test("shared data: chains and numbering are the author's (auth_asym_id, auth_seq_id)", async () => {
  // 3zee: label_seq_id starts at 1, auth_seq_id at -1.
  const zee = await readMmcif(`${OPENFOLD}/3zee.cif.gz`);
  assertEquals(Array.from(zee.residueIndex.slice(0, 3)), [-1, 0, 1]);
  // 1LCD: label chains A, B, C are author chains B, C, A; A is the protein, B and C DNA.
  const lcd = await readMmcif(`${BIOPYTHON}/1LCD.cif.gz`);
  assertEquals([...new Set(lcd.chainIds)], ["A"]);
  assertEquals(lcd.aatype.length, 51);
  // 2OFG: label chain A is author chain X.
  const ofg = await readMmcif(`${BIOPYTHON}/2OFG.cif.gz`, { chains: ["X"] });
  assertEquals(ofg.aatype.length, 106);
});

sharedData.test("shared data: mmCIF models", async () => {
  const text = await readText(`${OPENFOLD}/2crb.cif.gz`);
  const all = parseMmcifModels(text);
  assertEquals(all.length, 20);
  assertEquals(parseMmcif(text), all[0]);
  assertEquals(parseMmcif(text, { model: 5 }), all[4]);
  assert(all[0].atomPositions.some((v, k) => v !== all[4].atomPositions[k]));
  assertThrows(() => parseMmcif(text, { model: 21 }), ParseError, "model 21 not found");
});

/** Rewrite the `_atom_site` rows of one author residue number with `edit` (fields split). */
function editRows(text: string, authSeq: string, edit: (f: string[]) => string[]): string {
  return text.split("\n").map((l) => {
    if (!/^(ATOM|HETATM) /.test(l)) return l;
    const f = l.trim().split(/\s+/);
    return f[16] === authSeq ? edit(f).join(" ") : l;
  }).join("\n");
}

sharedData.test("shared data: mmCIF MSE and modified residues map to their parents", async () => {
  // 3zee columns: 0 group, 2 type_symbol, 3 label_atom_id, 5 label_comp_id, 16 auth_seq_id,
  // 17 auth_comp_id, 19 auth_atom_id.
  const text = await readText(`${OPENFOLD}/3zee.cif.gz`);
  const original = parseMmcif(text);
  const m = sequence(original).indexOf("M");
  const metNumber = String(original.residueIndex[m]);
  const mse = editRows(text, metNumber, (f) => {
    const se = f[3] === "SD";
    return ["HETATM", f[1], se ? "SE" : f[2], se ? "SE" : f[3], f[4], "MSE", ...f.slice(6, 17)]
      .concat(["MSE", f[18], se ? "SE" : f[19], f[20]]);
  });
  assert(mse.includes(" SE SE . MSE "), "edit applied");
  assertEquals(parseMmcif(mse), original);
  // A phosphoserine as HETATM SEP: a ligand unless the file names its parent.
  const s = sequence(original).indexOf("S");
  const sep = editRows(text, String(original.residueIndex[s]), (f) => {
    return ["HETATM", ...f.slice(1, 5), "SEP", ...f.slice(6, 17), "SEP", ...f.slice(18)];
  });
  assertEquals(parseMmcif(sep).aatype.length, original.aatype.length - 1);
  const table = "loop_\n_pdbx_struct_mod_residue.label_comp_id\n" +
    "_pdbx_struct_mod_residue.parent_comp_id\nSEP SER\n#\n";
  const withTable = sep.replace(/loop_\s*\n_atom_site\./, (m) => table + m);
  assert(withTable.includes("SEP SER"), "table inserted");
  assertEquals(parseMmcif(withTable), original);
});

sharedData.test("shared data: bad _atom_site values throw ParseError on their line", async () => {
  const text = await readText(`${OPENFOLD}/3zee.cif.gz`);
  const lines = text.split("\n");
  const k = lines.findIndex((l) => l.startsWith("ATOM 5 "));
  const edit = (from: string, to: string) =>
    lines.map((l, i) => i === k ? l.replace(from, to) : l).join("\n");
  const cases: [string, string, string][] = [
    ["20.622", "20.6x2", '_atom_site.cartn_x "20.6x2" is not a number'],
    ["20.622", "1e999", '_atom_site.cartn_x "1e999" is not a number'],
    [" 1.00 ", " high ", '_atom_site.occupancy "high" is not a number'],
    [" -1 SER", " one SER", '_atom_site.auth_seq_id "one" is not an integer'],
  ];
  for (const [from, to, problem] of cases) {
    assert(lines[k].includes(from), `${from} in ${lines[k]}`);
    const e = assertThrows(() => parseMmcif(edit(from, to), { file: "3zee.cif" }), ParseError);
    assertEquals(e.line, k + 1, problem);
    assert(e.message.includes(problem), `${e.message} lacks ${problem}`);
  }
  assertThrows(
    () => parseMmcif(text.replace("_atom_site.Cartn_x", "_atom_site.Cartn_q")),
    ParseError,
    "missing _atom_site.cartn_x",
  );
});

Deno.test("mmCIF header: the oldest revision date, the first resolution of refine/EM/reflns, methods; 0 Å without one", () => {
  const block = (body: string) => parseCif(`data_x\n${body}\n`)[0];
  const h = mmcifHeader(block([
    "_entry.id 1ABC",
    "_exptl.method 'X-RAY DIFFRACTION'",
    "_reflns.d_resolution_high 1.50",
    "_refine.ls_d_res_high 1.80",
    "loop_",
    "_pdbx_audit_revision_history.ordinal",
    "_pdbx_audit_revision_history.revision_date",
    "1 2012-01-04",
    "2 2011-11-09",
    "3 ?",
  ].join("\n")));
  assertEquals(h, {
    id: "1ABC",
    methods: ["x-ray diffraction"],
    releaseDate: "2011-11-09",
    resolution: 1.8,
  });
  // Cryo-EM: the reconstruction's resolution; a refine value of "?" does not count.
  assertEquals(
    mmcifHeader(block("_refine.ls_d_res_high ?\n_em_3d_reconstruction.resolution 3.2")).resolution,
    3.2,
  );
  // NMR: no resolution, no revision history.
  const nmr = mmcifHeader(block("_exptl.method 'SOLUTION NMR'"));
  assertEquals(nmr, { methods: ["solution nmr"], resolution: 0 });
});
