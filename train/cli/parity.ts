/**
 * `deno task parity`: run OpenFold parity fixtures, one line per fixture
 * (tolerance: analysis/parity/harness.ts). {@link PARITY_CLI} is its usage.
 *
 * @module
 */

import { z } from "zod";
import { PARITY_NOISE_FACTOR, PARITY_RTOL } from "../../analysis/parity/harness.ts";
import {
  defaultFixtureDir,
  fixtureFiles,
  formatResult,
  runFixture,
} from "../../analysis/parity/run.ts";
import { RunError } from "../../model/util/errors.ts";
import { type CliSpec, inputPath, requireReadable, runCli } from "./kit.ts";

const DEFAULT_DIR = defaultFixtureDir();

/** The parity command's flags, usage and schema. */
export const PARITY_CLI = {
  name: "parity",
  synopsis: ["deno task parity [DIR|FILE.npz ...]"],
  about:
    `Runs OpenFold parity fixtures (files, or directories of them; default ../shared/parity, else the bundled data/parity: now ${DEFAULT_DIR})
and prints one line per fixture with its largest absolute and relative error.`,
  flags: {},
  positionals: true,
  schema: z.object({
    args: z.array(
      z.string().min(1, "an empty path is not a fixture").pipe(inputPath("file or directory")),
    ),
  }),
  failure: "a fixture failed",
} satisfies CliSpec;

async function parity({ args }: z.output<typeof PARITY_CLI.schema>): Promise<void> {
  if (args.length === 0) requireReadable(DEFAULT_DIR, "directory", "the default fixtures");
  const files: string[] = [];
  for (const t of args.length ? args : [DEFAULT_DIR]) {
    if ((await Deno.stat(t)).isDirectory) files.push(...await fixtureFiles(t));
    else files.push(t);
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
  if (failed) throw new RunError(`${failed} of ${files.length} fixtures failed`);
}

if (import.meta.main) await runCli(PARITY_CLI, parity);
