/**
 * remat(): a piece differentiated by recomputation. Its gradients (for its
 * inputs and for parameters it reads from outside or creates) equal central
 * finite differences and the plain graph's; the backward keeps none of the
 * piece's forward values (no VJP node reads them), and the recomputation
 * depends on the incoming gradient, so no scheduler can run it early.
 */
import * as G from "../../model/graph/mod.ts";
import type { Tensor } from "../../model/graph/mod.ts";
import { checkGradient } from "./fd.ts";
import { assert, assertEquals } from "../assert.ts";

/** A softmax attention-like piece reading an outside parameter `w`. */
function piece(w: Tensor) {
  return (q: Tensor, k: Tensor) => {
    const logits = G.matmul(G.mul(q, w), G.transpose(k, [1, 0]));
    return G.matmul(G.softmax(logits, -1), G.tanh(k));
  };
}

Deno.test("remat: gradients of inputs and of an outside parameter equal finite differences", async () => {
  const r = await checkGradient(
    (q, k, w) => {
      // Two chunks of q's rows, each recomputed, as chunked() builds them.
      const f = piece(w);
      const top = G.remat([G.slice(q, 0, 0, 2), k], f);
      const bottom = G.remat([G.slice(q, 0, 2, 3), k], f);
      return G.concat([top, bottom], 0);
    },
    [{ shape: [3, 4] }, { shape: [5, 4] }, { shape: [4] }],
  );
  assert(r.checked === 12 + 20 + 4, `${r.checked}`);
});

Deno.test("remat: a parameter created inside the piece gets its gradient; the value and gradients equal the plain graph's", async () => {
  const build = (useRemat: boolean) => {
    const g = new G.Graph();
    const x = g.input("x", [3, 4], "float64");
    const fn = (v: Tensor) => {
      // Created on the first call, read by later ones (as a scope's parameters are).
      const w = g.inputs.get("w") ?? g.input("w", [4, 4], "float64");
      return G.tanh(G.matmul(v, w));
    };
    const y = useRemat ? G.remat([x], fn) : fn(x);
    const loss = G.sum(G.mul(y, y));
    const [gx, gw] = G.grad(loss, [x, g.inputs.get("w")!]);
    return { loss, gx, gw };
  };
  const feeds = {
    x: Float64Array.from({ length: 12 }, (_, i) => Math.sin(i)),
    w: Float64Array.from({ length: 16 }, (_, i) => Math.cos(3 * i) / 2),
  };
  const plain = await (await G.compile(build(false))).run(feeds);
  const re = await (await G.compile(build(true))).run(feeds);
  for (const k of ["loss", "gx", "gw"]) {
    const a = plain[k].data as Float64Array, b = re[k].data as Float64Array;
    assert(a.every((v, i) => Math.abs(v - b[i]) <= 1e-12 * (1 + Math.abs(v))), `${k} differs`);
  }
});

Deno.test("remat: no backward node reads the piece's forward values; the recomputation waits for the gradient", () => {
  const g = new G.Graph();
  const q = g.input("q", [2, 4]), k = g.input("k", [5, 4]), w = g.input("w", [4]);
  const before = g.tensors.length;
  const y = G.remat([q, k], piece(w));
  const body = new Set(g.tensors.slice(before).filter((t) => t !== y).map((t) => t.id));
  const afterForward = g.tensors.length;
  const loss = G.sum(G.mul(y, y));
  const [gq, gk, gw] = G.grad(loss, [q, k, w]);
  const backward = g.tensors.slice(afterForward);
  // Only the Remat node itself reads the original piece's output; no VJP node reads its insides.
  const reads = backward.filter((t) => t.inputs.some((x) => body.has(x.id) && x !== y.inputs[0]));
  assertEquals(reads.map((t) => t.op), []);
  // Every rebuilt matmul reaches y (through y's gradient, 2y) by backward nodes only: it waits for it.
  const waits = (t: Tensor, seen = new Set<number>()): boolean => {
    if (seen.has(t.id)) return false;
    seen.add(t.id);
    return t.inputs.some((x) => x.id === y.id || (x.id >= afterForward && waits(x, seen)));
  };
  const rebuilt = backward.filter((t) => t.op === "MatMul" && waits(t));
  const matmuls = backward.filter((t) => t.op === "MatMul");
  assert(matmuls.length >= 2, "the piece's matmuls are rebuilt");
  assertEquals(rebuilt.length, matmuls.length, "every backward matmul waits for the gradient");
  assertEquals([gq.shape, gk.shape, gw.shape], [[2, 4], [5, 4], [4]]);
});

Deno.test("remat: pieces recompute one after another (each waits for the previous piece's gradients)", () => {
  const g = new G.Graph();
  const q = g.input("q", [4, 4]), k = g.input("k", [5, 4]), w = g.input("w", [4]);
  const pieces = [0, 2].map((at) => G.remat([G.slice(q, 0, at, at + 2), k], piece(w)));
  const y = G.concat(pieces, 0);
  const afterForward = g.tensors.length;
  G.grad(G.sum(G.mul(y, y)), [q, k, w]);
  const backward = g.tensors.slice(afterForward);
  // The reverse walk differentiates the second piece first; the first piece's rebuilt
  // matmuls must then depend on the second piece's gradient of w (a VJP node), not only on y.
  const reaches = (
    t: Tensor,
    target: (x: Tensor) => boolean,
    seen = new Set<number>(),
  ): boolean => {
    if (seen.has(t.id)) return false;
    seen.add(t.id);
    return t.inputs.some((x) => x.id >= afterForward && (target(x) || reaches(x, target, seen)));
  };
  // The first backward matmul is the second piece's recomputation (the reverse walk meets
  // it first); the last one is the first piece's VJP, which without the chain would not
  // depend on the second piece at all.
  const matmuls = backward.filter((t) => t.op === "MatMul");
  const [first, last] = [matmuls[0], matmuls.at(-1)!];
  assert(reaches(last, (x) => x.id === first.id), "the first piece does not wait for the second");
});
