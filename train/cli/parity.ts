/**
 * `deno task parity [DIR|FILE ...]`: run OpenFold parity fixtures and print one
 * line per fixture with its max absolute and relative error; exits 1 if any
 * fixture fails (tolerance: see analysis/parity/harness.ts), 2 on misuse.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { z } from "zod";
import { PARITY_NOISE_FACTOR, PARITY_RTOL } from "../../analysis/parity/harness.ts";
import {
  defaultFixtureDir,
  fixtureFiles,
  formatResult,
  runFixture,
} from "../../analysis/parity/run.ts";

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { debug: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(
      "usage: deno task parity [DIR|FILE.npz ...]   (default ../shared/parity, else data/parity)",
    );
    return 0;
  }
  const given = targetsSchema.safeParse(positionals);
  if (!given.success) throw new UsageError(`arguments: ${given.error.issues[0].message}`);
  const targets = given.data.length ? given.data : [defaultFixtureDir()];
  const files: string[] = [];
  for (const t of targets) {
    let st;
    try {
      st = await Deno.stat(t);
      if (st.isDirectory) files.push(...await fixtureFiles(t));
      else (await Deno.open(t)).close();
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new UsageError(`no such file or directory: ${t}`);
      }
      throw new UsageError(`cannot read ${t} (${(e as Error).name})`);
    }
    if (!st.isDirectory) files.push(t);
  }
  console.log(
    `tolerance: max|err|/max|ref| <= ${PARITY_RTOL}, or <= ${PARITY_NOISE_FACTOR}x the fixture's float32 noise`,
  );
  let failed = 0;
  for (const f of files) {
    const r = await runFixture(f);
    if (!r.pass) failed++;
    console.log(formatResult(r));
  }
  console.log(`${files.length - failed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

class UsageError extends Error {}

/** Fixture paths: files (`.npz`) or directories of them. */
const targetsSchema = z.array(z.string().min(1, "an empty path is not a fixture"));

if (import.meta.main) {
  const debug = Deno.args.includes("--debug");
  try {
    Deno.exit(await main(Deno.args));
  } catch (e) {
    if (debug) console.error(e);
    console.error(`parity: ${(e as Error).message}`);
    Deno.exit(2);
  }
}
