/**
 * Builders: the functions model code calls to add ops to a graph. Each one is
 * a thin, typed front to one entry of the op table in `ops.ts` (or, for the few
 * composites such as `linear` and `split`, a short composition of entries).
 *
 * @module
 */

import { type Attrs, type DType, fmtShape, GraphError, type Shape, Tensor } from "./tensor.ts";
import { OPS, ShapeError } from "./ops.ts";

/** A tensor or a plain number (made a scalar constant of the other operand's dtype). */
export type TensorLike = Tensor | number;

/** Add one op node to the graph of its inputs after checking shapes and dtypes. */
export function apply(op: string, inputs: readonly Tensor[], attrs: Attrs = {}): Tensor {
  const def = OPS[op];
  if (!def) throw new GraphError(op, "no such op in the op table");
  if (inputs.length === 0) throw new GraphError(op, "needs at least one input");
  const g = inputs[0].graph;
  for (const t of inputs) {
    if (t.graph !== g) throw new GraphError(op, "inputs belong to different graphs");
  }
  let inferred;
  try {
    inferred = def.infer(inputs, attrs);
  } catch (e) {
    // Shape rules say what disagrees; the op's name is added here, once for all.
    throw e instanceof ShapeError ? new GraphError(op, e.message) : e;
  }
  return g.add(new Tensor(g, op, inputs, attrs, inferred.dtype, inferred.shape));
}

function lift(x: TensorLike, like: Tensor): Tensor {
  return typeof x === "number" ? like.graph.scalar(x, like.dtype) : x;
}

function binary(op: string, a: TensorLike, b: TensorLike): Tensor {
  if (typeof a === "number" && typeof b === "number") {
    throw new GraphError(op, "at least one operand must be a tensor");
  }
  const ta = typeof a === "number" ? lift(a, b as Tensor) : a;
  const tb = lift(b, ta);
  return apply(op, [ta, tb]);
}

function axisOf(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new GraphError(op, `axis ${axis} out of range for rank ${rank}`);
  }
  return a;
}

function axesOf(op: string, axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return [...Array(rank).keys()];
  const list = typeof axes === "number" ? [axes] : axes;
  const out = [...new Set(list.map((a) => axisOf(op, a, rank)))].sort((x, y) => x - y);
  if (out.length !== list.length) throw new GraphError(op, `repeated axis in ${list}`);
  return out;
}

// ---- elementwise arithmetic -------------------------------------------------

/** a + b (broadcasting). */
export const add = (a: TensorLike, b: TensorLike): Tensor => binary("Add", a, b);
/** a - b (broadcasting). */
export const sub = (a: TensorLike, b: TensorLike): Tensor => binary("Sub", a, b);
/** a * b (broadcasting). */
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary("Mul", a, b);
/** a / b (broadcasting). */
export const div = (a: TensorLike, b: TensorLike): Tensor => binary("Div", a, b);
/** a ** b (broadcasting). */
export const pow = (a: TensorLike, b: TensorLike): Tensor => binary("Pow", a, b);
/** Elementwise minimum of two tensors. */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binary("Min", a, b);
/** Elementwise maximum of two tensors. */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary("Max", a, b);
/** atan2(y, x), the angle of (x, y), in (-π, π]. */
export const atan2 = (y: TensorLike, x: TensorLike): Tensor => binary("Atan2", y, x);

/** -x. */
export const neg = (x: Tensor): Tensor => apply("Neg", [x]);
/** |x|. */
export const abs = (x: Tensor): Tensor => apply("Abs", [x]);
/** sign(x) in {-1, 0, 1}. */
export const sign = (x: Tensor): Tensor => apply("Sign", [x]);
/** √x. */
export const sqrt = (x: Tensor): Tensor => apply("Sqrt", [x]);
/** 1 / x. */
export const reciprocal = (x: Tensor): Tensor => apply("Reciprocal", [x]);
/** eˣ. */
export const exp = (x: Tensor): Tensor => apply("Exp", [x]);
/** ln x. */
export const log = (x: Tensor): Tensor => apply("Log", [x]);
/** max(x, 0). */
export const relu = (x: Tensor): Tensor => apply("Relu", [x]);
/** 1 / (1 + e⁻ˣ). */
export const sigmoid = (x: Tensor): Tensor => apply("Sigmoid", [x]);
/** ln(1 + eˣ). */
export const softplus = (x: Tensor): Tensor => apply("Softplus", [x]);
/** tanh x. */
export const tanh = (x: Tensor): Tensor => apply("Tanh", [x]);
/** sin x. */
export const sin = (x: Tensor): Tensor => apply("Sin", [x]);
/** cos x. */
export const cos = (x: Tensor): Tensor => apply("Cos", [x]);
/** atan x. */
export const atan = (x: Tensor): Tensor => apply("Atan", [x]);
/** x itself, a graph node of its own. */
export const identity = (x: Tensor): Tensor => apply("Identity", [x]);
/** x in the forward pass; no gradient flows back through it. */
export const stopGradient = (x: Tensor): Tensor => apply("StopGradient", [x]);

