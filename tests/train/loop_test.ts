/**
 * The loop on a small real regression task: checkpoints resume to identical
 * parameters, metrics are truncated to the checkpoint on resume, a second
 * trainer on the same directory is refused, and pruning keeps the last k.
 */
import * as G from "../../model/graph/mod.ts";
import { linear } from "../../model/nn/linear.ts";
import { initParams } from "../../model/nn/init.ts";
import { layerNorm } from "../../model/nn/linear.ts";
import { initialState, lossStep } from "../../train/step.ts";
import { AF2_OPTIMIZER } from "../../train/optimizer.ts";
import { type LoopOptions, trainLoop, type TrainTask } from "../../train/loop.ts";
import { listCheckpoints } from "../../model/checkpoint.ts";
import { lockRun, RunLockedError } from "../../train/run_lock.ts";
import { Rng } from "../../model/util/rng.ts";
import { assert, assertEquals, assertRejects } from "../assert.ts";

async function task(): Promise<TrainTask> {
  const { executor, step } = await lossStep((b) => {
    const x = b.g.input("x", [8, 4]);
    const y = b.g.input("y", [8, 1]);
    const h = b.scope("dropout_here").dropout(
      G.relu(linear(b.scope("l1"), layerNorm(b.scope("ln"), x), 16)),
      0.1,
    );
    const loss = G.mean(G.square(G.sub(linear(b.scope("l2"), h, 1), y)));
    return { loss, terms: { mse: loss } };
  }, AF2_OPTIMIZER);
  return {
    step,
    sample(n, k) {
      const rng = new Rng(5).fork(`batch/${n}/${k}`);
      const x = Float32Array.from({ length: 32 }, () => rng.float() * 2 - 1);
      const y = Float32Array.from({ length: 8 }, (_, i) => Math.sin(3 * x[4 * i]) + x[4 * i + 1]);
      return Promise.resolve({ executor, feeds: { x, y }, index: k });
    },
    validate: () => Promise.resolve({ val_score: Math.random() }),
  };
}

function options(dir: string, steps: number): LoopOptions {
  return {
    dir,
    steps,
    seed: 9,
    schedule: {
      base_lr: 1e-2,
      warmup_steps: 3,
      decay_after: 100,
      decay_every: 100,
      decay_factor: 0.5,
    },
    checkpointEvery: 4,
    keepLast: 2,
    validateEvery: 5,
    snapshotSteps: new Set(),
    maxConsecutiveSkips: 3,
    config: { test: true },
    log: () => {},
  };
}

Deno.test("a run stopped at a checkpoint and resumed ends bit-identical to an uninterrupted run", async () => {
  const t = await task();
  const init = () => initialState(initParams(t.step.params, 1));
  const a = await Deno.makeTempDir(), b = await Deno.makeTempDir();
  const whole = await trainLoop(t, init, options(a, 12));
  await trainLoop(t, init, options(b, 8)); // "killed" after step 8's checkpoint
  const resumed = await trainLoop(t, init, options(b, 12));
  assertEquals(resumed.state.step, 12);
  for (const [k, v] of whole.state.params) {
    assertEquals(Array.from(resumed.state.params.get(k)!), Array.from(v), k);
    assertEquals(Array.from(resumed.state.v.get(k)!), Array.from(whole.state.v.get(k)!), k);
  }
  const lines = (await Deno.readTextFile(`${b}/metrics.jsonl`)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  assertEquals(lines.map((l) => l.step), [...Array(12).keys()].map((i) => i + 1));
  // keep-last-2 plus the best checkpoint (validated at 5 and 10)
  const left = await listCheckpoints(b);
  assert(left.length >= 2 && left.length <= 3, `${left.length} checkpoints left`);
});

Deno.test("a run paused with stopAt checkpoints at that step, and its resume ends bit-identical to an uninterrupted run", async () => {
  const t = await task();
  const init = () => initialState(initParams(t.step.params, 1));
  const a = await Deno.makeTempDir(), b = await Deno.makeTempDir();
  const whole = await trainLoop(t, init, options(a, 12));
  // Step 6 is no multiple of checkpointEvery (4): the pause writes its own checkpoint.
  const paused = await trainLoop(t, init, { ...options(b, 12), stopAt: 6 });
  assertEquals([paused.end, paused.state.step], ["paused", 6]);
  assert((await listCheckpoints(b)).at(-1)!.endsWith("ckpt-00000006.json"));
  // Paused again at or before where it stands: nothing runs.
  assertEquals((await trainLoop(t, init, { ...options(b, 12), stopAt: 6 })).end, "paused");
  const resumed = await trainLoop(t, init, options(b, 12));
  assertEquals([resumed.end, resumed.state.step], ["done", 12]);
  for (const [k, v] of whole.state.params) {
    assertEquals(Array.from(resumed.state.params.get(k)!), Array.from(v), k);
  }
});

Deno.test("a second trainer on a locked run directory is refused with the owner's pid", async () => {
  const dir = await Deno.makeTempDir();
  const release = await lockRun(dir);
  // The lock holds our own pid; pretend another live process (pid 1) owns it.
  await Deno.writeTextFile(`${dir}/LOCK`, "1\n");
  const t = await task();
  await assertRejects(
    () => trainLoop(t, () => initialState(initParams(t.step.params, 1)), options(dir, 2)),
    RunLockedError,
    "in use by process 1",
  );
  // A stale lock (dead pid) is taken over.
  await Deno.writeTextFile(`${dir}/LOCK`, "999999999\n");
  const r = await trainLoop(t, () => initialState(initParams(t.step.params, 1)), options(dir, 2));
  assertEquals(r.state.step, 2);
  await release();
});
