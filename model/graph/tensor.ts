/**
 * The tensor-graph IR: a {@link Tensor} is a symbolic handle (dtype, static
 * shape, the op that produces it); a {@link Graph} owns them in creation order,
 * which is always a topological order.
 *
 * @module
 */

import { RunError } from "../util/errors.ts";

/** Element types the IR knows. */
export type DType = "float32" | "float64" | "int32" | "int64" | "bool";

/** Typed-array storage per dtype (int64 as BigInt64Array, bool as Uint8Array). */
export type TypedArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

/** Static shapes only: every dimension is a known non-negative integer. */
export type Shape = readonly number[];

/** Op attributes: plain, immutable data. */
export type Attrs = Readonly<Record<string, unknown>>;

/** Whether a dtype is a floating-point type (the only ones that carry gradients). */
export function isFloat(d: DType): boolean {
  return d === "float32" || d === "float64";
}

/** Number of elements of a shape. */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * An error raised while a graph is built: names the op and what disagrees. A
 * {@link RunError}: a model that builds a bad graph is a bug, not bad input.
 */
export class GraphError extends RunError {
  /** `op: message`, e.g. `MatMul: inner dimensions 16 and 32 differ`. */
  constructor(op: string, message: string) {
    super(`${op}: ${message}`);
  }
}

/** Format a shape as `[2, 3]`. */
export function fmtShape(s: Shape): string {
  return `[${s.join(", ")}]`;
}

/** A symbolic tensor: the single output of one op applied to other tensors. */
export class Tensor {
  /** Unique, increasing id within the graph (creation order = topological order). */
  readonly id: number;
  /** The graph this tensor belongs to. */
  readonly graph: Graph;
  /** The op that produces it: an op-table key, "Input" or "Constant". */
  readonly op: string;
  /** The op's operands. */
  readonly inputs: readonly Tensor[];
  /** The op's static attributes. */
  readonly attrs: Attrs;
  /** Element type. */
  readonly dtype: DType;
  /** Static shape. */
  readonly shape: Shape;
  /** Optional name (graph inputs always have one). */
  name?: string;

  /** A node of `graph`: builders construct it after checking shapes and hand it to `Graph.add`. */
  constructor(
    graph: Graph,
    op: string,
    inputs: readonly Tensor[],
    attrs: Attrs,
    dtype: DType,
    shape: Shape,
  ) {
    this.graph = graph;
    this.id = graph.nextId();
    this.op = op;
    this.inputs = inputs;
    this.attrs = attrs;
    this.dtype = dtype;
    this.shape = Object.freeze([...shape]);
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }

  /**
   * How listings refer to this tensor: a graph input by its name, any other
   * tensor as `t<id>`.
   */
  get ref(): string {
    return this.op === "Input" ? this.name! : `t${this.id}`;
  }

  /**
   * One line of a {@link Graph.toString} listing: `t12: float32[4, 8] = MatMul(t3, w)`,
   * attributes in brackets (`ReduceSum[axes=[1], keepdims=true](t4)`),
   * constants with their values (`Constant(2)`); an input is `w: float32[8, 4]`.
   */
  toString(): string {
    const type = `${this.ref}: ${this.dtype}${fmtShape(this.shape)}`;
    if (this.op === "Input") return type;
    if (this.op === "Constant") {
      return `${type} = Constant(${fmtValues(this.attrs.value as TypedArray, this.dtype)})`;
    }
    const attrs = Object.entries(this.attrs).map(([k, v]) => `${k}=${fmtAttr(v)}`).join(", ");
    const args = this.inputs.map((t) => t.ref).join(", ");
    return `${type} = ${this.op}${attrs ? `[${attrs}]` : ""}(${args})`;
  }
}

/** Constant values listed in full up to this count, else the first and last few. */
const SHOWN_VALUES = 8;

/** A constant's values: a scalar bare, an array flat in brackets, abbreviated when long. */
function fmtValues(v: TypedArray, dtype: DType): string {
  const one = (i: number) => {
    const x = v[i];
    if (dtype === "bool") return x ? "true" : "false";
    return typeof x === "bigint" ? String(x) : String(Number(x.toPrecision(6)));
  };
  if (v.length === 1) return one(0);
  const idx = [...Array(v.length).keys()];
  if (v.length <= SHOWN_VALUES) return `[${idx.map(one).join(", ")}]`;
  const head = idx.slice(0, SHOWN_VALUES - 3).map(one), tail = idx.slice(-2).map(one);
  return `[${[...head, "…", ...tail].join(", ")}] (${v.length} values)`;
}

