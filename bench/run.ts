/**
 * `deno task bench [--only NAME ...]`: run the benchmarks and write
 * `bench/results/latest.json` (merged with earlier figures of sections not run)
 * plus the machine's core count and load average at the time.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { cpus, loadavg } from "node:os";
import { writeTextFileAtomic } from "../model/io/atomic.ts";
import { graphBench } from "./graph_bench.ts";

/** Bench sections by name: each returns named figures. */
const SECTIONS: Record<string, () => Promise<Record<string, number>>> = {
  graph: graphBench,
};

const OUT = new URL("./results/latest.json", import.meta.url).pathname;

async function main() {
  const { values } = parseArgs({
    args: Deno.args,
    options: { only: { type: "string", multiple: true } },
    strict: true,
  });
  const names = values.only ?? Object.keys(SECTIONS);
  for (const n of names) if (!SECTIONS[n]) throw new Error(`unknown bench section "${n}"`);
  let previous: Record<string, unknown> = {};
  try {
    previous = JSON.parse(await Deno.readTextFile(OUT));
  } catch { /* first run */ }
  const { date: _d, cores: _c, loadavg: _l, sections_run: _s, ...figures } = previous;
  for (const n of names) {
    console.log(`bench ${n} ...`);
    const r = await SECTIONS[n]();
    for (const [k, v] of Object.entries(r)) console.log(`  ${k}: ${v}`);
    Object.assign(figures, r);
  }
  const result = {
    date: new Date().toISOString(),
    cores: cpus().length,
    loadavg: loadavg(),
    sections_run: names,
    ...figures,
  };
  await Deno.mkdir(new URL("./results/", import.meta.url), { recursive: true });
  await writeTextFileAtomic(OUT, JSON.stringify(result, null, 2) + "\n");
  console.log(`wrote ${OUT}`);
}

if (import.meta.main) await main();
