import { assert, assertAlmostEquals } from "../assert.ts";
import { SHARED_DATA, SHARED_PARITY, sharedData } from "../shared_data.ts";
import { readPdbModels } from "../../model/protein/pdb.ts";
import { readNpz } from "../../model/io/npz.ts";
import { asFloat64 } from "../../model/io/ndarray.ts";
import { lddt, lddtAllAtom } from "../../analysis/lddt.ts";
import { ATOM_ORDER, ATOM_TYPE_NUM } from "../../model/protein/residue_constants.ts";
import { caOfChain, corpusChains, runTool, seededRng } from "./fixtures.ts";

Deno.test("lDDT-Cα matches OpenFold's lddt fixture (per residue and global)", async () => {
  const z = await readNpz(`${SHARED_PARITY}/14g_lddt.npz`);
  const get = (k: string) => asFloat64(z.get(k)!);
  const pred = get("in/all_atom_pred_pos"), truth = get("in/all_atom_positions");
  const mask37 = get("in/all_atom_mask");
  const n = mask37.length / ATOM_TYPE_NUM, ca = ATOM_ORDER.CA;
  const pick = (x: Float64Array) =>
    Float64Array.from(
      { length: 3 * n },
      (_, k) => x[(Math.floor(k / 3) * ATOM_TYPE_NUM + ca) * 3 + (k % 3)],
    );
  const mask = Float64Array.from({ length: n }, (_, i) => mask37[i * ATOM_TYPE_NUM + ca]);
  const got = lddt(pick(pred), pick(truth), mask);
  const want = get("out/lddt_ca_per_residue");
  let maxErr = 0;
  for (let i = 0; i < n; i++) maxErr = Math.max(maxErr, Math.abs(got.perResidue[i] - want[i]));
  const globalErr = Math.abs(got.global - get("out/lddt_ca_global")[0]);
  console.log(`lDDT-Cα vs OpenFold: max per-residue error ${maxErr}, global error ${globalErr}`);
  assert(maxErr < 1e-6, `per residue ${maxErr}`);
  assert(globalErr < 1e-6, `global ${globalErr}`);
});

Deno.test("lDDT on a real chain: identity 1, noise lowers it, matches a brute-force count", async () => {
  const [c] = await corpusChains(1);
  const ca = caOfChain(c), n = c.seq.length;
  assertAlmostEquals(lddt(ca, ca).global, 1, 1e-9);
  const rng = seededRng(3);
  const noisy = ca.map((v) => v + 1.0 * rng.normal());
  const r = lddt(noisy, ca);
  assert(r.global > 0.3 && r.global < 0.95, String(r.global));
  // Brute force over the pair list, written independently from the per-residue loop.
  let preserved = 0, total = 0;
  const d = (x: Float64Array, i: number, j: number) =>
    Math.hypot(x[3 * i] - x[3 * j], x[3 * i + 1] - x[3 * j + 1], x[3 * i + 2] - x[3 * j + 2]);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j || d(ca, i, j) >= 15) continue;
      const dd = Math.abs(d(ca, i, j) - d(noisy, i, j));
      preserved += [0.5, 1, 2, 4].filter((t) => dd < t).length / 4;
      total++;
    }
  }
  assertAlmostEquals(r.global, preserved / total, 1e-9);
  // All-atom lDDT on the four backbone atoms behaves the same way.
  const bb = Float64Array.from(c.backbone);
  const noisyBb = bb.map((v) => v + 1.0 * rng.normal());
  const aa = lddtAllAtom(noisyBb, bb, new Float64Array(4 * n).fill(1), 4);
  assertAlmostEquals(lddtAllAtom(bb, bb, new Float64Array(4 * n).fill(1), 4).global, 1, 1e-12);
  assert(Math.abs(aa.global - r.global) < 0.1, `${aa.global} vs ${r.global}`);
});

const PY_ALL_ATOM = `
import json, sys, math
d = json.load(sys.stdin)
A, P, T, M = 37, d["pred"], d["truth"], d["mask"]
atoms = [a for a in range(len(M)) if M[a] > 0]
def dist(x, a, b):
    return math.sqrt(sum((x[3*a+k] - x[3*b+k])**2 for k in range(3)))
n_res = len(M) // A
s, c = [0.0] * n_res, [0] * n_res
for x in range(len(atoms)):
    for y in range(x + 1, len(atoms)):
        a, b = atoms[x], atoms[y]
        if a // A == b // A:
            continue
        dt = dist(T, a, b)
        if dt >= 15:
            continue
        dd = abs(dt - dist(P, a, b))
        score = sum(0.25 for t in (0.5, 1, 2, 4) if dd < t)
        for r in (a // A, b // A):
            s[r] += score
            c[r] += 1
print(json.dumps({"global": sum(s) / sum(c), "per": [s[r] / c[r] if c[r] else None for r in range(n_res)]}))
`;

sharedData.test("shared data: all-atom lDDT of an NMR model pair matches an independent Python count", async () => {
  const models = await readPdbModels(`${SHARED_DATA}/fullatom/debian/theseus-examples/2sdf.pdb.gz`);
  const [ref, model] = [models[0], models[models.length - 1]];
  const mask = ref.atomMask.map((v, k) => (v > 0 && model.atomMask[k] > 0 ? 1 : 0));
  const got = lddtAllAtom(model.atomPositions, ref.atomPositions, mask, ATOM_TYPE_NUM);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/ref.py`, PY_ALL_ATOM);
    const input = JSON.stringify({
      pred: Array.from(model.atomPositions),
      truth: Array.from(ref.atomPositions),
      mask: Array.from(mask),
    });
    const out = await runTool("python3", [`${dir}/ref.py`], input);
    if (out === null) return;
    const want = JSON.parse(out) as { global: number; per: (number | null)[] };
    console.log(
      `all-atom lDDT 2sdf model ${models.length} vs 1: ${got.global} (Python ${want.global})`,
    );
    assertAlmostEquals(got.global, want.global, 1e-9);
    want.per.forEach((w, r) => {
      if (w === null) assert(Number.isNaN(got.perResidue[r]), `residue ${r} has no pairs`);
      else assertAlmostEquals(got.perResidue[r], w, 1e-9, `residue ${r}`);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
