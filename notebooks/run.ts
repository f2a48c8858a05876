/**
 * `deno task notebooks`: execute every notebook in `notebooks/` headless on the
 * Deno Jupyter kernel and write executed `.ipynb` and `.html` copies.
 * {@link NOTEBOOKS_CLI} is its usage; {@link runNotebooks} the library entry.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { ParseError, RunError, ToolError, UsageError } from "../model/util/errors.ts";
import { readText } from "../model/io/text.ts";
import { writeTextFileAtomic } from "../model/io/atomic.ts";
import { DEFER_ENV, inlineLibraries } from "./display.ts";
import {
  checkOutputs,
  type CliSpec,
  inputPath,
  intFlag,
  runCli,
  textFlag,
} from "../train/cli/kit.ts";

/** The kernelspec name `deno jupyter --install` creates. */
export const KERNEL_NAME = "deno";

const NOTEBOOK_DIR = new URL(".", import.meta.url).pathname.replace(/\/$/, "");

/** The notebooks command's flags, usage and schema. */
export const NOTEBOOKS_CLI = {
  name: "notebooks",
  synopsis: ["deno task notebooks [--only NAME ...] [--out DIR] [--timeout SECONDS] [--data DIR]"],
  about:
    `Runs \`jupyter nbconvert --execute\` (Debian's jupyter-nbconvert, python3-nbclient) on each
notebook, installing the Deno kernelspec first when Jupyter has none, then checks the executed
notebook: every code cell must have outputs and none may be an error.`,
  flags: {
    only: { value: "NAME", multiple: true, help: "run only this notebook (name without .ipynb)" },
    out: { value: "DIR", help: "where the executed copies go (default notebooks/out)" },
    timeout: { value: "SECONDS", help: "per-cell timeout (default 1800)" },
    data: { value: "DIR", help: "sets DENOFOLD_DATA for the notebooks (default: data/sample)" },
  },
  schema: z.object({
    only: z.array(textFlag()).default([]),
    out: textFlag().optional(),
    timeout: intFlag({ min: 1 }).optional(),
    data: inputPath("directory").optional(),
  }),
  failure: "a notebook cell failed or had no output (named with its cell), or Jupyter failed",
} satisfies CliSpec;

const outputSchema = z.looseObject({
  output_type: z.enum(["stream", "display_data", "execute_result", "error", "update_display_data"]),
  ename: z.string().optional(),
  evalue: z.string().optional(),
});

const cellSchema = z.looseObject({
  cell_type: z.enum(["code", "markdown", "raw"]),
  source: z.union([z.string(), z.array(z.string())]),
  outputs: z.array(outputSchema).optional(),
});

/** The parts of an nbformat-4 notebook the checks read. */
export const notebookSchema = z.looseObject({
  nbformat: z.literal(4),
  cells: z.array(cellSchema),
  metadata: z.looseObject({
    kernelspec: z.looseObject({ name: z.string() }).optional(),
  }),
});

/** A parsed notebook. */
export type Notebook = z.infer<typeof notebookSchema>;

/** One problem of an executed notebook. */
export interface CellProblem {
  /** Index of the cell among all cells (0-based). */
  cell: number;
  /** First source line, to find it. */
  firstLine: string;
  /** What is wrong. */
  problem: string;
}

/** Parse and validate a notebook's JSON text; `file` names it in errors. */
export function parseNotebook(text: string, file: string): Notebook {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ParseError({ file }, `not JSON: ${(e as Error).message}`);
  }
  const r = notebookSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ParseError({ file }, `field ${i.path.join(".") || "(root)"}: ${i.message}`);
  }
  return r.data;
}

const sourceOf = (c: Notebook["cells"][number]) =>
  typeof c.source === "string" ? c.source : c.source.join("");

/**
 * Problems of an executed notebook: code cells without outputs, and error
 * outputs (with the error's name and message). Empty when the notebook is good.
 */
export function executedProblems(nb: Notebook): CellProblem[] {
  const out: CellProblem[] = [];
  nb.cells.forEach((c, k) => {
    if (c.cell_type !== "code") return;
    const src = sourceOf(c);
    if (src.trim() === "") return;
    const firstLine = src.split("\n").find((l) => l.trim() !== "") ?? "";
    const outputs = c.outputs ?? [];
    if (outputs.length === 0) out.push({ cell: k, firstLine, problem: "no output" });
    for (const o of outputs) {
      if (o.output_type === "error") {
        out.push({ cell: k, firstLine, problem: `${o.ename}: ${o.evalue}` });
      }
    }
  });
  return out;
}

