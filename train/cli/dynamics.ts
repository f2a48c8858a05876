/**
 * `deno task analyze dynamics`: the learning-dynamics decomposition of a
 * training run's snapshots, as an HTML report, optional JSON and a short
 * summary. {@link DYNAMICS_CLI} is its usage; `train/cli/analyze.ts` hands
 * it the arguments after `dynamics`.
 *
 * @module
 */

import { z } from "zod";
import { readSnapshots } from "../../analysis/snapshots.ts";
import { writeTextFileAtomic } from "../../model/io/atomic.ts";
import { InputError } from "../../model/util/errors.ts";
import { learningDynamics, summarizeDynamics } from "../../analysis/dynamics.ts";
import { type MetricLine, readRunMetrics } from "../../analysis/run_metrics.ts";
import { dynamicsReport } from "../../analysis/dynamics_report.ts";
import { writeReport } from "../../analysis/report.ts";
import { checkOutputs, type CliSpec, inputPath, isRunFile, makeParents, textFlag } from "./kit.ts";

/** The dynamics command's flags, usage and schema. */
export const DYNAMICS_CLI = {
  name: "analyze dynamics",
  synopsis: ["deno task analyze dynamics RUN_DIR [--out report.html] [--json FILE] [--probe ID]"],
  about: `Reads a training run's snapshots (RUN_DIR/snapshots/) and metrics.jsonl, computes the
learning-dynamics decomposition, writes the HTML report and, with --json, the decomposition as
JSON, and prints a summary (final values, the order in which the curves reach 90 %).`,
  flags: {
    out: { value: "FILE", help: "the HTML report (default RUN_DIR/dynamics_report.html)" },
    json: { value: "FILE", help: "also write the decomposition as JSON" },
    probe: { value: "ID", help: "the probe protein the per-protein figures show" },
  },
  positionals: true,
  schema: z.object({
    args: z.array(z.string()).length(1, "takes exactly one RUN_DIR (see --help)")
      .pipe(z.tuple([inputPath("directory")])),
    out: textFlag().optional(),
    json: textFlag().optional(),
    probe: textFlag().optional(),
  }).transform(({ args: [runDir], ...rest }) => ({ runDir, ...rest })),
} satisfies CliSpec;

/** Validated arguments of the dynamics command. */
export type DynamicsArgs = z.output<typeof DYNAMICS_CLI.schema>;

async function readRun(dir: string) {
  let run;
  try {
    run = await readSnapshots(dir);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new InputError(
        `${dir} has no snapshots (expected ${dir}/snapshots/probes.json)`,
      );
    }
    if (e instanceof z.ZodError) {
      const i = e.issues[0];
      throw new InputError(
        `${dir}/snapshots/probes.json: field ${i.path.join(".")}: ${i.message}`,
      );
    }
    throw new InputError(`${dir}: ${(e as Error).message.split("\n")[0]}`);
  }
  if (run.snapshots.length === 0) {
    throw new InputError(`${dir}/snapshots holds no step_<n>.json.gz snapshot`);
  }
  let metrics: MetricLine[] | undefined;
  try {
    metrics = await readRunMetrics(`${dir}/metrics.jsonl`);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      throw e instanceof InputError
        ? e
        : new InputError(`${dir}/metrics.jsonl: ${(e as Error).message}`);
    }
  }
  return { ...run, metrics };
}

/** Run the dynamics command; returns the text to print. */
export async function runDynamics(args: DynamicsArgs): Promise<string> {
  const out = args.out ?? `${args.runDir}/dynamics_report.html`;
  // Where the report goes, before any work: beside the run, never over its own files.
  checkOutputs(
    [
      { path: out, label: args.out === undefined ? "the report" : "--out", kind: "file" },
      ...(args.json !== undefined
        ? [{ path: args.json, label: "--json", kind: "file" as const }]
        : []),
    ],
    [
      { path: args.runDir, label: "RUN_DIR" },
      // What the command reads, by inode too: a hard link to them is no place for a report.
      { path: `${args.runDir}/metrics.jsonl`, label: "RUN_DIR's metrics.jsonl" },
      { path: `${args.runDir}/snapshots/probes.json`, label: "RUN_DIR's probes.json" },
    ],
    [{ dir: args.runDir, what: "the run", owns: isRunFile }],
  );
  const { probes, snapshots, metrics } = await readRun(args.runDir);
  if (args.probe !== undefined && !probes.some((p) => p.id === args.probe)) {
    throw new InputError(
      `no probe "${args.probe}" in ${args.runDir} (probes: ${probes.map((p) => p.id).join(",")})`,
    );
  }
  let dyn;
  try {
    dyn = learningDynamics(probes, snapshots);
  } catch (e) {
    if (e instanceof RangeError) throw new InputError(`${args.runDir}: ${e.message}`);
    throw e;
  }
  await makeParents([out, ...(args.json !== undefined ? [args.json] : [])]);
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

/** The command: prints the summary and where the report went. */
export async function dynamics(args: DynamicsArgs): Promise<void> {
  console.log(await runDynamics(args));
}
