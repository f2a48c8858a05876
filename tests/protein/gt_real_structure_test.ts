import { groundTruthFeatures } from "../../model/protein/gt_transforms.ts";
import { readStructure } from "../../model/protein/structure_file.ts";
import {
  ATOM_ORDER,
  RESIDUE_ATOM_RENAMING_SWAPS,
  RESTYPE_3,
  RESTYPE_NAME_TO_ATOM14_NAMES,
} from "../../model/protein/residue_constants.ts";
import { assert } from "../assert.ts";
import { TEST_DATA } from "../shared_data.ts";
import { pythonWith, runPython } from "../io/python_ref.ts";

const FILE = `${TEST_DATA}/fullatom/debian/t-coffee-examples/1AE5A.pdb.gz`;

/**
 * gemmi's own backbone dihedrals, standard (IUPAC) chi dihedrals and atom
 * coordinates per residue, for residues without alternate locations.
 */
const GEMMI_TORSIONS = `
import sys, json, math, gemmi
CHI = {
 'ARG': [('N','CA','CB','CG'), ('CA','CB','CG','CD'), ('CB','CG','CD','NE'), ('CG','CD','NE','CZ')],
 'ASN': [('N','CA','CB','CG'), ('CA','CB','CG','OD1')], 'ASP': [('N','CA','CB','CG'), ('CA','CB','CG','OD1')],
 'CYS': [('N','CA','CB','SG')], 'GLN': [('N','CA','CB','CG'), ('CA','CB','CG','CD'), ('CB','CG','CD','OE1')],
 'GLU': [('N','CA','CB','CG'), ('CA','CB','CG','CD'), ('CB','CG','CD','OE1')],
 'HIS': [('N','CA','CB','CG'), ('CA','CB','CG','ND1')], 'ILE': [('N','CA','CB','CG1'), ('CA','CB','CG1','CD1')],
 'LEU': [('N','CA','CB','CG'), ('CA','CB','CG','CD1')],
 'LYS': [('N','CA','CB','CG'), ('CA','CB','CG','CD'), ('CB','CG','CD','CE'), ('CG','CD','CE','NZ')],
 'MET': [('N','CA','CB','CG'), ('CA','CB','CG','SD'), ('CB','CG','SD','CE')],
 'PHE': [('N','CA','CB','CG'), ('CA','CB','CG','CD1')], 'PRO': [('N','CA','CB','CG'), ('CA','CB','CG','CD')],
 'SER': [('N','CA','CB','OG')], 'THR': [('N','CA','CB','OG1')],
 'TRP': [('N','CA','CB','CG'), ('CA','CB','CG','CD1')], 'TYR': [('N','CA','CB','CG'), ('CA','CB','CG','CD1')],
 'VAL': [('N','CA','CB','CG1')]}
st = gemmi.read_structure(sys.argv[1])
st.setup_entities()
poly = st[0][sys.argv[2]].get_polymer()
nan = lambda v: None if v != v else v
out = []
for i, r in enumerate(poly):
    if any(a.altloc != '\\0' for a in r):
        continue
    prev = poly[i - 1] if i > 0 else None
    nxt = poly[i + 1] if i + 1 < len(poly) else None
    phi, psi = gemmi.calculate_phi_psi(prev, r, nxt)
    # psi only across a real peptide bond (gemmi's polymer skips over missing residues)
    if nxt is None or not r.find_atom('C', '*') or not nxt.find_atom('N', '*') or \
            r.find_atom('C', '*').pos.dist(nxt.find_atom('N', '*').pos) > 2.0:
        psi = float('nan')
    omega = gemmi.calculate_omega(prev, r) if prev is not None else float('nan')
    atoms = {a.name: [a.pos.x, a.pos.y, a.pos.z] for a in r}
    chis = []
    for quad in CHI.get(r.name, []):
        if all(n in atoms for n in quad):
            p = [r[n][0].pos for n in quad]
            chis.append(gemmi.calculate_dihedral(*p))
        else:
            chis.append(None)
    out.append({'id': str(r.seqid.num) + r.seqid.icode.strip(), 'prev': None if prev is None else str(prev.seqid.num) + prev.seqid.icode.strip(),
                'omega': nan(omega), 'phi': nan(phi), 'psi': nan(psi), 'chi': chis, 'atoms': atoms})
print(json.dumps(out))
`;

interface GemmiResidue {
  id: string;
  prev: string | null;
  omega: number | null;
  phi: number | null;
  psi: number | null;
  chi: (number | null)[];
  atoms: Record<string, number[]>;
}

/** Smallest absolute difference of two angles (radians). */
function angleDiff(a: number, b: number): number {
  const d = Math.abs(a - b) % (2 * Math.PI);
  return Math.min(d, 2 * Math.PI - d);
}

