import { assert, assertAlmostEquals } from "../assert.ts";
import { axisGrowth, dimensionality, radiusOfGyration } from "../../analysis/dimensionality.ts";
import { dssp, sheetLabels } from "../../analysis/dssp.ts";
import { caOfChain, corpusChains } from "./fixtures.ts";
import { sharedData } from "../shared_data.ts";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

sharedData.test("shared data: PCA dimension of real chains: α-helix ~1, open β-sheet ~2, compact α/β ~3", async () => {
  const helix: number[] = [], sheet: number[] = [], globular: number[] = [];
  for (const c of await corpusChains(2000)) {
    const n = c.seq.length;
    const r = dssp({ backbone: c.backbone, isProline: [...c.seq].map((a) => a === "P") });
    const ca = caOfChain(c);
    const frac = (code: string) => [...r.ss].filter((s) => s === code).length / n;
    // A long α-helix: a run of ≥ 30 residues that DSSP calls H.
    const run = /H{30,}/.exec(r.ss);
    if (run && helix.length < 10) {
      helix.push(
        dimensionality(ca.slice(3 * run.index, 3 * (run.index + run[0].length))).effectiveDimension,
      );
    }
    // β-sheets: the strand Cα of each open sheet (≥ 5 strands, fewer ladders than
    // strands, so not a closed barrel) with ≥ 25 strand residues.
    const labels = sheetLabels(r.ladders, n);
    for (let s = 0; s <= Math.max(-1, ...labels); s++) {
      const mask = Uint8Array.from(labels, (l, i) => (l === s && r.ss[i] === "E" ? 1 : 0));
      let strands = 0;
      for (let i = 0; i < n; i++) if (mask[i] && (i === 0 || !mask[i - 1])) strands++;
      const ladders = r.ladders.filter((l) => labels[l.i[0]] === s).length;
      if (strands >= 5 && ladders < strands && mask.reduce((a, b) => a + b, 0) >= 25) {
        sheet.push(dimensionality(ca, mask).effectiveDimension);
      }
    }
    // Globular: mixed α/β, ≥ 150 residues, compact (Rg below 2.2·N^0.38 Å).
    const d = dimensionality(ca);
    if (frac("E") > 0.15 && frac("H") > 0.25 && n >= 150 && d.radiusOfGyration < 2.2 * n ** 0.38) {
      globular.push(d.effectiveDimension);
    }
  }
  const [h, s, g] = [median(helix), median(sheet), median(globular)];
  console.log(
    `effective dimension (median): helix ${h.toFixed(2)} (n=${helix.length}), ` +
      `β-sheet ${s.toFixed(2)} (n=${sheet.length}), globular ${
        g.toFixed(2)
      } (n=${globular.length})`,
  );
  assert(helix.length >= 5 && sheet.length >= 10 && globular.length >= 50, "too few chains");
  assert(h >= 1 && h < 1.2, `helix ${h}`);
  assert(s > 1.7 && s < 2.3, `sheet ${s}`);
  assert(g > 2.4 && g <= 3, `globular ${g}`);
});

Deno.test("PCA eigenpairs satisfy C·v = λv; Rg² = Σλ; growth ratios are 1 for the truth", async () => {
  const [c] = await corpusChains(1);
  const ca = caOfChain(c), n = c.seq.length;
  const d = dimensionality(ca);
  // Covariance written out independently.
  const mean = [0, 1, 2].map((k) => ca.filter((_, i) => i % 3 === k).reduce((a, b) => a + b) / n);
  const cov = (a: number, b: number) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (ca[3 * i + a] - mean[a]) * (ca[3 * i + b] - mean[b]);
    return s / n;
  };
  d.axes.forEach((v, k) => {
    for (let a = 0; a < 3; a++) {
      const cv = cov(a, 0) * v[0] + cov(a, 1) * v[1] + cov(a, 2) * v[2];
      assertAlmostEquals(cv, d.eigenvalues[k] * v[a], 1e-8);
    }
  });
  let rg2 = 0;
  for (let i = 0; i < n; i++) for (let a = 0; a < 3; a++) rg2 += (ca[3 * i + a] - mean[a]) ** 2 / n;
  assertAlmostEquals(radiusOfGyration(ca) ** 2, rg2, 1e-8);
  assertAlmostEquals(d.explainedVariance.reduce((a, b) => a + b), 1, 1e-12);
  assert(d.eigenvalues[0] >= d.eigenvalues[1] && d.eigenvalues[1] >= d.eigenvalues[2]);
  // A prediction squashed onto the first axis has the other two extents ~0.
  const squashed = new Float64Array(3 * n);
  const v = d.axes[0];
  for (let i = 0; i < n; i++) {
    const t = (ca[3 * i] - mean[0]) * v[0] + (ca[3 * i + 1] - mean[1]) * v[1] +
      (ca[3 * i + 2] - mean[2]) * v[2];
    for (let a = 0; a < 3; a++) squashed[3 * i + a] = mean[a] + t * v[a];
  }
  const [same, line] = axisGrowth([ca, squashed], ca);
  same.relativeExtent.forEach((e) => assertAlmostEquals(e, 1, 1e-9));
  assertAlmostEquals(line.relativeExtent[0], 1, 1e-9);
  assert(line.relativeExtent[1] < 1e-6 && line.relativeExtent[2] < 1e-6);
  assertAlmostEquals(line.effectiveDimension, 1, 1e-9);
});
