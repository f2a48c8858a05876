/**
 * `deno task analyze dynamics RUN_DIR [--out report.html] [--json FILE] [--probe ID]`:
 * reads a training run's snapshots (`RUN_DIR/snapshots/`) and `metrics.jsonl`,
 * computes the learning-dynamics decomposition, writes the HTML report (default
 * `RUN_DIR/dynamics_report.html`) and, with `--json`, the decomposition as JSON;
 * prints a short summary (final values, the order in which curves reach 90 %).
 *
 * A bad command line or a missing/invalid run directory is one line on stderr
 * and exit code 2; `--debug` prints the stack.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { z } from "zod";
import { readSnapshots } from "../../analysis/snapshots.ts";
import { writeTextFileAtomic } from "../../model/io/atomic.ts";
import { learningDynamics, summarizeDynamics } from "../../analysis/dynamics.ts";
import { type MetricLine, readRunMetrics } from "../../analysis/run_metrics.ts";
import { dynamicsReport } from "../../analysis/dynamics_report.ts";
import { writeReport } from "../../analysis/report.ts";

/** Usage line of the dynamics command. */
export const DYNAMICS_USAGE =
  "usage: analyze dynamics RUN_DIR [--out report.html] [--json FILE] [--probe ID] [--debug]";

/** A bad command line or run directory: one line, exit code 2. */
export class DynamicsInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DynamicsInputError";
  }
}

const argsSchema = z.object({
  runDir: z.string().min(1),
  out: z.string().min(1).optional(),
  json: z.string().min(1).optional(),
  probe: z.string().min(1).optional(),
});

/** Validated arguments of the dynamics command. */
export type DynamicsArgs = z.infer<typeof argsSchema>;

/** Parse the arguments after `dynamics`; throws {@link DynamicsInputError}. */
export function parseDynamicsArgs(argv: string[]): DynamicsArgs & { debug: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        out: { type: "string" },
        json: { type: "string" },
        probe: { type: "string" },
        debug: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    throw new DynamicsInputError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) throw new DynamicsInputError(DYNAMICS_USAGE);
  if (positionals.length !== 1) {
    throw new DynamicsInputError(`dynamics takes exactly one RUN_DIR; ${DYNAMICS_USAGE}`);
  }
  const r = argsSchema.safeParse({
    runDir: positionals[0],
    out: values.out,
    json: values.json,
    probe: values.probe,
  });
  if (!r.success) {
    throw new DynamicsInputError(
      `dynamics: --${String(r.error.issues[0].path[0])} must not be empty`,
    );
  }
  return { ...r.data, debug: values.debug ?? false };
}

async function readRun(dir: string) {
  try {
    if (!(await Deno.stat(dir)).isDirectory) {
      throw new DynamicsInputError(`${dir} is not a directory`);
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new DynamicsInputError(`run directory ${dir} not found`);
    }
    throw e;
  }
  let run;
  try {
    run = await readSnapshots(dir);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new DynamicsInputError(
        `${dir} has no snapshots (expected ${dir}/snapshots/probes.json)`,
      );
    }
    if (e instanceof z.ZodError) {
      const i = e.issues[0];
      throw new DynamicsInputError(
        `${dir}/snapshots/probes.json: field ${i.path.join(".")}: ${i.message}`,
      );
    }
    throw new DynamicsInputError(`${dir}: ${(e as Error).message.split("\n")[0]}`);
  }
  if (run.snapshots.length === 0) {
    throw new DynamicsInputError(`${dir}/snapshots holds no step_<n>.json.gz snapshot`);
  }
  let metrics: MetricLine[] | undefined;
  try {
    metrics = await readRunMetrics(`${dir}/metrics.jsonl`);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw new DynamicsInputError((e as Error).message);
  }
  return { ...run, metrics };
}

/** Run the dynamics command; returns the text to print. */
export async function runDynamics(args: DynamicsArgs): Promise<string> {
  const { probes, snapshots, metrics } = await readRun(args.runDir);
  if (args.probe !== undefined && !probes.some((p) => p.id === args.probe)) {
    throw new DynamicsInputError(
      `no probe "${args.probe}" in ${args.runDir} (probes: ${probes.map((p) => p.id).join(",")})`,
    );
  }
  let dyn;
  try {
    dyn = learningDynamics(probes, snapshots);
  } catch (e) {
    if (e instanceof RangeError) throw new DynamicsInputError(`${args.runDir}: ${e.message}`);
    throw e;
  }
  const out = args.out ?? `${args.runDir}/dynamics_report.html`;
  await writeReport(
    out,
    dynamicsReport({
      dynamics: dyn,
      probes,
      snapshots,
      metrics,
      probeId: args.probe,
      subtitle: `run ${args.runDir}`,
    }),
  );
  if (args.json !== undefined) await writeTextFileAtomic(args.json, JSON.stringify(dyn));
  return `${summarizeDynamics(dyn)}\nreport: ${out}${args.json ? `\njson: ${args.json}` : ""}`;
}

/** Entry point used by `train/cli/analyze.ts`: returns the exit code. */
export async function dynamicsMain(argv: string[]): Promise<number> {
  const debug = argv.includes("--debug");
  try {
    console.log(await runDynamics(parseDynamicsArgs(argv)));
    return 0;
  } catch (e) {
    if (debug) console.error(e);
    else console.error(`analyze dynamics: ${(e as Error).message}`);
    return e instanceof DynamicsInputError ? 2 : 1;
  }
}
