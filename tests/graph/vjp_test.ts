/**
 * Every op of the op table is checked here: differentiable ops against central
 * finite differences (float64 where onnxruntime has a double kernel), the rest
 * against a plain-JS forward reference. The last test fails when an op is added
 * to the table without a case.
 */
import * as G from "../../model/graph/mod.ts";
import type { Tensor } from "../../model/graph/mod.ts";
import { assert, assertEquals } from "../assert.ts";
import { checkGradient, type CheckOptions, type Operand } from "./fd.ts";

interface GradCase {
  name: string;
  op: string;
  f: (...xs: Tensor[]) => Tensor;
  operands: Operand[];
  opts?: CheckOptions;
}

const pos: [number, number] = [0.5, 1.5];
const idx = (shape: number[], data: number[]): Operand => ({ shape, dtype: "int64", data });

const GRAD_CASES: GradCase[] = [
  { name: "Add broadcast", op: "Add", f: G.add, operands: [{ shape: [2, 3] }, { shape: [3] }] },
  {
    name: "Sub broadcast both",
    op: "Sub",
    f: G.sub,
    operands: [{ shape: [2, 1, 3] }, { shape: [4, 1] }],
  },
  {
    name: "Mul outer broadcast",
    op: "Mul",
    f: G.mul,
    operands: [{ shape: [3, 1] }, { shape: [1, 4] }],
  },
  { name: "Div", op: "Div", f: G.div, operands: [{ shape: [2, 3] }, { shape: [3], range: pos }] },
  {
    name: "Pow",
    op: "Pow",
    f: G.pow,
    operands: [{ shape: [2, 3], range: pos }, { shape: [3], range: [0.5, 2] }],
  },
  { name: "Min", op: "Min", f: G.minimum, operands: [{ shape: [2, 3] }, { shape: [3] }] },
  { name: "Max", op: "Max", f: G.maximum, operands: [{ shape: [2, 3] }, { shape: [2, 1] }] },
  {
    name: "Atan2 all quadrants",
    op: "Atan2",
    f: G.atan2,
    operands: [
      { shape: [2, 4], data: [1, 1, -1, -1, 0.3, -0.2, 2, -0.5] },
      { shape: [4], data: [1, -1, 0.5, -2] },
    ],
    // onnxruntime's Atan kernel is float-only, so this op is checked in float32.
    opts: { dtype: "float32" },
  },
  { name: "Neg", op: "Neg", f: G.neg, operands: [{ shape: [5] }] },
  { name: "Abs", op: "Abs", f: G.abs, operands: [{ shape: [4], data: [-0.7, 0.3, 1.2, -2] }] },
  { name: "Sqrt", op: "Sqrt", f: G.sqrt, operands: [{ shape: [2, 3], range: pos }] },
  { name: "Reciprocal", op: "Reciprocal", f: G.reciprocal, operands: [{ shape: [4], range: pos }] },
  { name: "Exp", op: "Exp", f: G.exp, operands: [{ shape: [2, 2] }] },
  { name: "Log", op: "Log", f: G.log, operands: [{ shape: [2, 2], range: pos }] },
  { name: "Relu", op: "Relu", f: G.relu, operands: [{ shape: [4], data: [-0.5, 0.5, 1, -1] }] },
  { name: "Sigmoid", op: "Sigmoid", f: G.sigmoid, operands: [{ shape: [2, 3] }] },
  { name: "Softplus", op: "Softplus", f: G.softplus, operands: [{ shape: [2, 3] }] },
  { name: "Tanh", op: "Tanh", f: G.tanh, operands: [{ shape: [2, 3] }] },
  { name: "Sin", op: "Sin", f: G.sin, operands: [{ shape: [5] }] },
  { name: "Cos", op: "Cos", f: G.cos, operands: [{ shape: [5] }] },
  {
    name: "Atan",
    op: "Atan",
    f: G.atan,
    operands: [{ shape: [5], range: [-3, 3] }],
    opts: { dtype: "float32" },
  },
  { name: "Identity", op: "Identity", f: G.identity, operands: [{ shape: [3] }] },
  {
    name: "Clip",
    op: "Clip",
    f: (x) => G.clip(x, -0.5, 0.6),
    operands: [{ shape: [5], data: [-1, -0.2, 0.1, 0.5, 0.9] }],
  },
  {
    name: "Where broadcast",
    op: "Where",
    f: (c, x, y) => G.where(G.greater(c, 0), x, y),
    operands: [{ shape: [2, 3], data: [1, -1, 1, -1, -1, 1] }, { shape: [2, 3] }, { shape: [3] }],
  },
  {
    name: "MatMul batch-broadcast right",
    op: "MatMul",
    f: G.matmul,
    operands: [{ shape: [2, 3, 4] }, { shape: [4, 5] }],
  },
  {
    name: "MatMul batch-broadcast left",
    op: "MatMul",
    f: G.matmul,
    operands: [{ shape: [3, 4] }, { shape: [2, 4, 2] }],
  },
  {
    name: "Einsum batched",
    op: "Einsum",
    f: (a, b) => G.einsum("bij,bjk->bik", a, b),
    operands: [{ shape: [2, 3, 4] }, { shape: [2, 4, 2] }],
  },
  {
    name: "Einsum with letters summed inside one operand",
    op: "Einsum",
    f: (a, b) => G.einsum("ij,k->i", a, b),
    operands: [{ shape: [3, 4] }, { shape: [2] }],
  },
  {
    name: "Einsum outer-product-mean shape",
    op: "Einsum",
    f: (a, b) => G.einsum("sia,sjb->ijab", a, b),
    operands: [{ shape: [3, 2, 2] }, { shape: [3, 2, 3] }],
  },
  {
    name: "Softmax middle axis",
    op: "Softmax",
    f: (x) => G.softmax(x, 1),
    operands: [{ shape: [2, 3, 2] }],
  },
  {
    name: "LogSoftmax",
    op: "LogSoftmax",
    f: (x) => G.logSoftmax(x, -1),
    operands: [{ shape: [2, 4] }],
  },
  {
    name: "LayerNormalization last axis",
    op: "LayerNormalization",
    f: (x, s, b) => G.layerNorm(x, s, b),
    operands: [{ shape: [2, 3, 4] }, { shape: [4], range: pos }, { shape: [4] }],
  },
  {
    name: "LayerNormalization two trailing axes",
    op: "LayerNormalization",
    f: (x, s, b) => G.layerNorm(x, s, b, 1e-5, 1),
    operands: [{ shape: [2, 3, 2] }, { shape: [3, 2], range: pos }, { shape: [3, 2] }],
  },
  {
    name: "ReduceSum",
    op: "ReduceSum",
    f: (x) => G.sum(x, [0, 2]),
    operands: [{ shape: [2, 3, 2] }],
  },
  {
    name: "ReduceMean keepdims",
    op: "ReduceMean",
    f: (x) => G.mean(x, 1, true),
    operands: [{ shape: [2, 3, 2] }],
  },
  { name: "ReduceMax", op: "ReduceMax", f: (x) => G.max(x, 1), operands: [{ shape: [2, 4] }] },
  { name: "ReduceMin", op: "ReduceMin", f: (x) => G.min(x, [0, 1]), operands: [{ shape: [2, 3] }] },
  {
    name: "Reshape",
    op: "Reshape",
    f: (x) => G.reshape(x, [3, -1]),
    operands: [{ shape: [2, 3, 2] }],
  },
  {
    name: "Transpose",
    op: "Transpose",
    f: (x) => G.mul(G.transpose(x, [2, 0, 1]), G.transpose(x, [2, 0, 1])),
    operands: [{ shape: [2, 3, 2] }],
  },
  {
    name: "Unsqueeze",
    op: "Unsqueeze",
    f: (x) => G.unsqueeze(x, [0, 2]),
    operands: [{ shape: [2, 3] }],
  },
  { name: "Squeeze", op: "Squeeze", f: (x) => G.squeeze(x, 1), operands: [{ shape: [2, 1, 3] }] },
  { name: "Expand", op: "Expand", f: (x) => G.expand(x, [2, 3, 4]), operands: [{ shape: [3, 1] }] },
  {
    name: "Slice two axes",
    op: "Slice",
    f: (x) => G.slice(x, [0, 2], [1, -3], [3, 10]),
    operands: [{ shape: [4, 2, 5] }],
  },
  {
    name: "Concat three",
    op: "Concat",
    f: (a, b, c) => G.concat([a, b, c], 1),
    operands: [{ shape: [2, 1] }, { shape: [2, 3] }, { shape: [2, 2] }],
  },
  { name: "Pad", op: "Pad", f: (x) => G.pad(x, [1, 0, 0, 2], 0.5), operands: [{ shape: [2, 3] }] },
  {
    name: "Gather repeated indices",
    op: "Gather",
    f: (x, i) => G.gather(x, i, 1),
    operands: [{ shape: [2, 4, 3] }, idx([2, 2], [0, 3, 3, 1])],
  },
  {
    name: "GatherElements",
    op: "GatherElements",
    f: (x, i) => G.gatherElements(x, i, 1),
    operands: [{ shape: [2, 3] }, idx([2, 4], [0, 2, 2, 1, 1, 0, 0, 0])],
  },
  {
    name: "ScatterElements overwrite",
    op: "ScatterElements",
    f: (x, i, u) => G.scatterElements(x, i, u, 1),
    operands: [{ shape: [2, 4] }, idx([2, 2], [0, 3, 2, 1]), { shape: [2, 2] }],
  },
  {
    name: "ScatterElements add",
    op: "ScatterElements",
    f: (x, i, u) => G.scatterElements(x, i, u, 1, "add"),
    operands: [{ shape: [2, 3] }, idx([2, 2], [1, 1, 0, 2]), { shape: [2, 2] }],
  },
  {
    name: "GatherND",
    op: "GatherND",
    f: (x, i) => G.gatherND(x, i),
    operands: [{ shape: [3, 2, 2] }, idx([3, 2], [0, 1, 2, 0, 0, 1])],
  },
  {
    name: "ScatterND overwrite",
    op: "ScatterND",
    f: (x, i, u) => G.scatterND(x, i, u),
    operands: [{ shape: [4, 2] }, idx([2, 1], [3, 0]), { shape: [2, 2] }],
  },
  {
    name: "ScatterND add",
    op: "ScatterND",
    f: (x, i, u) => G.scatterND(x, i, u, "add"),
    operands: [{ shape: [3, 2] }, idx([3, 1], [1, 1, 2]), { shape: [3, 2] }],
  },
  {
    name: "Cast float32 -> float64",
    op: "Cast",
    f: (x) => G.cast(x, "float64"),
    operands: [{ shape: [4] }],
    opts: { dtype: "float32" },
  },
];

