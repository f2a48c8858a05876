/**
 * The notebook display helper: plotly figures carry the plotly MIME type and an
 * HTML fallback drawing them with the real plotly.js; tables escape their cells.
 */
import {
  DEFER_ENV,
  inlineLibraries,
  libraryMarker,
  PLOTLY_MIME,
  plotlyBundle,
  structureBundle,
  tableBundle,
} from "../../notebooks/display.ts";
import { plotlyJsSource, plotlyScriptTag } from "../../analysis/report.ts";
import { threeDmolJsSource } from "../../analysis/figures/structure_viewer.ts";
import { assert, assertEquals } from "../assert.ts";

const FIG = {
  data: [{ type: "scatter", x: [1, 2, 3], y: [0.1, 0.5, 0.9], name: "a</script>b" }],
  layout: { title: { text: "lDDT <by> class" } },
  frames: [{ name: "step 1", data: [{ type: "scatter", x: [1], y: [2] }] }],
};

Deno.test("plotlyBundle: plotly MIME, HTML fallback with plotly.js inlined only when asked", async () => {
  const first = await plotlyBundle(FIG, true);
  const later = await plotlyBundle(FIG, false);
  assertEquals(first[PLOTLY_MIME], FIG);
  assertEquals(first["text/plain"], "[plotly figure: lDDT <by> class]");
  const html = first["text/html"] as string, small = later["text/html"] as string;
  // The inlined library is the npm package's plotly.min.js (it ends by setting window.Plotly).
  const lib = await plotlyJsSource();
  assert(lib.length > 1_000_000 && html.length > lib.length, "plotly.js not inlined");
  assert(html.includes("window.Plotly = Plotly"), "not the plotly.js bundle");
  assert(!small.includes("window.Plotly = Plotly") && small.length < 2000, "inlined twice");
  assert(small.includes("Plotly.newPlot(") && small.includes('"frames":['), "no drawing call");
  // A trace name cannot close the script element early.
  assertEquals(small.split("</script>").length, 2, small);
});

Deno.test("tableBundle: escaped HTML cells, aligned plain text, nulls and rounding", () => {
  const b = tableBundle(["name", "value"], [["<b>x</b>", 0.123456], ["y", null], ["z", 7]], {
    caption: "T & U",
    digits: 2,
  });
  assertEquals(
    b["text/html"],
    "<table><caption>T &amp; U</caption><thead><tr><th>name</th><th>value</th></tr></thead>" +
      "<tbody><tr><td>&lt;b&gt;x&lt;/b&gt;</td><td>0.12</td></tr><tr><td>y</td><td>–</td></tr>" +
      "<tr><td>z</td><td>7</td></tr></tbody></table>",
  );
  assertEquals(
    b["text/plain"],
    ["T & U", "name      value", "<b>x</b>  0.12", "y         –", "z         7"].join("\n"),
  );
});

Deno.test("structureBundle: the viewer's HTML, 3Dmol.js and plotly.js inlined only when asked", async () => {
  const pdb =
    "ATOM      1  CA  ALA A   1       0.000   0.000   0.000  1.00 90.00           C\nEND\n";
  const view = {
    title: "one </script> atom",
    models: [{ name: "p", pdb, color: "plddt", style: "trace" as const }],
    pae: [0.5],
  };
  const first = await structureBundle(view, { threeDmol: true, plotly: true });
  const later = await structureBundle(view, { threeDmol: false, plotly: false });
  const html = first["text/html"] as string, small = later["text/html"] as string;
  const lib = await threeDmolJsSource();
  assert(html.length > lib.length + 1_000_000, "3Dmol.js and plotly.js not both inlined");
  assert(small.length < 20_000 && small.includes("denofoldDrawStructure("), "no drawing call");
  assertEquals(first["text/plain"], "[structure view: one </script> atom]");
  // The title cannot close the script element early: one script, in the fragment.
  assertEquals(small.split("</script>").length, 2, small);
});

Deno.test("display: under the runner the libraries travel as markers, inlined afterwards", async () => {
  const was = Deno.env.get(DEFER_ENV);
  Deno.env.set(DEFER_ENV, "1");
  try {
    const bundle = await plotlyBundle(FIG, true);
    const html = bundle["text/html"] as string;
    assert(html.startsWith(libraryMarker("plotly")), html.slice(0, 80));
    assert(html.length < 10_000, `${html.length} bytes sent through the kernel`);
    const inlined = await inlineLibraries(html);
    assert(!inlined.includes(libraryMarker("plotly")));
    assert(inlined.startsWith(await plotlyScriptTag()));
    assertEquals(
      inlined.slice((await plotlyScriptTag()).length),
      html.slice(libraryMarker("plotly").length),
    );
  } finally {
    if (was === undefined) Deno.env.delete(DEFER_ENV);
    else Deno.env.set(DEFER_ENV, was);
  }
});
