/**
 * THE op table: every op of the IR is one entry holding its shape rule
 * (`infer`), its ONNX lowering (`onnx`) and its vector-Jacobian rule (`vjp`).
 * Adding an op means adding one entry here (and a finite-difference test —
 * `tests/graph/vjp_test.ts` fails for an entry without one).
 *
 * VJP rules get the output gradient `g`, the node `t` (its inputs and output)
 * and which inputs need a gradient; they return one gradient (or null) per input,
 * built from the ordinary builders, so backward graphs are graphs like any other.
 *
 * @module
 */

import {
  type Attrs,
  type DType,
  fmtShape,
  GraphError,
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

/** One op: shape rule, ONNX lowering, VJP rule (absent = never differentiable). */
export interface OpDef {
  /** Result dtype and shape, or a {@link GraphError} naming what disagrees. */
  infer(inputs: readonly Tensor[], attrs: Attrs): { dtype: DType; shape: Shape };
  /** Emit ONNX nodes computing `out` from `ins`. */
  onnx(L: Lowering, ins: readonly string[], out: string, t: Tensor): void;
  /** Input gradients given the output gradient `g`. */
  vjp?(g: Tensor, t: Tensor, needs: readonly boolean[]): (Tensor | null)[];
}

/** ONNX TensorProto.DataType codes. */
export const ONNX_DTYPE: Record<DType, number> = {
  float32: 1,
  int32: 6,
  int64: 7,
  bool: 9,
  float64: 11,
};

// ---- shape helpers -------------------------------------------------------------------------

/** Numpy broadcasting of several shapes, or a GraphError naming the op and shapes. */
export function broadcastShapes(op: string, shapes: readonly Shape[]): Shape {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const k = s.length - rank + i;
      const v = k >= 0 ? s[k] : 1;
      if (v === 1) continue;
      if (d !== 1 && d !== v) {
        throw new GraphError(op, `shapes ${shapes.map(fmtShape).join(" and ")} do not broadcast`);
      }
      d = v;
    }
    out.push(d);
  }
  return out;
}

function sameDtype(op: string, ts: readonly Tensor[]): DType {
  const d = ts[0].dtype;
  for (const t of ts) {
    if (t.dtype !== d) {
      throw new GraphError(op, `dtypes differ: ${ts.map((x) => x.dtype).join(" vs ")}`);
    }
  }
  return d;
}

function needFloat(op: string, t: Tensor) {
  if (!isFloat(t.dtype)) throw new GraphError(op, `needs a float tensor, got ${t.dtype}`);
}

function needInt(op: string, t: Tensor) {
  if (t.dtype !== "int32" && t.dtype !== "int64") {
    throw new GraphError(op, `indices must be int32 or int64, got ${t.dtype}`);
  }
}

/** Sum `g` down to `shape` (undoing a broadcast). */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const s = axes.length ? B.sum(g, axes, true) : g;
  return B.reshape(s, shape);
}

