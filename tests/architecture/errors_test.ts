/**
 * Errors are typed (model/util/errors.ts): a bare `Error` carries no exit code
 * and no kind a caller could catch, so product code throws a DenofoldError
 * subclass instead. This reads every product file and fails naming each
 * `file:line` that throws a bare Error.
 */

import { assert, assertEquals } from "../assert.ts";
import {
  exitCodeOf,
  InputError,
  ParseError,
  RunError,
  ToolError,
} from "../../model/util/errors.ts";
import { GraphError } from "../../model/graph/tensor.ts";
import { ParamStoreError } from "../../model/params.ts";
import { CudaUnavailableError } from "../../model/graph/runtime.ts";
import { RunLockedError } from "../../train/run_lock.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Product code: the library, the trainer, the analyses and the notebooks' helpers. */
async function productFiles(): Promise<string[]> {
  const out = await new Deno.Command("git", {
    args: ["ls-files", "--cached", "--others", "--exclude-standard", "model", "train", "analysis"],
    cwd: ROOT,
    stdout: "piped",
  }).output();
  const files = new TextDecoder().decode(out.stdout).split("\n").filter((f) => f.endsWith(".ts"));
  for await (const e of Deno.readDir(ROOT + "notebooks")) {
    if (e.isFile && e.name.endsWith(".ts")) files.push(`notebooks/${e.name}`);
  }
  return files;
}

/** `throw new Error(` and `throw Error(`, across line breaks; not `throw new ParseError(`. */
const BARE = /\bthrow\s+(?:new\s+)?Error\s*\(/g;

/** The 1-based lines of `source` that throw a bare Error. */
export function bareThrows(source: string): number[] {
  return [...source.matchAll(BARE)].map((m) => source.slice(0, m.index).split("\n").length);
}

Deno.test("errors: no product file throws a bare Error", async () => {
  const files = await productFiles();
  const found: string[] = [];
  for (const file of files) {
    const source = await Deno.readTextFile(ROOT + file);
    for (const line of bareThrows(source)) found.push(`${file}:${line}`);
  }
  assertEquals(found, [], `bare Error thrown at (use model/util/errors.ts):\n${found.join("\n")}`);
  assert(files.length > 100, `only ${files.length} product files found`);
});

Deno.test("errors: the scanner finds bare throws and only those", () => {
  const src = `const a = 1;\nthrow new Error("x");\n  throw  Error(\n"y");\n` +
    `throw new ParseError({ file: "f" }, "z");\nthrow new RangeError("r");\nthrow new\n  Error("w");`;
  assertEquals(bareThrows(src), [2, 3, 7]);
});

Deno.test("errors: the specific errors sit in the hierarchy with their exit codes", () => {
  const cases: [Error, 1 | 2][] = [
    [new ParseError({ file: "a.pdb", line: 3 }, "bad"), 2],
    [new InputError("bad input"), 2],
    [new ParamStoreError("x.safetensors", ["w"], [], []), 2],
    [new RunError("failed"), 1],
    [new ToolError("no tool"), 1],
    [new GraphError("MatMul", "shapes differ"), 1],
    // --device cuda where there is no CUDA: fixed by passing --device cpu.
    [new CudaUnavailableError("no provider"), 2],
    [new RunLockedError("runs/a", 1234), 1],
    [new Error("not ours"), 1],
  ];
  for (const [e, code] of cases) assertEquals(exitCodeOf(e), code, e.name);
  assert(new GraphError("Add", "x") instanceof RunError);
  assert(new CudaUnavailableError("x") instanceof InputError);
  assertEquals(new GraphError("Add", "x").name, "GraphError");
  assertEquals(new ParseError({ file: "a.pdb", line: 3 }, "bad").message, "a.pdb:3: bad");
});
