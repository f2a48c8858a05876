/**
 * The in-graph optimizer against a plain-JS Adam (written from the paper's
 * update rule), gradient clipping, and the non-finite guard.
 */
import * as G from "../../model/graph/mod.ts";
import { linear } from "../../model/nn/linear.ts";
import { initialState, lossStep } from "../../train/step.ts";
import { AF2_OPTIMIZER } from "../../train/optimizer.ts";
import { learningRate } from "../../train/schedule.ts";
import { assert, assertAlmostEquals, assertEquals } from "../assert.ts";

/** loss = mean((x W^T + b - y)^2): its gradient is easy to write by hand for the reference. */
async function setup(clip: number) {
  return await lossStep((b) => {
    const x = b.g.input("x", [4, 3]);
    const y = b.g.input("y", [4, 2]);
    const pred = linear(b.scope("lin"), x, 2);
    const loss = G.mean(G.square(G.sub(pred, y)));
    return { loss, terms: { mse: loss } };
  }, { ...AF2_OPTIMIZER, clip_norm: clip });
}

const x = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i + 1));
const y = Float32Array.from({ length: 8 }, (_, i) => Math.cos(2 * i));

function referenceGrads(w: Float64Array, b: Float64Array) {
  const gw = new Float64Array(6), gb = new Float64Array(2);
  let loss = 0;
  for (let n = 0; n < 4; n++) {
    for (let o = 0; o < 2; o++) {
      let p = b[o];
      for (let i = 0; i < 3; i++) p += x[n * 3 + i] * w[o * 3 + i];
      const d = p - y[n * 2 + o];
      loss += d * d / 8;
      gb[o] += 2 * d / 8;
      for (let i = 0; i < 3; i++) gw[o * 3 + i] += 2 * d * x[n * 3 + i] / 8;
    }
  }
  return { gw, gb, loss };
}

Deno.test("in-graph Adam with clipping and the warmed-up EMA matches a plain-JS reference over 5 steps", async () => {
  for (const clip of [0.1, 100]) {
    const step = await setup(clip);
    const w0 = Float32Array.from({ length: 6 }, (_, i) => 0.3 * Math.cos(i));
    const state = initialState(new Map([["lin.weight", w0], ["lin.bias", new Float32Array(2)]]));
    const ref = {
      w: Float64Array.from(w0),
      b: new Float64Array(2),
      mw: new Float64Array(6),
      mb: new Float64Array(2),
      vw: new Float64Array(6),
      vb: new Float64Array(2),
      ew: Float64Array.from(w0),
      eb: new Float64Array(2),
    }; // deno-fmt-ignore
    const { beta1, beta2, eps, ema_decay } = AF2_OPTIMIZER;
    const sched = {
      base_lr: 1e-2,
      warmup_steps: 2,
      decay_after: 4,
      decay_every: 1,
      decay_factor: 0.5,
    };
    for (let t = 1; t <= 5; t++) {
      const lr = learningRate(sched, t - 1);
      const r = await step.run(state, { x, y }, lr, 0);
      const { gw, gb, loss } = referenceGrads(ref.w, ref.b);
      assertAlmostEquals(r.loss, loss, 1e-5 * Math.max(1, loss), "loss");
      const norm = Math.hypot(...gw, ...gb);
      assertAlmostEquals(r.gradNorm, norm, 1e-5 * norm, "grad norm");
      const s = Math.min(1, clip / (norm + 1e-12));
      const upd = (
        p: Float64Array,
        m: Float64Array,
        v: Float64Array,
        e: Float64Array,
        g: Float64Array,
      ) => {
        for (let i = 0; i < p.length; i++) {
          m[i] = beta1 * m[i] + (1 - beta1) * g[i] * s;
          v[i] = beta2 * v[i] + (1 - beta2) * (g[i] * s) ** 2;
          const mh = m[i] / (1 - beta1 ** t), vh = v[i] / (1 - beta2 ** t);
          p[i] -= lr * mh / (Math.sqrt(vh) + eps);
          // The EMA's warmed-up decay (TensorFlow's ExponentialMovingAverage with num_updates).
          const d = Math.min(ema_decay, (1 + t) / (10 + t));
          e[i] = d * e[i] + (1 - d) * p[i];
        }
      };
      upd(ref.w, ref.mw, ref.vw, ref.ew, gw);
      upd(ref.b, ref.mb, ref.vb, ref.eb, gb);
      const got = state.params.get("lin.weight")!, ema = state.ema.get("lin.weight")!;
      for (let i = 0; i < 6; i++) {
        assertAlmostEquals(got[i], ref.w[i], 2e-6, `clip ${clip} step ${t} w[${i}]`);
        assertAlmostEquals(ema[i], ref.ew[i], 2e-6, `clip ${clip} step ${t} ema[${i}]`);
      }
    }
    assertEquals(state.step, 5);
  }
});

Deno.test("a non-finite loss skips the step and leaves the state unchanged", async () => {
  const step = await setup(0.1);
  const w0 = Float32Array.from({ length: 6 }, (_, i) => 0.1 * i);
  const state = initialState(
    new Map([["lin.weight", w0.slice()], ["lin.bias", new Float32Array(2)]]),
  );
  const bad = y.slice();
  bad[3] = NaN;
  const r = await step.run(state, { x, y: bad }, 1e-3, 0);
  assert(r.skipped, "step not skipped");
  assertEquals(Array.from(state.params.get("lin.weight")!), Array.from(w0));
  assertEquals(Array.from(state.m.get("lin.weight")!), new Array(6).fill(0));
  const ok = await step.run(state, { x, y }, 1e-3, 0);
  assert(!ok.skipped && state.params.get("lin.weight")![0] !== w0[0], "finite step did not update");
});

Deno.test("learning-rate schedule: warm-up, plateau, step decay", () => {
  const s = {
    base_lr: 1e-3,
    warmup_steps: 1000,
    decay_after: 50_000,
    decay_every: 50_000,
    decay_factor: 0.95,
  };
  assertAlmostEquals(learningRate(s, 0), 1e-6, 1e-12);
  assertAlmostEquals(learningRate(s, 499), 5e-4, 1e-12);
  assertAlmostEquals(learningRate(s, 20_000), 1e-3, 1e-12);
  assertAlmostEquals(learningRate(s, 50_000), 0.95e-3, 1e-12);
  assertAlmostEquals(learningRate(s, 100_000), 0.95 ** 2 * 1e-3, 1e-12);
});
