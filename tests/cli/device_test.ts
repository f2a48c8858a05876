/**
 * `--device cuda` on a machine without onnxruntime's CUDA provider stops at
 * once with one line naming CUDA (exit 2: pass --device cpu), before any work
 * and without a silent CPU fallback. Where the provider is installed the
 * commands would run on the GPU instead; this test then has nothing to check.
 */

import { assert, assertEquals } from "../assert.ts";
import { requireDevice } from "../../model/graph/runtime.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const cuda = await requireDevice("cuda").then(() => true, () => false);

Deno.test({
  name:
    "--device cuda without CUDA: train, eval and predict exit 2 with one line naming CUDA, writing nothing",
  ignore: cuda,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const cases: [string, string[]][] = [
        ["train", ["--device", "cuda", "--steps", "1", "--out", `${dir}/run`]],
        ["eval", ["--device", "cuda", "--checkpoint", `${dir}/x.json`]],
        ["predict", ["--device", "cuda", "--fasta", `${dir}/q.fasta`, "--out", `${dir}/q.pdb`]],
      ];
      await Deno.writeTextFile(`${dir}/x.json`, "{}");
      await Deno.writeTextFile(`${dir}/q.fasta`, ">q\nMKTAYIAK\n");
      for (const [cmd, args] of cases) {
        const r = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", `${ROOT}train/cli/${cmd}.ts`, ...args],
          stdout: "piped",
          stderr: "piped",
        }).output();
        const err = new TextDecoder().decode(r.stderr).trim();
        assertEquals(r.code, 2, `${cmd}: ${err}`);
        assertEquals(err.split("\n").length, 1, `${cmd}: ${err}`);
        assert(err.startsWith(`${cmd}: --device cuda:`) && err.includes("CUDA"), err);
      }
      assertEquals(
        [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
        ["q.fasta", "x.json"],
        "nothing written",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
