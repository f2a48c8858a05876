import { assert, assertEquals } from "../assert.ts";
import { readSnapshots } from "../../analysis/snapshots.ts";
import { learningDynamics } from "../../analysis/dynamics.ts";
import { readRunMetrics } from "../../analysis/run_metrics.ts";
import { dynamicsReport } from "../../analysis/dynamics_report.ts";
import { writeReport } from "../../analysis/report.ts";
import { alphaBetaChains, writeSsOrderRun } from "./dynamics_run_fixture.ts";
import { runTool } from "./fixtures.ts";
import { withTools } from "../tools.ts";

const chromium = withTools("chromium");

chromium.test("report: headless Chromium draws every plotly figure of a dynamics report from the single offline file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeSsOrderRun(dir, await alphaBetaChains(3));
    const { probes, snapshots } = await readSnapshots(dir);
    const metrics = await readRunMetrics(`${dir}/metrics.jsonl`);
    const report = dynamicsReport({
      dynamics: learningDynamics(probes, snapshots),
      probes,
      snapshots,
      metrics,
    });
    await writeReport(`${dir}/report.html`, report);
    // --dump-dom prints the page after its scripts ran; plotly draws 2D figures
    // into an <svg class="main-svg"> and 3D ones into a WebGL canvas (software GL here).
    const dom = await runTool("chromium", [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--enable-unsafe-swiftshader",
      `--user-data-dir=${dir}/profile`,
      "--virtual-time-budget=15000",
      "--enable-logging=stderr",
      "--dump-dom",
      `file://${dir}/report.html`,
    ]);
    if (dom === null) return;
    const divs = dom.split('<div class="plotly-figure').slice(1);
    const expected = report.sections.reduce((a, s) => a + (s.figures?.length ?? 0), 0);
    assertEquals(divs.length, expected);
    divs.forEach((d, k) => {
      assert(d.includes("js-plotly-plot") && d.includes("main-svg"), `figure ${k} was not drawn`);
    });
    const scenes = divs.filter((d) => d.includes('id="scene"') && d.includes("<canvas")).length;
    assertEquals(scenes, 3); // the gallery and the two 3D viewers
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
