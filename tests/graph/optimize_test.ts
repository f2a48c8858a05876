/**
 * Graph-level performance features leave results unchanged: inputs substituted
 * by in-graph tensors, and the optimisation pass applied before serialisation.
 */
import * as G from "../../model/graph/mod.ts";
import { assertEquals, assertThrows } from "../assert.ts";

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
