/**
 * The segmented training step (one graph per Evoformer block, activations
 * recomputed in backward) against the monolithic step, whose gradients match
 * OpenFold (loss_tiny_model_grad_test.ts): with dropout off, one step from the
 * same state on the same real batch gives the same loss, gradient norm and
 * updated parameters.
 */

import { assert, assertAlmostEquals, assertEquals } from "../assert.ts";
import type { Tensor } from "../../model/graph/mod.ts";
import { modelConfig } from "../../model/af2/config.ts";
import { alphafoldIteration, featureInputs } from "../../model/af2/alphafold.ts";
import { initParams } from "../../model/nn/init.ts";
import { alphafoldLoss } from "../../model/losses/total.ts";
import { lossConfig } from "../../model/losses/config.ts";
import { buildTrainStep, initialState } from "../../train/step.ts";
import { buildSegmentedTrainStep } from "../../train/segmented_step.ts";
import { AF2_OPTIMIZER } from "../../train/optimizer.ts";
import { benchExample, lossInputs } from "../../bench/tiny_batch.ts";
import { zeroRecycled } from "../../model/af2/recycling.ts";
import { listCheckpoints, loadCheckpoint } from "../../model/checkpoint.ts";

const NO_DROPOUT = {
  template: { pair_stack: { dropout_rate: 0 } },
  extra_msa: { msa_dropout: 0, pair_dropout: 0 },
  evoformer: { msa_dropout: 0, pair_dropout: 0, no_blocks: 3 },
  structure_module: { dropout_rate: 0 },
};

Deno.test("segmented step == monolithic step (bench-tiny widths, 3 blocks, real 3u8v_A crop with a template)", async () => {
  const cfg = modelConfig("bench_tiny", NO_DROPOUT);
  const ex = await benchExample(32, 8, 16);
  const losses = lossConfig("initial");
  const mono = await buildTrainStep((b) => {
    const { features, prev } = featureInputs(b.g, cfg, ex.dims);
    const out = alphafoldIteration(b.scope(), cfg, features, prev);
    const r = alphafoldLoss(out, lossInputs(b.g, ex, features), losses, { skipZeroWeight: true });
    const terms: Record<string, Tensor> = {};
    for (const [k, t] of Object.entries(r.terms)) if (k !== "loss") terms[k] = t;
    return { loss: r.loss, terms };
  }, AF2_OPTIMIZER);
  const seg = await buildSegmentedTrainStep(cfg, ex.dims, losses, AF2_OPTIMIZER);
  assertEquals(
    seg.params.map((p) => p.name).sort(),
    mono.params.map((p) => p.name).sort(),
    "the same parameters",
  );
  assertEquals(seg.dropouts.length, 0);
  const feeds = { ...ex.feeds, ...zeroRecycled(cfg, ex.dims.nRes) };
  // A non-zero recycled state exercises the recycling embedder's gradient path too.
  feeds.prev_x = Float32Array.from(ex.feeds.all_atom_positions as Float32Array);
  const a = initialState(initParams(mono.params, 3));
  const b = initialState(initParams(mono.params, 3));
  for (let step = 0; step < 2; step++) {
    const ra = await mono.run(a, feeds, 1e-3, 1);
    const rb = await seg.run(b, feeds, 1e-3, 1);
    assert(!ra.skipped && !rb.skipped);
    assertAlmostEquals(rb.loss, ra.loss, 1e-4 * Math.abs(ra.loss));
    assertAlmostEquals(rb.gradNorm, ra.gradNorm, 1e-3 * ra.gradNorm);
    for (const k of Object.keys(ra.terms)) {
      assertAlmostEquals(rb.terms[k], ra.terms[k], 1e-4 * Math.max(1, Math.abs(ra.terms[k])), k);
    }
  }
  // Updated parameters: Adam's first steps move each weight by ~lr, so compare
  // the updates (not the weights) relative to lr.
  const init = initParams(mono.params, 3);
  let worst = 0, moved = 0;
  for (const p of mono.params) {
    const x0 = init.get(p.name)!, xa = a.params.get(p.name)!, xb = b.params.get(p.name)!;
    for (let i = 0; i < x0.length; i++) {
      const da = xa[i] - x0[i], db = xb[i] - x0[i];
      if (da !== 0) moved++;
      worst = Math.max(worst, Math.abs(da - db) / 1e-3);
    }
  }
  assert(moved > 0.5 * seg.params.reduce((n, p) => n + p.shape.reduce((x, y) => x * y, 1), 0));
  assert(worst < 0.05, `largest update difference ${worst} × lr`);
  await seg.release();
  await mono.compiled.release();
});

Deno.test("segmented step with dropout: a pure function of (seed, step), different per block", async () => {
  const cfg = modelConfig("bench_tiny", { evoformer: { no_blocks: 2 } });
  const ex = await benchExample(32, 8, 16);
  const seg = await buildSegmentedTrainStep(cfg, ex.dims, lossConfig("initial"), AF2_OPTIMIZER);
  assert(seg.dropouts.length > 0);
  const feeds = { ...ex.feeds, ...zeroRecycled(cfg, ex.dims.nRes) };
  const params = initParams(seg.params, 5);
  const run = async (seed: number) => {
    const s = initialState(new Map([...params].map(([k, v]) => [k, v.slice()])));
    return (await seg.run(s, feeds, 1e-3, seed)).loss;
  };
  const [l1, l1again, l2] = [await run(1), await run(1), await run(2)];
  assertEquals(l1again, l1);
  assert(l2 !== l1, "another seed draws other masks");
  await seg.release();
});

Deno.test("train CLI with the segmented step: 3 steps, then --resume --steps 5, equals 5 uninterrupted steps bit for bit", async () => {
  const cli = new URL("../../train/cli/train.ts", import.meta.url).pathname;
  const root = await Deno.makeTempDir();
  const config = {
    preset: "tiny",
    segmented: true,
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
