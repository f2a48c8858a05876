import {
  groundTruthFeatures,
  type GtTensor,
  templateGtFeatures,
} from "../../model/protein/gt_transforms.ts";
import { fp32Noise, parityMeta, readNpz } from "../../model/io/npz.ts";
import { asFloat64, asInt32, type NdArray } from "../../model/io/ndarray.ts";
import { ATOM_ORDER, CHI_ANGLES_ATOM_INDICES } from "../../model/protein/residue_constants.ts";
import { assert, assertEquals } from "../assert.ts";
import { SHARED_PARITY } from "../shared_data.ts";

/**
 * Compare one output with OpenFold's: shapes equal, and over the entries
 * selected by `where` (all when absent) max |ours - theirs| within `tol`.
 */
function compare(
  name: string,
  ours: GtTensor<Float32Array | Int32Array>,
  ref: NdArray,
  tol: number | ((flatIndex: number) => number),
  where?: (flatIndex: number) => boolean,
): { maxErr: number; checked: number } {
  assertEquals(ours.shape, ref.shape, `${name} shape`);
  const theirs = asFloat64(ref);
  let maxErr = 0, checked = 0;
  for (let k = 0; k < theirs.length; k++) {
    if (where && !where(k)) continue;
    const e = Math.abs(ours.data[k] - theirs[k]);
    const t = typeof tol === "number" ? tol : tol(k);
    assert(e <= t, `${name}[${k}]: |${ours.data[k]} - ${theirs[k]}| > ${t}`);
    if (e > maxErr) maxErr = e;
    checked++;
  }
  return { maxErr, checked };
}

/**
 * Distance (Å) of each torsion's fourth atom from the torsion axis, `[N, 7]`,
 * computed directly from the coordinates. OpenFold's `Rotation`/`Rigid` cast
 * frames to float32 even in its float64 re-run, so its torsions carry float32
 * error of about ε32·|x| / ρ — large when the fourth atom is near the axis
 * (the parity templates are noisy copies, one has ρ = 0.03 Å). The
 * meta.fp32_vs_fp64 estimate cannot see that error; tolerances add it.
 */
function torsionAxisDistance(aatype: Int32Array, pos: ArrayLike<number>): Float64Array {
  const n = aatype.length;
  const out = new Float64Array(n * 7);
  const at = (i: number, a: number) =>
    [0, 1, 2].map((c) => (i < 0 ? 0 : pos[(i * 37 + a) * 3 + c]));
  const { N, CA, C, O } = ATOM_ORDER;
  for (let i = 0; i < n; i++) {
    const quads = [
      [at(i - 1, CA), at(i - 1, C), at(i, N), at(i, CA)],
      [at(i - 1, C), at(i, N), at(i, CA), at(i, C)],
      [at(i, N), at(i, CA), at(i, C), at(i, O)],
    ];
    for (let k = 0; k < 4; k++) {
      const idx = CHI_ANGLES_ATOM_INDICES.subarray(
        (aatype[i] * 4 + k) * 4,
        (aatype[i] * 4 + k) * 4 + 4,
      );
      quads.push(Array.from(idx, (a) => at(i, a)));
    }
    quads.forEach(([, b, c, d], t) => {
      const u = [c[0] - b[0], c[1] - b[1], c[2] - b[2]];
      const un = Math.hypot(u[0], u[1], u[2]) || 1;
      const w = [d[0] - c[0], d[1] - c[1], d[2] - c[2]];
      const along = (w[0] * u[0] + w[1] * u[1] + w[2] * u[2]) / un;
      out[i * 7 + t] = Math.sqrt(Math.max(0, w[0] ** 2 + w[1] ** 2 + w[2] ** 2 - along * along));
    });
  }
  return out;
}