async function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let r;
  try {
    r = await new Deno.Command(cmd, { args, ...opts, stdout: "piped", stderr: "piped" }).output();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      return { code: 127, stdout: "", stderr: `${cmd}: not found` };
    }
    throw e;
  }
  const dec = new TextDecoder();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
}

/** True when `jupyter nbconvert` can run here. */
export async function jupyterAvailable(): Promise<boolean> {
  return (await run("jupyter", ["nbconvert", "--version"])).code === 0;
}

/**
 * Make sure Jupyter has a Deno kernelspec that starts an existing deno binary;
 * install (or reinstall) it with this process's deno otherwise.
 */
export async function ensureDenoKernel(log: (m: string) => void = () => {}): Promise<void> {
  const r = await run("jupyter", ["kernelspec", "list", "--json"]);
  if (r.code !== 0) throw new ToolError(`jupyter kernelspec list failed: ${r.stderr.trim()}`);
  const specs = z.object({
    kernelspecs: z.record(
      z.string(),
      z.looseObject({ spec: z.looseObject({ argv: z.array(z.string()) }) }),
    ),
  }).parse(JSON.parse(r.stdout)).kernelspecs;
  const have = specs[KERNEL_NAME];
  if (have && existsSync(have.spec.argv[0])) return;
  log(`installing the Deno Jupyter kernel (${Deno.execPath()} jupyter --install)`);
  const args = ["jupyter", "--install", ...(have ? ["--force"] : [])];
  const inst = await run(Deno.execPath(), args);
  if (inst.code !== 0) {
    throw new ToolError(`deno jupyter --install failed: ${inst.stderr.trim()}`);
  }
}

/** The notebooks of a folder (sorted), optionally only those named. */
export async function listNotebooks(dir: string, only: readonly string[] = []): Promise<string[]> {
  const all: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.endsWith(".ipynb")) all.push(e.name.replace(/\.ipynb$/, ""));
  }
  all.sort();
  for (const n of only) {
    if (!all.includes(n)) {
      throw new UsageError(
        `--only ${n}: no notebook ${n}.ipynb in ${dir} (have ${all.join(", ")})`,
      );
    }
  }
  return only.length ? all.filter((n) => only.includes(n)) : all;
}

/** The result of executing one notebook. */
export interface NotebookRun {
  name: string;
  /** Executed notebook and its HTML export. */
  ipynb: string;
  html: string;
  /** Wall time of execution in seconds. */
  seconds: number;
  /** Number of code cells. */
  codeCells: number;
  problems: CellProblem[];
}

/**
 * Replace the library markers the kernels left (notebooks/display.ts) with
 * the libraries themselves, in every `text/html` output of an executed
 * notebook, so the notebook and its HTML export work offline.
 */
async function inlineNotebookLibraries(ipynb: string): Promise<void> {
  const nb = JSON.parse(await readText(ipynb, "notebook")) as {
    cells?: { outputs?: { data?: Record<string, unknown> }[] }[];
  };
  let changed = false;
  for (const cell of nb.cells ?? []) {
    for (const o of cell.outputs ?? []) {
      const html = o.data?.["text/html"];
      if (html === undefined) continue;
      const text = Array.isArray(html) ? html.join("") : String(html);
      const inlined = await inlineLibraries(text);
      if (inlined !== text) {
        o.data!["text/html"] = inlined;
        changed = true;
      }
    }
  }
  if (changed) await writeTextFileAtomic(ipynb, JSON.stringify(nb, null, 1) + "\n");
}

/** Options of {@link runNotebooks}. */
export interface RunOptions {
  /** Folder holding the notebooks (default: this folder). */
  dir?: string;
  /** Output folder (default `<dir>/out`). */
  out?: string;
  /** Only these notebooks (names without `.ipynb`). */
  only?: readonly string[];
  /** Per-cell timeout in seconds. */
  timeout?: number;
  /** Extra environment for the kernels (e.g. `DENOFOLD_DATA`). */
  env?: Record<string, string>;
  /** Progress messages. */
  log?: (m: string) => void;
}

