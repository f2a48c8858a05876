/**
 * `deno run -A bench/readme_table.ts`: the README's performance table from
 * `bench/results/latest.json`, each figure next to issue 8's reference (OpenFold,
 * PyTorch 1.13 CPU, best thread count, on a quiet machine of the same kind) and
 * target, printed as Markdown. {@link README_TABLE_CLI} is its usage.
 *
 * @module
 */

import { z } from "zod";
import { type CliSpec, inputPath, readJsonFile, runCli } from "../train/cli/kit.ts";
import { ParseError } from "../model/util/errors.ts";

const resultsSchema = z.looseObject({
  date: z.string(),
  cores: z.number(),
  loadavg: z.array(z.number()),
  loadavg_at_start: z.array(z.number()).optional(),
  sections_run: z.array(z.string()).optional(),
});

type Row = [what: string, key: string, unit: string, reference: string, target: string];

const ROWS: Row[] = [
  [
    "bench-tiny training step (fwd + losses + bwd + Adam), wall",
    "train_step_tiny_s",
    "s",
    "0.78 s (fwd+loss+bwd)",
    "≤ 0.39 s",
  ],
  ["… process CPU time of that step (2 threads)", "train_step_tiny_cpu_s", "s", "—", "—"],
  ["… without onnxruntime's graph optimiser", "train_step_tiny_ort_disabled_s", "s", "—", "—"],
  ["bench-tiny forward, wall", "fwd_tiny_s", "s", "0.22 s", "—"],
  [
    "Evoformer block fwd (N_res 128, N_seq 128), wall",
    "evoformer_block_fwd_s",
    "s",
    "0.84 s",
    "≤ 0.42 s",
  ],
  ["Evoformer block fwd + bwd, wall", "evoformer_block_fwdbwd_s", "s", "2.71 s", "≤ 1.35 s"],
  ["… process CPU time fwd / fwd + bwd", "evoformer_block_fwd_cpu_s", "s", "—", "—"],
  ["", "evoformer_block_fwdbwd_cpu_s", "s", "—", "—"],
  [
    "Evoformer block FLOPs (analytic = graph count)",
    "evoformer_block_gflop",
    "GFLOP",
    "≈ 71 GFLOP",
    "—",
  ],
  ["Evoformer fwd achieved", "evoformer_gflops", "GFLOP/s", "85 GFLOP/s", "≥ 50 % of MatMul"],
  ["1024³ MatMul, same run", "matmul_gflops", "GFLOP/s", "ORT 323 (2 thr.), torch 181", "—"],
  [
    "af2 longest protein completed (128 MSA rows)",
    "af2_max_residues",
    "res",
    "—",
    "≥ 1,000 in 24 GiB",
  ],
  [
    "af2 peak RSS / time of one iteration at that length",
    "af2_peak_rss_gb",
    "GiB",
    "—",
    "≤ 24 GiB",
  ],
  ["", "af2_max_residues_s", "s", "—", "—"],
  ["af2 time per recycle at N_res 256", "af2_recycle_256_s", "s", "—", "—"],
  ["af2 training step build + compile (blocks plan: 8 graphs)", "af2_compile_s", "s", "—", "< 5 s"],
  ["… of which onnxruntime session creation", "af2_compile_ort_session_s", "s", "—", "—"],
  ["… graph nodes (all eight graphs)", "af2_train_graph_nodes", "res", "—", "—"],
  ["af2 monolithic training graph build + compile", "af2_compile_monolithic_s", "s", "—", "—"],
  [
    "… of which onnxruntime session creation",
    "af2_compile_monolithic_ort_session_s",
    "s",
    "—",
    "—",
  ],
  ["… graph nodes (after / before our pass)", "af2_train_graph_nodes_monolithic", "res", "—", "—"],
  ["", "af2_train_graph_nodes_monolithic_unoptimized", "res", "—", "—"],
  ["JS share of the training step", "js_overhead_fraction", "", "—", "< 10 %"],
  ["Evoformer block peak RSS, N_res 256 / chunked (32)", "evoformer_rss_256_gb", "GiB", "—", "—"],
  ["", "evoformer_rss_256_chunked_gb", "GiB", "—", "—"],
  ["Evoformer block peak RSS, N_res 512 / chunked (32)", "evoformer_rss_512_gb", "GiB", "—", "—"],
  ["", "evoformer_rss_512_chunked_gb", "GiB", "—", "—"],
];

