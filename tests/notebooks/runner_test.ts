/**
 * The notebook runner's checks on executed notebooks (what makes `deno task
 * notebooks` fail), and its misuse handling.
 */
import { executedProblems, listNotebooks, parseNotebook } from "../../notebooks/run.ts";
import { ParseError, UsageError } from "../../model/util/errors.ts";
import { assertEquals, assertRejects, assertThrows } from "../assert.ts";

const code = (source: string | string[], outputs: unknown[]) => ({
  cell_type: "code",
  metadata: {},
  source,
  outputs,
});

Deno.test("executedProblems: cells without output and error outputs are named; good cells pass", () => {
  const nb = parseNotebook(
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: "deno", display_name: "Deno" } },
      cells: [
        { cell_type: "markdown", metadata: {}, source: "# title" },
        code("console.log(1);", [{ output_type: "stream", name: "stdout", text: "1\n" }]),
        code("\n// setup\nconst x = 1;", []),
        code(["await f();\n", "g();"], [
          { output_type: "stream", name: "stdout", text: "partial\n" },
          {
            output_type: "error",
            ename: "TypeError",
            evalue: "g is not a function",
            traceback: [],
          },
        ]),
        code("   \n", []),
      ],
    }),
    "t.ipynb",
  );
  assertEquals(executedProblems(nb), [
    { cell: 2, firstLine: "// setup", problem: "no output" },
    { cell: 3, firstLine: "await f();", problem: "TypeError: g is not a function" },
  ]);
});

Deno.test("parseNotebook: not JSON and wrong nbformat name the file and field", () => {
  assertThrows(() => parseNotebook("{", "a.ipynb"), ParseError, "a.ipynb: not JSON");
  assertThrows(
    () => parseNotebook(JSON.stringify({ nbformat: 3, cells: [], metadata: {} }), "b.ipynb"),
    ParseError,
    "b.ipynb: field nbformat",
  );
});

Deno.test("listNotebooks: the four notebooks, and --only with an unknown name is misuse", async () => {
  const dir = new URL("../../notebooks", import.meta.url).pathname;
  assertEquals(await listNotebooks(dir), [
    "generalization",
    "learning_dynamics",
    "modules",
    "quickstart",
  ]);
  assertEquals(await listNotebooks(dir, ["modules"]), ["modules"]);
  await assertRejects(() => listNotebooks(dir, ["nope"]), UsageError, "--only nope: no notebook");
});
