/**
 * In-graph rigid transforms (model/af2/rigid.ts) against OpenFold's own
 * matrices (fixtures 10a/10d) and against the independent plain-TS rigid maths
 * of model/protein/rigid.ts (itself checked against OpenFold), their gradients
 * against finite differences (float64), and the rotation-only gradient stop.
 */
import * as G from "../../model/graph/mod.ts";
import type { NdArray } from "../../model/graph/mod.ts";
import {
  applyFrames,
  composeFrames,
  composeQuatUpdate,
  fromTensor4x4,
  identityQuatFrames,
  invertApplyFrames,
  normalizeQuat,
  quatToRot,
  stopRotationGradient,
  toTensor4x4,
  toTensor7,
} from "../../model/af2/rigid.ts";
import * as R from "../../model/protein/rigid.ts";
import { arrayOf, feedOf, loadCase } from "../../analysis/parity/harness.ts";
import { SHARED_PARITY } from "../shared_data.ts";
import { checkGradient, rng } from "../graph/fd.ts";
import { assert } from "../assert.ts";

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert(a.length === b.length, `lengths ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const f64 = (data: ArrayLike<number>, shape: number[]): NdArray => ({
  data: Float64Array.from(data),
  shape,
});

Deno.test("quaternion -> rotation and 4x4 layout match OpenFold (fixture 10a)", async () => {
  const c = await loadCase(`${SHARED_PARITY}/10a_invariant_point_attention.npz`);
  const quat = arrayOf(c, "in/rigid_quat"), trans = arrayOf(c, "in/rigid_trans");
  const ref = feedOf(arrayOf(c, "in/rigid_4x4")) as Float32Array;
  const ours = await G.evaluate(
    (q, t) => toTensor4x4({ rot: quatToRot(normalizeQuat(q)), trans: t }),
    f64(feedOf(quat) as Float32Array, quat.shape),
    f64(feedOf(trans) as Float32Array, trans.shape),
  );
  const err = maxAbsDiff(ours.data as Float64Array, ref);
  assert(err < 2e-6, `4x4 differs from OpenFold's by ${err}`);
});

Deno.test("compose / apply / invert-apply agree with the plain-TS rigid maths", async () => {
  // Real-scale frames: fixture 10d's backbone frames (translations ~10 Å).
  const c = await loadCase(`${SHARED_PARITY}/10d_torsion_angles_to_atoms.npz`);
  const m = arrayOf(c, "in/backbone_4x4");
  const n = m.shape[0];
  const mats = Float64Array.from(feedOf(m) as Float32Array);
  const rand = rng(3);
  const pts = Float64Array.from({ length: n * 3 }, () => 20 * rand() - 10);
  const shifted = Float64Array.from({ length: n * 16 }, (_, i) => mats[(i + 16) % (n * 16)]);

  const composed = await G.evaluate(
    (a, b) => toTensor4x4(composeFrames(fromTensor4x4(a), fromTensor4x4(b))),
    f64(mats, [n, 4, 4]),
    f64(shifted, [n, 4, 4]),
  );
  const applied = await G.evaluate(
    (a, p) => applyFrames(fromTensor4x4(a), p),
    f64(mats, [n, 4, 4]),
    f64(pts, [n, 3]),
  );
  const inverted = await G.evaluate(
    (a, p) => invertApplyFrames(fromTensor4x4(a), p),
    f64(mats, [n, 4, 4]),
    f64(pts, [n, 3]),
  );
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const a = R.rigidFromMat4(mats, i * 16), b = R.rigidFromMat4(shifted, i * 16);
    const p = pts.subarray(i * 3, i * 3 + 3);
    const want = R.rigidToMat4(R.composeRigids(a, b));
    worst = Math.max(
      worst,
      maxAbsDiff((composed.data as Float64Array).subarray(i * 16, i * 16 + 16), want),
    );
    worst = Math.max(
      worst,
      maxAbsDiff((applied.data as Float64Array).subarray(i * 3, i * 3 + 3), R.applyRigid(a, p)),
    );
    worst = Math.max(
      worst,
      maxAbsDiff(
        (inverted.data as Float64Array).subarray(i * 3, i * 3 + 3),
        R.invertApplyRigid(a, p),
      ),
    );
  }
  assert(worst < 1e-9, `in-graph vs plain-TS rigid maths differ by ${worst}`);
});

