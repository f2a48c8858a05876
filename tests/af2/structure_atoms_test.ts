/**
 * Algorithm 24 in the graph on a real protein: the backbone frames and torsion
 * angles measured on an experimental structure must rebuild its atoms from
 * AF2's idealised residue geometry. Any error in the per-group rotations, the
 * χ-frame chaining or the atom14/atom37 maps moves atoms by Ångströms; the ideal
 * geometry itself leaves only the crystal's small deviations from it.
 */
import * as G from "../../model/graph/mod.ts";
import { groundTruthFeatures } from "../../model/protein/gt_transforms.ts";
import { readStructure } from "../../model/protein/structure_file.ts";
import {
  ATOM_ORDER,
  RESTYPE_3,
  RESTYPE_ATOM14_TO_RIGID_GROUP,
  RESTYPE_NAME_TO_ATOM14_NAMES,
} from "../../model/protein/residue_constants.ts";
import {
  atom14ToAtom37,
  atom37AtomExists,
  framesToAtom14,
  residxAtom37ToAtom14,
  torsionAnglesToFrames,
} from "../../model/af2/torsion_to_atoms.ts";
import { fromTensor4x4, toTensor4x4 } from "../../model/af2/rigid.ts";
import { assert } from "../assert.ts";
import { TEST_DATA } from "../shared_data.ts";

const FILE = `${TEST_DATA}/fullatom/debian/t-coffee-examples/1AE5A.pdb.gz`;

Deno.test("torsions -> frames -> atom14/atom37 rebuild a real chain (1AE5 A)", async () => {
  const p = await readStructure(FILE, { chains: ["A"] });
  const n = p.aatype.length;
  const gt = groundTruthFeatures(p.aatype, p.atomPositions, p.atomMask);

  const g = new G.Graph();
  const bb = g.input("backbone", [n, 4, 4]);
  const angles = g.input("angles", [n, 7, 2]);
  const aatype = g.input("aatype", [n], "int32");
  const frames = torsionAnglesToFrames(fromTensor4x4(bb), angles, aatype);
  const atom14 = framesToAtom14(frames, aatype);
  const run = await G.compile({
    frames: toTensor4x4(frames),
    atom14,
    atom37: atom14ToAtom37(atom14, aatype),
    exists: atom37AtomExists(aatype),
    residx: G.cast(residxAtom37ToAtom14(aatype), "float32"),
  });
  const out = await run.run({
    backbone: gt.backbone_rigid_tensor.data,
    angles: gt.torsion_angles_sin_cos.data,
    aatype: p.aatype,
  });
  const pos14 = out.atom14.data as Float32Array;
  const pos37 = out.atom37.data as Float32Array;
  const ref14 = gt.atom14_gt_positions.data, exists14 = gt.atom14_gt_exists.data;
  const tmask = gt.torsion_angles_mask.data;
  const bbMask = gt.backbone_rigid_mask.data;
  const exists37 = out.exists.data as Float32Array, residx = out.residx.data as Float32Array;
  // Exactly the residue's own atoms exist in atom37.
  const namedCount = Array.from(p.aatype, (a) => RESTYPE_NAME_TO_ATOM14_NAMES[RESTYPE_3[a]])
    .reduce((t, names) => t + names.filter(Boolean).length, 0);
  assert(exists37.reduce((t, v) => t + v, 0) === namedCount, "atom37 exists count");
  // The backbone group's frame is the input backbone frame.
  const fr = out.frames.data as Float32Array, bbIn = gt.backbone_rigid_tensor.data;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 16; k++) {
      assert(Math.abs(fr[i * 128 + k] - bbIn[i * 16 + k]) < 1e-5, `backbone frame ${i}`);
    }
  }

  // Deviation per rigid group over atoms whose frame chain was fully measured.
  const dev: number[][] = Array.from({ length: 8 }, () => []);
  let named = 0;
  for (let i = 0; i < n; i++) {
    if (!bbMask[i]) continue;
    const a = p.aatype[i];
    const names = RESTYPE_NAME_TO_ATOM14_NAMES[RESTYPE_3[a]];
    for (let s = 0; s < 14; s++) {
      if (!names[s]) continue;
      // atom37 holds the same coordinates under the atom's name (a separate
      // route through the name tables).
      const o37 = (i * 37 + ATOM_ORDER[names[s]]) * 3, o14 = (i * 14 + s) * 3;
      for (let c = 0; c < 3; c++) assert(pos37[o37 + c] === pos14[o14 + c], `atom37 ${names[s]}`);
      assert(exists37[i * 37 + ATOM_ORDER[names[s]]] === 1, `${names[s]} exists`);
      assert(residx[i * 37 + ATOM_ORDER[names[s]]] === s, `${names[s]} atom14 slot`);
      named++;
      if (!exists14[i * 14 + s]) continue;
      const grp = RESTYPE_ATOM14_TO_RIGID_GROUP[a * 14 + s];
      // psi (torsion 2) places O; chi k (group 3+k) needs torsions χ1..χk.
      const needs = grp === 0 ? [] : grp === 3 ? [2] : [...Array(grp - 3).keys()].map((k) => 3 + k);
      if (needs.some((t) => !tmask[i * 7 + t])) continue;
      const d = Math.hypot(
        pos14[o14] - ref14[o14],
        pos14[o14 + 1] - ref14[o14 + 1],
        pos14[o14 + 2] - ref14[o14 + 2],
      );
      dev[grp].push(d);
    }
  }
  const stats = dev.map((ds) => {
    const s = [...ds].sort((x, y) => x - y);
    return { n: s.length, median: s[Math.floor(s.length / 2)] ?? 0, max: s[s.length - 1] ?? 0 };
  });
  console.log(
    `${n} residues, ${named} named atoms; deviation per group (count, median, max Å): ` +
      stats.map((s, grp) => s.n ? `g${grp} ${s.n} ${s.median.toFixed(3)} ${s.max.toFixed(3)}` : "")
        .filter(Boolean).join("; "),
  );
  // Bounds ~2x the deviations measured here (ideal vs crystal geometry grows along
  // the side chain's lever arm); a wrong rotation or chain would give several Å.
  const medianBound = [0.05, 0, 0, 0.08, 0.4, 0.6, 0.6, 1.0];
  stats.forEach((st, grp) => {
    if (!st.n) return;
    assert(st.median <= medianBound[grp], `group ${grp}: median deviation ${st.median} Å`);
  });
  const all = dev.flat();
  assert(Math.max(...all) < 2.5, `largest deviation ${Math.max(...all)} Å`);
  assert(all.filter((d) => d < 1).length >= 0.97 * all.length, "97 % of atoms within 1 Å");
  assert(stats[0].n > 800 && stats[4].n > 200, "most of the chain was compared");
});
