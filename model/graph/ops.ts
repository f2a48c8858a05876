/**
 * THE op table: every op of the IR is one entry holding its shape rule
 * (`infer`), its ONNX lowering (`onnx`) and its vector-Jacobian rule (`vjp`).
 * Adding an op means adding one entry here (and a finite-difference test —
 * `tests/graph/vjp_test.ts` fails for an entry without one).
 *
 * VJP rules get the output gradient `g`, the node `t` (its inputs and output)
 * and which inputs need a gradient; they return one gradient (or null) per input,
 * built from the ordinary builders, so backward graphs are graphs like any other.
 * A rule may return an input's gradient in the broadcast (output) shape: `grad`
 * sums every gradient down to its input's shape, so no rule unbroadcasts.
 *
 * The table reads top to bottom; the helpers it is written in come first, and
 * the few rules longer than a few lines (Einsum's shapes, Atan2's lowering,
 * LayerNormalization's and Gather's VJPs) are named functions after it.
 *
 * @module
 */

import {
  type Attrs,
  type DType,
  fmtShape,
  isFloat,
  type Shape,
  sizeOf,
  type Tensor,
} from "./tensor.ts";
import * as B from "./build.ts";

/** An ONNX attribute value. */
export type OnnxAttr =
  | { i: number }
  | { f: number }
  | { s: string }
  | { ints: readonly number[] }
  | { floats: readonly number[] };

/** What a lowering rule may emit into the ONNX graph. */
export interface Lowering {
  /** Emit one ONNX node. */
  node(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attrs?: Record<string, OnnxAttr>,
  ): void;
  /** Name of an int64 1-D constant holding `values`. */
  ints(values: readonly number[]): string;
  /** Name of a constant of `dtype` and `shape` holding `values`. */
  constant(values: readonly number[], dtype: DType, shape: Shape): string;
  /** A fresh name for an intermediate value. */
  tmp(): string;
}

/** A result type: dtype and shape. */
export interface Inferred {
  dtype: DType;
  shape: Shape;
}

/** One op: shape rule, ONNX lowering, VJP rule (absent = never differentiable). */
export interface OpDef {
  /** Result dtype and shape, or a {@link ShapeError} saying what disagrees. */
  infer(inputs: readonly Tensor[], attrs: Attrs): Inferred;
  /** Emit ONNX nodes computing `out` from `ins`. */
  onnx(L: Lowering, ins: readonly string[], out: string, t: Tensor): void;
  /** Input gradients given the output gradient `g`. */
  vjp?(g: Tensor, t: Tensor, needs: readonly boolean[]): (Tensor | null)[];
}

type Vjp = NonNullable<OpDef["vjp"]>;
type Onnx = OpDef["onnx"];

/** ONNX TensorProto.DataType codes. */
export const ONNX_DTYPE: Record<DType, number> = {
  float32: 1,
  int32: 6,
  int64: 7,
  bool: 9,
  float64: 11,
};

// ---- shape rules: checks that throw a ShapeError ----------------------------------------------

/**
 * A shape rule's failure: says what disagrees; `apply` (build.ts) reports it
 * as a {@link GraphError} naming the op, so no rule repeats its op's name.
 */
export class ShapeError extends Error {}

/** Throw a {@link ShapeError} with `why()` unless `ok` (the message is built only on failure). */
function check(ok: unknown, why: () => string): asserts ok {
  if (!ok) throw new ShapeError(why());
}

/** Numpy broadcasting of several shapes, or a {@link ShapeError} naming them. */
export function broadcastShapes(shapes: readonly Shape[]): Shape {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const k = s.length - rank + i;
      const v = k >= 0 ? s[k] : 1;
      if (v === 1) continue;
      check(
        d === 1 || d === v,
        () => `shapes ${shapes.map(fmtShape).join(" and ")} do not broadcast`,
      );
      d = v;
    }
    out.push(d);
  }
  return out;
}

/** The common dtype of `ts`. */
function sameDtype(ts: readonly Tensor[]): DType {
  const d = ts[0].dtype;
  check(
    ts.every((t) => t.dtype === d),
    () => `dtypes differ: ${ts.map((x) => x.dtype).join(" vs ")}`,
  );
  return d;
}

function needFloat(t: Tensor): void {
  check(isFloat(t.dtype), () => `needs a float tensor, got ${t.dtype}`);
}