/**
 * `fn(...inputs)` differentiated by recomputation (activation checkpointing of
 * one piece, AF2 supplement 1.11.8): the backward graph rebuilds fn's nodes
 * from their inputs once the output's gradient exists (the rebuilt inputs
 * depend on it), so it holds one piece's intermediates at a time instead of
 * every piece's. The forward value is fn's own; every tensor fn reads from
 * outside (inputs, parameters) receives its gradient through the recomputed
 * nodes. The first tensor fn creates must be its first node (fn may read
 * only tensors that exist before the call, or leaves it creates).
 */
export function remat(inputs: readonly Tensor[], fn: (...xs: Tensor[]) => Tensor): Tensor {
  if (inputs.length === 0) throw new GraphError("Remat", "needs at least one input");
  const g = inputs[0].graph;
  const from = g.tensors.length;
  const y = fn(...inputs);
  if (y.id < from) return y; // fn built nothing: nothing to recompute
  const body = g.tensors.slice(from);
  const inside = new Set(body.map((t) => t.id));
  const reads = new Set<Tensor>();
  for (const t of body) {
    if (t.op === "Input") reads.add(t); // a parameter created by fn: its gradient is wanted
    for (const x of t.inputs) if (!inside.has(x.id)) reads.add(x);
  }
  return apply("Remat", [y, ...reads], { from });
}
/** x² (a product, so its gradient is exact). */
export const square = (x: Tensor): Tensor => mul(x, x);

/** min(max(x, lo), hi); either bound may be omitted. */
export function clip(x: Tensor, lo?: number, hi?: number): Tensor {
  return apply("Clip", [x], { min: lo ?? null, max: hi ?? null });
}

// ---- comparisons and logic ---------------------------------------------------

/** a == b → bool. */
export const equal = (a: TensorLike, b: TensorLike): Tensor => binary("Equal", a, b);
/** a < b → bool. */
export const less = (a: TensorLike, b: TensorLike): Tensor => binary("Less", a, b);
/** a <= b → bool. */
export const lessEqual = (a: TensorLike, b: TensorLike): Tensor => binary("LessOrEqual", a, b);
/** a > b → bool. */
export const greater = (a: TensorLike, b: TensorLike): Tensor => binary("Greater", a, b);
/** a >= b → bool. */
export const greaterEqual = (a: TensorLike, b: TensorLike): Tensor =>
  binary("GreaterOrEqual", a, b);
/** Logical and of bools. */
export const and = (a: Tensor, b: Tensor): Tensor => apply("And", [a, b]);
/** Logical or of bools. */
export const or = (a: Tensor, b: Tensor): Tensor => apply("Or", [a, b]);
/** Logical xor of bools. */
export const xor = (a: Tensor, b: Tensor): Tensor => apply("Xor", [a, b]);
/** Logical not. */
export const not = (a: Tensor): Tensor => apply("Not", [a]);

/** cond ? x : y, broadcasting all three. */
export function where(cond: Tensor, x: TensorLike, y: TensorLike): Tensor {
  const like = typeof x !== "number" ? x : typeof y !== "number" ? y : undefined;
  if (!like) throw new GraphError("Where", "x or y must be a tensor");
  return apply("Where", [cond, lift(x, like), lift(y, like)]);
}

// ---- contractions ----------------------------------------------------------------

/** Batched matrix product `[..., m, k] @ [..., k, n]` (batch dims broadcast). */
export const matmul = (a: Tensor, b: Tensor): Tensor => apply("MatMul", [a, b]);

/**
 * Einstein summation with explicit output, e.g. `einsum("bij,bjk->bik", x, y)`.
 * Letters only (no ellipsis, no repeated letter within one operand); every
 * letter has one size across operands.
 */
export function einsum(equation: string, ...operands: Tensor[]): Tensor {
  return apply("Einsum", operands, { equation: equation.replace(/\s+/g, "") });
}

