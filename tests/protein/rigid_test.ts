import {
  applyRigid,
  composeQuatUpdate,
  composeRigids,
  identityRigid,
  invertApplyRigid,
  invertRigid,
  matMul3,
  normalizeQuat,
  quatMultiply,
  quatToRot,
  type Rigid,
  rigidFrom3Points,
  rigidFromMat4,
  rigidFromNegXAxis,
  rigidFromTensor7,
  rigidToMat4,
  rigidToTensor7,
  rotToQuat,
} from "../../model/protein/rigid.ts";
import { fp32Noise, parityMeta, readNpz } from "../../model/io/npz.ts";
import { asFloat64 } from "../../model/io/ndarray.ts";
import { ATOM_ORDER } from "../../model/protein/residue_constants.ts";
import { assert, assertAlmostEquals } from "../assert.ts";
import { SHARED_PARITY } from "../shared_data.ts";

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return a.length === b.length ? m : Infinity;
}

let seed = 99;
function rand(): number {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32 - 0.5;
}
function randomRigid(): Rigid {
  return {
    rot: quatToRot(normalizeQuat([rand(), rand(), rand(), rand()])),
    trans: new Float64Array([10 * rand(), 10 * rand(), 10 * rand()]),
  };
}

Deno.test("composition, inverse and apply obey the group laws", () => {
  for (let k = 0; k < 200; k++) {
    const a = randomRigid(), b = randomRigid(), c = randomRigid();
    const p = [rand() * 5, rand() * 5, rand() * 5];
    // (a ∘ b)(p) = a(b(p)): b is applied first.
    assert(maxAbs(applyRigid(composeRigids(a, b), p), applyRigid(a, applyRigid(b, p))) < 1e-12);
    const abc1 = composeRigids(composeRigids(a, b), c),
      abc2 = composeRigids(a, composeRigids(b, c));
    assert(maxAbs(rigidToMat4(abc1), rigidToMat4(abc2)) < 1e-12, "associative");
    assert(
      maxAbs(rigidToMat4(composeRigids(a, invertRigid(a))), rigidToMat4(identityRigid())) < 1e-12,
    );
    assert(maxAbs(invertApplyRigid(a, applyRigid(a, p)), p) < 1e-12);
    // 4x4 and tensor_7 round trips.
    assert(maxAbs(rigidToMat4(rigidFromMat4(rigidToMat4(a))), rigidToMat4(a)) === 0);
    assert(maxAbs(rigidToMat4(rigidFromTensor7(rigidToTensor7(a))), rigidToMat4(a)) < 1e-12);
  }
});

Deno.test("quaternion product matches rotation product; rot->quat inverts quat->rot", () => {
  for (let k = 0; k < 200; k++) {
    const q1 = normalizeQuat([rand(), rand(), rand(), rand()]);
    const q2 = normalizeQuat([rand(), rand(), rand(), rand()]);
    const r12 = matMul3(quatToRot(q1), quatToRot(q2));
    assert(maxAbs(quatToRot(quatMultiply(q1, q2)), r12) < 1e-12);
    const back = rotToQuat(quatToRot(q1));
    const sign = q1[0] < 0 ? -1 : 1;
    assert(maxAbs(back, q1.map((v) => sign * v)) < 1e-12, `quat round trip ${q1} ${back}`);
  }
  // The four Shepperd branches: rotations by pi about x, y, z and the identity.
  for (const q of [[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [1, 0, 0, 0]]) {
    assert(maxAbs(rotToQuat(quatToRot(q)), q) < 1e-15);
  }
});

Deno.test("rigidFrom3Points is Algorithm 21: x toward x3, x1 in the +y half of the xy plane", () => {
  for (let k = 0; k < 100; k++) {
    const x1 = [rand() * 9, rand() * 9, rand() * 9];
    const x2 = [rand() * 9, rand() * 9, rand() * 9];
    const x3 = [rand() * 9, rand() * 9, rand() * 9];
    const f = rigidFrom3Points(x1, x2, x3);
    const l3 = invertApplyRigid(f, x3), l1 = invertApplyRigid(f, x1);
    assert(Math.abs(l3[1]) < 1e-12 && Math.abs(l3[2]) < 1e-12 && l3[0] > 0, "x3 on +x");
    assert(Math.abs(l1[2]) < 1e-12 && l1[1] > 0, "x1 in xy plane, y > 0");
    const r = f.rot;
    const det = r[0] * (r[4] * r[8] - r[5] * r[7]) - r[1] * (r[3] * r[8] - r[5] * r[6]) +
      r[2] * (r[3] * r[7] - r[4] * r[6]);
    assertAlmostEquals(det, 1, 1e-12);
    // OpenFold's from_3_points flips the x axis: (x3 - x2) direction = -(x2 - pNegX).
    const g = rigidFromNegXAxis(x3.map((v, i) => 2 * x2[i] - v), x2, x1, 0);
    assert(maxAbs(g.rot, f.rot) < 1e-12);
  }
});

Deno.test("backbone frames from N, CA, C equal OpenFold's backbone_rigid_tensor", async () => {
  const npz = await readNpz(`${SHARED_PARITY}/14a_gt_feature_transforms.npz`);
  const pos = asFloat64(npz.get("in/all_atom_positions")!);
  const ref = asFloat64(npz.get("out/backbone_rigid_tensor")!);
  const mask = asFloat64(npz.get("out/backbone_rigid_mask")!);
  const noise = fp32Noise(parityMeta(npz), "backbone_rigid_tensor")!;
  let checked = 0, worst = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const at = (a: string) =>
      pos.subarray((i * 37 + ATOM_ORDER[a]) * 3, (i * 37 + ATOM_ORDER[a]) * 3 + 3);
    const f = rigidFrom3Points(at("N"), at("CA"), at("C"));
    worst = Math.max(worst, maxAbs(rigidToMat4(f), ref.subarray(i * 16, i * 16 + 16)));
    checked++;
  }
  console.log(`${checked} frames, max |diff| ${worst.toExponential(2)} (fp32 noise ${noise[0]})`);
  assert(checked >= 9);
  // Float32 output of values up to ~17 Å: a few ulps.
  assert(worst < Math.max(10 * noise[0], 1e-5), `max diff ${worst}`);
});

