/**
 * Whole-chain evaluation of a trained model on the test split, as a user runs
 * it (`deno task eval` in a child process): the pretrained model's and every
 * study arm's figures come from here.
 *
 * @module
 */

import { checkoutRelative as rel } from "./budgeted_train.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/**
 * `deno task eval --checkpoint MODEL --data DATA --split test [--ids IDS] --out OUT`
 * (`--threads` from DENOFOLD_EVAL_THREADS, so an eval can share the machine with
 * a training run); its exit code.
 */
export async function evalOnTest(
  model: string,
  data: string,
  out: string,
  ids?: string,
): Promise<number> {
  const threads = Deno.env.get("DENOFOLD_EVAL_THREADS");
  // Run from the checkout with paths relative to it: summary.json records them as given.
  const args = [
    ...["run", "-A", "train/cli/eval.ts", "--checkpoint", rel(model), "--data", rel(data)],
    ...["--split", "test", "--out", rel(out)],
    ...(ids ? ["--ids", rel(ids)] : []),
    ...(threads ? ["--threads", threads] : []),
  ];
  const child = new Deno.Command(Deno.execPath(), {
    cwd: ROOT,
    args,
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  return (await child.status).code;
}
