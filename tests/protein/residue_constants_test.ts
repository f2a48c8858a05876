import * as rc from "../../model/protein/residue_constants.ts";
import { readNpz } from "../../model/io/npz.ts";
import { asFloat64, type NdArray } from "../../model/io/ndarray.ts";
import { npzMetaJson } from "../../model/io/npz.ts";
import { msaToken } from "../../model/features/msa_features.ts";
import { assert, assertEquals } from "../assert.ts";
import { SHARED_PARITY } from "../shared_data.ts";

/** max |ours - theirs|, optionally relative to max(1, |theirs|). */
function maxDiff(ours: ArrayLike<number>, theirs: ArrayLike<number>, relative = false): number {
  assertEquals(ours.length, theirs.length, "length");
  let m = 0;
  for (let i = 0; i < ours.length; i++) {
    const d = Math.abs(ours[i] - theirs[i]) / (relative ? Math.max(1, Math.abs(theirs[i])) : 1);
    if (!(d <= m)) m = d; // NaN-propagating
  }
  return m;
}

function flat(rows: readonly (readonly number[])[]): number[] {
  return rows.flat();
}

Deno.test("every residue-constant table OpenFold exported matches", async () => {
  const npz = await readNpz(`${SHARED_PARITY}/00_residue_constants.npz`);
  const meta = npzMetaJson(npz) as Record<string, unknown>;
  const bounds = makeBounds(meta);
  const ours: Record<string, [ArrayLike<number>, number]> = {
    restype_rigid_group_default_frame: [rc.RESTYPE_RIGID_GROUP_DEFAULT_FRAME, 1e-6],
    restype_atom14_to_rigid_group: [rc.RESTYPE_ATOM14_TO_RIGID_GROUP, 0],
    restype_atom14_mask: [rc.RESTYPE_ATOM14_MASK, 0],
    restype_atom14_rigid_group_positions: [rc.RESTYPE_ATOM14_RIGID_GROUP_POSITIONS, 1e-6],
    restype_atom37_mask: [rc.RESTYPE_ATOM37_MASK, 0],
    restype_atom14_to_atom37: [rc.RESTYPE_ATOM14_TO_ATOM37, 0],
    restype_atom37_to_atom14: [rc.RESTYPE_ATOM37_TO_ATOM14, 0],
    restype_atom14_is_ambiguous: [rc.RESTYPE_ATOM14_AMBIGUOUS_ATOMS, 0],
    chi_pi_periodic: [flat(rc.CHI_PI_PERIODIC), 0],
    chi_angles_mask: [flat(rc.CHI_ANGLES_MASK), 0],
    atom37_van_der_waals_radius: [rc.ATOM37_VAN_DER_WAALS_RADIUS, 1e-6],
    // float32 storage of values up to 1e10: compare relative to magnitude.
    atom14_dists_lower_bound: [bounds.lower, 1e-6],
    atom14_dists_upper_bound: [bounds.upper, 1e-6],
    atom14_dists_stddev: [bounds.stddev, 1e-6],
  };
  const tables = [...npz.keys()].filter((k) => k.startsWith("out/")).map((k) => k.slice(4));
  assertEquals(tables.sort(), Object.keys(ours).sort(), "every exported table is checked");
  const report: string[] = [];
  for (const name of tables) {
    const ref = npz.get(`out/${name}`) as NdArray;
    const [mine, tol] = ours[name];
    const d = maxDiff(mine, asFloat64(ref), true);
    report.push(`${name} ${d.toExponential(1)}`);
    assert(d <= tol, `${name}: max diff ${d} > ${tol}`);
  }
  console.log(report.join("\n"));
});

function makeBounds(meta: Record<string, unknown>) {
  const call = (meta.call as Record<string, Record<string, number>>).make_atom14_dists_bounds;
  return rc.makeAtom14DistsBounds(call.overlap_tolerance, call.bond_length_tolerance_factor);
}

Deno.test("names, atom14 layout and peptide constants match OpenFold's meta", async () => {
  const npz = await readNpz(`${SHARED_PARITY}/00_residue_constants.npz`);
  const meta = npzMetaJson(npz) as Record<string, unknown>;
  assertEquals(meta.restypes, [...rc.RESTYPES_WITH_X]);
  assertEquals(meta["atom_types(atom37)"], [...rc.ATOM_TYPES]);
  assertEquals(meta.restype_name_to_atom14_names, rc.RESTYPE_NAME_TO_ATOM14_NAMES);
  assertEquals(meta.between_res_bond_length_c_n, [...rc.BETWEEN_RES_BOND_LENGTH_C_N]);
  assertEquals(meta.between_res_bond_length_stddev_c_n, [...rc.BETWEEN_RES_BOND_LENGTH_STDDEV_C_N]);
  assertEquals(meta.between_res_cos_angles_c_n_ca, [...rc.BETWEEN_RES_COS_ANGLES_C_N_CA]);
  assertEquals(meta.between_res_cos_angles_ca_c_n, [...rc.BETWEEN_RES_COS_ANGLES_CA_C_N]);
  assertEquals(meta.ca_ca, rc.CA_CA);
});