function needInt(t: Tensor): void {
  check(
    t.dtype === "int32" || t.dtype === "int64",
    () => `indices must be int32 or int64, got ${t.dtype}`,
  );
}

const sameShape = (a: Shape, b: Shape) => a.length === b.length && a.every((d, i) => d === b[i]);

/** A tensor's or a shape's dims as `[2, 3]`, for messages. */
const fmt = (x: Tensor | Shape) => fmtShape(Array.isArray(x) ? x : (x as Tensor).shape);
const fmtAll = (ts: readonly Tensor[]) => ts.map(fmt).join(", ");

/** `x`'s dtype with `shape` (default `x`'s own). */
const like = (x: Tensor, shape: Shape = x.shape): Inferred => ({ dtype: x.dtype, shape });

/** `shape` with the `axes` kept as size 1 (a keepdims reduction). */
const keepShape = (shape: Shape, axes: readonly number[]) =>
  shape.map((d, i) => (axes.includes(i) ? 1 : d));

/** `shape` without the `axes`. */
const dropAxes = (shape: Shape, axes: readonly number[]) =>
  shape.filter((_, i) => !axes.includes(i));

/** `shape` reduced over `axes`, kept as size 1 or dropped. */
const reduced = (shape: Shape, axes: readonly number[], keepdims: unknown) =>
  keepdims ? keepShape(shape, axes) : dropAxes(shape, axes);

/** Integer attribute `k`. */
const int = (attrs: Attrs, k: string) => attrs[k] as number;
/** Integer-list attribute `k`. */
const ints = (attrs: Attrs, k: string) => attrs[k] as number[];

// ---- lowerings ---------------------------------------------------------------------------------

/** The ONNX op of that name on the same inputs. */
const direct = (opType: string): Onnx => (L, ins, out) => L.node(opType, ins, [out]);

/** The ONNX op with the integer attribute `axis`. */
const withAxis = (opType: string): Onnx => (L, ins, out, t) =>
  L.node(opType, ins, [out], { axis: { i: int(t.attrs, "axis") } });

/** The ONNX op with the integer list attribute `k` as its second input (opset ≥ 13 form). */
const withInts = (opType: string, k: string): Onnx => (L, [x], out, t) =>
  L.node(opType, [x, L.ints(ints(t.attrs, k))], [out]);

/** ONNX's GatherND/ScatterND take int64 indices only: cast int32 ones first. */
function int64Indices(L: Lowering, idx: string, t: Tensor): string {
  if (t.inputs[1].dtype === "int64") return idx;
  const cast = L.tmp();
  L.node("Cast", [idx], [cast], { to: { i: ONNX_DTYPE.int64 } });
  return cast;
}

// ---- VJP helpers -------------------------------------------------------------------------------

/** One gradient per input: `rules[k]()` where input k needs one, null elsewhere. */
function grads(needs: readonly boolean[], ...rules: ((() => Tensor) | null)[]): (Tensor | null)[] {
  return needs.map((n, k) => (n && rules[k] ? rules[k]!() : null));
}

/** A two-operand rule from per-operand gradients, each built only when needed. */
const binary =
  (f: (g: Tensor, a: Tensor, b: Tensor, y: Tensor) => [() => Tensor, () => Tensor]): Vjp =>
  (g, t, needs) => grads(needs, ...f(g, t.inputs[0], t.inputs[1], t));

/** `g` routed to the first operand where `cond()` holds, to the second elsewhere. */
const routed = (cond: () => Tensor, g: Tensor): [() => Tensor, () => Tensor] => [
  () => B.where(cond(), g, 0),
  () => B.where(cond(), 0, g),
];

/** The inverse of a permutation. */
const inverse = (p: readonly number[]) => p.map((_, i) => p.indexOf(i));

/** `x` with its last two axes swapped. */
const swapLast2 = (x: Tensor) =>
  B.transpose(x, [...x.shape.keys()].map((i) => (i < x.rank - 2 ? i : 2 * x.rank - 3 - i)));

/** A reduction's output (or its gradient) back in keepdims layout. */
function kept(v: Tensor, t: Tensor): Tensor {
  return t.attrs.keepdims ? v : B.reshape(v, keepShape(t.inputs[0].shape, ints(t.attrs, "axes")));
}

