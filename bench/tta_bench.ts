/**
 * Time to accuracy (issue 15): wall time on this machine from a fresh start
 * of `deno task train` with the pretrained model's recipe (every core, the
 * ../shared/data corpus; validation every 250 steps on 16 whole held-out
 * chains) to whole-chain validation lDDT-Cα 0.30, 0.40 and 0.50, with the
 * curve. Each validation line
 * of metrics.jsonl is timestamped as it appears, so the figure includes
 * start-up, data loading and validation — what a user waits for.
 *
 * @module
 */

import { readRunMetrics } from "../analysis/run_metrics.ts";
import { writeTextFileAtomic } from "../model/io/atomic.ts";
import { checkoutRelative, SHARED_DATA } from "./budgeted_train.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const TARGETS = [0.3, 0.4, 0.5];
/** The recipe timed: the pretrained model's. */
const RECIPE = `${ROOT}bench/results/pretrained/config.json`;

/** Train from scratch for at most `minutes`; seconds to each target (null if not reached). */
export async function ttaBench(
  minutes = 60,
  data = SHARED_DATA,
): Promise<Record<string, number | null>> {
  const dir = await Deno.makeTempDir({ prefix: "denofold-tta-" });
  const recipe = JSON.parse(await Deno.readTextFile(RECIPE));
  await Deno.writeTextFile(
    `${dir}/config.json`,
    JSON.stringify({ ...recipe, data, validate_every: 250, probes: 0 }),
  );
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      `${ROOT}train/cli/train.ts`,
      "--config",
      `${dir}/config.json`,
      "--steps",
      "1000000",
      "--out",
      `${dir}/run`,
      "--quiet",
      "--no-report",
    ],
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const curve: { s: number; step: number; lddt: number }[] = [];
  let seen = 0;
  const deadline = t0 + minutes * 60_000;
  while (performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5000));
    const lines = await readRunMetrics(`${dir}/run/metrics.jsonl`).catch(() => []);
    for (const l of lines.slice(seen)) {
      if (typeof l.val_lddt_ca === "number") {
        curve.push({ s: (performance.now() - t0) / 1000, step: l.step, lddt: l.val_lddt_ca });
      }
    }
    seen = lines.length;
    if (curve.length && curve.at(-1)!.lddt >= TARGETS.at(-1)!) break;
  }
  child.kill("SIGTERM");
  await child.status;
  await Deno.remove(dir, { recursive: true });
  const first = (t: number) => curve.find((p) => p.lddt >= t)?.s ?? null;
  await writeTextFileAtomic(
    `${ROOT}bench/results/tta_curve.json`,
    JSON.stringify({ minutes, recipe: checkoutRelative(RECIPE), curve }, null, 1) + "\n",
  );
  return {
    tta_lddt030_s: first(0.3),
    tta_lddt040_s: first(0.4),
    tta_lddt050_s: first(0.5),
    tta_minutes_cap: minutes,
    tta_final_lddt: curve.at(-1)?.lddt ?? null,
  };
}
