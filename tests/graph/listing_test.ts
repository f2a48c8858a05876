/** `graph.toString()`: the jaxpr-like listing a developer reads to debug a graph. */
import * as G from "../../model/graph/mod.ts";
import { assert, assertEquals } from "../assert.ts";

/** x, w and an unused input; y = sum(relu((2x) @ w), axis 1); a dead node off to the side. */
function small() {
  const g = new G.Graph();
  const x = g.input("x", [2, 3]);
  const w = g.input("w", [3, 4]);
  g.input("unused", [5], "int32");
  const h = G.relu(G.matmul(G.mul(x, 2), w));
  const y = G.sum(h, [1]);
  const dead = G.exp(x);
  return { g, x, h, y, dead };
}

Deno.test("listing: inputs, the live nodes with attributes, named outputs", () => {
  const { g, y } = small();
  assertEquals(
    g.toString({ y }),
    [
      "inputs",
      "  x: float32[2, 3]",
      "  w: float32[3, 4]",
      "nodes",
      "  t3: float32[] = Constant(2)",
      "  t4: float32[2, 3] = Mul(x, t3)",
      "  t5: float32[2, 4] = MatMul(t4, w)",
      "  t6: float32[2, 4] = Relu(t5)",
      "  t7: float32[2] = ReduceSum[axes=[1], keepdims=false](t6)",
      "outputs",
      "  y = t7",
    ].join("\n"),
  );
});

Deno.test("listing: without outputs, every node, and the unconsumed results are the outputs", () => {
  const { g } = small();
  const text = g.toString();
  assert(text.includes("  unused: int32[5]\n"), text);
  assert(text.includes("  t8: float32[2, 3] = Exp(x)\n"), text);
  assert(text.endsWith("outputs\n  t7\n  t8"), text);
});

Deno.test("listing: a list of outputs, one of them an input", () => {
  const { g, x, h } = small();
  const text = g.toString([h, x]);
  assert(!text.includes("ReduceSum") && !text.includes("Exp"), text);
  assert(text.endsWith("outputs\n  t6\n  x"), text);
});

Deno.test("listing: constants show their values, abbreviated when large", () => {
  const g = new G.Graph();
  const x = g.input("x", [100]);
  const big = G.add(x, g.constant([...Array(100).keys()].map((i) => i / 4), [100]));
  const mask = g.constant([1, 0, 1], [3], "bool");
  const idx = g.constant([2, 0], [2], "int64");
  const lines = g.toString([big, mask, idx]).split("\n");
  assertEquals(lines.filter((l) => l.includes("Constant")), [
    "  t1: float32[100] = Constant([0, 0.25, 0.5, 0.75, 1, …, 24.5, 24.75] (100 values))",
    "  t3: bool[3] = Constant([true, false, true])",
    "  t4: int64[2] = Constant([2, 0])",
  ]);
});

Deno.test("listing: a gradient graph lists its backward nodes like any other", () => {
  const g = new G.Graph();
  const x = g.input("x", [3]);
  const loss = G.sum(G.square(x), [0]);
  const [dx] = G.grad(loss, [x]);
  const text = g.toString({ dx });
  assert(text.startsWith("inputs\n  x: float32[3]\nnodes\n"), text);
  assert(/= Mul\(/.test(text), text);
  assert(text.endsWith(`outputs\n  dx = ${dx.ref}`), text);
});
