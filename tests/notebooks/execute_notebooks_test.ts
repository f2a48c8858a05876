/**
 * `deno task notebooks` end to end (slow: executes every notebook on the Deno
 * Jupyter kernel, training tiny models on the bundled sample, a few minutes).
 * Skipped, with the reason printed, only where Jupyter is not installed.
 */
import {
  executedProblems,
  jupyterAvailable,
  KERNEL_NAME,
  listNotebooks,
  parseNotebook,
  runNotebooks,
} from "../../notebooks/run.ts";
import { assert, assertEquals } from "../assert.ts";
import { toolMissing } from "../tools.ts";

const DIR = new URL("../../notebooks", import.meta.url).pathname;

Deno.test("notebooks are committed clean: Deno kernel, no outputs, a parameters cell", async () => {
  for (const name of await listNotebooks(DIR)) {
    const nb = parseNotebook(await Deno.readTextFile(`${DIR}/${name}.ipynb`), name);
    assertEquals(nb.metadata.kernelspec?.name, KERNEL_NAME, name);
    const code = nb.cells.filter((c) => c.cell_type === "code");
    assert(code.every((c) => (c.outputs ?? []).length === 0), `${name} has committed outputs`);
    assert(
      code.some((c) => JSON.stringify(c.metadata ?? {}).includes('"parameters"')),
      `${name} has no cell tagged "parameters"`,
    );
  }
});

Deno.test("notebooks (slow, minutes): every notebook executes with outputs in every code cell and no error", async () => {
  if (!(await jupyterAvailable())) {
    return toolMissing(
      "jupyter nbconvert is not installed (apt-get install jupyter-nbconvert python3-nbclient python3-ipykernel)",
    );
  }
  const out = await Deno.makeTempDir({ prefix: "denofold-notebooks-" });
  const results = await runNotebooks({ out, log: (m) => console.log(m) });
  assertEquals(results.map((r) => r.name), await listNotebooks(DIR));
  for (const r of results) {
    // Read the executed copy back from disk: what a user opens.
    const nb = parseNotebook(await Deno.readTextFile(r.ipynb), r.ipynb);
    const code = nb.cells.filter((c) => c.cell_type === "code");
    assertEquals(executedProblems(nb), [], `${r.name}: cells without output or with errors`);
    assert(code.length >= 5, `${r.name}: only ${code.length} code cells`);
    for (const c of code) {
      assert((c.outputs ?? []).length > 0, `${r.name}: a code cell has no output`);
      assert(c.outputs!.every((o) => o.output_type !== "error"), `${r.name}: error output`);
    }
    // Every notebook shows at least one plotly figure or molecular view (the quickstart's
    // PAE is drawn by plotly inside its view), and its HTML export carries plotly.js
    // exactly once (offline, inlined by the first figure or view).
    const figures = code.flatMap((c) => c.outputs ?? []).filter((o) => {
      const json = JSON.stringify(o);
      return json.includes("application/vnd.plotly.v1+json") ||
        json.includes('class=\\"structure-view\\"');
    });
    assert(figures.length > 0, `${r.name}: no plotly figure or molecular view`);
    const html = await Deno.readTextFile(r.html);
    assertEquals(html.split("window.Plotly = Plotly").length - 1, 1, `${r.name}.html plotly.js`);
    console.log(
      `${r.name}: ${code.length} code cells, ${figures.length} figures, ${r.seconds.toFixed(0)} s`,
    );
  }
  await Deno.remove(out, { recursive: true });
});