Deno.test("quaternion -> rotation and compose_q_update_vec match OpenFold", async () => {
  const ipa = await readNpz(`${SHARED_PARITY}/10a_invariant_point_attention.npz`);
  const q = asFloat64(ipa.get("in/rigid_quat")!);
  const t = asFloat64(ipa.get("in/rigid_trans")!);
  const m4 = asFloat64(ipa.get("in/rigid_4x4")!);
  const n = q.length / 4;
  let worstRot = 0, worstQuat = 0;
  for (let i = 0; i < n; i++) {
    const qi = normalizeQuat(q.subarray(i * 4, i * 4 + 4));
    const mine = rigidToMat4({ rot: quatToRot(qi), trans: t.subarray(i * 3, i * 3 + 3) });
    worstRot = Math.max(worstRot, maxAbs(mine, m4.subarray(i * 16, i * 16 + 16)));
    const back = rotToQuat(rigidFromMat4(m4, i * 16).rot);
    const s = qi[0] < 0 ? -1 : 1;
    worstQuat = Math.max(worstQuat, maxAbs(back, qi.map((v) => s * v)));
  }
  assert(worstRot < 1e-6, `quat->rot ${worstRot}`);
  assert(worstQuat < 1e-6, `rot->quat ${worstQuat}`);

  const bu = await readNpz(`${SHARED_PARITY}/10b_backbone_update.npz`);
  const meta = parityMeta(bu);
  const bq = asFloat64(bu.get("in/rigid_quat")!), bt = asFloat64(bu.get("in/rigid_trans")!);
  const u = asFloat64(bu.get("out/update")!);
  const t7 = asFloat64(bu.get("out/composed_tensor_7")!);
  const c4 = asFloat64(bu.get("out/composed_4x4")!);
  let w7 = 0, w4 = 0;
  for (let i = 0; i < bq.length / 4; i++) {
    const r = composeQuatUpdate(
      bq.subarray(i * 4, i * 4 + 4),
      bt.subarray(i * 3, i * 3 + 3),
      u.subarray(i * 6, i * 6 + 6),
    );
    const ref7 = t7.subarray(i * 7, i * 7 + 7);
    // OpenFold does not canonicalise the sign of the quaternion.
    const s = Math.sign(ref7[0]) === Math.sign(r.quat[0]) ? 1 : -1;
    w7 = Math.max(w7, maxAbs([...r.quat.map((v) => s * v), ...r.trans], ref7));
    w4 = Math.max(
      w4,
      maxAbs(
        rigidToMat4({ rot: quatToRot(r.quat), trans: r.trans }),
        c4.subarray(i * 16, i * 16 + 16),
      ),
    );
  }
  const noise7 = fp32Noise(meta, "composed_tensor_7")!, noise4 = fp32Noise(meta, "composed_4x4")!;
  console.log(
    `tensor_7 max |diff| ${w7.toExponential(2)} (noise ${noise7[0]}), 4x4 ${
      w4.toExponential(2)
    } (noise ${noise4[0]})`,
  );
  assert(w7 < Math.max(10 * noise7[0], 2e-6 * noise7[1]), `tensor_7 ${w7}`);
  assert(w4 < Math.max(10 * noise4[0], 2e-6 * noise4[1]), `4x4 ${w4}`);
});
