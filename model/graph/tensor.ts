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

  /** `t12: float32[4, 8] = MatMul(t3, t7)`. */
  toString(): string {
    const args = this.inputs.map((t) => `t${t.id}`).join(", ");
    const attrs = Object.entries(this.attrs)
      .filter(([k]) => k !== "value")
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(" ");
    const label = this.name ? ` "${this.name}"` : "";
    return `t${this.id}${label}: ${this.dtype}${fmtShape(this.shape)} = ${this.op}(${args})${
      attrs ? " {" + attrs + "}" : ""
    }`;
  }
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

  /** A jaxpr-like listing: one line per tensor. */
  toString(): string {
    return this.tensors.map((t) => t.toString()).join("\n");
  }
}