/** Per-entry tolerance of a (sin, cos) output: the meta noise plus OpenFold's float32-frame error. */
function torsionTolerance(base: number, rho: Float64Array, coordScale: number) {
  return (k: number) => base + 4 * 2 ** -23 * coordScale / rho[k >> 1];
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** The float32 tolerance of an output: its fp32-vs-fp64 noise plus a few ulps of its scale. */
function tolerance(noise: [number, number] | undefined): number {
  if (!noise) throw new Error("no noise estimate");
  return 2 * noise[0] + 4 * 2 ** -23 * noise[1];
}

Deno.test("ground-truth transforms match OpenFold (14a) on a real structure", async () => {
  const file = `${SHARED_PARITY}/14a_gt_feature_transforms.npz`;
  const npz = await readNpz(file);
  const meta = parityMeta(npz, file);
  const aatype = asInt32(npz.get("in/aatype")!);
  const pos = npz.get("in/all_atom_positions")!.data as Float32Array;
  const mask = npz.get("in/all_atom_mask")!.data as Float32Array;
  const gt = groundTruthFeatures(aatype, pos, mask) as unknown as Record<string, GtTensor>;
  const outs = [...npz.keys()].filter((k) => k.startsWith("out/")).map((k) => k.slice(4));
  assertEquals(outs.sort(), Object.keys(gt).sort(), "every OpenFold output is produced");
  const ref = (k: string) => npz.get(`out/${k}`)!;
  const torsionMask = ref("torsion_angles_mask").data as Float32Array;
  const chiMask = ref("chi_mask").data as Float32Array;
  // Torsion sin/cos are undefined where the mask is 0 (meta.conventions): compared
  // only where valid. Frames are compared everywhere: even the placeholder frames
  // of absent groups (built from coincident or zero atoms) equal OpenFold's.
  const where: Record<string, (k: number) => boolean> = {
    torsion_angles_sin_cos: (k) => torsionMask[k >> 1] === 1,
    alt_torsion_angles_sin_cos: (k) => torsionMask[k >> 1] === 1,
    chi_angles_sin_cos: (k) => chiMask[k >> 1] === 1,
  };
  const validOnly: Record<string, string> = {
    torsion_angles_sin_cos: "torsion_angles_sin_cos(torsion_angles_mask==1)",
    alt_torsion_angles_sin_cos: "alt_torsion_angles_sin_cos(torsion_angles_mask==1)",
    chi_angles_sin_cos: "torsion_angles_sin_cos(torsion_angles_mask==1)",
  };
  const rho = torsionAxisDistance(aatype, pos);
  const chiRho = rho.filter((_, k) => k % 7 >= 3);
  const lines: string[] = [];
  for (const name of outs) {
    const noise = validOnly[name]
      ? fp32Noise(meta, validOnly[name], "fp32_vs_fp64_valid_only")
      : fp32Noise(meta, name);
    const tol = tolerance(noise);
    const perEntry = name === "chi_angles_sin_cos"
      ? torsionTolerance(tol, chiRho, maxAbs(pos))
      : validOnly[name]
      ? torsionTolerance(tol, rho, maxAbs(pos))
      : tol;
    const r = compare(name, gt[name], ref(name), perEntry, where[name]);
    const how = typeof perEntry === "number" ? "" : " + 4ε32·|x|max/ρ";
    lines.push(
      `${name}: ${r.checked} values, max |diff| ${r.maxErr.toExponential(2)} (tol ${
        tol.toExponential(1)
      }${how})`,
    );
  }
  console.log(lines.join("\n"));
  // The structure has a missing residue and a missing side-chain atom: masks must see them.
  assert((ref("rigidgroups_gt_exists").data as Float32Array).includes(0));
  assert(torsionMask.filter((v) => v === 1).length > 30, "enough valid torsions compared");
});

Deno.test("template torsion and pseudo-beta transforms match OpenFold (13c)", async () => {
  const file = `${SHARED_PARITY}/13c_template_features.npz`;
  const npz = await readNpz(file);
  const meta = parityMeta(npz, file);
  const aatype = asInt32(npz.get("in/template_aatype")!);
  const pos = npz.get("in/template_all_atom_positions")!;
  const mask = npz.get("in/template_all_atom_mask")!;
  const t = pos.shape[0];
  const feats = templateGtFeatures(
    aatype,
    pos.data as Float32Array,
    mask.data as Float32Array,
    t,
  ) as unknown as Record<
    string,
    GtTensor
  >;
  const tmask = npz.get("out/transform/template_torsion_angles_mask")!.data as Float32Array;
  const n = aatype.length / t;
  const rho = new Float64Array(t * n * 7);
  for (let k = 0; k < t; k++) {
    const one = torsionAxisDistance(
      aatype.subarray(k * n, (k + 1) * n),
      (pos.data as Float32Array).subarray(k * n * 111, (k + 1) * n * 111),
    );
    rho.set(one, k * n * 7);
  }
  const scale = maxAbs(pos.data as Float32Array);
  const lines: string[] = [];
  for (const name of Object.keys(feats)) {
    const key = `transform/${name}`;
    const sincos = name.includes("sin_cos");
    const noise = sincos
      ? fp32Noise(meta, `${key}(torsion_angles_mask==1)`, "fp32_vs_fp64_valid_only")
      : fp32Noise(meta, key);
    const tol = tolerance(noise);
    const r = compare(
      name,
      feats[name],
      npz.get(`out/${key}`)!,
      sincos ? torsionTolerance(tol, rho, scale) : tol,
      sincos ? (k) => tmask[k >> 1] === 1 : undefined,
    );
    const how = sincos
      ? ` + 4ε32·|x|max/ρ, min ρ ${Math.min(...rho.filter((_, k) => tmask[k])).toFixed(3)} Å`
      : "";
    lines.push(
      `${name}: ${r.checked} values, max |diff| ${r.maxErr.toExponential(2)} (tol ${
        tol.toExponential(1)
      }${how})`,
    );
  }
  console.log(lines.join("\n"));
});

Deno.test("torsions are invariant to a rigid motion and flip sign under reflection", async () => {
  const npz = await readNpz(`${SHARED_PARITY}/14a_gt_feature_transforms.npz`);
  const aatype = asInt32(npz.get("in/aatype")!);
  const pos = asFloat64(npz.get("in/all_atom_positions")!);
  const mask = npz.get("in/all_atom_mask")!.data as Float32Array;
  const base = groundTruthFeatures(aatype, pos, mask);
  // Rotate by 90° about z and shift: (x, y, z) -> (-y, x, z) + (3, -7, 11).
  const moved = pos.map((_, k) => {
    const o = k - (k % 3), c = k % 3;
    return c === 0 ? -pos[o + 1] + 3 : c === 1 ? pos[o] - 7 : pos[o + 2] + 11;
  });
  const after = groundTruthFeatures(aatype, moved, mask);
  const m = base.torsion_angles_mask.data;
  const mirrored = groundTruthFeatures(aatype, pos.map((v, k) => (k % 3 === 2 ? -v : v)), mask);
  for (let k = 0; k < m.length; k++) {
    if (!m[k]) continue;
    const [s, c] = [
      base.torsion_angles_sin_cos.data[2 * k],
      base.torsion_angles_sin_cos.data[2 * k + 1],
    ];
    assert(Math.abs(after.torsion_angles_sin_cos.data[2 * k] - s) < 1e-4, "sin invariant");
    assert(Math.abs(after.torsion_angles_sin_cos.data[2 * k + 1] - c) < 1e-4, "cos invariant");
    // A mirror image negates every dihedral: sin flips, cos stays.
    assert(Math.abs(mirrored.torsion_angles_sin_cos.data[2 * k] + s) < 1e-4, "sin flips");
    assert(Math.abs(mirrored.torsion_angles_sin_cos.data[2 * k + 1] - c) < 1e-4, "cos stays");
    assert(Math.abs(s * s + c * c - 1) < 1e-5, "unit (sin, cos)");
  }
});