Deno.test("torsions and atom14 of a real chain agree with gemmi", async () => {
  const exe = pythonWith(["gemmi"]);
  if (!exe) return;
  const ref = JSON.parse(await runPython(exe, GEMMI_TORSIONS, [FILE, "A"])) as GemmiResidue[];
  const p = await readStructure(FILE, { chains: ["A"] });
  const n = p.aatype.length;
  const gt = groundTruthFeatures(p.aatype, p.atomPositions, p.atomMask);
  const ids = Array.from(p.residueIndex, (r, i) => `${r}${p.insertionCodes?.[i] ?? ""}`);
  const byId = new Map(ids.map((id, i) => [id, i]));
  const sc = gt.torsion_angles_sin_cos.data, mask = gt.torsion_angles_mask.data;
  const ours = (i: number, t: number) => Math.atan2(sc[(i * 7 + t) * 2], sc[(i * 7 + t) * 2 + 1]);
  let exact = 0, psiCount = 0, psiWorst = 0, atoms = 0, worstExact = 0;
  for (const r of ref) {
    const i = byId.get(r.id);
    if (i === undefined) continue;
    const samePrev = i > 0 && r.prev === ids[i - 1];
    const checks: [number, number | null][] = [
      [3, r.chi[0]],
      [4, r.chi[1] ?? null],
      [5, r.chi[2] ?? null],
      [6, r.chi[3] ?? null],
    ];
    if (samePrev) checks.push([0, r.omega], [1, r.phi]);
    for (const [t, theirs] of checks) {
      if (theirs === null || theirs === undefined) continue;
      assert(mask[i * 7 + t] === 1, `${r.id} torsion ${t} should be valid`);
      const d = angleDiff(ours(i, t), theirs);
      worstExact = Math.max(worstExact, d);
      assert(d < 1e-4, `${r.id} torsion ${t}: ours ${ours(i, t)} gemmi ${theirs}`);
      exact++;
    }
    // AF2's psi is measured to O and turned by pi; gemmi's to the next N. They
    // differ by the peptide's deviation from planarity (a few degrees).
    if (r.psi !== null && mask[i * 7 + 2] === 1) {
      const d = angleDiff(ours(i, 2), r.psi);
      psiWorst = Math.max(psiWorst, d);
      assert(d < (15 / 180) * Math.PI, `${r.id} psi: ours ${ours(i, 2)} gemmi ${r.psi}`);
      psiCount++;
    }
    // atom14 slots hold exactly the named atoms gemmi read.
    const names = RESTYPE_NAME_TO_ATOM14_NAMES[RESTYPE_3[p.aatype[i]]];
    names.forEach((name, s) => {
      if (!name || !r.atoms[name]) return;
      assert(gt.atom14_gt_exists.data[i * 14 + s] === 1, `${r.id} ${name} exists`);
      for (let c = 0; c < 3; c++) {
        const d = Math.abs(gt.atom14_gt_positions.data[(i * 14 + s) * 3 + c] - r.atoms[name][c]);
        assert(d < 1e-4, `${r.id} ${name} coordinate ${c}`);
      }
      atoms++;
    });
  }
  console.log(
    `${n} residues: ${exact} omega/phi/chi within ${worstExact.toExponential(1)} rad; ` +
      `${psiCount} psi within ${
        (psiWorst * 180 / Math.PI).toFixed(2)
      }°; ${atoms} atom14 positions exact`,
  );
  assert(exact > 500 && psiCount > 200 && atoms > 1500, "most of the chain was compared");
});

Deno.test("renaming symmetric atoms gives the alternative ground truth", async () => {
  const p = await readStructure(FILE, { chains: ["A"] });
  const n = p.aatype.length;
  const gt = groundTruthFeatures(p.aatype, p.atomPositions, p.atomMask);
  // Swap OD1/OD2, OE1/OE2, CD1/CD2 + CE1/CE2 in ASP, GLU, PHE, TYR.
  const swapped = Float32Array.from(p.atomPositions);
  let flipped = 0;
  for (let i = 0; i < n; i++) {
    const swaps = RESIDUE_ATOM_RENAMING_SWAPS[RESTYPE_3[p.aatype[i]]];
    if (!swaps) continue;
    flipped++;
    for (const [a, b] of Object.entries(swaps)) {
      for (let c = 0; c < 3; c++) {
        const ia = (i * 37 + ATOM_ORDER[a]) * 3 + c, ib = (i * 37 + ATOM_ORDER[b]) * 3 + c;
        [swapped[ia], swapped[ib]] = [p.atomPositions[ib], p.atomPositions[ia]];
      }
    }
  }
  const alt = groundTruthFeatures(p.aatype, swapped, p.atomMask);
  // Exact: the alternative atom14 ground truth is the renamed structure's.
  for (let k = 0; k < n * 42; k++) {
    assert(alt.atom14_gt_positions.data[k] === gt.atom14_alt_gt_positions.data[k], `atom14 ${k}`);
  }
  // Approximate: the pi-periodic chi of the renamed structure is the alternative chi
  // (the two symmetric atoms are not exactly 180° apart about the axis).
  const diffs: number[] = [];
  const s = gt.alt_torsion_angles_sin_cos.data, t = alt.torsion_angles_sin_cos.data;
  for (let k = 0; k < n * 7; k++) {
    if (!gt.torsion_angles_mask.data[k]) continue;
    const d = angleDiff(Math.atan2(s[2 * k], s[2 * k + 1]), Math.atan2(t[2 * k], t[2 * k + 1]));
    diffs.push((d * 180) / Math.PI);
  }
  diffs.sort((a, b) => a - b);
  const changed = diffs.filter((d) => d > 1e-4);
  const median = changed[changed.length >> 1], worst = diffs[diffs.length - 1];
  console.log(
    `${flipped} symmetric side chains renamed; ${diffs.length} torsions, ${changed.length} differ: ` +
      `median ${median.toFixed(2)}°, worst ${worst.toFixed(2)}°`,
  );
  // Crystal structures refine the two symmetric atoms independently: a few degrees off 180°.
  assert(flipped > 10 && changed.length === flipped && median < 5 && worst < 20, "alt torsions");
});
