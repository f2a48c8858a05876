/**
 * Graph-level performance features leave results unchanged: inputs substituted
 * by in-graph tensors, and the optimisation pass applied before serialisation.
 */
import * as G from "../../model/graph/mod.ts";
import { ModelBuilder } from "../../model/nn/scope.ts";
import { arrayOf, feedOf, loadCase } from "../../analysis/parity/harness.ts";
import { EVOFORMER_BUILDS } from "../../analysis/parity/runners_evoformer.ts";
import { SHARED_PARITY } from "../shared_data.ts";
import { assert, assertEquals, assertThrows } from "../assert.ts";

Deno.test("substituted inputs: parameters sliced from one flat vector give the fed result", async () => {
  const g = new G.Graph();
  const x = g.input("x", [2, 3]);
  const w = g.input("w", [3, 2]);
  const b = g.input("b", [2]);
  const y = G.add(G.matmul(x, w), b);
  const flat = g.input("flat", [8]);
  const sub = new Map([
    [w, G.reshape(G.slice(flat, 0, 0, 6), [3, 2])],
    [b, G.slice(flat, 0, 6, 8)],
  ]);
  const xs = new Float32Array([1, 2, 3, 4, 5, 6]);
  const ws = new Float32Array([0.5, -1, 2, 0.25, -3, 1]);
  const bs = new Float32Array([10, 20]);
  const fed = await G.compile({ y });
  const viaFlat = await G.compile({ y }, { substitute: sub });
  assertEquals([...viaFlat.inputs.keys()].sort(), ["flat", "x"]);
  const want = await fed.run({ x: xs, w: ws, b: bs });
  const got = await viaFlat.run({ x: xs, flat: new Float32Array([...ws, ...bs]) });
  assertEquals(Array.from(got.y.data as Float32Array), Array.from(want.y.data as Float32Array));
  // Hand-computed row 0: [1,2,3]·w + b = [1·0.5+2·2+3·(-3), 1·(-1)+2·0.25+3·1] + [10, 20].
  assertEquals(Array.from(got.y.data as Float32Array).slice(0, 2), [5.5, 22.5]);
});

Deno.test("a substitute must match the input's dtype and shape", () => {
  const g = new G.Graph();
  const w = g.input("w", [3]);
  const flat = g.input("flat", [8]);
  assertThrows(
    () => G.toOnnx({ y: G.mul(w, 2) }, { substitute: new Map([[w, G.slice(flat, 0, 0, 4)]]) }),
    G.GraphError,
    "cannot substitute float32[4] for Input float32[3]",
  );
});

Deno.test("the optimisation pass removes duplicates, identities and shape-op chains, values unchanged", async () => {
  const g = new G.Graph();
  const x = g.input("x", [2, 3, 4]);
  const tt = G.transpose(G.transpose(x, [2, 0, 1]), [1, 2, 0]); // = x
  const chain = G.reshape(G.unsqueeze(G.reshape(x, [6, 4]), 0), [2, 3, 4]); // = x
  const dupA = G.mul(x, 2), dupB = G.mul(x, 2); // one Mul, one constant
  const perm = G.transpose(G.transpose(x, [1, 0, 2]), [0, 2, 1]); // one Transpose [1, 2, 0]
  const y = G.add(
    G.add(G.add(tt, chain), G.add(dupA, dupB)),
    G.transpose(G.identity(G.stopGradient(perm)), [2, 0, 1]),
  );
  const o = G.optimize({ y });
  const ops = G.liveTensors([o.outputs.y]).filter((t) => t.op !== "Input" && t.op !== "Constant");
  const count = (op: string) => ops.filter((t) => t.op === op).length;
  assertEquals(count("Mul"), 1);
  assertEquals(count("Identity") + count("StopGradient") + count("Reshape"), 0);
  // perm ∘ [2, 0, 1] = identity: every Transpose cancels.
  assertEquals(count("Transpose"), 0);
  assertEquals(o.nodesAfter, 5); // 4 Adds and the Mul
  const xs = Float32Array.from({ length: 24 }, (_, i) => i - 7.5);
  const plain = await G.compile({ y }, { optimize: false });
  const fast = await G.compile({ y });
  assertEquals(fast.stats.nodes, 5);
  const want = (await plain.run({ x: xs })).y.data as Float32Array;
  assertEquals(Array.from((await fast.run({ x: xs })).y.data as Float32Array), Array.from(want));
  // By hand: y = x + x + 2x + 2x + x = 7x.
  assertEquals(Array.from(want), Array.from(xs, (v) => 7 * v));
});