/** An attribute value: numbers and lists bare, strings quoted. */
function fmtAttr(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(fmtAttr).join(", ")}]`;
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

/**
 * The tensors `outputs` depend on (themselves included), in creation order,
 * which is a topological order.
 */
export function reachable(outputs: readonly Tensor[]): Tensor[] {
  const seen = new Set<number>();
  const live: Tensor[] = [];
  const stack = [...outputs];
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t.id)) continue;
    seen.add(t.id);
    live.push(t);
    stack.push(...t.inputs);
  }
  return live.sort((a, b) => a.id - b.id);
}

/** Storage constructor for a dtype. */
export function arrayFor(dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(n);
    case "float64":
      return new Float64Array(n);
    case "int32":
      return new Int32Array(n);
    case "int64":
      return new BigInt64Array(n);
    case "bool":
      return new Uint8Array(n);
  }
}

/** Convert plain numbers (or a typed array) to the storage of a dtype. */
export function toTyped(values: ArrayLike<number> | TypedArray, dtype: DType): TypedArray {
  if (dtype === "int64") {
    if (values instanceof BigInt64Array) return values;
    return BigInt64Array.from(Array.from(values as ArrayLike<number>), (v) => BigInt(v));
  }
  const out = arrayFor(dtype, values.length);
  if (values instanceof BigInt64Array) {
    for (let i = 0; i < values.length; i++) (out as Float64Array)[i] = Number(values[i]);
  } else (out as Float64Array).set(values as ArrayLike<number>);
  return out;
}

/** Owner of tensors: inputs, constants and op results, in creation order. */
export class Graph {
  #next = 0;
  /** Every tensor ever created in this graph, in creation (topological) order. */
  readonly tensors: Tensor[] = [];
  /** Graph inputs by name. */
  readonly inputs: Map<string, Tensor> = new Map();

  /** @internal allocate an id. */
  nextId(): number {
    return this.#next++;
  }

  /** @internal register a tensor (called by the op builder). */
  add(t: Tensor): Tensor {
    this.tensors.push(t);
    return t;
  }

  /** A named graph input (a feed at run time: data, parameters, masks). */
  input(name: string, shape: Shape, dtype: DType = "float32"): Tensor {
    if (this.inputs.has(name)) throw new GraphError("Input", `duplicate input name "${name}"`);
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) {
        throw new GraphError("Input", `"${name}" has a non-static dimension in ${fmtShape(shape)}`);
      }
    }
    const t = this.add(new Tensor(this, "Input", [], { name }, dtype, shape));
    t.name = name;
    this.inputs.set(name, t);
    return t;
  }

  /** A constant tensor baked into the graph. */
  constant(values: ArrayLike<number> | TypedArray, shape: Shape, dtype: DType = "float32"): Tensor {
    const n = sizeOf(shape);
    if (values.length !== n) {
      throw new GraphError(
        "Constant",
        `${values.length} values do not fill shape ${fmtShape(shape)} (${n})`,
      );
    }
    const value = toTyped(values, dtype);
    return this.add(new Tensor(this, "Constant", [], { value }, dtype, shape));
  }

  /** A scalar (rank-0) constant. */
  scalar(v: number, dtype: DType = "float32"): Tensor {
    return this.constant([v], [], dtype);
  }

  /**
   * A jaxpr-like listing of the part of the graph that computes `outputs`
   * (named as in `toOnnx`, or a list): its inputs (name, dtype, shape), one
   * line per live node (see {@link Tensor.toString}), then the outputs.
   * Without `outputs` it lists every node, and the outputs are the computed
   * tensors nothing consumes.
   *
   * @example
   * ```ts
   * const g = new Graph();
   * const x = g.input("x", [2, 3]);
   * const y = G.relu(G.mul(x, 2));
   * console.log(g.toString({ y }));
   * // inputs
   * //   x: float32[2, 3]
   * // nodes
   * //   t1: float32[] = Constant(2)
   * //   t2: float32[2, 3] = Mul(x, t1)
   * //   t3: float32[2, 3] = Relu(t2)
   * // outputs
   * //   y = t3
   * ```
   */
  toString(outputs?: readonly Tensor[] | Readonly<Record<string, Tensor>>): string {
    let named: [string | undefined, Tensor][];
    if (outputs === undefined) {
      const consumed = new Set(this.tensors.flatMap((t) => t.inputs.map((x) => x.id)));
      named = this.tensors
        .filter((t) => t.op !== "Input" && !consumed.has(t.id))
        .map((t) => [undefined, t]);
    } else if (Array.isArray(outputs)) named = outputs.map((t) => [undefined, t]);
    else named = Object.entries(outputs as Record<string, Tensor>);
    const live = outputs === undefined ? this.tensors : reachable(named.map(([, t]) => t));
    const inputs = live.filter((t) => t.op === "Input");
    const nodes = live.filter((t) => t.op !== "Input");
    const outs = named.map(([name, t]) => (name === undefined ? t.ref : `${name} = ${t.ref}`));
    return [
      "inputs",
      ...inputs.map((t) => `  ${t}`),
      "nodes",
      ...nodes.map((t) => `  ${t}`),
      "outputs",
      ...outs.map((o) => `  ${o}`),
    ].join("\n");
  }
}
