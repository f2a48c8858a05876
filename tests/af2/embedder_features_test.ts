/**
 * The embedders' hand-built encodings on real proteins, against the
 * supplement's definitions computed independently in float64 plain TS:
 * relative-position one-hot (Algorithm 4) and the distance one-hots of the
 * recycling embedder (Algorithm 32) and the template pair features.
 * (Parity with OpenFold on fixtures 09a-c runs in tests/parity.)
 */
import * as G from "../../model/graph/mod.ts";
import { ModelBuilder } from "../../model/nn/scope.ts";
import { relpos } from "../../model/af2/input_embedder.ts";
import { type DistogramBins, oneHotDistogram } from "../../model/af2/recycling_embedder.ts";
import { readStructure } from "../../model/protein/structure_file.ts";
import { ATOM_ORDER } from "../../model/protein/residue_constants.ts";
import { assert, assertEquals } from "../assert.ts";

const UBIQUITIN = new URL(
  "../../data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz",
  import.meta.url,
).pathname;

Deno.test("relative position one-hot is onehot(clip(r_i - r_j, -32, 32) + 32) across a chain break", async () => {
  const p = await readStructure(UBIQUITIN);
  // Two copies of ubiquitin's residue numbering, the second shifted by 200 as
  // AF2's chain-break trick does, so offsets beyond ±32 occur in both directions.
  const ri = Int32Array.from([...p.residueIndex, ...p.residueIndex.map((r) => r + 200)]);
  const n = ri.length, k = 32, bins = 2 * k + 1;
  const b = new ModelBuilder();
  const y = relpos(b.scope(), b.g.input("ri", [n], "int32"), bins, k);
  // Identity weights turn the embedding into the one-hot itself.
  const w = new Float32Array(bins * bins);
  for (let i = 0; i < bins; i++) w[i * bins + i] = 1;
  const out = await (await G.compile({ y })).run({
    ri,
    "linear_relpos.weight": w,
    "linear_relpos.bias": new Float32Array(bins),
  });
  const d = out.y.data as Float32Array;
  let clipped = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const off = ri[i] - ri[j];
      const want = Math.min(Math.max(off, -k), k) + k;
      if (Math.abs(off) > k) clipped++;
      for (let c = 0; c < bins; c++) {
        assertEquals(d[(i * n + j) * bins + c], c === want ? 1 : 0, `pair ${i},${j} class ${c}`);
      }
    }
  }
  assert(clipped > n * n / 2, `only ${clipped} clipped offsets`);
});

/** Bin of distance `d` (Å) with lower edges linspace(min, max, n) and the last bin open to `inf` (Å²). */
function binOf(d: number, bins: DistogramBins): { bin: number; margin: number } {
  const edges = Array.from(
    { length: bins.no_bins },
    (_, i) => bins.min_bin + (i * (bins.max_bin - bins.min_bin)) / (bins.no_bins - 1),
  );
  edges.push(Math.sqrt(bins.inf));
  const margin = Math.min(...edges.map((e) => Math.abs(d - e)));
  for (let i = 0; i < bins.no_bins; i++) {
    if (d > edges[i] && d < edges[i + 1]) return { bin: i, margin };
  }
  return { bin: -1, margin };
}

for (
  const [name, bins] of [
    ["recycling (15 bins to 20.75 Å)", { min_bin: 3.25, max_bin: 20.75, no_bins: 15, inf: 1e8 }],
    ["template (39 bins to 50.75 Å)", { min_bin: 3.25, max_bin: 50.75, no_bins: 39, inf: 1e5 }],
  ] as const
) {
  Deno.test(`${name} distance one-hot on ubiquitin CB atoms matches float64 binning`, async () => {
    const p = await readStructure(UBIQUITIN);
    const n = p.aatype.length;
    const x = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      // CB, or CA for glycine (AF2's pseudo-beta).
      const atom = p.atomMask[i * 37 + ATOM_ORDER.CB] ? ATOM_ORDER.CB : ATOM_ORDER.CA;
      for (let c = 0; c < 3; c++) x[i * 3 + c] = p.atomPositions[(i * 37 + atom) * 3 + c];
    }
    const b = new ModelBuilder();
    const y = oneHotDistogram(b.g.input("x", [n, 3]), bins);
    const d = (await (await G.compile({ y })).run({ x })).y.data as Float32Array;
    const seen = new Set<number>();
    let checked = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const dist = Math.hypot(...[0, 1, 2].map((c) => x[i * 3 + c] - x[j * 3 + c]));
        const { bin, margin } = binOf(dist, bins);
        if (margin < 1e-3) continue; // float32 may legitimately round across an edge
        checked++;
        seen.add(bin);
        for (let c = 0; c < bins.no_bins; c++) {
          assertEquals(
            d[(i * n + j) * bins.no_bins + c],
            c === bin ? 1 : 0,
            `${i},${j} (${dist} Å)`,
          );
        }
      }
    }
    assert(checked > 0.99 * n * n, `checked ${checked} of ${n * n}`);
    // The real distances reach the empty class (d < 3.25 Å, i = j), the first
    // bin and most others (ubiquitin spans about 40 Å).
    assert(seen.has(-1) && seen.has(0) && seen.size > 15, `bins seen: ${[...seen]}`);
  });
}