Deno.test("Evoformer block (07a) forward and gradients agree with and without the pass", async () => {
  const c = await loadCase(`${SHARED_PARITY}/07a_evoformer_block.npz`);
  const b = new ModelBuilder({ chunkBudget: 1 << 12 });
  const inputs: Record<string, G.Tensor> = {};
  const feeds: Record<string, G.TypedArray> = {};
  for (const [k, a] of c.arrays) {
    if (!k.startsWith("in/")) continue;
    inputs[k.slice(3)] = b.g.input(k.slice(3), a.shape);
    feeds[k.slice(3)] = feedOf(a);
  }
  const outs = EVOFORMER_BUILDS[String(c.meta.module)](c)(b, inputs);
  const loss = Object.values(outs).map((t) => G.sum(G.mul(t, t))).reduce((p, q) => G.add(p, q));
  const params = [...b.paramTensors().values()];
  const grads = G.grad(loss, params);
  for (const p of b.params) feeds[p.name] = feedOf(arrayOf(c, `param/${p.name}`));
  const named = Object.fromEntries(Object.entries(outs).map(([k, t]) => [`out/${k}`, t]));
  const all = { loss, ...named, ...Object.fromEntries(grads.map((g, i) => [`g${i}`, g])) };
  const plain = await G.compile(all, { optimize: false });
  const fast = await G.compile(all);
  assert(fast.stats.nodes < plain.stats.nodes, `${fast.stats.nodes} vs ${plain.stats.nodes}`);
  const want = await plain.run(feeds);
  const got = await fast.run(feeds);
  for (const [k, w] of Object.entries(want)) {
    const a = got[k].data as Float32Array, e = w.data as Float32Array;
    let err = 0, scale = 0;
    for (let i = 0; i < e.length; i++) {
      err = Math.max(err, Math.abs(a[i] - e[i]));
      scale = Math.max(scale, Math.abs(e[i]));
    }
    // The rewrites are exact; onnxruntime may fuse the two graphs differently (fp32 rounding).
    assert(err <= 1e-5 * scale + 1e-30, `${k}: max |err| ${err} of ${scale}`);
  }
  console.log(`07a chunked block + grad: ${plain.stats.nodes} -> ${fast.stats.nodes} nodes`);
});

Deno.test("the onnxruntime-optimised model is cached by graph hash and reloaded with the same results", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const g = new G.Graph();
    const x = g.input("x", [3, 4]);
    const w = g.input("w", [4, 2]);
    const y = G.relu(G.add(G.matmul(x, w), 0.5));
    const xs = Float32Array.from({ length: 12 }, (_, i) => i / 4 - 1);
    const ws = Float32Array.from({ length: 8 }, (_, i) => (i % 3) - 1);
    const first = await G.compile({ y }, { cacheDir: dir, optimizationLevel: "all" });
    assertEquals(first.stats.cached, false);
    const want = Array.from((await first.run({ x: xs, w: ws })).y.data as Float32Array);
    await first.release();
    const files = [...Deno.readDirSync(dir)].map((e) => e.name);
    assertEquals(files.length, 1);
    assert(files[0].endsWith(".all.onnx"), files[0]);
    const again = await G.compile({ y }, { cacheDir: dir, optimizationLevel: "all" });
    assertEquals(again.stats.cached, true);
    assertEquals(Array.from((await again.run({ x: xs, w: ws })).y.data as Float32Array), want);
    // Row 0 by hand: x = [-1, -0.75, -0.5, -0.25], w rows [-1,0],[1,-1],[0,1],[-1,0].
    assertEquals(want.slice(0, 2), [
      Math.max(0, 1 - 0.75 + 0.25 + 0.5),
      Math.max(0, 0.75 - 0.5 + 0.5),
    ]);
    await again.release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
