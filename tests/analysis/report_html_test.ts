import { assert, assertEquals } from "../assert.ts";
import {
  figureHtml,
  plotlyJsPath,
  plotlyScriptTag,
  renderReport,
  type Report,
  writeReport,
} from "../../analysis/report.ts";
import type { PlotlyFigure } from "../../analysis/figures/plotly_spec.ts";
import { lineChartSvg } from "../../analysis/figures/svg_charts.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The `figures` array a report page hands to Plotly.newPlot. */
function embeddedFigures(html: string): PlotlyFigure[] {
  const m = /const figures = (.*);\nfigures\.forEach/.exec(html);
  assert(m !== null, "no figures script in the page");
  return JSON.parse(m[1]);
}

const fig: PlotlyFigure = {
  data: [{ type: "scatter", x: [1, 10, 100], y: [0.2, 0.5, 0.9], name: "</script><b>helix</b>" }],
  layout: { title: { text: "lDDT \u2028 by class" }, xaxis: { type: "log" } },
};
const svg = lineChartSvg([{ name: "helix", x: [1, 10], y: [0.1, 0.9], color: "#d62728" }], {
  title: "SVG chart",
  xLabel: "step",
  yLabel: "lDDT",
  logX: true,
});
const report: Report = {
  title: "Run <7>",
  subtitle: "runs/test & more",
  sections: [
    {
      title: "Curves",
      text: ["<script>alert(1)</script> is text here"],
      preformatted: "a < b",
      figures: [fig, { data: [], layout: {} }],
      svgs: [svg],
      tables: [{
        caption: "milestones",
        columns: ["curve", "90 %"],
        rows: [["helix", 12], ["strand", null], ["x", 0.123456]],
      }],
    },
  ],
};

Deno.test("report: one offline HTML file with plotly.js inlined from the npm package, figures, SVG and tables", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/report.html`;
    await writeReport(path, report);
    const html = await Deno.readTextFile(path);
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["report.html"]); // no temp file left
    // plotly.js itself, byte for byte, from node_modules (the package the imports map pins).
    const lib = await Deno.readTextFile(plotlyJsPath());
    const version =
      JSON.parse(await Deno.readTextFile(`${ROOT}node_modules/plotly.js-dist-min/package.json`))
        .version;
    assert(lib.includes(`plotly.js v${version}`));
    assert(
      html.includes(lib.slice(0, 2000)) && html.includes(lib.slice(-2000)),
      "plotly.js not inlined",
    );
    assert(html.length > lib.length);
    // Offline: nothing is loaded from elsewhere.
    assert(!/<script[^>]+src=/i.test(html) && !/<link[^>]+href=/i.test(html));
    // The figures round-trip exactly, and the page never closes its script early.
    assertEquals(embeddedFigures(html), [fig, { data: [], layout: {} }]);
    assertEquals(
      html.match(/<div class="plotly-figure" id="fig-\d+" style="height:480px"><\/div>/g)!.length,
      2,
    );
    assert(
      renderReport({
        title: "t",
        sections: [{ title: "s", figures: [{ data: [], layout: { height: 640 } }] }],
      }, "")
        .includes('id="fig-0" style="height:640px"'),
    );
    const pageScript = html.slice(html.lastIndexOf("<script>"));
    assertEquals(pageScript.match(/<\/script>/g)!.length, 1);
    // Text is escaped; the SVG is inlined as markup; the table prints nulls and rounds.
    assert(html.includes("&lt;script&gt;alert(1)&lt;/script&gt; is text here"));
    assert(html.includes("<title>Run &lt;7&gt;</title>"));
    assert(html.includes("<pre>a &lt; b</pre>"));
    assert(html.includes(svg));
    assert(html.includes("<td>strand</td><td>–</td>") && html.includes("<td>0.1235</td>"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report: the page script is valid JavaScript and plots every figure into its div", () => {
  const html = renderReport(report, "/* plotly stand-in */");
  const script = /<script>\nconst figures([\s\S]*?)<\/script>/.exec(html);
  assert(script !== null);
  const calls: [string, unknown][] = [];
  const Plotly = { newPlot: (id: string, f: unknown) => calls.push([id, f]) };
  new Function("Plotly", `const figures${script[1]}`)(Plotly);
  assertEquals(calls.map(([id]) => id), ["fig-0", "fig-1"]);
  assertEquals((calls[0][1] as PlotlyFigure).data, fig.data);
  assertEquals((calls[0][1] as { config: unknown }).config, { responsive: true });
});

Deno.test("report: a single figure as an HTML fragment for notebooks draws itself with the page's Plotly", async () => {
  const html = figureHtml(fig, 'f"1');
  assert(html.startsWith('<div id="f&quot;1"'));
  const script = /<script>([\s\S]*)<\/script>$/.exec(html);
  assert(script !== null && !script[1].includes("</"), html);
  const calls: [string, unknown][] = [];
  new Function("Plotly", script[1])({ newPlot: (id: string, f: unknown) => calls.push([id, f]) });
  assertEquals(calls.length, 1);
  assertEquals(calls[0][0], 'f"1');
  assertEquals((calls[0][1] as PlotlyFigure).data, fig.data);
  assert(figureHtml(fig) !== figureHtml(fig), "default ids must differ");
  const tag = await plotlyScriptTag();
  assert(tag.startsWith("<script>") && tag.endsWith("</script>") && tag.includes("plotly.js v"));
});
