/**
 * Whole-graph gradient checks: a small MLP + gated attention + LayerNorm loss
 * against finite differences, and training a 2-layer MLP with the graph's own
 * gradients.
 */
import * as G from "../../model/graph/mod.ts";
import type { Tensor } from "../../model/graph/mod.ts";
import { assert } from "../assert.ts";
import { checkGradient, rng } from "./fd.ts";

/** Self-attention with a pair bias and sigmoid gating, then LayerNorm and an MLP. */
function attentionBlock(x: Tensor, wq: Tensor, wk: Tensor, wv: Tensor, bias: Tensor, w1: Tensor) {
  const q = G.div(G.matmul(x, wq), Math.sqrt(wq.shape[1]));
  const k = G.matmul(x, wk);
  const v = G.matmul(x, wv);
  const att = G.softmax(G.add(G.einsum("ic,jc->ij", q, k), bias), -1);
  const o = G.mul(G.matmul(att, v), G.sigmoid(q));
  const scale = G.full(o, [o.shape[1]], 1);
  const zero = G.full(o, [o.shape[1]], 0);
  const h = G.relu(G.matmul(G.layerNorm(o, G.add(scale, 0.1), zero), w1));
  return G.mean(G.square(h));
}

Deno.test("gradient of an MLP + attention + LayerNorm loss matches finite differences", async () => {
  const r = await checkGradient(attentionBlock, [
    { shape: [5, 4] },
    { shape: [4, 3] },
    { shape: [4, 3] },
    { shape: [4, 3] },
    { shape: [5, 5] },
    { shape: [3, 6] },
  ]);
  assert(r.checked === 20 + 3 * 12 + 25 + 18, `checked ${r.checked} entries`);
});

Deno.test("a 2-layer MLP trained with the graph's own gradients fits a regression (loss / 100)", async () => {
  // Target: a smooth real-valued function of 2 inputs on 64 fixed points.
  const rand = rng(7);
  const n = 64, hidden = 32;
  const xs = Float32Array.from({ length: 2 * n }, () => rand() * 4 - 2);
  const ys = Float32Array.from(
    { length: n },
    (_, i) => Math.sin(xs[2 * i]) + 0.5 * xs[2 * i + 1] ** 2,
  );

  const g = new G.Graph();
  const x = g.input("x", [n, 2]), y = g.input("y", [n, 1]);
  const w1 = g.input("w1", [2, hidden]), b1 = g.input("b1", [hidden]);
  const w2 = g.input("w2", [hidden, 1]), b2 = g.input("b2", [1]);
  const lr = 0.05;
  const pred = G.add(G.matmul(G.tanh(G.add(G.matmul(x, w1), b1)), w2), b2);
  const loss = G.mean(G.square(G.sub(pred, y)));
  const params = [w1, b1, w2, b2];
  const grads = G.grad(loss, params);
  // Plain gradient descent with momentum, in the graph: new params are outputs.
  const moms = params.map((p) => g.input(`m_${p.name}`, p.shape));
  const outs: Record<string, Tensor> = { loss };
  params.forEach((p, i) => {
    const m = G.add(G.mul(moms[i], 0.9), grads[i]);
    outs[`new_m_${p.name}`] = m;
    outs[`new_${p.name}`] = G.sub(p, G.mul(m, lr));
  });
  const step = await G.compile(outs);

  const state: Record<string, Float32Array> = {
    w1: Float32Array.from({ length: 2 * hidden }, () => (rand() - 0.5) * 2),
    b1: Float32Array.from({ length: hidden }, () => (rand() - 0.5) * 0.2),
    w2: Float32Array.from({ length: hidden }, () => (rand() - 0.5) * 0.5),
    b2: new Float32Array(1),
  };
  for (const p of params) state[`m_${p.name}`] = new Float32Array(p.size);
  let first = NaN, last = NaN;
  for (let it = 0; it < 3000; it++) {
    const r = await step.run({ x: xs, y: ys, ...state });
    for (const k of Object.keys(state)) state[k] = r[`new_${k}`].data as Float32Array;
    last = r.loss.data[0] as number;
    if (it === 0) first = last;
  }
  console.log(`MLP regression: loss ${first.toFixed(4)} -> ${last.toExponential(3)}`);
  assert(last < first / 100, `loss fell only from ${first} to ${last}`);
});

/** Slices of one tensor used differently (one unused, so the gradient has a zero gap). */
function splitUses(x: Tensor) {
  const [a, , c, d] = G.split(x, 1, [2, 1, 3, 2]);
  const tail = G.slice(x, 0, 1, 3); // a second slice on another axis, overlapping the first
  return G.add(
    G.add(G.sum(G.mul(G.square(a), 3)), G.sum(G.exp(G.mul(c, 0.5)))),
    G.add(G.sum(G.mul(d, G.sigmoid(d))), G.sum(G.square(tail))),
  );
}

Deno.test("gradients of a Split's pieces combine into one Concat (zero-filled gap) and match finite differences", async () => {
  const r = await checkGradient(splitUses, [{ shape: [3, 8] }]);
  assert(r.checked === 24, `checked ${r.checked} entries`);
  const g = new G.Graph();
  const x = g.input("x", [3, 8]);
  const [dx] = G.grad(splitUses(x), [x]);
  const ops = new Set<string>();
  const walk = (t: Tensor) => {
    if (ops.has(`#${t.id}`)) return;
    ops.add(`#${t.id}`);
    ops.add(t.op);
    t.inputs.forEach(walk);
  };
  walk(dx);
  assert(ops.has("Concat"), "the axis-1 pieces are concatenated");
  // Only the slice along axis 0 (not disjoint with anything on its axis) stays a Pad.
  const pads = [...g.tensors].filter((t) => t.op === "Pad" && ops.has(`#${t.id}`));
  assert(pads.length === 1, `${pads.length} Pads in the gradient`);
});
