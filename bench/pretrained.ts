/**
 * The pretrained model shipped in `data/models/` (issue 15): the recipe of
 * `bench/results/pretrained/config.json` trained single-threaded on the
 * backbone corpus of ../shared/data, resumed across sessions, its EMA
 * parameters exported as a model file and scored on whole chains of the test
 * split (held-out clusters).
 *
 *   deno run -A bench/pretrained.ts train [--data ROOT] [--cpu-hours H]   # start or resume
 *   deno run -A bench/pretrained.ts export                # runs/pretrained -> data/models/
 *   deno run -A bench/pretrained.ts eval [--data ROOT]    # whole chains of the test split
 *   deno run -A bench/pretrained.ts eval --ids notebooks/studies/test_ids.txt   # the studies' 240
 *
 * `export` also copies the run's metrics to `bench/results/pretrained/`;
 * `eval` writes `bench/results/pretrained/test/{chains.csv,summary.json}`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { listCheckpoints } from "../model/checkpoint.ts";
import { exportTrainedModel } from "../model/trained.ts";
import { InputError } from "../model/util/errors.ts";
import { checkoutRelative, SHARED_DATA, trainBudgeted } from "./budgeted_train.ts";
import { evalOnTest } from "./test_eval.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const RESULTS = `${ROOT}bench/results/pretrained`;
const RUN = `${ROOT}runs/pretrained`;
/** The shipped model's path, without extension. */
export const MODEL_BASE = `${ROOT}data/models/denofold_small`;

async function train(data: string, cpuHours: number): Promise<number> {
  // The committed config names the corpus relative to the checkout; --data gives the real root.
  return await trainBudgeted(RUN, `${RESULTS}/config.json`, cpuHours, [
    "--data",
    checkoutRelative(data),
  ]);
}

async function exportModel(): Promise<void> {
  const last = (await listCheckpoints(RUN)).at(-1);
  if (!last) throw new InputError(`${RUN} has no checkpoint to export`);
  await Deno.mkdir(`${ROOT}data/models`, { recursive: true });
  console.log(await exportTrainedModel(last, MODEL_BASE, "ema"));
  await Deno.copyFile(`${RUN}/metrics.jsonl`, `${RESULTS}/metrics.jsonl`);
}

/**
 * The shipped model on whole test chains: the whole split into test/, or the
 * studies' draw of one chain per test cluster (--ids) into test_<n>/.
 */
async function evaluate(data: string, ids?: string): Promise<number> {
  if (!ids) return await evalOnTest(`${MODEL_BASE}.json`, data, `${RESULTS}/test`);
  const n = (await Deno.readTextFile(ids)).split("\n").filter((l) => l.trim()).length;
  return await evalOnTest(`${MODEL_BASE}.json`, data, `${RESULTS}/test_${n}`, ids);
}

if (import.meta.main) {
  const { positionals, values } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      data: { type: "string", default: SHARED_DATA },
      "cpu-hours": { type: "string" },
      ids: { type: "string" },
    },
  });
  const what = positionals[0];
  const hours = values["cpu-hours"] === undefined ? Infinity : Number(values["cpu-hours"]);
  if (what === "train") Deno.exit(await train(values.data, hours));
  else if (what === "export") await exportModel();
  else if (what === "eval") Deno.exit(await evaluate(values.data, values.ids));
  else {
    console.error(
      "usage: deno run -A bench/pretrained.ts train|export|eval [--data ROOT] [--ids FILE]",
    );
    Deno.exit(2);
  }
}