/** Max/min: the gradient shared equally by the elements that attain the extremum. */
const extremumVjp: Vjp = (g, t) => {
  const x = t.inputs[0];
  const hit = B.cast(B.equal(x, kept(t, t)), x.dtype);
  return [B.div(B.mul(kept(g, t), hit), B.sum(hit, ints(t.attrs, "axes"), true))];
};

// ---- entry makers for the common kinds ---------------------------------------------------------

/** Broadcasting elementwise op; `float` demands float operands, `in`/`out` fix dtypes. */
function elementwise(
  opType: string,
  vjp?: Vjp,
  opts: { float?: boolean; out?: DType; in?: DType } = {},
): OpDef {
  return {
    infer(inputs) {
      const d = sameDtype(inputs);
      if (opts.float) needFloat(inputs[0]);
      check(!opts.in || d === opts.in, () => `needs ${opts.in}, got ${d}`);
      return { dtype: opts.out ?? d, shape: broadcastShapes(inputs.map((t) => t.shape)) };
    },
    onnx: direct(opType),
    vjp,
  };
}

const unary = (opType: string, vjp?: Vjp) => elementwise(opType, vjp, { float: true });
const compare = (opType: string) => elementwise(opType, undefined, { out: "bool" });
const logic = (opType: string) => elementwise(opType, undefined, { in: "bool" });

/** Reduction over the `axes` attribute (`keepdims` keeps them as size 1). */
function reduceOp(opType: string, vjp: Vjp): OpDef {
  return {
    infer: ([x], a) => like(x, reduced(x.shape, ints(a, "axes"), a.keepdims)),
    onnx: (L, [x], out, t) =>
      L.node(opType, [x, L.ints(ints(t.attrs, "axes"))], [out], {
        keepdims: { i: t.attrs.keepdims ? 1 : 0 },
      }),
    vjp,
  };
}

/** ArgMax/ArgMin over `axis`: int64 indices, no gradient. */
function argOp(opType: string): OpDef {
  return {
    infer: ([x], a) => ({ dtype: "int64", shape: reduced(x.shape, [int(a, "axis")], a.keepdims) }),
    onnx: (L, ins, out, t) =>
      L.node(opType, ins, [out], {
        axis: { i: int(t.attrs, "axis") },
        keepdims: { i: t.attrs.keepdims ? 1 : 0 },
      }),
  };
}

/** Softmax-like op over `axis`, shape-preserving. */
function normalizeOp(opType: string, vjp: Vjp): OpDef {
  return {
    infer([x]) {
      needFloat(x);
      return like(x);
    },
    onnx: withAxis(opType),
    vjp,
  };
}

// ---- the table ---------------------------------------------------------------------------------

