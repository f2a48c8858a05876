/** Graph construction: shape errors at build time, listings, ONNX layout, runtime errors. */
import * as G from "../../model/graph/mod.ts";
import { InputError } from "../../model/util/errors.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "../assert.ts";

Deno.test("shape errors are raised at build time and name the op and the shapes", () => {
  const g = new G.Graph();
  const a = g.input("a", [2, 3]), b = g.input("b", [4, 5]);
  assertThrows(() => G.matmul(a, b), G.GraphError, "MatMul: inner dims differ: [2, 3] @ [4, 5]");
  assertThrows(() => G.add(a, b), G.GraphError, "Add: shapes [2, 3] and [4, 5] do not broadcast");
  assertThrows(() => G.einsum("ij,jk->ik", a, b), G.GraphError, "letter j is 3 and 4");
  assertThrows(
    () => G.reshape(a, [4, 2]),
    G.GraphError,
    "Reshape: cannot reshape [2, 3] to [4, 2]",
  );
  assertThrows(() => G.softmax(a, 2), G.GraphError, "Softmax: axis 2 out of range for rank 2");
  const i = g.input("i", [2], "int32");
  assertThrows(() => G.add(a, i), G.GraphError, "Add: dtypes differ: float32 vs int32");
});

Deno.test("parameters are graph inputs: a graph over 64 MB of weights serialises to a few KB", () => {
  const g = new G.Graph();
  const x = g.input("x", [8, 4096]);
  const w = g.input("w", [4096, 4096]);
  const bytes = G.toOnnx({ y: G.matmul(x, w) });
  assert(bytes.length < 4096, `${bytes.length} bytes`);
});

Deno.test("initializers bake chosen inputs in for exported models", async () => {
  const g = new G.Graph();
  const x = g.input("x", [3]);
  const w = g.input("w", [3]);
  const c = await G.compile({ y: G.mul(x, w) }, {
    initializers: new Map([["w", new Float32Array([1, 2, 3])]]),
  });
  assertEquals([...c.inputs.keys()], ["x"]);
  const r = await c.run({ x: new Float32Array([2, 2, 2]) });
  assertEquals(Array.from(r.y.data as Float32Array), [2, 4, 6]);
});

Deno.test("runs check their feeds by name and size", async () => {
  const g = new G.Graph();
  const x = g.input("x", [3]);
  const c = await G.compile({ y: G.exp(x) });
  await assertRejects(() => c.run({}), G.GraphError, 'missing feed "x"');
  await assertRejects(() => c.run({ x: new Float32Array(2) }), G.GraphError, "has 2 values");
});

Deno.test("asking for CUDA without its provider fails at once with one line, never falls back to the CPU", async () => {
  const g = new G.Graph();
  const x = g.input("x", [3]);
  const y = G.exp(x);
  let cudaWorks = true;
  try {
    await G.requireDevice("cuda");
  } catch (e) {
    cudaWorks = false;
    assert(e instanceof G.CudaUnavailableError, String(e));
    assert(e instanceof InputError, "a device the machine lacks is unusable input (exit 2)");
    const msg = (e as Error).message;
    assert(msg.includes("ONNXRUNTIME_NODE_INSTALL=cuda12") && msg.includes("--device cpu"), msg);
    assert(!msg.includes("\n"), `one line: ${msg}`);
  }
  if (!cudaWorks) {
    await assertRejects(() => G.compile({ y }, { device: "cuda" }), G.CudaUnavailableError);
  }
  await G.requireDevice("cpu");
});

Deno.test("evaluate runs a builder on plain arrays", async () => {
  const r = await G.evaluate(
    (a, b) => G.einsum("ij,j->i", a, b),
    { data: new Float32Array([1, 2, 3, 4]), shape: [2, 2] },
    { data: new Float32Array([1, 1]), shape: [2] },
  );
  assertEquals(Array.from(r.data as Float32Array), [3, 7]);
});

Deno.test("an output may not reuse an input's name", () => {
  const g = new G.Graph();
  const w = g.input("w", [3]);
  assertThrows(
    () => G.toOnnx({ w: G.mul(w, 2) }),
    G.GraphError,
    'output name "w" is also an input',
  );
});
