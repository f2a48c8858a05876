import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../assert.ts";
import { readSnapshots } from "../../analysis/snapshots.ts";
import { caFromBackbone, type DynamicsResult, learningDynamics } from "../../analysis/dynamics.ts";
import { readRunMetrics } from "../../analysis/run_metrics.ts";
import { contactMap } from "../../analysis/contacts.ts";
import type { PlotlyFigure } from "../../analysis/figures/plotly_spec.ts";
import {
  contactPrecisionFigure,
  dimensionalityFigure,
  lddtByClassFigure,
  learningCurvesFigure,
  lossPanelsFigure,
  ssFormedFigure,
} from "../../analysis/figures/learning_figures.ts";
import {
  backboneViewerFigure,
  contactMapFigure,
  paeHeatmapFigure,
  traceGalleryFigure,
} from "../../analysis/figures/structure_figures.ts";
import { alphaBetaChains, writeSsOrderRun } from "./dynamics_run_fixture.ts";
import { plotlyIssues } from "./figures_plotly_schema.ts";
import { InputError } from "../../model/util/errors.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

async function syntheticRun() {
  const dir = await Deno.makeTempDir();
  try {
    await writeSsOrderRun(dir, await alphaBetaChains(3));
    const run = await readSnapshots(dir);
    const metrics = await readRunMetrics(`${dir}/metrics.jsonl`);
    return { ...run, metrics, dyn: learningDynamics(run.probes, run.snapshots) as DynamicsResult };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const run = await syntheticRun();

Deno.test("figures: every plotly builder's spec passes plotly.js's own schema validation", async () => {
  const { probes, snapshots, metrics, dyn } = run;
  const ca = caFromBackbone(probes[0].backbone);
  const pae = Float64Array.from(
    { length: 40 * 40 },
    (_, k) => Math.abs((k % 40) - Math.floor(k / 40)) / 2,
  );
  const figures: Record<string, PlotlyFigure> = {
    learningCurves: learningCurvesFigure(metrics),
    learningCurvesLinear: learningCurvesFigure(metrics, { logX: false }),
    lossPanels: lossPanelsFigure(metrics),
    lddtByClass: lddtByClassFigure(dyn),
    ssFormed: ssFormedFigure(dyn),
    contactPrecision: contactPrecisionFigure(dyn),
    dimensionality: dimensionalityFigure(dyn),
    viewerPlddt: backboneViewerFigure(ca, {
      colorBy: "plddt",
      plddt: snapshots[9].probes[0].plddt,
    }),
    viewerSs: backboneViewerFigure(ca, { colorBy: "ss", ss: probes[0].dssp }),
    gallery: traceGalleryFigure(probes[0], snapshots),
    pae: paeHeatmapFigure(pae),
    contactMap: contactMapFigure(contactMap(ca), contactMap(ca)),
  };
  for (const [name, fig] of Object.entries(figures)) {
    const issues = await plotlyIssues(fig);
    assertEquals(issues.length, 0, `${name}: ${issues.map((i) => i.msg).join("; ")}`);
    // Plain JSON (no typed arrays, NaN or undefined): survives a round trip unchanged.
    assertEquals(JSON.parse(JSON.stringify(fig)), fig as unknown);
  }
  // The validator does catch mistakes (so the loop above can fail).
  const bad = lddtByClassFigure(dyn);
  (bad.data[0] as Any).linee = {};
  (bad.layout.xaxis as Any).type = "logarithmic";
  assertEquals((await plotlyIssues(bad)).length, 2);
});

Deno.test("figures: curve figures carry the decomposition's numbers and the run's metrics", () => {
  const { metrics, dyn } = run;
  const lddt = lddtByClassFigure(dyn);
  assertEquals(lddt.data.map((t) => t.name), ["all residues", "helix", "strand", "coil"]);
  assertEquals((lddt.data[1] as Any).y, dyn.curves["lddt.helix"]);
  assertEquals((lddt.data[1] as Any).x, dyn.steps);
  assertEquals((lddt.layout.xaxis as Any).type, "log");
  assertEquals((lddtByClassFigure(dyn, { logX: false }).layout.xaxis as Any).type, "linear");
  const dim = dimensionalityFigure(dyn);
  assertEquals((dim.data[2] as Any).y, dyn.curves.axis3);
  assertEquals((dim.data[3] as Any).yaxis, "y2");
  const curves = learningCurvesFigure(metrics);
  assertEquals(curves.data.map((t) => t.name), ["loss", "fape", "distogram", "val_lddt_ca"]);
  const val = curves.data[3] as Any;
  assertEquals(val.x.length, 12); // validation every 250 of 3000 steps
  assertEquals(val.yaxis, "y2");
  assertEquals((curves.data[0] as Any).x.length, 3000);
  assertEquals((curves.layout.yaxis as Any).type, "log");
  const withZero = learningCurvesFigure([{ step: 1, loss: 0 }, { step: 2, loss: 1 }] as Any);
  assertEquals((withZero.layout.yaxis as Any).type, "linear");
  const formed = ssFormedFigure(dyn);
  assertEquals((formed.layout.shapes as Any)[0].y0, dyn.truthComposition.helix);
});

Deno.test("figures: 3D viewer, gallery frames, PAE and contact map hold the structure's coordinates", () => {
  const { probes, snapshots } = run;
  const p = probes[0];
  const ca = caFromBackbone(p.backbone);
  const mask = p.mask.map((_, i) => (i === 3 ? 0 : 1));
  const v = backboneViewerFigure(ca, { colorBy: "ss", ss: p.dssp, mask }).data[0] as Any;
  assertEquals(v.type, "scatter3d");
  assertAlmostEquals(v.x[5], ca[15], 0.005);
  assertAlmostEquals(v.z[7], ca[23], 0.005);
  assertEquals(v.x[3], null); // a masked residue breaks the line
  // SS colour codes: helix 0, strand 1, coil 2, from the 3-state reduction of DSSP.
  const ssCodes = [...p.dssp].map((c) => ("HGI".includes(c) ? 0 : "EB".includes(c) ? 1 : 2));
  assertEquals(v.line.color, ssCodes);
  assertThrows(() => backboneViewerFigure(ca, { colorBy: "plddt" }), InputError, "needs plddt");

  const g = traceGalleryFigure(p, snapshots, { maxFrames: 6 });
  assertEquals(g.frames!.length, 6);
  assertEquals(g.frames!.map((f) => f.name)[0], String(snapshots[0].step));
  assertEquals(g.frames!.at(-1)!.name, String(snapshots.at(-1)!.step));
  assertEquals((g.layout.sliders as Any)[0].steps.length, 6);
  // The last snapshot is the truth: superposed, it lies on the true trace.
  const last = g.frames!.at(-1)!.data[1] as Any;
  let maxDev = 0;
  for (let i = 0; i < ca.length / 3; i++) {
    maxDev = Math.max(maxDev, Math.abs(last.x[i] - ca[3 * i]), Math.abs(last.y[i] - ca[3 * i + 1]));
  }
  assert(maxDev < 0.03, `last frame deviates ${maxDev} Å from the truth`);
  // Fixed axis ranges contain every frame.
  const range = (g.layout.scene as Any).xaxis.range as [number, number];
  for (const f of g.frames!) {
    for (const x of (f.data[1] as Any).x as number[]) assert(x >= range[0] && x <= range[1]);
  }

  const n = 30;
  const pae = Float64Array.from({ length: n * n }, (_, k) => (k * 7) % 29);
  const h = paeHeatmapFigure(pae).data[0] as Any;
  assertEquals(h.z.length, n);
  assertEquals(h.z[4][17], pae[4 * n + 17]);
  assertEquals(h.zmax, 28);
  assertThrows(() => paeHeatmapFigure(new Float64Array(10)), InputError);

  // Contact map: lower triangle = truth, counted here straight from the coordinates.
  const L = ca.length / 3;
  let trueContacts = 0;
  for (let i = 0; i < L; i++) {
    for (let j = 0; j < i; j++) {
      const d = Math.hypot(
        ca[3 * i] - ca[3 * j],
        ca[3 * i + 1] - ca[3 * j + 1],
        ca[3 * i + 2] - ca[3 * j + 2],
      );
      if (d < 8) trueContacts++;
    }
  }
  const predicted = new Float64Array(L * L).fill(0.25);
  const cm = contactMapFigure(contactMap(ca), predicted).data[0] as Any;
  let lower = 0, upper = 0;
  for (let i = 0; i < L; i++) {
    for (let j = 0; j < L; j++) {
      if (i > j) lower += cm.z[i][j];
      if (i < j) upper += cm.z[i][j];
    }
  }
  assertEquals(lower, trueContacts);
  assertAlmostEquals(upper, 0.25 * (L * (L - 1)) / 2, 1e-9);
});
