import { assert, assertAlmostEquals, assertThrows } from "../assert.ts";
import {
  applyTransform,
  kabschRmsd,
  rmsdNoSuperposition,
  superpose,
} from "../../analysis/superpose.ts";
import { caOfChain, corpusChains, seededRng } from "./fixtures.ts";
import { InputError } from "../../model/util/errors.ts";

/** Rotation matrix about a unit axis by an angle (Rodrigues), row-major. */
function rotation(axis: number[], angle: number): Float64Array {
  const [x, y, z] = axis.map((v) => v / Math.hypot(...axis));
  const c = Math.cos(angle), s = Math.sin(angle), t = 1 - c;
  return new Float64Array([
    t * x * x + c,
    t * x * y - s * z,
    t * x * z + s * y,
    t * x * y + s * z,
    t * y * y + c,
    t * y * z - s * x,
    t * x * z - s * y,
    t * y * z + s * x,
    t * z * z + c,
  ]); // deno-fmt-ignore
}

Deno.test("Kabsch recovers a known rigid motion of a real chain", async () => {
  const chains = await corpusChains(3);
  for (const [k, c] of chains.entries()) {
    const ca = caOfChain(c);
    const motion = {
      rotation: rotation([1, 2 - k, 0.5], 0.3 + k),
      translation: new Float64Array([5, -3, 12]),
    };
    const moved = applyTransform(motion, ca);
    const s = superpose(ca, moved);
    assertAlmostEquals(s.rmsd, 0, 1e-6, c.id);
    for (let i = 0; i < 9; i++) assertAlmostEquals(s.rotation[i], motion.rotation[i], 1e-9);
    for (let i = 0; i < 3; i++) assertAlmostEquals(s.translation[i], motion.translation[i], 1e-6);
    // A proper rotation: determinant +1.
    const r = s.rotation;
    const det = r[0] * (r[4] * r[8] - r[5] * r[7]) - r[1] * (r[3] * r[8] - r[5] * r[6]) +
      r[2] * (r[3] * r[7] - r[4] * r[6]);
    assertAlmostEquals(det, 1, 1e-9);
  }
});

Deno.test("superposed RMSD equals the RMSD of the applied transform and never exceeds the raw one", async () => {
  const [c] = await corpusChains(1);
  const ca = caOfChain(c);
  const rng = seededRng(11);
  const noisy = applyTransform(
    { rotation: rotation([0, 0, 1], 1), translation: new Float64Array([1, 2, 3]) },
    ca.map((v) => v + rng.normal()),
  );
  const s = superpose(noisy, ca);
  assertAlmostEquals(rmsdNoSuperposition(applyTransform(s, noisy), ca), s.rmsd, 1e-9);
  assert(s.rmsd < rmsdNoSuperposition(noisy, ca));
  // Noise of σ = 1 Å per coordinate gives an RMSD near √3 Å.
  assert(Math.abs(kabschRmsd(noisy, ca) - Math.sqrt(3)) < 0.3, String(s.rmsd));
  // A mirror image cannot be superposed: the rotation stays proper.
  const mirror = ca.map((v, i) => (i % 3 === 0 ? -v : v));
  assert(kabschRmsd(mirror, ca) > 1);
  assertThrows(() => superpose(ca, ca.slice(3)), InputError);
});
