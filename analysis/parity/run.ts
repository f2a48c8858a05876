/**
 * Run a directory of parity fixtures: one result line per fixture.
 *
 * @module
 */

import { compareOutputs, loadCase, type OutputError } from "./harness.ts";
import { RUNNERS } from "./registry.ts";

/** The result of one fixture. */
export interface FixtureResult {
  file: string;
  module: string;
  /** Per output; empty when the fixture could not run. */
  outputs: OutputError[];
  /** Why the fixture could not run (no runner, error). */
  error?: string;
  pass: boolean;
}

/** Run one fixture file. */
export async function runFixture(file: string): Promise<FixtureResult> {
  let module = "?";
  try {
    const c = await loadCase(file);
    module = String(c.meta.module ?? c.meta.case ?? "?");
    const runner = RUNNERS[module] ?? RUNNERS[String(c.meta.case)];
    if (!runner) {
      return { file, module, outputs: [], error: "no runner for this module", pass: false };
    }
    const outputs = compareOutputs(c, await runner(c));
    return { file, module, outputs, pass: outputs.length > 0 && outputs.every((o) => o.pass) };
  } catch (e) {
    return { file, module, outputs: [], error: (e as Error).message, pass: false };
  }
}

/** `../shared/parity` beside the clone. */
const SHARED_FIXTURES = new URL("../../../shared/parity", import.meta.url).pathname;
/** The copy of the fixtures bundled in the repository. */
const BUNDLED_FIXTURES = new URL("../../data/parity", import.meta.url).pathname;

/** The default fixture directory: `../shared/parity` when present, else the bundled `data/parity`. */
export function defaultFixtureDir(): string {
  try {
    if (Deno.statSync(SHARED_FIXTURES).isDirectory) return SHARED_FIXTURES;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return BUNDLED_FIXTURES;
}

/** The `.npz` fixtures of a directory, sorted (the af2-format raw parameter files excluded). */
export async function fixtureFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.endsWith(".npz") && !e.name.endsWith("_af2format.npz")) {
      files.push(`${dir}/${e.name}`);
    }
  }
  return files.sort();
}

/** One line: `PASS 01a_linear.npz  y max|err| 1.2e-7 rel 3.4e-8 ...`. */
export function formatResult(r: FixtureResult): string {
  const name = r.file.split("/").pop();
  if (r.error) return `FAIL ${name} (${r.module}): ${r.error}`;
  const worst = r.outputs.reduce((a, b) => (b.rel > a.rel ? b : a));
  const failing = r.outputs.filter((o) => !o.pass).map((o) => o.key);
  return `${r.pass ? "PASS" : "FAIL"} ${name}  outputs ${r.outputs.length}  worst ${worst.key}: ` +
    `max abs ${worst.maxAbs.toExponential(2)}, rel ${worst.rel.toExponential(2)}` +
    (failing.length ? `  failing: ${failing.join(", ")}` : "");
}
