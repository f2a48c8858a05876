/**
 * The training report: the loss as one smoothed panel per family of terms,
 * validation against the baseline, and the held-out protein in the 3D viewer
 * (its Cα trace by pLDDT on the true one), drawn by headless Chromium from
 * the offline file.
 */

import { assert, assertEquals } from "../assert.ts";
import { writeTrainingReport } from "../../train/report.ts";
import type { Af2Training, ValPrediction } from "../../train/af2_task.ts";
import type { TrainState } from "../../model/checkpoint.ts";
import { runConfigSchema } from "../../train/config.ts";
import { readStructure } from "../../model/protein/structure_file.ts";
import { caCoords } from "../../analysis/protein_coords.ts";
import { runTool } from "../analysis/fixtures.ts";
import { withTools } from "../tools.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

const chromium = withTools("chromium");

chromium.test("training report: loss panels by family, and the held-out protein in the 3D viewer", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // 600 steps of the committed study's metrics (its terms and validation lines).
    const lines = (await Deno.readTextFile(`${ROOT}notebooks/study/metrics.jsonl`))
      .split("\n").slice(0, 600).join("\n") + "\n";
    await Deno.writeTextFile(`${dir}/metrics.jsonl`, lines);
    // The held-out prediction: ubiquitin's Cα trace against itself, jittered.
    const p = await readStructure(
      `${ROOT}data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz`,
    );
    const { xyz, mask } = caCoords(p);
    const pred = xyz.map((v, i) => v + Math.sin(i) * 1.5);
    const val: ValPrediction = {
      id: "1UBI_A",
      pred,
      truth: xyz,
      mask: Float64Array.from(mask),
      plddt: Float32Array.from({ length: mask.length }, (_, i) => (i < 38 ? 35 : 92)),
    };
    const af2 = { predictVal: () => Promise.resolve(val) } as unknown as Af2Training;
    const config = runConfigSchema.parse({ preset: "tiny", steps: 600, data: "data/sample" });
    const path = await writeTrainingReport(dir, af2, { step: 600 } as TrainState, {
      config,
      seconds: 12,
      parameters: 654314,
    });
    const html = await Deno.readTextFile(path);
    assertEquals(/<script[^>]*\ssrc=/.test(html), false, "a script is not inline");
    const probe = `<script>
setTimeout(function () {
  var c = document.querySelector(".structure-3d canvas");
  var o = document.createElement("canvas");
  o.width = c.width; o.height = c.height;
  var g = o.getContext("2d");
  g.drawImage(c, 0, 0);
  var d = g.getImageData(0, 0, o.width, o.height).data, painted = 0;
  for (var i = 0; i < d.length; i += 4) if (!(d[i] > 245 && d[i + 1] > 245 && d[i + 2] > 245)) painted++;
  var panels = document.querySelectorAll("#fig-0 .annotation-text").length;
  document.body.setAttribute("data-check", JSON.stringify({ painted: painted, panels: panels }));
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
    // total, FAPE, distogram, masked MSA, confidence heads, side chains: six panels.
    assertEquals(check.panels, 6, JSON.stringify(check));
    assert(check.painted > 2000, `the 3D viewer drew ${check.painted} pixels`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
