/**
 * `deno run -A bench/readme_table.ts`: the README's performance table from
 * `bench/results/latest.json`, each figure next to issue 8's reference (OpenFold,
 * PyTorch 1.13 CPU, best thread count, on a quiet machine of the same kind) and
 * target, printed as Markdown.
 *
 * @module
 */

import { z } from "zod";

const resultsSchema = z.looseObject({
  date: z.string(),
  cores: z.number(),
  loadavg: z.array(z.number()),
  loadavg_at_start: z.array(z.number()).optional(),
});

type Row = [what: string, key: string, unit: string, reference: string, target: string];

const ROWS: Row[] = [
  [
    "bench-tiny training step (fwd + losses + bwd + Adam)",
    "train_step_tiny_s",
    "s",
    "0.78 s (fwd+loss+bwd)",
    "≤ 0.39 s",
  ],
  ["bench-tiny forward", "fwd_tiny_s", "s", "0.22 s", "—"],
  [
    "Evoformer block fwd (N_res 128, N_seq 128)",
    "evoformer_block_fwd_s",
    "s",
    "0.84 s",
    "≤ 0.42 s",
  ],
  ["Evoformer block fwd + bwd", "evoformer_block_fwdbwd_s", "s", "2.71 s", "≤ 1.35 s"],
  ["Evoformer block FLOPs (analytic)", "evoformer_block_gflop", "GFLOP", "≈ 71 GFLOP", "—"],
  ["Evoformer fwd achieved", "evoformer_gflops", "GFLOP/s", "85 GFLOP/s", "≥ 50 % of MatMul"],
  ["1024³ MatMul, same run", "matmul_gflops", "GFLOP/s", "ORT 323 (2 thr.), torch 181", "—"],
  [
    "af2 longest protein (128 MSA rows, chunked)",
    "af2_max_residues",
    "res",
    "—",
    "≥ 1,000 in 24 GiB",
  ],
  ["af2 peak RSS at that length", "af2_peak_rss_gb", "GiB", "—", "≤ 24 GiB"],
  ["af2 time per recycle at N_res 256", "af2_recycle_256_s", "s", "—", "—"],
  ["af2 training graph build + compile", "af2_compile_s", "s", "—", "< 5 s"],
  ["JS share of the training step", "js_overhead_fraction", "", "—", "< 10 %"],
  ["Evoformer block peak RSS, N_res 256", "evoformer_rss_256_gb", "GiB", "—", "—"],
  ["… chunked (32)", "evoformer_rss_256_chunked_gb", "GiB", "—", "—"],
  ["Evoformer block peak RSS, N_res 512", "evoformer_rss_512_gb", "GiB", "—", "—"],
  ["… chunked (32)", "evoformer_rss_512_chunked_gb", "GiB", "—", "—"],
];

function fmt(v: unknown, unit: string): string {
  if (typeof v !== "number" || !Number.isFinite(v)) return "not measured";
  if (unit === "") return `${(v * 100).toFixed(1)} %`;
  if (unit === "res") return `${v}`;
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : v >= 1 ? 2 : 3;
  return `${v.toFixed(digits)} ${unit}`;
}

/** The Markdown table for a results object. */
export function performanceTable(results: Record<string, unknown>): string {
  const r = resultsSchema.parse(results);
  const lines = [
    "| figure | denofold | OpenFold reference | target |",
    "|---|---|---|---|",
    ...ROWS.map(([what, key, unit, ref, target]) =>
      `| ${what} | ${fmt(results[key], unit)} | ${ref} | ${target} |`
    ),
  ];
  const load = (l?: number[]) => l?.map((v) => v.toFixed(2)).join(" / ") ?? "?";
  lines.push(
    "",
    `Measured ${r.date.slice(0, 16).replace("T", " ")} UTC on ${r.cores} cores; load average ` +
      `(1/5/15 min) ${load(r.loadavg_at_start)} at the start, ${load(r.loadavg)} at the end.`,
  );
  return lines.join("\n");
}

if (import.meta.main) {
  const path = new URL("./results/latest.json", import.meta.url).pathname;
  console.log(performanceTable(JSON.parse(await Deno.readTextFile(path))));
}
