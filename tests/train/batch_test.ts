/**
 * Batches: a step over two samples adds their gradients (the very sum a
 * plain-JS reference computes) and takes Adam's update on their mean, checked
 * against a plain-JS first Adam step; a batch-2 run stopped mid-way and
 * resumed equals the uninterrupted one bit for bit.
 */

import { assert, assertAlmostEquals, assertEquals } from "../assert.ts";
import { modelConfig } from "../../model/af2/config.ts";
import { zeroRecycled } from "../../model/af2/recycling.ts";
import { af2Plan } from "../../model/exec/plan.ts";
import { Executor } from "../../model/exec/executor.ts";
import { dropoutStream } from "../../model/exec/dropout.ts";
import { initParams } from "../../model/nn/init.ts";
import { lossConfig } from "../../model/losses/config.ts";
import { listCheckpoints, loadCheckpoint } from "../../model/checkpoint.ts";
import { initialState, TrainStep } from "../../train/step.ts";
import { unpackFlat } from "../../model/exec/flat.ts";
import { AF2_OPTIMIZER } from "../../train/optimizer.ts";
import { benchExample } from "../../bench/tiny_batch.ts";

Deno.test("batch: two samples' gradients are added, averaged, and Adam's first update is taken on their mean (plain-JS reference)", async () => {
  const cfg = modelConfig("bench_tiny", { evoformer: { no_blocks: 2 } });
  const [a, b] = [await benchExample(32, 8, 16), await benchExample(32, 8, 16, { id: "5kc1_C" })];
  const e = await Executor.create(af2Plan(cfg, a.dims, { loss: lossConfig("initial") }));
  const feeds = [a, b].map((x) => ({ ...x.feeds, ...zeroRecycled(cfg, x.dims.nRes) }));
  const params = initParams(e.params, 3);
  const seed = 11, lr = 1e-3;
  // Each sample alone, with the dropout masks it draws as sample k of step 1.
  const single: { g: Float32Array; loss: number }[] = [];
  for (let k = 0; k < 2; k++) {
    const g = new Float32Array(e.size);
    const r = await e.gradient(params, feeds[k], dropoutStream(seed, 1, k), g);
    single.push({ g, loss: r.loss });
  }
  const step = await TrainStep.create(e.params, AF2_OPTIMIZER);
  const state = initialState(new Map([...params].map(([k, v]) => [k, v.slice()])));
  const r = await step.run(
    state,
    feeds.map((f, k) => ({ executor: e, feeds: f, index: k })),
    lr,
    seed,
  );
  assert(!r.skipped);
  assertAlmostEquals(r.loss, (single[0].loss + single[1].loss) / 2, 1e-6 * Math.abs(r.loss));
  // Adam's first step on the clipped mean gradient g_c: p - lr · g_c / (|g_c| + ε).
  const { clip_norm, eps } = AF2_OPTIMIZER;
  const mean = single[0].g.map((v, i) => (v + single[1].g[i]) / 2);
  const norm = Math.sqrt(mean.reduce((s, v) => s + v * v, 0));
  assertAlmostEquals(r.gradNorm, norm, 1e-5 * norm, "norm of the mean gradient");
  const scale = Math.min(1, clip_norm / (norm + 1e-12));
  const before = unpackFlat(
    e.params,
    Float32Array.from(e.params.flatMap((p) => [...params.get(p.name)!])),
  );
  let worst = 0, moved = 0;
  let at = 0;
  for (const p of e.params) {
    const x0 = before.get(p.name)!, x1 = state.params.get(p.name)!;
    for (let i = 0; i < x0.length; i++, at++) {
      const g = mean[at] * scale;
      const want = x0[i] - lr * g / (Math.abs(g) + eps);
      worst = Math.max(worst, Math.abs(x1[i] - want) / lr);
      if (x1[i] !== x0[i]) moved++;
    }
  }
  assert(moved > 0, "the update moved weights");
  assert(worst < 1e-3, `largest difference from the plain-JS update: ${worst} × lr`);
  await e.release();
  await step.release();
});

Deno.test("batch: a batch-2 run stopped after 2 steps and resumed to 4 equals 4 uninterrupted steps bit for bit", async () => {
  const cli = new URL("../../train/cli/train.ts", import.meta.url).pathname;
  const root = await Deno.makeTempDir();
  const config = {
    preset: "tiny",
    steps: 4,
    batch_size: 2,
    crop: 32,
    msa_clusters: 4,
    extra_msa: 8,
    max_recycles: 1,
    checkpoint_every: 1,
    validate_every: 1000,
    val_chains: 1,
    val_max_length: 64,
    probes: 0,
    seed: 6,
  };
  await Deno.writeTextFile(`${root}/config.json`, JSON.stringify(config));
  const train = async (dir: string, extra: string[]) => {
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", cli, "--config", `${root}/config.json`, "--out", dir, "--quiet"]
        .concat(["--no-report", ...extra]),
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
  };
  await train(`${root}/whole`, []);
  await train(`${root}/split`, ["--steps", "2"]);
  await train(`${root}/split`, ["--resume"]);
  const last = async (dir: string) =>
    (await loadCheckpoint((await listCheckpoints(dir)).at(-1)!)).state;
  const [x, y] = [await last(`${root}/whole`), await last(`${root}/split`)];
  assertEquals(y.step, 4);
  for (const kind of ["params", "m", "v", "ema"] as const) {
    for (const [k, v] of x[kind]) assertEquals(y[kind].get(k), v, `${kind} ${k}`);
  }
  await Deno.remove(root, { recursive: true });
});