Deno.test("residue tables agree with each other", () => {
  for (let r = 0; r < 20; r++) {
    const name = rc.RESTYPE_3[r];
    const ideal = rc.RIGID_GROUP_ATOM_POSITIONS[name].map(([a]) => a).sort();
    assertEquals(ideal, [...rc.RESIDUE_ATOMS[name]].sort(), `${name} ideal atoms = heavy atoms`);
    assertEquals(
      rc.RESTYPE_NAME_TO_ATOM14_NAMES[name].filter((a) => a).sort(),
      ideal,
      `${name} atom14 names`,
    );
    // Every chi angle's atoms exist, and each chi's first three atoms are the
    // previous chi's last three (a chain of dihedrals).
    const chis = rc.CHI_ANGLES_ATOMS[name];
    chis.forEach((c, k) => {
      c.forEach((a) => assert(ideal.includes(a), `${name} chi${k + 1} atom ${a}`));
      if (k > 0) assertEquals(c.slice(0, 3), chis[k - 1].slice(1), `${name} chi chain`);
    });
    // Every stereochemistry bond and angle names atoms of the residue.
    for (const b of [...rc.RESIDUE_BONDS[name], ...rc.RESIDUE_VIRTUAL_BONDS[name]]) {
      assert(ideal.includes(b.atom1) && ideal.includes(b.atom2), `${name} ${b.atom1}-${b.atom2}`);
    }
  }
  assertEquals(rc.RESIDUE_BONDS.ALA.length, 4);
  assertEquals(rc.RESIDUE_BOND_ANGLES.TRP.length, 20);
  assertEquals(Object.values(rc.RESIDUE_BONDS).flat().length, 153);
  assertEquals(Object.values(rc.RESIDUE_BOND_ANGLES).flat().length, 174);
  // Default frames of existing groups are proper rotations (absent ones are zero).
  const f = rc.RESTYPE_RIGID_GROUP_DEFAULT_FRAME;
  for (let k = 0; k < 20 * 8; k++) {
    const g = k % 8;
    if (g >= 4 && !rc.CHI_ANGLES_MASK[Math.floor(k / 8)][g - 4]) continue;
    const m = f.subarray(k * 16, k * 16 + 16);
    const det = m[0] * (m[5] * m[10] - m[6] * m[9]) - m[1] * (m[4] * m[10] - m[6] * m[8]) +
      m[2] * (m[4] * m[9] - m[5] * m[8]);
    assert(Math.abs(det - 1) < 1e-12, `frame ${k} det ${det}`);
  }
});

Deno.test("ideal geometry reproduces the literature backbone bonds and angles", () => {
  // Independent physical check: the ideal coordinates (group 0 = backbone frame)
  // give the Engh & Huber N-CA, CA-C, CA-CB lengths and N-CA-C angle within 2 stddev.
  for (let r = 0; r < 20; r++) {
    const name = rc.RESTYPE_3[r];
    const pos = Object.fromEntries(rc.RIGID_GROUP_ATOM_POSITIONS[name].map(([a, , p]) => [a, p]));
    const dist = (a: string, b: string) =>
      Math.hypot(pos[a][0] - pos[b][0], pos[a][1] - pos[b][1], pos[a][2] - pos[b][2]);
    for (const b of rc.RESIDUE_BONDS[name]) {
      const g1 = rc.RIGID_GROUP_ATOM_POSITIONS[name].find(([a]) => a === b.atom1)![1];
      const g2 = rc.RIGID_GROUP_ATOM_POSITIONS[name].find(([a]) => a === b.atom2)![1];
      if (g1 !== 0 || g2 !== 0) continue;
      const d = dist(b.atom1, b.atom2);
      assert(
        Math.abs(d - b.length) < 2 * b.stddev,
        `${name} ${b.atom1}-${b.atom2} ${d} vs ${b.length}`,
      );
    }
  }
});

Deno.test("HHblits alphabet composed with the AF2 remap gives the MSA tokens", () => {
  for (const [letter, id] of Object.entries(rc.HHBLITS_AA_TO_ID)) {
    assertEquals(rc.MAP_HHBLITS_AATYPE_TO_OUR_AATYPE[id], msaToken(letter), letter);
  }
  assertEquals(rc.MAP_HHBLITS_AATYPE_TO_OUR_AATYPE.length, 22);
  assertEquals(rc.MSA_VOCABULARY.length, 23);
  assertEquals(rc.MSA_VOCABULARY[21], "-");
  assertEquals(rc.MSA_VOCABULARY[20], "X");
  // AF2 order: ID_TO_HHBLITS_AA is alphabetical by one-letter code.
  assertEquals(rc.ID_TO_HHBLITS_AA.slice(0, 20), [...rc.RESTYPES].sort().join(""));
});
