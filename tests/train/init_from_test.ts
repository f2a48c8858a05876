/**
 * `train --init-from`: a new run starts from imported weights (OpenFold's
 * fine-tuning path). From fixture 15b's DeepMind-format file (its template
 * arrays left out: training runs template-free) into 15a's model with a pTM
 * head added: after one step at a learning rate of 1e-30 every imported
 * parameter equals OpenFold's 15a state dict (to 1e-25 absolute: Adam moves a
 * parameter by about the learning rate), and the TM head, absent from the
 * file, is a fresh initialisation. A model file starts a run the same way; a
 * file of another model is refused in one line (exit 2).
 */
import { encodeNpz, readNpz } from "../../model/io/npz.ts";
import { loadCase } from "../../analysis/parity/harness.ts";
import { fromOpenFoldModelConfig } from "../../model/af2/openfold_config.ts";
import { listCheckpoints, loadCheckpoint } from "../../model/checkpoint.ts";
import { modelParamSpecs } from "../../model/params.ts";
import { initParams } from "../../model/nn/init.ts";
import { runModelConfig } from "../../model/trained.ts";
import { SHARED_PARITY } from "../shared_data.ts";
import { assert, assertEquals } from "../assert.ts";

const CLI = new URL("../../train/cli/train.ts", import.meta.url).pathname;

function train(args: string[]) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "--quiet", "--no-report", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

Deno.test("train --init-from: DeepMind-format weights start the run, a missing TM head starts fresh; a model file too; another model's file is refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denofold_init_from_" });
  try {
    const c = await loadCase(`${SHARED_PARITY}/15a_alphafold_tiny.npz`);
    const model = fromOpenFoldModelConfig(
      (c.meta.ctor as { config: { model: unknown } }).config.model,
    );
    const raw = await readNpz(`${SHARED_PARITY}/15b_alphafold_tiny_params_model_1_af2format.npz`);
    const npz = `${dir}/params_model_tiny.npz`;
    await Deno.writeFile(
      npz,
      encodeNpz(new Map([...raw].filter(([k]) => !k.includes("template")))),
    );
    const config = {
      preset: "tiny",
      model: { ...model, heads: { ...model.heads, tm: { ...model.heads.tm, enabled: true } } },
      steps: 1,
      crop: 32,
      msa_clusters: 4,
      extra_msa: 8,
      seed: 5,
      schedule: {
        base_lr: 1e-30,
        warmup_steps: 0,
        decay_after: 1000,
        decay_every: 1000,
        decay_factor: 1,
      },
      checkpoint_every: 1,
      validate_every: 1000,
      val_chains: 1,
      probes: 0,
    };
    await Deno.writeTextFile(`${dir}/cfg.json`, JSON.stringify(config));
    const r = await train(["--config", `${dir}/cfg.json`, "--init-from", npz, "--out", `${dir}/a`]);
    assertEquals(r.code, 0, text(r.stderr));
    const { state } = await loadCheckpoint((await listCheckpoints(`${dir}/a`)).at(-1)!);
    assertEquals(state.step, 1);
    const specs = modelParamSpecs(runModelConfig({ ...config, max_templates: 0 }));
    const tm = specs.filter((p) => p.name.startsWith("aux_heads.tm."));
    assert(tm.length > 0, "no TM head in the model");
    const fresh = initParams(tm, config.seed);
    let imported = 0, worst = 0;
    for (const p of specs) {
      const got = state.params.get(p.name)!;
      const want = fresh.get(p.name) ?? (c.arrays.get(`param/${p.name}`)?.data as Float32Array);
      assert(want, `${p.name}: in neither the fixture nor the fresh TM head`);
      assertEquals(got.length, want.length, p.name);
      worst = Math.max(worst, maxAbsDiff(got, want));
      if (!fresh.has(p.name)) imported++;
    }
    assert(worst < 1e-25, `largest difference ${worst}`);
    assertEquals(imported + tm.length, specs.length);

    // A model file (a checkpoint sidecar here) starts a run with its EMA parameters.
    const sidecar = (await listCheckpoints(`${dir}/a`)).at(-1)!;
    const b = await train([
      "--config",
      `${dir}/cfg.json`,
      "--init-from",
      sidecar,
      "--out",
      `${dir}/b`,
    ]);
    assertEquals(b.code, 0, text(b.stderr));
    const sb = (await loadCheckpoint((await listCheckpoints(`${dir}/b`)).at(-1)!)).state;
    let worstB = 0;
    for (const [k, v] of state.ema) worstB = Math.max(worstB, maxAbsDiff(sb.params.get(k)!, v));
    assert(worstB < 1e-25, `from the model file: largest difference ${worstB}`);

    // Another model's weights: refused before training, one line naming the file.
    const small = await train([
      "--preset",
      "small",
      "--steps",
      "1",
      "--init-from",
      npz,
      "--out",
      `${dir}/c`,
    ]);
    const err = text(small.stderr).trim().split("\n").filter((l) => l.startsWith("train:"));
    assertEquals(small.code, 2, text(small.stderr));
    assert(err.length === 1 && err[0].includes(npz), text(small.stderr));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
