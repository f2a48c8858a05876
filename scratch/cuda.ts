import * as G from "../model/graph/mod.ts";
const g = new G.Graph();
const x = g.input("x", [2]);
try {
  const c = await G.compile({ y: G.add(x, x) }, { device: "cuda" });
  console.log("compiled", await c.run({ x: new Float32Array([1, 2]) }));
} catch (e) {
  console.log("ERR", (e as Error).name, (e as Error).message);
}
