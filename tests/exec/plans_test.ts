/**
 * Every execution plan computes the same thing: the model as one graph and
 * cut into embedding | blocks | tail give the same inference outputs (the
 * single graph's full-model output matches OpenFold, parity fixture 15a), and
 * WITH DROPOUT ON the same loss, gradients and optimizer updates (the single
 * graph's gradients match OpenFold, tests/train/loss_tiny_model_grad_test.ts).
 */

import { assert, assertAlmostEquals, assertEquals } from "../assert.ts";
import { modelConfig } from "../../model/af2/config.ts";
import { zeroRecycled } from "../../model/af2/recycling.ts";
import { af2Plan, type PlanKind } from "../../model/exec/plan.ts";
import { Executor } from "../../model/exec/executor.ts";
import { dropoutStream } from "../../model/exec/dropout.ts";
import { initParams } from "../../model/nn/init.ts";
import { Rng } from "../../model/util/rng.ts";
import { lossConfig } from "../../model/losses/config.ts";
import { initialState, TrainStep } from "../../train/step.ts";
import { AF2_OPTIMIZER } from "../../train/optimizer.ts";
import { benchExample } from "../../bench/tiny_batch.ts";
import { listCheckpoints, loadCheckpoint } from "../../model/checkpoint.ts";

const KINDS: PlanKind[] = ["single", "blocks"];

function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(a[i]));
  }
  return err / (scale || 1);
}

/** Gradients by parameter name from a flat vector in `e`'s order. */
function byName(e: Executor, flat: Float32Array): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  let at = 0;
  for (const p of e.params) {
    const n = p.shape.reduce((a, b) => a * b, 1);
    out.set(p.name, flat.subarray(at, at + n));
    at += n;
  }
  return out;
}

for (const chunkBudget of [undefined, 1 << 14]) {
  Deno.test(
    `plans: single graph == embed | blocks | tail at inference (bench-tiny, 3 blocks, template, extra MSA, 1 recycle, chunkBudget ${
      chunkBudget ?? "none"
    })`,
    async () => {
      const cfg = modelConfig("bench_tiny", { evoformer: { no_blocks: 3 } });
      const ex = await benchExample(32, 8, 16);
      const outputs = ["final_atom_positions", "plddt", "distogram_logits"];
      const [one, cut] = await Promise.all(
        KINDS.map((kind) => Executor.create(af2Plan(cfg, ex.dims, { kind, outputs, chunkBudget }))),
      );
      assertEquals(cut.params.map((p) => p.name).sort(), one.params.map((p) => p.name).sort());
      assertEquals(cut.graphs.length, 4, "embed, extra block, Evoformer block, tail");
      assertEquals(one.graphs.length, 1);
      const params = initParams(one.params, 11);
      const a = await one.infer(params, ex.feeds, 1);
      const b = await cut.infer(params, ex.feeds, 1);
      for (const k of [...outputs, "next/z"]) {
        const e = maxRelErr(a[k].data as Float32Array, b[k].data as Float32Array);
        assert(e < 1e-4, `${k}: relative error ${e}`);
      }
      await one.release();
      await cut.release();
    },
  );
}

