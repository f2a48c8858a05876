/**
 * PNG figures from an executed notebook (for READMEs): the plotly outputs are
 * found in order and drawn by headless Chromium at the requested size. The
 * rendering test is skipped, with the reason printed, where Chromium is absent
 * (and fails there under DENOFOLD_REQUIRE_TOOLS=1).
 */
import { figureSlug, notebookFigures, renderNotebookFigures } from "../../notebooks/figures_png.ts";
import { PLOTLY_MIME } from "../../notebooks/display.ts";
import { paeHeatmapFigure } from "../../analysis/figures/structure_figures.ts";
import { assert, assertEquals } from "../assert.ts";
import { withTools } from "../tools.ts";

const chromium = withTools("chromium");

const LINE = {
  data: [{ type: "scatter", mode: "lines", x: [1, 10, 100], y: [0.1, 0.6, 0.8] }],
  layout: { title: { text: "lDDT-Cα <b>vs</b> step" } },
};

function executed(figures: unknown[]): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "deno" } },
    cells: [
      { cell_type: "markdown", metadata: {}, source: "# t" },
      ...figures.map((f) => ({
        cell_type: "code",
        metadata: {},
        source: "await show(f);",
        outputs: [
          { output_type: "stream", name: "stdout", text: "x\n" },
          {
            output_type: "display_data",
            metadata: {},
            data: { [PLOTLY_MIME]: f, "text/html": "" },
          },
        ],
      })),
    ],
  });
}

Deno.test("notebookFigures: the plotly outputs in order; slugs from titles", () => {
  const pae = paeHeatmapFigure(Float32Array.from({ length: 16 }, (_, i) => i), { title: "PAE" });
  const figs = notebookFigures(executed([LINE, pae]), "t.ipynb");
  assertEquals(figs.length, 2);
  assertEquals(figs[0], LINE);
  assertEquals(figureSlug(figs[0]), "lddt_c_vs_step");
  assertEquals(figureSlug(figs[1]), "pae");
});

chromium.test("renderNotebookFigures: headless Chromium draws each figure to a PNG of the asked size", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const empty = { data: [], layout: LINE.layout };
    await Deno.writeTextFile(`${dir}/nb.ipynb`, executed([LINE, empty]));
    const pngs = await renderNotebookFigures(`${dir}/nb.ipynb`, `${dir}/png`, {
      width: 640,
      height: 400,
    });
    assertEquals(pngs, [
      `${dir}/png/nb_1_lddt_c_vs_step.png`,
      `${dir}/png/nb_2_lddt_c_vs_step.png`,
    ]);
    const [line, blank] = await Promise.all(pngs.map((p) => Deno.readFile(p)));
    for (const png of [line, blank]) {
      assertEquals([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]); // PNG signature
      const ihdr = new DataView(png.buffer, png.byteOffset + 16, 8);
      assertEquals([ihdr.getUint32(0), ihdr.getUint32(4)], [640, 400]);
    }
    // The trace was drawn: the page with data differs from the same page without it.
    assert(line.length !== blank.length || line.some((b, i) => b !== blank[i]), "no trace drawn");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