// Each case in float64 (onnxruntime has double kernels for all of these).
for (const c of GRAD_CASES) {
  Deno.test(`vjp ${c.op}: ${c.name} matches finite differences`, async () => {
    const r = await checkGradient(c.f, c.operands, c.opts);
    assert(r.checked > 0, "no gradient entry was checked");
  });
}

interface ForwardCase {
  op: string;
  f: (...xs: Tensor[]) => Tensor;
  inputs: { shape: number[]; data: number[]; dtype?: G.DType }[];
  want: number[];
}

const a = { shape: [4], data: [1, -2, 3, 0] };
const b = { shape: [4], data: [1, 2, -3, 0.5] };
const t = { shape: [4], data: [1, 0, 1, 0], dtype: "bool" as const };
const u = { shape: [4], data: [1, 1, 0, 0], dtype: "bool" as const };

/** Non-differentiable ops: forward values against plain JS. */
const FORWARD_CASES: ForwardCase[] = [
  { op: "Equal", f: G.equal, inputs: [a, b], want: [1, 0, 0, 0] },
  { op: "Less", f: G.less, inputs: [a, b], want: [0, 1, 0, 1] },
  { op: "LessOrEqual", f: G.lessEqual, inputs: [a, b], want: [1, 1, 0, 1] },
  { op: "Greater", f: G.greater, inputs: [a, b], want: [0, 0, 1, 0] },
  { op: "GreaterOrEqual", f: G.greaterEqual, inputs: [a, b], want: [1, 0, 1, 0] },
  { op: "And", f: G.and, inputs: [t, u], want: [1, 0, 0, 0] },
  { op: "Or", f: G.or, inputs: [t, u], want: [1, 1, 1, 0] },
  { op: "Xor", f: G.xor, inputs: [t, u], want: [0, 1, 1, 0] },
  { op: "Not", f: G.not, inputs: [t], want: [0, 1, 0, 1] },
  { op: "Sign", f: G.sign, inputs: [a], want: [1, -1, 1, 0] },
  {
    op: "ArgMax",
    f: (x) => G.argmax(x, 1),
    inputs: [{ shape: [2, 3], data: [1, 5, 2, 9, 0, 3] }],
    want: [1, 0],
  },
  {
    op: "ArgMin",
    f: (x) => G.argmin(x, 0),
    inputs: [{ shape: [2, 3], data: [1, 5, 2, 9, 0, 3] }],
    want: [0, 1, 0],
  },
  {
    op: "OneHot",
    f: (x) => G.oneHot(x, 3),
    inputs: [{ shape: [3], data: [2, 0, 5], dtype: "int32" }],
    want: [0, 0, 1, 1, 0, 0, 0, 0, 0],
  },
  { op: "StopGradient", f: G.stopGradient, inputs: [b], want: b.data },
  // remat(): fn's own value (its gradient: the finite-difference tests in remat_test.ts).
  {
    op: "Remat",
    f: (x) => G.remat([x], (y) => G.mul(y, 2)),
    inputs: [b],
    want: b.data.map((v) => 2 * v),
  },
];