/** The op table. */
export const OPS: Readonly<Record<string, OpDef>> = {
  // Elementwise arithmetic.
  Add: elementwise("Add", binary((g) => [() => g, () => g])),
  Sub: elementwise("Sub", binary((g) => [() => g, () => B.neg(g)])),
  Mul: elementwise("Mul", binary((g, a, b) => [() => B.mul(g, b), () => B.mul(g, a)])),
  Div: elementwise(
    "Div",
    binary((g, _a, b, y) => [() => B.div(g, b), () => B.neg(B.div(B.mul(g, y), b))]),
  ),
  Pow: {
    ...elementwise("Pow", undefined, { float: true }),
    vjp: binary((g, a, b, y) => [
      () => B.mul(B.mul(g, b), B.pow(a, B.sub(b, 1))),
      () => B.mul(B.mul(g, y), B.log(a)),
    ]),
  },
  Min: elementwise("Min", binary((g, a, b) => routed(() => B.lessEqual(a, b), g))),
  Max: elementwise("Max", binary((g, a, b) => routed(() => B.greaterEqual(a, b), g))),
  Atan2: {
    ...elementwise("Atan2", undefined, { float: true }),
    onnx: (L, [y, x], out, t) => atan2Nodes(L, y, x, out, t.dtype),
    vjp: binary((g, y, x) => {
      const r2 = () => B.add(B.mul(x, x), B.mul(y, y));
      return [() => B.div(B.mul(g, x), r2()), () => B.neg(B.div(B.mul(g, y), r2()))];
    }),
  },
  Neg: elementwise("Neg", (g) => [B.neg(g)]),
  Abs: elementwise("Abs", (g, t) => [B.mul(g, B.sign(t.inputs[0]))]),
  Sign: elementwise("Sign"),
  Sqrt: unary("Sqrt", (g, y) => [B.div(B.mul(g, 0.5), y)]),
  Reciprocal: unary("Reciprocal", (g, y) => [B.neg(B.mul(g, B.mul(y, y)))]),
  Exp: unary("Exp", (g, y) => [B.mul(g, y)]),
  Log: unary("Log", (g, t) => [B.div(g, t.inputs[0])]),
  Relu: unary("Relu", (g, t) => [B.where(B.greater(t.inputs[0], 0), g, 0)]),
  Sigmoid: unary("Sigmoid", (g, y) => [B.mul(g, B.mul(y, B.sub(1, y)))]),
  Softplus: unary("Softplus", (g, t) => [B.mul(g, B.sigmoid(t.inputs[0]))]),
  Tanh: unary("Tanh", (g, y) => [B.mul(g, B.sub(1, B.mul(y, y)))]),
  Sin: unary("Sin", (g, t) => [B.mul(g, B.cos(t.inputs[0]))]),
  Cos: unary("Cos", (g, t) => [B.neg(B.mul(g, B.sin(t.inputs[0])))]),
  Atan: {
    ...unary("Atan", (g, t) => [B.div(g, B.add(1, B.square(t.inputs[0])))]),
    onnx: (L, [x], out, t) => atanNode(L, x, out, t.dtype),
  },
  Identity: elementwise("Identity", (g) => [g]),
  StopGradient: elementwise("Identity"),
  // remat(): the value of its first input; its VJP recomputes the piece (grad.ts).
  Remat: {
    infer: ([y]) => like(y),
    onnx: (L, [y], out) => L.node("Identity", [y], [out]),
  },
  Clip: {
    infer: ([x]) => like(x),
    onnx(L, [x], out, t) {
      const bound = (v: unknown) => (v === null ? "" : L.constant([v as number], t.dtype, []));
      L.node("Clip", [x, bound(t.attrs.min), bound(t.attrs.max)], [out]);
    },
    vjp(g, t) {
      const [x] = t.inputs, { min, max } = t.attrs as { min: number | null; max: number | null };
      const belowMin = min !== null ? B.where(B.less(x, min), 0, g) : g;
      return [max !== null ? B.where(B.greater(x, max), 0, belowMin) : belowMin];
    },
  },

  // Comparisons and logic: boolean results, no gradient.
  Equal: compare("Equal"),
  Less: compare("Less"),
  LessOrEqual: compare("LessOrEqual"),
  Greater: compare("Greater"),
  GreaterOrEqual: compare("GreaterOrEqual"),
  And: logic("And"),
  Or: logic("Or"),
  Xor: logic("Xor"),
  Not: logic("Not"),
  Where: {
    infer([c, x, y]) {
      check(c.dtype === "bool", () => `condition must be bool, got ${c.dtype}`);
      return { dtype: sameDtype([x, y]), shape: broadcastShapes([c.shape, x.shape, y.shape]) };
    },
    onnx: direct("Where"),
    vjp: (g, t, needs) => grads(needs, null, ...routed(() => t.inputs[0], g)),
  },

  // Contractions.
  MatMul: {
    infer([a, b]) {
      sameDtype([a, b]);
      check(a.rank >= 2 && b.rank >= 2, () => `needs rank >= 2, got ${fmt(a)} @ ${fmt(b)}`);
      const [m, k] = a.shape.slice(-2), [k2, n] = b.shape.slice(-2);
      check(k === k2, () => `inner dims differ: ${fmt(a)} @ ${fmt(b)}`);
      const batch = broadcastShapes([a.shape.slice(0, -2), b.shape.slice(0, -2)]);
      return like(a, [...batch, m, n]);
    },
    onnx: direct("MatMul"),
    vjp: binary((g, a, b) => [() => B.matmul(g, swapLast2(b)), () => B.matmul(swapLast2(a), g)]),
  },
  Einsum: {
    infer: (ins, a) => ({ dtype: sameDtype(ins), shape: einsumShape(ins, a.equation as string) }),
    onnx: (L, ins, out, t) =>
      L.node("Einsum", ins, [out], { equation: { s: t.attrs.equation as string } }),
    vjp: einsumVjp,
  },

  // Normalisation.
  Softmax: normalizeOp(
    "Softmax",
    (g, y) => [B.mul(y, B.sub(g, B.sum(B.mul(g, y), int(y.attrs, "axis"), true)))],
  ),
  LogSoftmax: normalizeOp(
    "LogSoftmax",
    (g, y) => [B.sub(g, B.mul(B.exp(y), B.sum(g, int(y.attrs, "axis"), true)))],
  ),
  LayerNormalization: {
    infer([x, scale, bias], a) {
      needFloat(x);
      sameDtype([x, scale, bias]);
      const norm = x.shape.slice(int(a, "axis"));
      for (const [what, p] of [["scale", scale], ["bias", bias]] as const) {
        check(
          sameShape(p.shape, norm),
          () => `${what} ${fmt(p)} must be the normalised dims ${fmt(norm)} of ${fmt(x)}`,
        );
      }
      return like(x);
    },
    onnx: (L, ins, out, t) =>
      L.node("LayerNormalization", ins, [out], {
        axis: { i: int(t.attrs, "axis") },
        epsilon: { f: t.attrs.epsilon as number },
      }),
    vjp: layerNormVjp,
  },

  // Reductions.
  ReduceSum: reduceOp("ReduceSum", (g, t) => [B.expand(kept(g, t), t.inputs[0].shape)]),
  ReduceMean: reduceOp("ReduceMean", (g, t) => {
    const x = t.inputs[0], n = sizeOf(x.shape) / Math.max(1, sizeOf(t.shape));
    return [B.expand(B.div(kept(g, t), n), x.shape)];
  }),
  ReduceMax: reduceOp("ReduceMax", extremumVjp),
  ReduceMin: reduceOp("ReduceMin", extremumVjp),
  ArgMax: argOp("ArgMax"),
  ArgMin: argOp("ArgMin"),

  // Shape ops.
  Reshape: {
    infer([x], a) {
      const shape = ints(a, "shape");
      check(
        sizeOf(shape) === x.size && shape.every((d) => Number.isInteger(d) && d >= 0),
        () => `cannot reshape ${fmt(x)} to ${fmt(shape)}`,
      );
      return like(x, shape);
    },
    onnx: withInts("Reshape", "shape"),
    vjp: (g, t) => [B.reshape(g, t.inputs[0].shape)],
  },
  Transpose: {
    infer([x], a) {
      const p = ints(a, "perm");
      check(
        p.length === x.rank && new Set(p).size === p.length,
        () => `perm [${p}] is not a permutation of ${fmt(x)}`,
      );
      return like(x, p.map((i) => x.shape[i]));
    },
    onnx: (L, ins, out, t) =>
      L.node("Transpose", ins, [out], { perm: { ints: ints(t.attrs, "perm") } }),
    vjp: (g, t) => [B.transpose(g, inverse(ints(t.attrs, "perm")))],
  },
  Unsqueeze: {
    infer([x], a) {
      const axes = ints(a, "axes"), shape: number[] = [];
      for (let i = 0, k = 0; i < x.rank + axes.length; i++) {
        shape.push(axes.includes(i) ? 1 : x.shape[k++]);
      }
      return like(x, shape);
    },
    onnx: withInts("Unsqueeze", "axes"),
    vjp: (g, t) => [B.reshape(g, t.inputs[0].shape)],
  },
  Squeeze: {
    infer([x], a) {
      const axes = ints(a, "axes");
      for (const ax of axes) check(x.shape[ax] === 1, () => `dim ${ax} of ${fmt(x)} is not 1`);
      return like(x, dropAxes(x.shape, axes));
    },
    onnx: withInts("Squeeze", "axes"),
    vjp: (g, t) => [B.reshape(g, t.inputs[0].shape)],
  },
  Expand: {
    infer([x], a) {
      const target = ints(a, "shape");
      const shape = broadcastShapes([x.shape, target]);
      check(sameShape(shape, target), () => `${fmt(x)} does not expand to ${fmt(target)}`);
      return like(x, shape);
    },
    onnx: withInts("Expand", "shape"),
    vjp: (g) => [g],
  },
  Slice: {
    infer([x], a) {
      const shape = [...x.shape], starts = ints(a, "starts"), ends = ints(a, "ends");
      ints(a, "axes").forEach((ax, k) => (shape[ax] = ends[k] - starts[k]));
      return like(x, shape);
    },
    onnx(L, [x], out, t) {
      const [starts, ends, axes] = ["starts", "ends", "axes"].map((k) => L.ints(ints(t.attrs, k)));
      L.node("Slice", [x, starts, ends, axes], [out]);
    },
    vjp(g, t) {
      const x = t.inputs[0], starts = ints(t.attrs, "starts"), ends = ints(t.attrs, "ends");
      const pads = new Array(2 * x.rank).fill(0);
      ints(t.attrs, "axes").forEach((ax, k) => {
        [pads[ax], pads[x.rank + ax]] = [starts[k], x.shape[ax] - ends[k]];
      });
      return [B.pad(g, pads)];
    },
  },
  Concat: {
    infer(inputs, a) {
      const dtype = sameDtype(inputs), ax = int(a, "axis"), first = inputs[0];
      const fits = (t: Tensor) =>
        t.rank === first.rank && t.shape.every((d, i) => i === ax || d === first.shape[i]);
      check(inputs.every(fits), () => `shapes ${fmtAll(inputs)} differ off axis ${ax}`);
      const shape = [...first.shape];
      shape[ax] = inputs.reduce((n, t) => n + t.shape[ax], 0);
      return { dtype, shape };
    },
    onnx: withAxis("Concat"),
    vjp(g, t, needs) {
      const ax = int(t.attrs, "axis");
      let at = 0;
      return t.inputs.map((x, k) => {
        const start = at;
        at += x.shape[ax];
        return needs[k] ? B.slice(g, ax, start, at) : null;
      });
    },
  },
  Pad: {
    infer([x], a) {
      const p = ints(a, "pads");
      check(
        p.length === 2 * x.rank && p.every((v) => Number.isInteger(v) && v >= 0),
        () => `pads [${p}] must be ${2 * x.rank} non-negative integers`,
      );
      return like(x, x.shape.map((d, i) => d + p[i] + p[i + x.rank]));
    },
    onnx(L, [x], out, t) {
      const v = L.constant([t.attrs.value as number], t.dtype, []);
      L.node("Pad", [x, L.ints(ints(t.attrs, "pads")), v], [out], { mode: { s: "constant" } });
    },
    vjp(g, t) {
      const x = t.inputs[0], p = ints(t.attrs, "pads"), axes = [...x.shape.keys()];
      return [B.slice(g, axes, axes.map((i) => p[i]), axes.map((i) => p[i] + x.shape[i]))];
    },
  },
  Gather: {
    infer([x, idx], a) {
      needInt(idx);
      const ax = int(a, "axis");
      return like(x, [...x.shape.slice(0, ax), ...idx.shape, ...x.shape.slice(ax + 1)]);
    },
    onnx: withAxis("Gather"),
    vjp: gatherVjp,
  },
  GatherElements: {
    infer([x, idx]) {
      needInt(idx);
      check(idx.rank === x.rank, () => `indices ${fmt(idx)} and data ${fmt(x)} differ in rank`);
      return like(x, idx.shape);
    },
    onnx: withAxis("GatherElements"),
    vjp(g, { inputs: [x, idx], attrs }) {
      return [B.scatterElements(B.zerosLike(x), idx, g, int(attrs, "axis"), "add"), null];
    },
  },
  ScatterElements: {
    infer([x, idx, upd]) {
      needInt(idx);
      sameDtype([x, upd]);
      check(
        sameShape(idx.shape, upd.shape) && idx.rank === x.rank,
        () => `indices ${fmt(idx)}, updates ${fmt(upd)}, data ${fmt(x)} disagree`,
      );
      return like(x);
    },
    onnx: (L, ins, out, t) =>
      L.node("ScatterElements", ins, [out], {
        axis: { i: int(t.attrs, "axis") },
        reduction: { s: t.attrs.reduction as string },
      }),
    // Overwritten positions of the data get no gradient; added-to ones pass g.
    vjp(g, t, needs) {
      const [, idx, upd] = t.inputs, ax = int(t.attrs, "axis");
      const data = () =>
        t.attrs.reduction === "none" ? B.scatterElements(g, idx, B.zerosLike(upd), ax) : g;
      return grads(needs, data, null, () => B.gatherElements(g, idx, ax));
    },
  },
  GatherND: {
    infer([x, idx]) {
      needInt(idx);
      const q = idx.shape[idx.rank - 1];
      check(idx.rank >= 1 && q <= x.rank, () => `indices ${fmt(idx)} do not address ${fmt(x)}`);
      return like(x, [...idx.shape.slice(0, -1), ...x.shape.slice(q)]);
    },
    onnx: (L, [x, idx], out, t) => L.node("GatherND", [x, int64Indices(L, idx, t)], [out]),
    vjp: (g, t) => [B.scatterND(B.zerosLike(t.inputs[0]), t.inputs[1], g, "add"), null],
  },
  ScatterND: {
    infer([x, idx, upd]) {
      needInt(idx);
      sameDtype([x, upd]);
      const want = [...idx.shape.slice(0, -1), ...x.shape.slice(idx.shape[idx.rank - 1])];
      check(sameShape(upd.shape, want), () => `updates ${fmt(upd)} should be ${fmt(want)}`);
      return like(x);
    },
    onnx: (L, [x, idx, upd], out, t) =>
      L.node("ScatterND", [x, int64Indices(L, idx, t), upd], [out], {
        reduction: { s: t.attrs.reduction as string },
      }),
    // As ScatterElements: overwritten positions of the data get no gradient.
    vjp(g, t, needs) {
      const [, idx, upd] = t.inputs;
      const data = () => t.attrs.reduction === "none" ? B.scatterND(g, idx, B.zerosLike(upd)) : g;
      return grads(needs, data, null, () => B.gatherND(g, idx));
    },
  },
  OneHot: {
    infer([idx], a) {
      needInt(idx);
      return { dtype: a.dtype as DType, shape: [...idx.shape, int(a, "depth")] };
    },
    // Equal against a range: works for every output dtype, unlike ONNX OneHot's
    // few registered type combinations in onnxruntime.
    onnx(L, [idx], out, t) {
      const depth = int(t.attrs, "depth");
      const [u, eq] = [L.tmp(), L.tmp()];
      L.node("Unsqueeze", [idx, L.ints([-1])], [u]);
      L.node("Equal", [u, L.constant([...Array(depth).keys()], t.inputs[0].dtype, [depth])], [eq]);
      L.node("Cast", [eq], [out], { to: { i: ONNX_DTYPE[t.dtype] } });
    },
  },
  Cast: {
    infer: ([x], a) => ({ dtype: a.to as DType, shape: x.shape }),
    onnx: (L, ins, out, t) => L.node("Cast", ins, [out], { to: { i: ONNX_DTYPE[t.dtype] } }),
    vjp: (g, t) => [isFloat(t.inputs[0].dtype) ? B.cast(g, t.inputs[0].dtype) : null],
  },
};

