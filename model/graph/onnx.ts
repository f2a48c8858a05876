/**
 * Graph → ONNX ModelProto bytes (opset 18), written with our own protobuf
 * encoder. Parameters stay graph inputs by default so a training graph never
 * meets protobuf's 2 GB limit and one compiled session serves every step;
 * `initializers` bakes chosen inputs in for exported inference models.
 *
 * @module
 */

import {
  type DType,
  fmtShape,
  GraphError,
  reachable,
  type Shape,
  type Tensor,
  toTyped,
  type TypedArray,
} from "./tensor.ts";
import { type Lowering, ONNX_DTYPE, type OnnxAttr, OPS } from "./ops.ts";
import { ProtoWriter } from "./protobuf.ts";

/** The ONNX opset the lowering rules target. */
export const OPSET = 18;
const IR_VERSION = 8;

/** Options for {@link toOnnx}. */
export interface OnnxOptions {
  /** Graph inputs to bake in as initializers (name → values). */
  initializers?: ReadonlyMap<string, TypedArray>;
  /** Model graph name. */
  name?: string;
  /**
   * Graph inputs computed inside the graph instead of fed: each input maps to
   * a tensor of its dtype and shape (e.g. parameters sliced from one flat vector).
   */
  substitute?: ReadonlyMap<Tensor, Tensor>;
}

function tensorProto(name: string, dtype: DType, shape: Shape, data: TypedArray): ProtoWriter {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const w = new ProtoWriter();
  if (shape.length) w.packedInts(1, shape);
  return w.int(2, ONNX_DTYPE[dtype]).string(8, name).bytes(9, bytes);
}

function valueInfo(name: string, dtype: DType, shape: Shape): ProtoWriter {
  const dims = new ProtoWriter();
  for (const d of shape) dims.message(1, new ProtoWriter().int(1, d));
  const tensorType = new ProtoWriter().int(1, ONNX_DTYPE[dtype]).message(2, dims);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

function attribute(name: string, a: OnnxAttr): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if ("i" in a) return w.int(3, a.i).int(20, 2);
  if ("f" in a) return w.float(2, a.f).int(20, 1);
  if ("s" in a) return w.string(4, a.s).int(20, 3);
  if ("ints" in a) return w.packedInts(8, a.ints).int(20, 7);
  return w.packedFloats(7, a.floats).int(20, 6);
}

/**
 * Tensors needed to compute `outputs`, in topological order. An input listed in
 * `substitute` is replaced by the tensor it maps to (and is itself not live).
 */
export function liveTensors(
  outputs: readonly Tensor[],
  substitute?: ReadonlyMap<Tensor, Tensor>,
): Tensor[] {
  const seen = new Set<number>();
  const live: Tensor[] = [];
  const resolve = (t: Tensor) => substitute?.get(t) ?? t;
  if (!substitute?.size) return reachable(outputs);
  // Substitutes are usually created after their consumers: order by a post-order walk.
  const done = new Set<number>();
  const stack: [Tensor, boolean][] = outputs.map((t) => [resolve(t), false]);
  while (stack.length) {
    const [t, expanded] = stack.pop()!;
    if (expanded) {
      if (!done.has(t.id)) (done.add(t.id), live.push(t));
      continue;
    }
    if (seen.has(t.id)) {
      if (!done.has(t.id)) throw new GraphError("toOnnx", `t${t.id} depends on itself`);
      continue;
    }
    seen.add(t.id);
    stack.push([t, true]);
    for (const x of t.inputs) if (!done.has(resolve(x).id)) stack.push([resolve(x), false]);
  }
  return live;
}

/** Serialise the part of the graph that computes `outputs` (name → tensor) as ONNX. */
export function toOnnx(
  outputs: Readonly<Record<string, Tensor>>,
  opts: OnnxOptions = {},
): Uint8Array {
  const outs = Object.entries(outputs);
  if (outs.length === 0) throw new GraphError("toOnnx", "no outputs");
  const sub = opts.substitute;
  for (const [from, to] of sub ?? []) {
    if (
      from.op !== "Input" || from.dtype !== to.dtype || fmtShape(from.shape) !== fmtShape(to.shape)
    ) {
      throw new GraphError(
        "toOnnx",
        `cannot substitute ${to.dtype}${fmtShape(to.shape)} for ${from.op} ${from.dtype}${
          fmtShape(from.shape)
        }`,
      );
    }
  }
  const live = liveTensors(outs.map(([, t]) => t), sub);
  const graph = new ProtoWriter();
  const inits: ProtoWriter[] = [];
  const inputs: ProtoWriter[] = [];
  const constCache = new Map<string, string>();
  let tmpCount = 0;
  const nameOf = (t: Tensor): string => {
    const s = sub?.get(t);
    if (s) return nameOf(s);
    return t.op === "Input" ? t.name! : `t${t.id}`;
  };
  // Node names carry the IR tensor id, so onnxruntime's profile maps back to the listing.
  let owner = "out", part = 0;

  const L: Lowering = {
    node(opType, ins, outNames, attrs = {}) {
      const n = new ProtoWriter();
      for (const i of ins) n.string(1, i);
      for (const o of outNames) n.string(2, o);
      n.string(3, `${owner}_${part++}`);
      n.string(4, opType);
      for (const [k, v] of Object.entries(attrs)) n.message(5, attribute(k, v));
      graph.message(1, n);
    },
    constant(values, dtype, shape) {
      const key = `${dtype}|${shape}|${values}`;
      let name = constCache.get(key);
      if (!name) {
        name = `c${constCache.size}`;
        constCache.set(key, name);
        inits.push(tensorProto(name, dtype, shape, toTyped(values, dtype)));
      }
      return name;
    },
    ints: (values) => L.constant(values, "int64", [values.length]),
    tmp: () => `v${tmpCount++}`,
  };

  for (const t of live) {
    if (t.op === "Input") {
      const baked = opts.initializers?.get(t.name!);
      if (baked) inits.push(tensorProto(t.name!, t.dtype, t.shape, baked));
      else inputs.push(valueInfo(t.name!, t.dtype, t.shape));
    } else if (t.op === "Constant") {
      inits.push(tensorProto(nameOf(t), t.dtype, t.shape, t.attrs.value as TypedArray));
    } else {
      owner = `t${t.id}`;
      part = 0;
      OPS[t.op].onnx(L, t.inputs.map(nameOf), nameOf(t), t);
    }
  }
  const outputInfos: ProtoWriter[] = [];
  owner = "out";
  part = 0;
  const inputNames = new Map(live.filter((x) => x.op === "Input").map((x) => [x.name!, x]));
  for (const [name, t] of outs) {
    const clash = inputNames.get(name);
    if (clash && clash !== t) {
      throw new GraphError("toOnnx", `output name "${name}" is also an input name`);
    }
    if (nameOf(t) !== name) L.node("Identity", [nameOf(t)], [name]);
    outputInfos.push(valueInfo(name, t.dtype, t.shape));
  }

  graph.string(2, opts.name ?? "denofold");
  for (const i of inits) graph.message(5, i);
  for (const i of inputs) graph.message(11, i);
  for (const o of outputInfos) graph.message(12, o);
  return new ProtoWriter()
    .int(1, IR_VERSION)
    .string(2, "denofold")
    .message(7, graph)
    .message(8, new ProtoWriter().string(1, "").int(2, OPSET))
    .finish();
}
