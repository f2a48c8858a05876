/**
 * Every kind of AF2 monomer preset trains, and its checkpoint loads in
 * `predict` and `eval` (issue 17): model_1 (templates), model_3 (none),
 * model_1_ptm and model_5_ptm (with the TM head), each at tiny widths through
 * the run config's model override (the full 93 M-parameter models take most of
 * an hour per step here), 2 steps on the bundled sample.
 */
import { listCheckpoints } from "../../model/checkpoint.ts";
import { readRunMetrics } from "../../analysis/run_metrics.ts";
import { modelConfig, TINY_DIMS } from "../../model/af2/config.ts";
import { assert, assertEquals } from "../assert.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
// Tiny widths (OpenFold's bench-tiny) with 1 Evoformer block and 2 structure-module layers.
const TINY = { ...TINY_DIMS, evoformer: { no_blocks: 1 }, structure_module: { no_blocks: 2 } };

function deno(script: string, args: string[]) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}${script}`, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("the ten monomer presets are four architectures: the 2-step test below trains one of each", () => {
  // DeepMind's models differ in templates and the pTM head; the rest is data (extra MSA rows).
  for (let n = 1; n <= 5; n++) {
    const plain = n <= 2 ? "model_1" : "model_3";
    assertEquals(modelConfig(`model_${n}`), modelConfig(plain), `model_${n}`);
    assertEquals(
      modelConfig(`model_${n}_ptm`),
      modelConfig(n <= 2 ? "model_1_ptm" : "model_5_ptm"),
      `model_${n}_ptm`,
    );
  }
});

Deno.test("model_1, model_3, model_1_ptm and model_5_ptm train 2 steps and their checkpoints predict and evaluate", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denofold_presets_" });
  try {
    await Deno.writeTextFile(`${dir}/q.fasta`, ">q\nMKTAYIAKQRQISFVKSHFSRQ\n");
    for (const preset of ["model_1", "model_3", "model_1_ptm", "model_5_ptm"]) {
      const cfg = `${dir}/${preset}.config.json`;
      await Deno.writeTextFile(
        cfg,
        JSON.stringify({
          preset,
          model: TINY,
          steps: 2,
          crop: 32,
          msa_clusters: 4,
          extra_msa: 8,
          checkpoint_every: 2,
          validate_every: 1000,
          val_chains: 1,
          probes: 0,
          ...(preset.endsWith("_ptm") ? { loss_stage: "finetune" } : {}),
        }),
      );
      const run = `${dir}/${preset}`;
      const t = await deno("train/cli/train.ts", [
        "--config",
        cfg,
        "--out",
        run,
        "--quiet",
        "--no-report",
      ]);
      assertEquals(t.code, 0, `${preset} train: ${text(t.stderr)}`);
      // The run ends by saying what it reached: the final step's whole-chain validation.
      const val = (await readRunMetrics(`${run}/metrics.jsonl`)).findLast((l) =>
        typeof l.val_lddt_ca === "number"
      )!;
      assertEquals(val.step, 2);
      assert(
        text(t.stderr).includes(
          `validation at step 2 (whole held-out chains, ema parameters): lDDT-Cα ${
            val.val_lddt_ca!.toFixed(3)
          } (an extended chain ${val.val_lddt_ca_extended_baseline!.toFixed(3)})`,
        ),
        text(t.stderr),
      );
      const ckpt = (await listCheckpoints(run)).at(-1)!;
      const p = await deno("train/cli/predict.ts", [
        "--fasta",
        `${dir}/q.fasta`,
        "--checkpoint",
        ckpt,
        "--recycles",
        "0",
        "--out",
        `${dir}/${preset}.pdb`,
      ]);
      assertEquals(p.code, 0, `${preset} predict: ${text(p.stderr)}`);
      // predict writes FILE.json beside FILE.pdb.
      const out = JSON.parse(await Deno.readTextFile(`${dir}/${preset}.json`));
      assertEquals(out.plddt.length, 22, preset);
      // A TM head trained in the fine-tuning stage reports pTM as trained; the others have none.
      const ptm = preset.endsWith("_ptm");
      assertEquals(typeof out.ptm === "number", ptm, `${preset}: ptm ${out.ptm}`);
      assertEquals(out.tm_trained, ptm, preset);
      const e = await deno("train/cli/eval.ts", [
        "--checkpoint",
        ckpt,
        "--split",
        "val",
        "--ids",
        await firstVal(dir),
      ]);
      assertEquals(e.code, 0, `${preset} eval: ${text(e.stderr)}`);
      assert(/^val: 1 whole chains .* lDDT-Cα \d\.\d{3}/.test(text(e.stdout)), text(e.stdout));
      // One chain has no pLDDT–lDDT correlation: said so, not printed as NaN.
      assert(text(e.stdout).includes("(r with lDDT undefined)"), text(e.stdout));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** An --ids file naming one short validation chain of the bundled sample. */
async function firstVal(dir: string): Promise<string> {
  const path = `${dir}/ids.txt`;
  const { Dataset } = await import("../../train/data/dataset.ts");
  const ds = await Dataset.open(`${ROOT}data/sample`);
  const short = ds.split("val").filter((e) => e.length <= 80).sort((a, b) => a.length - b.length);
  await Deno.writeTextFile(path, short[0].id + "\n");
  return path;
}