// ---- the longer rules --------------------------------------------------------------------------

/** Operand and output subscripts of an explicit einsum equation. */
export function parseEinsum(eq: string, n: number): { ins: string[]; out: string } {
  const m = /^([a-zA-Z,]+)->([a-zA-Z]*)$/.exec(eq);
  check(m !== null, () => `"${eq}" is not of the form "ab,bc->ac" (letters only)`);
  const ins = m[1].split(",");
  check(ins.length === n, () => `"${eq}" has ${ins.length} operands but ${n} were given`);
  for (const s of [...ins, m[2]]) {
    check(
      new Set(s).size === s.length,
      () => `"${eq}": repeated letter within "${s}" is not supported`,
    );
  }
  return { ins, out: m[2] };
}

/** Einsum's output shape: every letter has one size across the operands. */
function einsumShape(inputs: readonly Tensor[], eq: string): Shape {
  const { ins, out } = parseEinsum(eq, inputs.length);
  const size = new Map<string, number>();
  ins.forEach((s, k) => {
    check(
      s.length === inputs[k].rank,
      () => `"${s}" does not match operand ${k} ${fmt(inputs[k])}`,
    );
    [...s].forEach((c, i) => {
      const d = inputs[k].shape[i];
      check(
        !size.has(c) || size.get(c) === d,
        () => `letter ${c} is ${size.get(c)} and ${d} in ${eq} on ${fmtAll(inputs)}`,
      );
      size.set(c, d);
    });
  });
  for (const c of out) check(size.has(c), () => `output letter ${c} is in no operand`);
  return [...out].map((c) => size.get(c)!);
}

