/**
 * `deno task parity [DIR|FILE ...]`: run OpenFold parity fixtures and print one
 * line per fixture with its max absolute and relative error; exits 1 if any
 * fixture fails (tolerance: see model/parity/harness.ts), 2 on misuse.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { PARITY_NOISE_FACTOR, PARITY_RTOL } from "./parity/harness.ts";
import { fixtureFiles, formatResult, runFixture } from "./parity/run.ts";

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { debug: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log("usage: deno task parity [DIR|FILE.npz ...]   (default ../shared/parity)");
    return 0;
  }
  const targets = positionals.length
    ? positionals
    : [new URL("../../shared/parity", import.meta.url).pathname];
  const files: string[] = [];
  for (const t of targets) {
    const st = await Deno.stat(t).catch(() => null);
    if (!st) throw new UsageError(`no such file or directory: ${t}`);
    files.push(...(st.isDirectory ? await fixtureFiles(t) : [t]));
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
