/**
 * The liveness estimator against peaks worked out by hand, onnxruntime's
 * execution order being topological, and chunking lowering the estimate.
 */
import * as G from "../../model/graph/mod.ts";
import { ModelBuilder } from "../../model/nn/scope.ts";
import { transition } from "../../model/nn/transition.ts";
import { liveness, ortOrder } from "../../bench/liveness.ts";
import { assert, assertEquals } from "../assert.ts";

Deno.test("liveness: the peak of a small graph, worked out by hand", () => {
  const g = new G.Graph();
  const x = g.input("x", [1000]); // fed: 4,000 bytes
  const a = G.exp(x); // live 4,000
  const b = G.exp(a); // a still needed: 8,000
  const c = G.add(a, b); // 12,000 while computed, then a and b die: 4,000
  const r = G.reshape(c, [10, 100]); // a view: no bytes, keeps c alive
  const d = G.sum(G.exp(r), [0, 1]); // exp(r) 4,000 + c 4,000 = 8,000, then sum 4 bytes
  const rep = liveness([d]);
  assertEquals(rep.peakBytes, 12000);
  assertEquals(rep.peakAt, c.id);
  assertEquals(rep.inputBytes, 4000);
  assertEquals(rep.top.map((t) => t.bytes), [4000, 4000, 4000]);
  // A fed input label: the nearest named input before the tensor.
  assertEquals(rep.peakLabel, "x");
});

Deno.test("liveness: onnxruntime's order is topological and visits every needed node once", () => {
  const b = new ModelBuilder({ chunkBudget: 2 * 5 * 32 }); // 2 rows of the [5, 4·8] hidden
  const x = b.g.input("x", [6, 5, 8]);
  const y = transition(b.scope("tr"), x, 4, b.g.input("mask", [6, 5]));
  const order = ortOrder([y]);
  const pos = new Map(order.map((t, i) => [t.id, i]));
  assertEquals(pos.size, G.liveTensors([y]).length);
  for (const t of order) {
    for (const i of t.inputs) assert(pos.get(i.id)! < pos.get(t.id)!, "topological");
  }
  assertEquals(order[order.length - 1].id, y.id);
});

Deno.test("liveness: chunking the transition lowers the estimated peak by the hidden width", () => {
  // Rows of the [32, 4·16] hidden activation per chunk.
  const peak = (rows?: number, order?: "ort") => {
    const b = new ModelBuilder({ chunkBudget: rows && rows * 32 * 64 });
    const y = transition(b.scope("tr"), b.g.input("x", [64, 32, 16]), 4);
    return liveness([y], { order }).peakBytes;
  };
  const hidden = 64 * 32 * 64 * 4; // the whole [64, 32, 4·16] hidden activation
  for (const order of [undefined, "ort"] as const) {
    assert(peak(undefined, order) >= hidden, "unchunked holds the whole hidden layer");
    assert(peak(8, order) < peak(undefined, order) - hidden / 2, "chunks of 8 rows hold 1/8 of it");
  }
});