/** Each operand's gradient is the einsum of g with the other operands. */
function einsumVjp(g: Tensor, t: Tensor, needs: readonly boolean[]): (Tensor | null)[] {
  const { ins, out } = parseEinsum(t.attrs.equation as string, t.inputs.length);
  return t.inputs.map((x, k) => {
    if (!needs[k]) return null;
    const others = t.inputs.filter((_, j) => j !== k);
    const otherSubs = ins.filter((_, j) => j !== k);
    const avail = new Set([...out, ...otherSubs.join("")]);
    const target = [...ins[k]].filter((c) => avail.has(c)).join("");
    const r = B.einsum(`${[out, ...otherSubs].join(",")}->${target}`, g, ...others);
    if (target.length === ins[k].length) return r;
    // A letter summed away inside this operand alone: its gradient is broadcast.
    const missing = [...ins[k]].flatMap((c, i) => (avail.has(c) ? [] : [i]));
    return B.expand(B.unsqueeze(r, missing), x.shape);
  });
}

/** LayerNormalization's VJP; recomputes the statistics from x (cheap next to the matmuls). */
function layerNormVjp(g: Tensor, t: Tensor, needs: readonly boolean[]): (Tensor | null)[] {
  const [x, scale] = t.inputs;
  const axes = [...x.shape.keys()].slice(int(t.attrs, "axis"));
  const mean = (v: Tensor) => B.mean(v, axes, true);
  const xc = B.sub(x, mean(x));
  const rstd = B.reciprocal(B.sqrt(B.add(mean(B.square(xc)), t.attrs.epsilon as number)));
  const xhat = B.mul(xc, rstd);
  const gx = () => {
    const gh = B.mul(g, scale);
    return B.mul(rstd, B.sub(B.sub(gh, mean(gh)), B.mul(xhat, mean(B.mul(gh, xhat)))));
  };
  return grads(needs, gx, () => B.mul(g, xhat), () => g);
}

