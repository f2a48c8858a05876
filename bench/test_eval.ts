/**
 * Whole-chain evaluation of a trained model on the test split, as a user runs
 * it (`deno task eval` in a child process): the pretrained model's and every
 * study arm's figures come from here.
 *
 * @module
 */

const EVAL = new URL("../train/cli/eval.ts", import.meta.url).pathname;

/**
 * `deno task eval --checkpoint MODEL --data DATA --split test [--ids IDS] --out OUT`;
 * its exit code.
 */
export async function evalOnTest(
  model: string,
  data: string,
  out: string,
  ids?: string,
): Promise<number> {
  const args = ["run", "-A", EVAL, "--checkpoint", model, "--data", data, "--split", "test"];
  const child = new Deno.Command(Deno.execPath(), {
    args: [...args, ...(ids ? ["--ids", ids] : []), "--out", out],
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  return (await child.status).code;
}
