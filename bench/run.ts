/**
 * `deno task bench [--only NAME ...]`: run the benchmarks and write
 * `bench/results/latest.json` (merged with earlier figures of sections not run)
 * plus the machine's core count and load average at the time.
 *
 * The default run (graph, features, train, evoformer, evoformer_rss,
 * af2_compile) takes about five minutes on 2 loaded cores; `af2_compile_ort`
 * (the same compile with onnxruntime's optimiser, cold and cached),
 * `af2_recycle` (two af2 iterations at 256 residues), `af2_scan` (the
 * longest protein that fits, up to 1.5 h) and `af2_memprobe` (one-block
 * iterations at 256/512/1,024 residues, peak RSS) and `af2_train` (one
 * af2 training step at crop 256 with the blocks plan, minutes) run only when named, e.g.
 * `deno task bench --only af2_recycle --only af2_scan`.
 *
 * @module
 */

import { trainLoopBench } from "./train_loop_bench.ts";
import { af2TrainBench } from "./af2_train_bench.ts";
import { parseArgs } from "node:util";
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
const SECTIONS: Record<string, () => Promise<Record<string, number>>> = {
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
};

/** Sections left out of the default run (too slow for a routine bench on 2 cores). */
const ON_REQUEST = new Set([
  "af2_compile_ort",
  "af2_recycle",
  "af2_scan",
  "af2_memprobe",
  "af2_train",
]);

const OUT = new URL("./results/latest.json", import.meta.url).pathname;

async function main() {
  const { values } = parseArgs({
    args: Deno.args,
    options: { only: { type: "string", multiple: true } },
    strict: true,
  });
  const names = values.only ?? Object.keys(SECTIONS).filter((n) => !ON_REQUEST.has(n));
  for (const n of names) if (!SECTIONS[n]) throw new Error(`unknown bench section "${n}"`);
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

if (import.meta.main) await main();