/**
 * Gather's VJP: scatter-add the rows back. The index dims of g move to the
 * front so the gathered axis is the one ScatterND addresses.
 */
function gatherVjp(g: Tensor, t: Tensor): (Tensor | null)[] {
  const [x, idx] = t.inputs;
  const a = int(t.attrs, "axis"), k = idx.rank;
  const front = [...Array(k).keys()].map((i) => a + i);
  const rest = [...g.shape.keys()].filter((i) => i < a || i >= a + k);
  const gt = B.transpose(g, [...front, ...rest]);
  const base = [x.shape[a], ...x.shape.slice(0, a), ...x.shape.slice(a + 1)];
  const s = B.scatterND(B.full(x, base, 0), B.unsqueeze(B.cast(idx, "int64"), -1), gt, "add");
  const back = [...Array(x.rank).keys()].map((i) => (i < a ? i + 1 : i === a ? 0 : i));
  return [B.transpose(s, back), null];
}

/**
 * ONNX has no Atan2: atan(y/x) corrected by quadrant; Where never lets the
 * unselected (possibly NaN) branch through.
 */
function atan2Nodes(L: Lowering, y: string, x: string, out: string, d: DType): void {
  const c = (v: number) => L.constant([v], d, []);
  const PI = Math.PI;
  const [q, at, xpos, xneg, ypos, yneg, plusPi, minusPi, halfPi, mHalfPi, left, yz, onAxis] = Array
    .from(
      { length: 13 },
      () => L.tmp(),
    );
  L.node("Div", [y, x], [q]);
  atanNode(L, q, at, d);
  L.node("Greater", [x, c(0)], [xpos]);
  L.node("Less", [x, c(0)], [xneg]);
  L.node("GreaterOrEqual", [y, c(0)], [ypos]);
  L.node("Less", [y, c(0)], [yneg]);
  L.node("Add", [at, c(PI)], [plusPi]);
  L.node("Sub", [at, c(PI)], [minusPi]);
  L.node("Where", [ypos, plusPi, minusPi], [left]);
  L.node("Where", [yneg, c(-PI / 2), c(0)], [yz]);
  L.node("Greater", [y, c(0)], [halfPi]);
  L.node("Where", [halfPi, c(PI / 2), yz], [mHalfPi]);
  L.node("Where", [xneg, left, mHalfPi], [onAxis]);
  L.node("Where", [xpos, at, onAxis], [out]);
}

/** onnxruntime's CPU Atan is float-only: double inputs round-trip through float32. */
function atanNode(L: Lowering, x: string, out: string, dtype: DType): void {
  if (dtype === "float32") return L.node("Atan", [x], [out]);
  const [x32, y32] = [L.tmp(), L.tmp()];
  L.node("Cast", [x], [x32], { to: { i: ONNX_DTYPE.float32 } });
  L.node("Atan", [x32], [y32]);
  L.node("Cast", [y32], [out], { to: { i: ONNX_DTYPE[dtype] } });
}
