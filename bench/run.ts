/**
 * `deno task bench`: run the benchmarks and write `bench/results/latest.json`
 * (merged with earlier figures of sections not run) plus the machine's core
 * count and load average at the time. {@link BENCH_CLI} is its usage.
 *
 * @module
 */

import { z } from "zod";
import { checkOutputs, type CliSpec, runCli } from "../train/cli/kit.ts";
import { trainLoopBench } from "./train_loop_bench.ts";
import { af2TrainBench } from "./af2_train_bench.ts";
import { scalingBench } from "./scaling_bench.ts";
import { ttaBench } from "./tta_bench.ts";
import { cpus, loadavg } from "node:os";
import { writeTextFileAtomic } from "../model/io/atomic.ts";
import { graphBench } from "./graph_bench.ts";
import { featuresBench } from "./features_bench.ts";
import { trainBench } from "./train_bench.ts";
import { evoformerBench } from "./evoformer_bench.ts";
import {
  af2CompileBench,
  af2CompileOrtBench,
  af2MemprobeBench,
  af2RecycleBench,
  af2ScanBench,
  evoformerRssBench,
} from "./af2_bench.ts";

/** Bench sections by name: each returns named figures. */
const SECTIONS: Record<string, () => Promise<Record<string, number | null>>> = {
  graph: graphBench,
  features: () => featuresBench(),
  train: () => trainBench(),
  train_loop: () => trainLoopBench(),
  evoformer: () => evoformerBench(),
  evoformer_rss: evoformerRssBench,
  af2_compile: af2CompileBench,
  af2_compile_ort: af2CompileOrtBench,
  af2_recycle: af2RecycleBench,
  af2_scan: () => af2ScanBench(),
  af2_memprobe: () => af2MemprobeBench(),
  af2_train: () => af2TrainBench(),
  scaling: () => scalingBench(),
  time_to_accuracy: () => ttaBench(),
};

/** Sections left out of the default run (too slow for a routine bench on 2 cores), and what they do. */
const ON_REQUEST: Record<string, string> = {
  af2_compile_ort: "the af2 compile with onnxruntime's optimiser, cold and cached",
  af2_recycle: "two af2 iterations at 256 residues",
  af2_scan: "the longest protein that fits (up to 1.5 h)",
  af2_memprobe: "one-block iterations at 256/512/1,024 residues, peak RSS",
  af2_train: "one af2 training step at crop 256, blocks plan (two steps: about an hour, 12 GiB)",
  scaling: "samples/s of small@64: 1 process, batch 2, mpirun -np 2 (minutes; needs mpich)",
  time_to_accuracy:
    "the pretrained recipe from scratch on ../shared/data, every core: to whole-chain val lDDT-Cα 0.3/0.4/0.5 (≤ 1 h)",
};

const OUT = new URL("./results/latest.json", import.meta.url).pathname;

const DEFAULT_SECTIONS = Object.keys(SECTIONS).filter((n) => !(n in ON_REQUEST));

/** The bench command's flags, usage and schema. */
export const BENCH_CLI = {
  name: "bench",
  synopsis: ["deno task bench [--only SECTION ...]"],
  about: [
    "Runs benchmark sections and merges their figures into bench/results/latest.json.",
    "The default sections take about five minutes on 2 loaded cores:",
    `  ${DEFAULT_SECTIONS.join(", ")}.`,
    "Slow ones run only when named:",
    ...Object.entries(ON_REQUEST).map(([name, what]) => `  ${name.padEnd(17)}${what}`),
  ].join("\n"),
  flags: {
    only: { value: "SECTION", multiple: true, help: "run only this section (see above)" },
  },
  schema: z.object({
    only: z.array(
      z.string().refine((n) => n in SECTIONS, {
        error: (iss) => `unknown bench section "${iss.input}"`,
      }),
    ).optional(),
  }),
} satisfies CliSpec;

async function bench({ only }: z.output<typeof BENCH_CLI.schema>): Promise<void> {
  const names = only ?? DEFAULT_SECTIONS;
  // The results file is written after minutes of work: check its place first.
  checkOutputs([{ path: OUT, label: "bench/results/latest.json", kind: "file" }]);
  let previous: Record<string, unknown> = {};
  try {
    previous = JSON.parse(await Deno.readTextFile(OUT));
  } catch { /* first run */ }
  const {
    date: _d,
    cores: _c,
    loadavg: _l,
    loadavg_at_start: _ls,
    wall_s: _w,
    sections_run: _s,
    figures: _f,
    ...figures
  } = previous;
  const loadBefore = loadavg();
  const t0 = performance.now();
  for (const n of names) {
    console.log(`bench ${n} ... (load ${loadavg().map((v) => v.toFixed(2)).join(" ")})`);
    const s0 = performance.now();
    const r = await SECTIONS[n]();
    for (const [k, v] of Object.entries(r)) console.log(`  ${k}: ${v}`);
    Object.assign(figures, r);
    figures[`section_${n}_s`] = (performance.now() - s0) / 1000;
  }
  const result = {
    date: new Date().toISOString(),
    cores: cpus().length,
    loadavg: loadavg(),
    loadavg_at_start: loadBefore,
    wall_s: (performance.now() - t0) / 1000,
    sections_run: names,
    ...figures,
  };
  await Deno.mkdir(new URL("./results/", import.meta.url), { recursive: true });
  await writeTextFileAtomic(OUT, JSON.stringify(result, null, 2) + "\n");
  console.log(`wrote ${OUT}`);
}

if (import.meta.main) await runCli(BENCH_CLI, bench);