/** `x @ wᵀ + b` with a PyTorch-layout weight `w [out, in]` (OpenFold's Linear). */
export function linear(x: Tensor, w: Tensor, b?: Tensor): Tensor {
  const y = matmul(x, transpose(w, [1, 0]));
  return b ? add(y, b) : y;
}

// ---- normalisation ---------------------------------------------------------------

/** Softmax along one axis. */
export const softmax = (x: Tensor, axis = -1): Tensor =>
  apply("Softmax", [x], { axis: axisOf("Softmax", axis, x.rank) });
/** Log-softmax along one axis. */
export const logSoftmax = (x: Tensor, axis = -1): Tensor =>
  apply("LogSoftmax", [x], { axis: axisOf("LogSoftmax", axis, x.rank) });

/** LayerNorm over the trailing dims from `axis`, with gain and offset (ONNX LayerNormalization). */
export function layerNorm(x: Tensor, scale: Tensor, bias: Tensor, eps = 1e-5, axis = -1): Tensor {
  return apply("LayerNormalization", [x, scale, bias], {
    axis: axisOf("LayerNormalization", axis, x.rank),
    epsilon: eps,
  });
}

// ---- reductions --------------------------------------------------------------------

function reduce(
  op: string,
  x: Tensor,
  axes: number | readonly number[] | undefined,
  keep: boolean,
) {
  return apply(op, [x], { axes: axesOf(op, axes, x.rank), keepdims: keep });
}
/** Sum over axes (all when omitted). */
export const sum = (x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor =>
  reduce("ReduceSum", x, axes, keepdims);
/** Mean over axes (all when omitted). */
export const mean = (x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor =>
  reduce("ReduceMean", x, axes, keepdims);
/** Maximum over axes (all when omitted). */
export const max = (x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor =>
  reduce("ReduceMax", x, axes, keepdims);
/** Minimum over axes (all when omitted). */
export const min = (x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor =>
  reduce("ReduceMin", x, axes, keepdims);
/** Index of the maximum along an axis (int64). */
export const argmax = (x: Tensor, axis = -1, keepdims = false): Tensor =>
  apply("ArgMax", [x], { axis: axisOf("ArgMax", axis, x.rank), keepdims });
/** Index of the minimum along an axis (int64). */
export const argmin = (x: Tensor, axis = -1, keepdims = false): Tensor =>
  apply("ArgMin", [x], { axis: axisOf("ArgMin", axis, x.rank), keepdims });

// ---- shape ---------------------------------------------------------------------------

/** Reshape; one dimension may be -1 (inferred). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const known = shape.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  const holes = shape.filter((d) => d === -1).length;
  if (holes > 1) throw new GraphError("Reshape", `more than one -1 in ${fmtShape(shape)}`);
  const full = shape.map((d) => (d === -1 ? x.size / known : d));
  return apply("Reshape", [x], { shape: full });
}

/** Permute dims (reverse when `perm` is omitted). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ? perm.map((a) => axisOf("Transpose", a, x.rank)) : [...x.shape.keys()].reverse();
  return apply("Transpose", [x], { perm: p });
}

/** Insert size-1 dims at the given positions of the result. */
export function unsqueeze(x: Tensor, axes: number | readonly number[]): Tensor {
  const list = typeof axes === "number" ? [axes] : axes;
  const rank = x.rank + list.length;
  return apply("Unsqueeze", [x], { axes: axesOf("Unsqueeze", list, rank) });
}

/** Remove size-1 dims. */
export function squeeze(x: Tensor, axes: number | readonly number[]): Tensor {
  return apply("Squeeze", [x], { axes: axesOf("Squeeze", axes, x.rank) });
}

/** Broadcast to a shape (numpy rules). */
export const expand = (x: Tensor, shape: Shape): Tensor =>
  apply("Expand", [x], { shape: [...shape] });

/**
 * `x[start:end]` along each listed axis (step 1). Negative indices count from
 * the end; bounds are clamped as in numpy.
 */
export function slice(
  x: Tensor,
  axes: number | readonly number[],
  starts: number | readonly number[],
  ends: number | readonly number[],
): Tensor {
  const ax = typeof axes === "number" ? [axes] : [...axes];
  const st = typeof starts === "number" ? [starts] : [...starts];
  const en = typeof ends === "number" ? [ends] : [...ends];
  if (ax.length !== st.length || ax.length !== en.length) {
    throw new GraphError("Slice", "axes, starts and ends differ in length");
  }
  const norm = ax.map((a) => axisOf("Slice", a, x.rank));
  const clampIdx = (i: number, d: number) => Math.min(Math.max(i < 0 ? i + d : i, 0), d);
  const s = norm.map((a, k) => clampIdx(st[k], x.shape[a]));
  const e = norm.map((a, k) => Math.max(clampIdx(en[k], x.shape[a]), s[k]));
  return apply("Slice", [x], { axes: norm, starts: s, ends: e });
}

/** Take index `i` along `axis`, dropping that axis. */
export function select(x: Tensor, axis: number, i: number): Tensor {
  const a = axisOf("Slice", axis, x.rank);
  return squeeze(slice(x, a, i, i === -1 ? x.shape[a] : i + 1), a);
}

/** Concatenate along an axis. */
export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new GraphError("Concat", "nothing to concatenate");
  if (xs.length === 1) return xs[0];
  return apply("Concat", xs, { axis: axisOf("Concat", axis, xs[0].rank) });
}

/** Split along an axis into pieces of the given sizes (slices of one tensor). */
export function split(x: Tensor, axis: number, sizes: readonly number[]): Tensor[] {
  const a = axisOf("Split", axis, x.rank);
  const total = sizes.reduce((p, s) => p + s, 0);
  if (total !== x.shape[a]) {
    throw new GraphError(
      "Split",
      `sizes ${sizes} do not add up to dim ${x.shape[a]} of ${fmtShape(x.shape)}`,
    );
  }
  let at = 0;
  return sizes.map((s) => slice(x, a, at, at += s));
}

/** Constant padding: `pads` = [begin_0, ..., begin_n, end_0, ..., end_n] (ONNX layout). */
export function pad(x: Tensor, pads: readonly number[], value = 0): Tensor {
  return apply("Pad", [x], { pads: [...pads], value });
}

/** Gather slices along `axis` at integer `indices` (numpy `take`). */
export const gather = (x: Tensor, indices: Tensor, axis = 0): Tensor =>
  apply("Gather", [x, indices], { axis: axisOf("Gather", axis, x.rank) });

/** `out[..i..] = x[..indices[..i..]..]` along `axis` (torch.gather). */
export const gatherElements = (x: Tensor, indices: Tensor, axis: number): Tensor =>
  apply("GatherElements", [x, indices], { axis: axisOf("GatherElements", axis, x.rank) });

/** Copy of `x` with `updates` written (or added) at `indices` along `axis`. */
export function scatterElements(
  x: Tensor,
  indices: Tensor,
  updates: Tensor,
  axis: number,
  reduction: "none" | "add" = "none",
): Tensor {
  return apply("ScatterElements", [x, indices, updates], {
    axis: axisOf("ScatterElements", axis, x.rank),
    reduction,
  });
}

/** `out[...] = x[indices[..., :]]` with the last index dim addressing leading dims of x. */
export const gatherND = (x: Tensor, indices: Tensor): Tensor => apply("GatherND", [x, indices]);

/** Copy of `x` with `updates` written (or added) at index tuples `indices[..., :]`. */
export const scatterND = (
  x: Tensor,
  indices: Tensor,
  updates: Tensor,
  reduction: "none" | "add" = "none",
): Tensor => apply("ScatterND", [x, indices, updates], { reduction });

/** One-hot encoding of integer `indices` along a new last axis of size `depth`. */
export const oneHot = (indices: Tensor, depth: number, dtype: DType = "float32"): Tensor =>
  apply("OneHot", [indices], { depth, dtype });

/** Convert element type. */
export const cast = (x: Tensor, to: DType): Tensor =>
  x.dtype === to ? x : apply("Cast", [x], { to });

// ---- constants ----------------------------------------------------------------------------

/** `[start, start+step, ...)` as a constant (shapes are static, so this is built now). */
export function range(
  like: Tensor,
  n: number,
  dtype: DType = "int64",
  start = 0,
  step = 1,
): Tensor {
  return like.graph.constant(Array.from({ length: n }, (_, i) => start + i * step), [n], dtype);
}

/** A constant filled with `value`, broadcast to `shape`. */
export function full(like: Tensor, shape: Shape, value: number, dtype: DType = like.dtype): Tensor {
  return expand(like.graph.scalar(value, dtype), shape);
}

/** Zeros shaped and typed like `x`. */
export const zerosLike = (x: Tensor): Tensor => full(x, x.shape, 0);