Deno.test("plans: with dropout ON, one graph and embed | blocks | tail give the same loss, gradients and updates (bench-tiny, 3 blocks, real 3u8v_A crop with a template)", async () => {
  const cfg = modelConfig("bench_tiny", { evoformer: { no_blocks: 3 } });
  const ex = await benchExample(32, 8, 16);
  const loss = lossConfig("initial");
  const executors = await Promise.all(
    KINDS.map((kind) => Executor.create(af2Plan(cfg, ex.dims, { kind, loss }))),
  );
  const [one] = executors;
  const drops = one.plan.segments.flatMap((s) => s.builder.dropouts);
  assert(drops.length > 10, `dropout is on (${drops.length} masks)`);
  const feeds = { ...ex.feeds, ...zeroRecycled(cfg, ex.dims.nRes) };
  // A non-zero recycled state exercises the recycling embedder's gradient path too.
  feeds.prev_x = Float32Array.from(ex.feeds.all_atom_positions as Float32Array);
  // AF2 initialises output projections to zero, which leaves most upstream
  // gradients exactly zero at step 0: give every weight a value so that every
  // gradient path is compared.
  const params = initParams(one.params, 3);
  const rng = new Rng(5);
  for (const v of params.values()) {
    if (v.every((x) => x === 0)) {
      for (let i = 0; i < v.length; i++) v[i] = 0.02 * (rng.float() - 0.5);
    }
  }

  // The gradient of one sample, by parameter name.
  const grads = [];
  for (const e of executors) {
    const flat = new Float32Array(e.size);
    const r = await e.gradient(params, feeds, dropoutStream(7, 1, 0), flat);
    grads.push({ r, g: byName(e, flat) });
  }
  assertAlmostEquals(grads[1].r.loss, grads[0].r.loss, 1e-5 * Math.abs(grads[0].r.loss));
  // Gradients that are zero in exact arithmetic (a per-head bias before a
  // softmax) come out as ~1e-9 noise: relative errors are taken against at
  // least 1e-6 of the largest gradient.
  let top = 0;
  for (const g of grads[0].g.values()) for (const v of g) top = Math.max(top, Math.abs(v));
  let worst = 0, nonzero = 0;
  for (const [name, ga] of grads[0].g) {
    const gb = grads[1].g.get(name)!;
    let err = 0, scale = 1e-6 * top;
    for (let i = 0; i < ga.length; i++) {
      err = Math.max(err, Math.abs(ga[i] - gb[i]));
      scale = Math.max(scale, Math.abs(ga[i]));
    }
    worst = Math.max(worst, err / scale);
    if (ga.some((v) => v !== 0)) nonzero++;
  }
  assert(nonzero > 0.8 * one.params.length, `${nonzero} of ${one.params.length} gradients nonzero`);
  assert(worst < 1e-3, `largest relative gradient difference ${worst}`);
  // Another dropout stream changes the loss: the masks are drawn, not constant.
  const other = await one.gradient(
    params,
    feeds,
    dropoutStream(8, 1, 0),
    new Float32Array(one.size),
  );
  assert(other.loss !== grads[0].r.loss, "another seed draws other masks");

  // Two optimizer steps from the same state: same losses, norms and updates.
  const states = [initialState(initParams(one.params, 3)), initialState(initParams(one.params, 3))];
  const steps = await Promise.all(executors.map((e) => TrainStep.create(e.params, AF2_OPTIMIZER)));
  for (let n = 0; n < 2; n++) {
    const r = [];
    for (let k = 0; k < 2; k++) {
      r.push(await steps[k].run(states[k], [{ executor: executors[k], feeds, index: 0 }], 1e-3, 7));
    }
    assert(!r[0].skipped && !r[1].skipped);
    assertAlmostEquals(r[1].loss, r[0].loss, 1e-4 * Math.abs(r[0].loss));
    assertAlmostEquals(r[1].gradNorm, r[0].gradNorm, 1e-3 * r[0].gradNorm);
    for (const k of Object.keys(r[0].terms)) {
      assertAlmostEquals(
        r[1].terms[k],
        r[0].terms[k],
        1e-4 * Math.max(1, Math.abs(r[0].terms[k])),
        k,
      );
    }
  }
  // Adam's first steps move each weight by ~lr: compare the updates relative to lr.
  const init = initParams(one.params, 3);
  let worstUpdate = 0, moved = 0;
  for (const p of one.params) {
    const x0 = init.get(p.name)!,
      xa = states[0].params.get(p.name)!,
      xb = states[1].params.get(p.name)!;
    for (let i = 0; i < x0.length; i++) {
      if (xa[i] !== x0[i]) moved++;
      worstUpdate = Math.max(worstUpdate, Math.abs(xa[i] - x0[i] - (xb[i] - x0[i])) / 1e-3);
    }
  }
  assert(moved > 0.5 * one.size, `${moved} of ${one.size} weights moved`);
  assert(worstUpdate < 0.05, `largest update difference ${worstUpdate} × lr`);
  for (const e of executors) await e.release();
  for (const s of steps) await s.release();
});

Deno.test("plans: train CLI with the blocks plan: 3 steps, then --resume --steps 5, equals 5 uninterrupted steps bit for bit", async () => {
  const cli = new URL("../../train/cli/train.ts", import.meta.url).pathname;
  const root = await Deno.makeTempDir();
  const config = {
    preset: "tiny",
    plan: "blocks",
    steps: 5,
    crop: 32,
    msa_clusters: 4,
    extra_msa: 8,
    max_recycles: 1,
    checkpoint_every: 1,
    validate_every: 1000,
    val_chains: 1,
    probes: 0,
    seed: 4,
  };
  await Deno.writeTextFile(`${root}/config.json`, JSON.stringify(config));
  const train = (dir: string, extra: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", cli, "--config", `${root}/config.json`, "--out", dir, "--quiet"]
        .concat(["--no-report", ...extra]),
      stdout: "piped",
      stderr: "piped",
    }).output();
  const ok = async (p: Promise<Deno.CommandOutput>) => {
    const r = await p;
    assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
  };
  await ok(train(`${root}/whole`, []));
  await ok(train(`${root}/split`, ["--steps", "3"]));
  await ok(train(`${root}/split`, ["--resume", "--steps", "5"]));
  const last = async (dir: string) => {
    const all = await listCheckpoints(dir);
    return (await loadCheckpoint(all[all.length - 1])).state;
  };
  const [a, b] = [await last(`${root}/whole`), await last(`${root}/split`)];
  assertEquals(a.step, 5);
  assertEquals(b.step, 5);
  for (const [k, v] of a.params) assertEquals(b.params.get(k), v, k);
  const losses = (await Deno.readTextFile(`${root}/whole/metrics.jsonl`)).trim().split("\n")
    .map((l) => JSON.parse(l).loss).filter((x) => typeof x === "number");
  assert(losses.length === 5 && losses.every(Number.isFinite), `losses ${losses}`);
  await Deno.remove(root, { recursive: true });
});