function fmt(v: unknown, unit: string): string {
  if (typeof v !== "number" || !Number.isFinite(v)) return "not measured";
  if (unit === "") return `${(v * 100).toFixed(1)} %`;
  if (unit === "res") return v.toLocaleString("en-US");
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : v >= 1 ? 2 : 3;
  return `${v.toFixed(digits)} ${unit}`;
}

/** Figures that a quiet run's column shows (the speed sections a quiet run measured). */
const QUIET_KEYS =
  /^(train_step_tiny|fwd_tiny|evoformer_block|evoformer_gflops|matmul_gflops|js_overhead)/;

/**
 * The Markdown table for a results object, with a second column from a run on
 * a quiet machine when given (speed figures only: the machine is shared, and
 * a loaded run's times say little against a quiet reference).
 */
export function performanceTable(
  results: Record<string, unknown>,
  quiet?: Record<string, unknown>,
): string {
  const r = resultsSchema.parse(results);
  const q = quiet ? resultsSchema.parse(quiet) : undefined;
  // A row without a label continues the previous one ("a / b" in one cell).
  const rows: string[][] = [];
  for (const [what, key, unit, ref, target] of ROWS) {
    const v = fmt(results[key], unit);
    const qv = quiet && QUIET_KEYS.test(key) ? fmt(quiet[key], unit) : "—";
    if (what === "" && rows.length) {
      rows[rows.length - 1][1] += ` / ${v}`;
      if (quiet) rows[rows.length - 1][2] += qv === "—" ? "" : ` / ${qv}`;
    } else rows.push(quiet ? [what, v, qv, ref, target] : [what, v, ref, target]);
  }
  const head = quiet
    ? `| figure | denofold, latest run | denofold, quiet run ${
      q!.date.slice(0, 16).replace("T", " ")
    } | OpenFold reference | target |`
    : "| figure | denofold | OpenFold reference | target |";
  const lines = [
    head,
    quiet ? "|---|---|---|---|---|" : "|---|---|---|---|",
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
  const load = (l?: number[]) => l?.map((v) => v.toFixed(2)).join(" / ") ?? "?";
  lines.push(
    "",
    `Last run (${r.sections_run?.join(", ") ?? "?"}) ended ${
      r.date.slice(0, 16).replace("T", " ")
    } UTC on ${r.cores} cores, load average (1/5/15 min) ${
      load(r.loadavg_at_start)
    } at its start and ${load(r.loadavg)} at its end; figures of sections not in it are kept ` +
      "from earlier runs.",
  );
  return lines.join("\n");
}

const LATEST = new URL("./results/latest.json", import.meta.url).pathname;

/** The command's usage and schema. */
export const README_TABLE_CLI = {
  name: "readme_table",
  synopsis: ["deno run -A bench/readme_table.ts [QUIET_RUN.json]"],
  about: `Prints the README's performance table (Markdown) from bench/results/latest.json, with a
column from QUIET_RUN.json (an earlier results file, run on a quiet machine) when given.`,
  flags: {},
  positionals: true,
  schema: z.object({
    args: z.array(z.string()).max(1, "give at most one QUIET_RUN.json").pipe(
      z.array(inputPath("file")),
    ),
  }),
} satisfies CliSpec;

/** A results file, read and checked: a ParseError names the file and the field. */
async function readResults(path: string): Promise<Record<string, unknown>> {
  const json = await readJsonFile(path);
  const r = resultsSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ParseError(
      { file: path },
      `not a bench results file: field ${i.path.join(".") || "(root)"}: ${i.message}`,
    );
  }
  return r.data;
}

async function readmeTable({ args: [quiet] }: z.output<typeof README_TABLE_CLI.schema>) {
  const latest = await readResults(LATEST);
  const q = quiet ? await readResults(quiet) : undefined;
  console.log(performanceTable(latest, q));
}

if (import.meta.main) await runCli(README_TABLE_CLI, readmeTable);