/** Execute notebooks headless and check them; returns one entry per notebook. */
export async function runNotebooks(opts: RunOptions = {}): Promise<NotebookRun[]> {
  const dir = opts.dir ?? NOTEBOOK_DIR;
  // nbconvert runs in the notebook folder: make the output folder absolute first.
  const out = resolve(opts.out ?? `${dir}/out`);
  const log = opts.log ?? (() => {});
  // The arguments first: a misnamed notebook is refused before Jupyter is touched.
  const names = await listNotebooks(dir, opts.only);
  // The executed copies never replace a source notebook (--out notebooks/ would).
  checkOutputs(
    [
      { path: out, label: "--out", kind: "directory" },
      ...names.flatMap((n) => [
        { path: `${out}/${n}.ipynb`, label: "--out", kind: "file" as const },
        { path: `${out}/${n}.html`, label: "--out", kind: "file" as const },
      ]),
    ],
    [
      { path: dir, label: "notebook folder" },
      ...names.map((n) => ({ path: `${dir}/${n}.ipynb`, label: `notebook ${n}.ipynb` })),
      ...(opts.env?.DENOFOLD_DATA ? [{ path: opts.env.DENOFOLD_DATA, label: "--data" }] : []),
    ],
  );
  if (!(await jupyterAvailable())) {
    throw new ToolError(
      "jupyter nbconvert not found: apt-get install jupyter-nbconvert python3-nbclient python3-ipykernel",
    );
  }
  await ensureDenoKernel(log);
  await Deno.mkdir(out, { recursive: true });
  const env = {
    // Quiet the debugger warnings of Debian's ipykernel; plain text without ANSI colours.
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
    NO_COLOR: "1",
    // plotly.js and 3Dmol.js are inlined below, not sent through the kernel.
    [DEFER_ENV]: "1",
    ...opts.env,
  };
  const results: NotebookRun[] = [];
  for (const name of names) {
    log(`${name}: executing`);
    const t0 = performance.now();
    // --allow-errors: the executed copy is always written, so a failure can be read
    // in context; the checks below turn any error output into a failure.
    const exec = await run("jupyter", [
      "nbconvert",
      "--execute",
      "--to",
      "notebook",
      "--allow-errors",
      `--ExecutePreprocessor.kernel_name=${KERNEL_NAME}`,
      `--ExecutePreprocessor.timeout=${opts.timeout ?? 1800}`,
      "--output-dir",
      out,
      "--output",
      name,
      `${dir}/${name}.ipynb`,
    ], { cwd: dir, env });
    const seconds = (performance.now() - t0) / 1000;
    const ipynb = `${out}/${name}.ipynb`;
    if (exec.code !== 0 || !existsSync(ipynb)) {
      throw new RunError(
        `${name}: nbconvert failed (exit ${exec.code}): ${
          exec.stderr.trim().split("\n").slice(-5).join(" | ")
        }`,
      );
    }
    await inlineNotebookLibraries(ipynb);
    const nb = parseNotebook(await readText(ipynb, "notebook"), ipynb);
    const html = await run("jupyter", ["nbconvert", "--to", "html", "--output-dir", out, ipynb], {
      env,
    });
    if (html.code !== 0) {
      throw new RunError(`${name}: HTML export failed: ${html.stderr.trim()}`);
    }
    const problems = executedProblems(nb);
    const codeCells = nb.cells.filter((c) => c.cell_type === "code").length;
    log(
      `${name}: ${codeCells} code cells in ${seconds.toFixed(0)} s, ${
        problems.length ? `${problems.length} problem(s)` : "ok"
      }`,
    );
    results.push({ name, ipynb, html: `${out}/${name}.html`, seconds, codeCells, problems });
  }
  return results;
}

async function notebooks(args: z.output<typeof NOTEBOOKS_CLI.schema>): Promise<void> {
  const env: Record<string, string> = {};
  if (args.data) env.DENOFOLD_DATA = await Deno.realPath(args.data);
  const log = (m: string) => console.error(m);
  const results = await runNotebooks({
    out: args.out,
    only: args.only,
    timeout: args.timeout,
    env,
    log,
  });
  let failed = 0;
  for (const r of results) {
    for (const p of r.problems) {
      failed++;
      console.error(`FAIL ${r.name}.ipynb cell ${p.cell} (${p.firstLine.trim()}): ${p.problem}`);
    }
  }
  const total = results.reduce((s, r) => s + r.seconds, 0);
  const outDir = results[0]?.ipynb.replace(/\/[^/]*$/, "") ?? "";
  const summary = `${results.length} notebook(s) in ${total.toFixed(0)} s -> ${outDir}`;
  if (failed) throw new RunError(`${summary}; ${failed} problem(s) (FAIL lines above)`);
  console.error(`${summary}; all cells ran with outputs`);
}

if (import.meta.main) await runCli(NOTEBOOKS_CLI, notebooks);
