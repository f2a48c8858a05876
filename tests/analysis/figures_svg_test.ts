import { assert, assertAlmostEquals, assertEquals } from "../assert.ts";
import { readSnapshots } from "../../analysis/snapshots.ts";
import { caFromBackbone, learningDynamics } from "../../analysis/dynamics.ts";
import { contactMap } from "../../analysis/contacts.ts";
import {
  contactMapSvg,
  dimensionalitySvg,
  lddtByClassSvg,
  lineChartSvg,
} from "../../analysis/figures/svg_charts.ts";
import { alphaBetaChains, writeSsOrderRun } from "./dynamics_run_fixture.ts";
import { runTool } from "./fixtures.ts";

/**
 * Parse SVG with Python's XML parser (an independent well-formedness check) and
 * return its paths' `d`, the rect count and all text.
 */
const PARSE = `
import json, sys, xml.dom.minidom
doc = xml.dom.minidom.parseString(sys.stdin.read())
root = doc.documentElement
print(json.dumps({
  "root": root.tagName, "ns": root.getAttribute("xmlns"),
  "paths": [[p.getAttribute("d"), p.getAttribute("stroke")] for p in doc.getElementsByTagName("path")],
  "rects": len(doc.getElementsByTagName("rect")),
  "texts": [t.firstChild.data if t.firstChild else "" for t in doc.getElementsByTagName("text")],
}))
`;

interface Parsed {
  root: string;
  ns: string;
  paths: [string, string][];
  rects: number;
  texts: string[];
}

async function parseSvg(svg: string): Promise<Parsed | null> {
  const out = await runTool("python3", ["-c", PARSE], svg);
  return out === null ? null : JSON.parse(out);
}

/** Points of an SVG path made of M/L commands. */
function points(d: string): [number, number][][] {
  return d.split("M").filter(Boolean).map((sub) =>
    sub.split("L").map((p) => p.split(",").map(Number) as [number, number])
  );
}

const dir = await Deno.makeTempDir();
const chains = await alphaBetaChains(3);
await writeSsOrderRun(dir, chains);
const run = await readSnapshots(dir);
await Deno.remove(dir, { recursive: true });
const dyn = learningDynamics(run.probes, run.snapshots);

Deno.test("svg: lDDT-by-class chart is well-formed XML and plots the curves on a log step axis", async () => {
  const svg = lddtByClassSvg(dyn);
  const doc = await parseSvg(svg);
  if (doc === null) return;
  assertEquals(doc.root, "svg");
  assertEquals(doc.ns, "http://www.w3.org/2000/svg");
  assertEquals(doc.paths.length, 4);
  for (const name of ["helix", "strand", "coil", "all residues"]) {
    assert(doc.texts.includes(name), name);
  }
  // The helix line (red): one point per step; x follows log(step), y the value on [0, 1].
  const [helix] = points(doc.paths.find(([, stroke]) => stroke === "#d62728")![0]);
  const steps = dyn.steps, values = dyn.curves["lddt.helix"] as number[];
  assertEquals(helix.length, steps.length);
  const [x0, xN] = [helix[0][0], helix.at(-1)![0]];
  const yTop = 36, yBottom = 400 - 48; // the chart's margins
  let maxErr = 0;
  helix.forEach(([x, y], k) => {
    const logFrac = Math.log(steps[k] / steps[0]) / Math.log(steps.at(-1)! / steps[0]);
    maxErr = Math.max(maxErr, Math.abs((x - x0) / (xN - x0) - logFrac));
    assertAlmostEquals((yBottom - y) / (yBottom - yTop), values[k], 0.001);
  });
  assert(maxErr < 1e-3, `x positions deviate from a log scale by ${maxErr}`);
});

Deno.test("svg: dimensionality chart and a chart with gaps and markup in its labels", async () => {
  const dim = await parseSvg(dimensionalitySvg(dyn));
  if (dim === null) return;
  assertEquals(dim.paths.length, 3);
  assert(dim.texts.includes("axis 3"));
  const svg = lineChartSvg([
    {
      name: "a <b> & 'c'",
      x: [1, 2, 3, 4, 5],
      y: [0.1, 0.2, null, 0.4, 0.5],
      color: "#123456",
      dashed: true,
    },
  ], { title: "x < y & z", xLabel: "step", yLabel: '"value"' });
  const doc = (await parseSvg(svg))!;
  assert(doc.texts.includes("a <b> & 'c'"), doc.texts.join("|"));
  assert(doc.texts.includes("x < y & z"));
  // A null breaks the line into two pieces.
  const pieces = points(doc.paths[0][0]);
  assertEquals(pieces.map((p) => p.length), [2, 2]);
});

Deno.test("svg: contact map draws one cell per true contact below and per predicted contact above the diagonal", async () => {
  const p = run.probes[1];
  const ca = caFromBackbone(p.backbone);
  const L = ca.length / 3;
  // True contacts counted here straight from the coordinates (Cα < 8 Å, i > j).
  let lower = 0;
  for (let i = 0; i < L; i++) {
    for (let j = 0; j < i; j++) {
      if (
        Math.hypot(
          ca[3 * i] - ca[3 * j],
          ca[3 * i + 1] - ca[3 * j + 1],
          ca[3 * i + 2] - ca[3 * j + 2],
        ) < 8
      ) lower++;
    }
  }
  const predicted = new Float64Array(L * L);
  for (let i = 0; i < L; i++) {
    for (let j = i + 1; j < L && j < i + 4; j++) predicted[i * L + j] = 0.5;
  }
  const upper = predicted.filter((v) => v > 0).length;
  const doc = await parseSvg(contactMapSvg(contactMap(ca), predicted));
  if (doc === null) return;
  assertEquals(doc.rects, 2 + lower + upper); // background and frame
  const truthOnly = (await parseSvg(contactMapSvg(contactMap(ca))))!;
  assertEquals(truthOnly.rects, 2 + 2 * lower);
});
