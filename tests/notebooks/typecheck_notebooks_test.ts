/**
 * The notebooks' code type-checks: the Jupyter kernel runs cells without a type
 * check, so their code cells are joined into one module and given to `deno check`.
 */
import { listNotebooks, parseNotebook } from "../../notebooks/run.ts";
import { assertEquals } from "../assert.ts";

const DIR = new URL("../../notebooks", import.meta.url).pathname;

Deno.test("notebooks: the code cells of every notebook pass deno check", async () => {
  const files: string[] = [];
  try {
    for (const name of await listNotebooks(DIR)) {
      const nb = parseNotebook(await Deno.readTextFile(`${DIR}/${name}.ipynb`), name);
      const code = nb.cells.filter((c) => c.cell_type === "code")
        .map((c) => typeof c.source === "string" ? c.source : c.source.join(""));
      // In the notebook folder, so relative imports and deno.json resolve as in the kernel.
      const file = `${DIR}/.typecheck_${name}_${Deno.pid}.ts`;
      await Deno.writeTextFile(file, code.join("\n;\n") + "\nexport {};\n");
      files.push(file);
    }
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["check", ...files],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(r.stderr);
    const errors = err.split("\n").filter((l) => /ERROR|at file/.test(l)).join("\n");
    assertEquals(r.code, 0, errors || err.trim().split("\n").slice(-8).join("\n"));
  } finally {
    for (const f of files) await Deno.remove(f).catch(() => {});
  }
});