for (const c of FORWARD_CASES) {
  Deno.test(`forward ${c.op} matches plain JS`, async () => {
    const g = new G.Graph();
    const xs = c.inputs.map((x, i) => g.input(`x${i}`, x.shape, x.dtype ?? "float64"));
    const run = await G.compile({ y: c.f(...xs) });
    const feeds = Object.fromEntries(
      c.inputs.map((x, i) => [`x${i}`, G.toTyped(x.data, x.dtype ?? "float64")]),
    );
    const y = (await run.run(feeds)).y.data;
    assertEquals(Array.from(y, Number), c.want);
  });
}

Deno.test("no gradient flows through StopGradient or into integer tensors", async () => {
  const g = new G.Graph();
  const x = g.input("x", [3], "float64");
  const i = g.input("i", [3], "int64");
  // d/dx [x * stop(x)] = stop(x) = x, not 2x.
  const y = G.sum(G.add(G.mul(x, G.stopGradient(x)), G.cast(i, "float64")));
  const [gx, gi] = G.grad(y, [x, i]);
  const r = await (await G.compile({ gx, gi })).run({
    x: new Float64Array([1, 2, 3]),
    i: new BigInt64Array([1n, 2n, 3n]),
  });
  assertEquals(Array.from(r.gx.data as Float64Array), [1, 2, 3]);
  assertEquals(Array.from(r.gi.data as BigInt64Array, Number), [0, 0, 0]);
});

Deno.test("every op in the op table has a test case", () => {
  const covered = new Set([...GRAD_CASES.map((c) => c.op), ...FORWARD_CASES.map((c) => c.op)]);
  const missing = Object.keys(G.OPS).filter((op) => !covered.has(op));
  assertEquals(missing, [], "ops without a gradient or forward test");
  for (const c of GRAD_CASES) {
    assert(G.OPS[c.op].vjp, `${c.op} has a gradient case but no VJP rule`);
  }
});