Deno.test("backbone quaternion update agrees with the plain-TS update (fixture 10b frames)", async () => {
  const c = await loadCase(`${SHARED_PARITY}/10b_backbone_update.npz`);
  const q = arrayOf(c, "in/rigid_quat"), t = arrayOf(c, "in/rigid_trans");
  const n = q.shape[0];
  const rand = rng(5);
  const u = Float64Array.from({ length: n * 6 }, () => 2 * rand() - 1);
  const qd = Float64Array.from(feedOf(q) as Float32Array),
    td = Float64Array.from(feedOf(t) as Float32Array);
  const ours = await G.evaluate(
    (qq, tt, uu) => toTensor7(composeQuatUpdate({ quat: normalizeQuat(qq), trans: tt }, uu)),
    f64(qd, [n, 4]),
    f64(td, [n, 3]),
    f64(u, [n, 6]),
  );
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const want = R.composeQuatUpdate(
      R.normalizeQuat(qd.subarray(i * 4, i * 4 + 4)),
      td.subarray(i * 3, i * 3 + 3),
      u.subarray(i * 6, i * 6 + 6),
    );
    const got = (ours.data as Float64Array).subarray(i * 7, i * 7 + 7);
    worst = Math.max(
      worst,
      maxAbsDiff(got.subarray(0, 4), want.quat),
      maxAbsDiff(got.subarray(4), want.trans),
    );
  }
  assert(worst < 1e-12, `quaternion update differs by ${worst}`);
});

Deno.test("rigid chain gradients match finite differences (float64)", async () => {
  // Two backbone updates, then rigid-group-like composition and a point applied
  // and inverse-applied: every rigid op's VJP on one path.
  const r = await checkGradient(
    (q0, t0, u1, u2, p) => {
      const f1 = composeQuatUpdate({ quat: normalizeQuat(q0), trans: t0 }, u1);
      const f2 = composeQuatUpdate(f1, u2);
      const a = { rot: quatToRot(f1.quat), trans: f1.trans };
      const b = { rot: quatToRot(f2.quat), trans: f2.trans };
      return invertApplyFrames(a, applyFrames(composeFrames(b, a), p));
    },
    [{ shape: [3, 4] }, { shape: [3, 3] }, { shape: [3, 6] }, { shape: [3, 6] }, { shape: [3, 3] }],
  );
  assert(r.checked === 12 + 9 + 18 + 18 + 9, `${r.checked} entries checked`);
});

Deno.test("stopRotationGradient cuts only the rotation: later layers still move earlier translations", async () => {
  const g = new G.Graph();
  const u1 = g.input("u1", [4, 6], "float64"), u2 = g.input("u2", [4, 6], "float64");
  const rand = rng(9);
  const w = g.constant(Array.from({ length: 12 }, () => rand() - 0.5), [4, 3], "float64");
  const lossOf = (stop: boolean) => {
    const f1 = composeQuatUpdate(identityQuatFrames(u1, [4]), u1);
    const f2 = composeQuatUpdate(stop ? stopRotationGradient(f1) : f1, u2);
    return G.sum(G.mul(f2.trans, w));
  };
  const [withStop] = G.grad(lossOf(true), [u1]);
  const [without] = G.grad(lossOf(false), [u1]);
  const run = await G.compile({ withStop, without });
  const feeds = {
    u1: Float64Array.from({ length: 24 }, () => rand() - 0.5),
    u2: Float64Array.from({ length: 24 }, () => rand() - 0.5),
  };
  const out = await run.run(feeds);
  const a = out.withStop.data as Float64Array, b = out.without.data as Float64Array;
  for (let i = 0; i < 4; i++) {
    for (let k = 0; k < 6; k++) {
      const v = a[i * 6 + k];
      // (b, c, d): the rotation of layer 1 is a constant for layer 2 → exactly 0.
      // (tx, ty, tz): t2 = t1 + R1 v2 with t1 = u1[3:], so d/dt1 = w, unchanged.
      if (k < 3) assert(v === 0, `rotation gradient ${i},${k} = ${v}`);
      else assert(Math.abs(v - b[i * 6 + k]) < 1e-12 && v !== 0, `translation gradient ${i},${k}`);
    }
  }
  assert(
    b.some((v, j) => j % 6 < 3 && Math.abs(v) > 1e-3),
    "without the stop, rotations get gradient",
  );
});