function keepShape(shape: Shape, axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function mask(c: Tensor, like: Tensor): Tensor {
  return B.cast(c, like.dtype);
}

// ---- entry makers for the common kinds ----------------------------------------------------------

const direct = (opType: string) => (L: Lowering, ins: readonly string[], out: string) =>
  L.node(opType, ins, [out]);

function elementwise(
  opType: string,
  vjp?: OpDef["vjp"],
  opts: { float?: boolean; out?: DType; in?: DType } = {},
): OpDef {
  return {
    infer(inputs) {
      const d = sameDtype(opType, inputs);
      if (opts.float) needFloat(opType, inputs[0]);
      if (opts.in && d !== opts.in) throw new GraphError(opType, `needs ${opts.in}, got ${d}`);
      return {
        dtype: opts.out ?? d,
        shape: broadcastShapes(opType, inputs.map((t) => t.shape)),
      };
    },
    onnx: direct(opType),
    vjp,
  };
}

const unary = (opType: string, vjp?: OpDef["vjp"]) => elementwise(opType, vjp, { float: true });
const compare = (opType: string) => elementwise(opType, undefined, { out: "bool" });
const logic = (opType: string) => elementwise(opType, undefined, { in: "bool" });

/** Two-operand elementwise rule with per-input gradients before unbroadcasting. */
function binaryVjp(
  f: (g: Tensor, a: Tensor, b: Tensor, y: Tensor) => [() => Tensor, () => Tensor],
): OpDef["vjp"] {
  return (g, t, needs) => {
    const [a, b] = t.inputs;
    const [fa, fb] = f(g, a, b, t);
    return [
      needs[0] ? unbroadcast(fa(), a.shape) : null,
      needs[1] ? unbroadcast(fb(), b.shape) : null,
    ];
  };
}

function reduceOp(opType: string, vjp: OpDef["vjp"], float = false): OpDef {
  return {
    infer([x], attrs) {
      if (float) needFloat(opType, x);
      const axes = attrs.axes as number[];
      const shape = attrs.keepdims
        ? keepShape(x.shape, axes)
        : x.shape.filter((_, i) => !axes.includes(i));
      return { dtype: x.dtype, shape };
    },
    onnx(L, [x], out, t) {
      L.node(opType, [x, L.ints(t.attrs.axes as number[])], [out], {
        keepdims: { i: t.attrs.keepdims ? 1 : 0 },
      });
    },
    vjp,
  };
}

/** Reduced gradient/result back in keepdims layout. */
function kept(v: Tensor, t: Tensor): Tensor {
  return t.attrs.keepdims
    ? v
    : B.reshape(v, keepShape(t.inputs[0].shape, t.attrs.axes as number[]));
}

const extremumVjp: OpDef["vjp"] = (g, t) => {
  const x = t.inputs[0];
  const m = mask(B.equal(x, kept(t, t)), x);
  return [B.div(B.mul(kept(g, t), m), B.sum(m, t.attrs.axes as number[], true))];
};

// ---- einsum parsing -------------------------------------------------------------------------------

/** Operand and output subscripts of an explicit einsum equation. */
export function parseEinsum(eq: string, n: number): { ins: string[]; out: string } {
  const m = /^([a-zA-Z,]+)->([a-zA-Z]*)$/.exec(eq);
  if (!m) throw new GraphError("Einsum", `"${eq}" is not of the form "ab,bc->ac" (letters only)`);
  const ins = m[1].split(",");
  if (ins.length !== n) {
    throw new GraphError("Einsum", `"${eq}" has ${ins.length} operands but ${n} were given`);
  }
  for (const s of [...ins, m[2]]) {
    if (new Set(s).size !== s.length) {
      throw new GraphError("Einsum", `"${eq}": repeated letter within "${s}" is not supported`);
    }
  }
  return { ins, out: m[2] };
}

function einsumVjp(g: Tensor, t: Tensor, needs: readonly boolean[]): (Tensor | null)[] {
  const { ins, out } = parseEinsum(t.attrs.equation as string, t.inputs.length);
  return t.inputs.map((x, k) => {
    if (!needs[k]) return null;
    const others = t.inputs.filter((_, j) => j !== k);
    const otherSubs = ins.filter((_, j) => j !== k);
    const avail = new Set([...out, ...otherSubs.join("")]);
    const target = [...ins[k]].filter((c) => avail.has(c)).join("");
    let r = B.einsum(`${[out, ...otherSubs].join(",")}->${target}`, g, ...others);
    if (target.length < ins[k].length) {
      // A letter summed away inside this operand alone: its gradient is broadcast.
      const missing = [...ins[k]].flatMap((c, i) => (avail.has(c) ? [] : [i]));
      r = B.expand(B.unsqueeze(r, missing), x.shape);
    }
    return r;
  });
}

// ---- the table ---------------------------------------------------------------------------------------

const PI = Math.PI;

/** The op table. */
export const OPS: Readonly<Record<string, OpDef>> = {
  // Elementwise arithmetic.
  Add: elementwise("Add", binaryVjp((g) => [() => g, () => g])),
  Sub: elementwise("Sub", binaryVjp((g) => [() => g, () => B.neg(g)])),
  Mul: elementwise("Mul", binaryVjp((g, a, b) => [() => B.mul(g, b), () => B.mul(g, a)])),
  Div: elementwise(
    "Div",
    binaryVjp((g, _a, b, y) => [() => B.div(g, b), () => B.neg(B.div(B.mul(g, y), b))]),
  ),
  Pow: elementwise(
    "Pow",
    binaryVjp((g, a, b, y) => [
      () => B.mul(B.mul(g, b), B.pow(a, B.sub(b, 1))),
      () => B.mul(B.mul(g, y), B.log(a)),
    ]),
    { float: true },
  ),
  Min: elementwise(
    "Min",
    binaryVjp((
      g,
      a,
      b,
    ) => [() => B.where(B.lessEqual(a, b), g, 0), () => B.where(B.lessEqual(a, b), 0, g)]),
  ),
  Max: elementwise(
    "Max",
    binaryVjp((
      g,
      a,
      b,
    ) => [() => B.where(B.greaterEqual(a, b), g, 0), () => B.where(B.greaterEqual(a, b), 0, g)]),
  ),
  Atan2: {
    infer(inputs) {
      needFloat("Atan2", inputs[0]);
      return {
        dtype: sameDtype("Atan2", inputs),
        shape: broadcastShapes("Atan2", inputs.map((t) => t.shape)),
      };
    },
    // ONNX has no Atan2: atan(y/x) corrected by quadrant; Where never lets the
    // unselected (possibly NaN) branch through.
    onnx(L, [y, x], out, t) {
      const d = t.dtype;
      const c = (v: number) => L.constant([v], d, []);
      const [q, at, xpos, xneg, ypos, yneg, plusPi, minusPi, halfPi, mHalfPi, left, yz, onAxis] =
        Array.from({ length: 13 }, () => L.tmp());
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
    },
    vjp: binaryVjp((g, y, x) => {
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
  StopGradient: { ...elementwise("Identity"), vjp: undefined },
  Clip: {
    infer: ([x]) => ({ dtype: x.dtype, shape: x.shape }),
    onnx(L, [x], out, t) {
      const bound = (v: unknown) => (v === null ? "" : L.constant([v as number], t.dtype, []));
      L.node("Clip", [x, bound(t.attrs.min), bound(t.attrs.max)], [out]);
    },
    vjp(g, t) {
      const x = t.inputs[0];
      let keep = g;
      if (t.attrs.min !== null) keep = B.where(B.less(x, t.attrs.min as number), 0, keep);
      if (t.attrs.max !== null) keep = B.where(B.greater(x, t.attrs.max as number), 0, keep);
      return [keep];
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
      if (c.dtype !== "bool") {
        throw new GraphError("Where", `condition must be bool, got ${c.dtype}`);
      }
      return {
        dtype: sameDtype("Where", [x, y]),
        shape: broadcastShapes("Where", [c.shape, x.shape, y.shape]),
      };
    },
    onnx: direct("Where"),
    vjp(g, t, needs) {
      const [c, x, y] = t.inputs;
      return [
        null,
        needs[1] ? unbroadcast(B.where(c, g, 0), x.shape) : null,
        needs[2] ? unbroadcast(B.where(c, 0, g), y.shape) : null,
      ];
    },
  },

  // Contractions.
  MatMul: {
    infer([a, b]) {
      sameDtype("MatMul", [a, b]);
      if (a.rank < 2 || b.rank < 2) {
        throw new GraphError(
          "MatMul",
          `needs rank >= 2, got ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}`,
        );
      }
      const [m, k] = a.shape.slice(-2), [k2, n] = b.shape.slice(-2);
      if (k !== k2) {
        throw new GraphError(
          "MatMul",
          `inner dims differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}`,
        );
      }
      const batch = broadcastShapes("MatMul", [a.shape.slice(0, -2), b.shape.slice(0, -2)]);
      return { dtype: a.dtype, shape: [...batch, m, n] };
    },
    onnx: direct("MatMul"),
    vjp(g, t, needs) {
      const [a, b] = t.inputs;
      const tr = (x: Tensor) =>
        B.transpose(
          x,
          [...x.shape.keys()].map((i, _, r) =>
            i === r.length - 2 ? r.length - 1 : i === r.length - 1 ? r.length - 2 : i
          ),
        );
      return [
        needs[0] ? unbroadcast(B.matmul(g, tr(b)), a.shape) : null,
        needs[1] ? unbroadcast(B.matmul(tr(a), g), b.shape) : null,
      ];
    },
  },
  Einsum: {
    infer(inputs, attrs) {
      const dtype = sameDtype("Einsum", inputs);
      const { ins, out } = parseEinsum(attrs.equation as string, inputs.length);
      const size = new Map<string, number>();
      ins.forEach((s, k) => {
        if (s.length !== inputs[k].rank) {
          throw new GraphError(
            "Einsum",
            `"${s}" does not match operand ${k} ${fmtShape(inputs[k].shape)}`,
          );
        }
        [...s].forEach((c, i) => {
          const d = inputs[k].shape[i];
          if (size.has(c) && size.get(c) !== d) {
            throw new GraphError(
              "Einsum",
              `letter ${c} is ${size.get(c)} and ${d} in ${attrs.equation} on ${
                inputs.map((x) => fmtShape(x.shape)).join(", ")
              }`,
            );
          }
          size.set(c, d);
        });
      });
      for (const c of out) {
        if (!size.has(c)) throw new GraphError("Einsum", `output letter ${c} is in no operand`);
      }
      return { dtype, shape: [...out].map((c) => size.get(c)!) };
    },
    onnx(L, ins, out, t) {
      L.node("Einsum", ins, [out], { equation: { s: t.attrs.equation as string } });
    },
    vjp: einsumVjp,
  },

  // Normalisation.
  Softmax: {
    infer: ([x]) => (needFloat("Softmax", x), { dtype: x.dtype, shape: x.shape }),
    onnx: (L, ins, out, t) =>
      L.node("Softmax", ins, [out], { axis: { i: t.attrs.axis as number } }),
    vjp(g, y) {
      const a = y.attrs.axis as number;
      return [B.mul(y, B.sub(g, B.sum(B.mul(g, y), a, true)))];
    },
  },
  LogSoftmax: {
    infer: ([x]) => (needFloat("LogSoftmax", x), { dtype: x.dtype, shape: x.shape }),
    onnx: (L, ins, out, t) =>
      L.node("LogSoftmax", ins, [out], { axis: { i: t.attrs.axis as number } }),
    vjp(g, y) {
      const a = y.attrs.axis as number;
      return [B.sub(g, B.mul(B.exp(y), B.sum(g, a, true)))];
    },
  },
  LayerNormalization: {
    infer([x, scale, bias], attrs) {
      needFloat("LayerNormalization", x);
      sameDtype("LayerNormalization", [x, scale, bias]);
      const norm = x.shape.slice(attrs.axis as number);
      for (const [what, p] of [["scale", scale], ["bias", bias]] as const) {
        if (fmtShape(p.shape) !== fmtShape(norm)) {
          throw new GraphError(
            "LayerNormalization",
            `${what} ${fmtShape(p.shape)} must be the normalised dims ${fmtShape(norm)} of ${
              fmtShape(x.shape)
            }`,
          );
        }
      }
      return { dtype: x.dtype, shape: x.shape };
    },
    onnx(L, ins, out, t) {
      L.node("LayerNormalization", ins, [out], {
        axis: { i: t.attrs.axis as number },
        epsilon: { f: t.attrs.epsilon as number },
      });
    },
    // Recomputes the statistics from x (cheap next to the matmuls around it).
    vjp(g, t, needs) {
      const [x, scale] = t.inputs;
      const axes = [...x.shape.keys()].slice(t.attrs.axis as number);
      const xc = B.sub(x, B.mean(x, axes, true));
      const rstd = B.reciprocal(
        B.sqrt(B.add(B.mean(B.square(xc), axes, true), t.attrs.epsilon as number)),
      );
      const xhat = B.mul(xc, rstd);
      const gx = () => {
        const gh = B.mul(g, scale);
        const inner = B.sub(
          B.sub(gh, B.mean(gh, axes, true)),
          B.mul(xhat, B.mean(B.mul(gh, xhat), axes, true)),
        );
        return B.mul(rstd, inner);
      };
      return [
        needs[0] ? gx() : null,
        needs[1] ? unbroadcast(B.mul(g, xhat), scale.shape) : null,
        needs[2] ? unbroadcast(g, scale.shape) : null,
      ];
    },
  },

  // Reductions.
  ReduceSum: reduceOp("ReduceSum", (g, t) => [B.expand(kept(g, t), t.inputs[0].shape)]),
  ReduceMean: reduceOp("ReduceMean", (g, t) => {
    const x = t.inputs[0];
    const n = sizeOf(x.shape) / Math.max(1, sizeOf(t.shape));
    return [B.expand(B.div(kept(g, t), n), x.shape)];
  }),
  ReduceMax: reduceOp("ReduceMax", extremumVjp),
  ReduceMin: reduceOp("ReduceMin", extremumVjp),
  ArgMax: argOp("ArgMax"),
  ArgMin: argOp("ArgMin"),

  // Shape ops.
  Reshape: {
    infer([x], attrs) {
      const shape = attrs.shape as number[];
      if (sizeOf(shape) !== x.size || shape.some((d) => !Number.isInteger(d) || d < 0)) {
        throw new GraphError(
          "Reshape",
          `cannot reshape ${fmtShape(x.shape)} to ${fmtShape(shape)}`,
        );
      }
      return { dtype: x.dtype, shape };
    },
    onnx: (L, [x], out, t) => L.node("Reshape", [x, L.ints(t.attrs.shape as number[])], [out]),
    vjp: (g, t) => [B.reshape(g, t.inputs[0].shape)],
  },
  Transpose: {
    infer([x], attrs) {
      const p = attrs.perm as number[];
      if (p.length !== x.rank || new Set(p).size !== p.length) {
        throw new GraphError(
          "Transpose",
          `perm [${p}] is not a permutation of ${fmtShape(x.shape)}`,
        );
      }
      return { dtype: x.dtype, shape: p.map((i) => x.shape[i]) };
    },
    onnx: (L, ins, out, t) =>
      L.node("Transpose", ins, [out], { perm: { ints: t.attrs.perm as number[] } }),
    vjp(g, t) {
      const p = t.attrs.perm as number[];
      const inv = p.map((_, i) => p.indexOf(i));
      return [B.transpose(g, inv)];
    },
  },
  Unsqueeze: {
    infer([x], attrs) {
      const axes = attrs.axes as number[];
      const shape: number[] = [];
      let k = 0;
      for (let i = 0; i < x.rank + axes.length; i++) {
        shape.push(axes.includes(i) ? 1 : x.shape[k++]);
      }
      return { dtype: x.dtype, shape };
    },
    onnx: (L, [x], out, t) => L.node("Unsqueeze", [x, L.ints(t.attrs.axes as number[])], [out]),
    vjp: (g, t) => [B.reshape(g, t.inputs[0].shape)],
  },
  Squeeze: {
    infer([x], attrs) {
      const axes = attrs.axes as number[];
      for (const a of axes) {
        if (x.shape[a] !== 1) {
          throw new GraphError("Squeeze", `dim ${a} of ${fmtShape(x.shape)} is not 1`);
        }
      }
      return { dtype: x.dtype, shape: x.shape.filter((_, i) => !axes.includes(i)) };
    },
    onnx: (L, [x], out, t) => L.node("Squeeze", [x, L.ints(t.attrs.axes as number[])], [out]),
    vjp: (g, t) => [B.reshape(g, t.inputs[0].shape)],
  },
  Expand: {
    infer([x], attrs) {
      const target = attrs.shape as number[];
      const shape = broadcastShapes("Expand", [x.shape, target]);
      if (fmtShape(shape) !== fmtShape(target)) {
        throw new GraphError(
          "Expand",
          `${fmtShape(x.shape)} does not expand to ${fmtShape(target)}`,
        );
      }
      return { dtype: x.dtype, shape };
    },
    onnx: (L, [x], out, t) => L.node("Expand", [x, L.ints(t.attrs.shape as number[])], [out]),
    vjp: (g, t) => [unbroadcast(g, t.inputs[0].shape)],
  },
  Slice: {
    infer([x], attrs) {
      const shape = [...x.shape];
      const [axes, starts, ends] = [attrs.axes, attrs.starts, attrs.ends] as number[][];
      axes.forEach((a, k) => (shape[a] = ends[k] - starts[k]));
      return { dtype: x.dtype, shape };
    },
    onnx(L, [x], out, t) {
      const [axes, starts, ends] = [t.attrs.axes, t.attrs.starts, t.attrs.ends] as number[][];
      L.node("Slice", [x, L.ints(starts), L.ints(ends), L.ints(axes)], [out]);
    },
    vjp(g, t) {
      const x = t.inputs[0];
      const [axes, starts, ends] = [t.attrs.axes, t.attrs.starts, t.attrs.ends] as number[][];
      const pads = new Array(2 * x.rank).fill(0);
      axes.forEach((a, k) => {
        pads[a] = starts[k];
        pads[x.rank + a] = x.shape[a] - ends[k];
      });
      return [B.pad(g, pads)];
    },
  },
  Concat: {
    infer(inputs, attrs) {
      const a = attrs.axis as number;
      const dtype = sameDtype("Concat", inputs);
      const shape = [...inputs[0].shape];
      for (const t of inputs.slice(1)) {
        if (t.rank !== shape.length || t.shape.some((d, i) => i !== a && d !== shape[i])) {
          throw new GraphError(
            "Concat",
            `shapes ${inputs.map((x) => fmtShape(x.shape)).join(", ")} differ off axis ${a}`,
          );
        }
        shape[a] += t.shape[a];
      }
      return { dtype, shape };
    },
    onnx: (L, ins, out, t) => L.node("Concat", ins, [out], { axis: { i: t.attrs.axis as number } }),
    vjp(g, t, needs) {
      const a = t.attrs.axis as number;
      let at = 0;
      return t.inputs.map((x, k) => {
        const s = at;
        at += x.shape[a];
        return needs[k] ? B.slice(g, a, s, at) : null;
      });
    },
  },
  Pad: {
    infer([x], attrs) {
      const p = attrs.pads as number[];
      if (p.length !== 2 * x.rank || p.some((v) => !Number.isInteger(v) || v < 0)) {
        throw new GraphError("Pad", `pads [${p}] must be ${2 * x.rank} non-negative integers`);
      }
      return { dtype: x.dtype, shape: x.shape.map((d, i) => d + p[i] + p[i + x.rank]) };
    },
    onnx(L, [x], out, t) {
      const v = L.constant([t.attrs.value as number], t.dtype, []);
      L.node("Pad", [x, L.ints(t.attrs.pads as number[]), v], [out], { mode: { s: "constant" } });
    },
    vjp(g, t) {
      const x = t.inputs[0];
      const p = t.attrs.pads as number[];
      const axes = [...x.shape.keys()];
      return [B.slice(g, axes, axes.map((i) => p[i]), axes.map((i) => p[i] + x.shape[i]))];
    },
  },
  Gather: {
    infer([x, idx], attrs) {
      needInt("Gather", idx);
      const a = attrs.axis as number;
      return {
        dtype: x.dtype,
        shape: [...x.shape.slice(0, a), ...idx.shape, ...x.shape.slice(a + 1)],
      };
    },
    onnx: (L, ins, out, t) => L.node("Gather", ins, [out], { axis: { i: t.attrs.axis as number } }),
    // Scatter-add the rows back: move the index dims of g to the front so the
    // gathered axis is the one ScatterND addresses.
    vjp(g, t) {
      const [x, idx] = t.inputs;
      const a = t.attrs.axis as number, k = idx.rank;
      const front = [...Array(k).keys()].map((i) => a + i);
      const rest = [...g.shape.keys()].filter((i) => i < a || i >= a + k);
      const gt = B.transpose(g, [...front, ...rest]);
      const base = [x.shape[a], ...x.shape.slice(0, a), ...x.shape.slice(a + 1)];
      const s = B.scatterND(B.full(x, base, 0), B.unsqueeze(B.cast(idx, "int64"), -1), gt, "add");
      const back = [...Array(x.rank).keys()].map((i) => (i < a ? i + 1 : i === a ? 0 : i));
      return [B.transpose(s, back), null];
    },
  },
  GatherElements: {
    infer([x, idx]) {
      needInt("GatherElements", idx);
      if (idx.rank !== x.rank) {
        throw new GraphError(
          "GatherElements",
          `indices ${fmtShape(idx.shape)} and data ${fmtShape(x.shape)} differ in rank`,
        );
      }
      return { dtype: x.dtype, shape: idx.shape };
    },
    onnx: (L, ins, out, t) =>
      L.node("GatherElements", ins, [out], { axis: { i: t.attrs.axis as number } }),
    vjp(g, t) {
      const [x, idx] = t.inputs;
      return [B.scatterElements(B.zerosLike(x), idx, g, t.attrs.axis as number, "add"), null];
    },
  },
  ScatterElements: {
    infer([x, idx, upd]) {
      needInt("ScatterElements", idx);
      sameDtype("ScatterElements", [x, upd]);
      if (fmtShape(idx.shape) !== fmtShape(upd.shape) || idx.rank !== x.rank) {
        throw new GraphError(
          "ScatterElements",
          `indices ${fmtShape(idx.shape)}, updates ${fmtShape(upd.shape)}, data ${
            fmtShape(x.shape)
          } disagree`,
        );
      }
      return { dtype: x.dtype, shape: x.shape };
    },
    onnx: (L, ins, out, t) =>
      L.node("ScatterElements", ins, [out], {
        axis: { i: t.attrs.axis as number },
        reduction: { s: t.attrs.reduction as string },
      }),
    vjp(g, t, needs) {
      const [, idx, upd] = t.inputs;
      const a = t.attrs.axis as number;
      const overwritten = t.attrs.reduction === "none";
      return [
        needs[0] ? (overwritten ? B.scatterElements(g, idx, B.zerosLike(upd), a) : g) : null,
        null,
        needs[2] ? B.gatherElements(g, idx, a) : null,
      ];
    },
  },
  GatherND: {
    infer([x, idx]) {
      needInt("GatherND", idx);
      const q = idx.shape[idx.rank - 1];
      if (idx.rank < 1 || q > x.rank) {
        throw new GraphError(
          "GatherND",
          `indices ${fmtShape(idx.shape)} do not address ${fmtShape(x.shape)}`,
        );
      }
      return { dtype: x.dtype, shape: [...idx.shape.slice(0, -1), ...x.shape.slice(q)] };
    },
    onnx(L, [x, idx], out, t) {
      const i64 = t.inputs[1].dtype === "int64" ? idx : L.tmp();
      if (i64 !== idx) L.node("Cast", [idx], [i64], { to: { i: ONNX_DTYPE.int64 } });
      L.node("GatherND", [x, i64], [out]);
    },
    vjp: (g, t) => [B.scatterND(B.zerosLike(t.inputs[0]), t.inputs[1], g, "add"), null],
  },
  ScatterND: {
    infer([x, idx, upd]) {
      needInt("ScatterND", idx);
      sameDtype("ScatterND", [x, upd]);
      const q = idx.shape[idx.rank - 1];
      const want = [...idx.shape.slice(0, -1), ...x.shape.slice(q)];
      if (fmtShape(upd.shape) !== fmtShape(want)) {
        throw new GraphError(
          "ScatterND",
          `updates ${fmtShape(upd.shape)} should be ${fmtShape(want)}`,
        );
      }
      return { dtype: x.dtype, shape: x.shape };
    },
    onnx(L, [x, idx, upd], out, t) {
      const i64 = t.inputs[1].dtype === "int64" ? idx : L.tmp();
      if (i64 !== idx) L.node("Cast", [idx], [i64], { to: { i: ONNX_DTYPE.int64 } });
      L.node("ScatterND", [x, i64, upd], [out], { reduction: { s: t.attrs.reduction as string } });
    },
    vjp(g, t, needs) {
      const [, idx, upd] = t.inputs;
      const overwritten = t.attrs.reduction === "none";
      return [
        needs[0] ? (overwritten ? B.scatterND(g, idx, B.zerosLike(upd)) : g) : null,
        null,
        needs[2] ? B.gatherND(g, idx) : null,
      ];
    },
  },
  OneHot: {
    infer([idx], attrs) {
      needInt("OneHot", idx);
      return { dtype: attrs.dtype as DType, shape: [...idx.shape, attrs.depth as number] };
    },
    // Equal against a range: works for every output dtype, unlike ONNX OneHot's
    // few registered type combinations in onnxruntime.
    onnx(L, [idx], out, t) {
      const depth = t.attrs.depth as number;
      const src = t.inputs[0].dtype;
      const [u, eq] = [L.tmp(), L.tmp()];
      L.node("Unsqueeze", [idx, L.ints([-1])], [u]);
      L.node("Equal", [u, L.constant([...Array(depth).keys()], src, [depth])], [eq]);
      L.node("Cast", [eq], [out], { to: { i: ONNX_DTYPE[t.dtype] } });
    },
  },
  Cast: {
    infer: ([x], attrs) => ({ dtype: attrs.to as DType, shape: x.shape }),
    onnx: (L, ins, out, t) => L.node("Cast", ins, [out], { to: { i: ONNX_DTYPE[t.dtype] } }),
    vjp: (g, t) => [isFloat(t.inputs[0].dtype) ? B.cast(g, t.inputs[0].dtype) : null],
  },
};

/** onnxruntime's CPU Atan is float-only: double inputs round-trip through float32. */
function atanNode(L: Lowering, x: string, out: string, dtype: DType) {
  if (dtype === "float32") return L.node("Atan", [x], [out]);
  const [x32, y32] = [L.tmp(), L.tmp()];
  L.node("Cast", [x], [x32], { to: { i: ONNX_DTYPE.float32 } });
  L.node("Atan", [x32], [y32]);
  L.node("Cast", [y32], [out], { to: { i: ONNX_DTYPE[dtype] } });
}

function argOp(opType: string): OpDef {
  return {
    infer([x], attrs) {
      const a = attrs.axis as number;
      const shape = attrs.keepdims ? keepShape(x.shape, [a]) : x.shape.filter((_, i) => i !== a);
      return { dtype: "int64", shape };
    },
    onnx: (L, ins, out, t) =>
      L.node(opType, ins, [out], {
        axis: { i: t.attrs.axis as number },
        keepdims: { i: t.attrs.keepdims ? 1 : 0 },
      }),
  };
}
