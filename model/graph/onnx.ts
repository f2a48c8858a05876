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
  GraphError,
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

/** Tensors needed to compute `outputs`, in topological order. */
export function liveTensors(outputs: readonly Tensor[]): Tensor[] {
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

/** Serialise the part of the graph that computes `outputs` (name → tensor) as ONNX. */
export function toOnnx(
  outputs: Readonly<Record<string, Tensor>>,
  opts: OnnxOptions = {},
): Uint8Array {
  const outs = Object.entries(outputs);
  if (outs.length === 0) throw new GraphError("toOnnx", "no outputs");
  const live = liveTensors(outs.map(([, t]) => t));
  const graph = new ProtoWriter();
  const inits: ProtoWriter[] = [];
  const inputs: ProtoWriter[] = [];
  const constCache = new Map<string, string>();
  let tmpCount = 0;
  const nameOf = (t: Tensor) => (t.op === "Input" ? t.name! : `t${t.id}`);

  const L: Lowering = {
    node(opType, ins, outNames, attrs = {}) {
      const n = new ProtoWriter();
      for (const i of ins) n.string(1, i);
      for (const o of outNames) n.string(2, o);
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
      OPS[t.op].onnx(L, t.inputs.map(nameOf), nameOf(t), t);
    }
  }
  const outputInfos: ProtoWriter[] = [];
  for (const [name, t] of outs) {
    const clash = live.find((x) => x.op === "Input" && x.name === name && x !== t);
    if (clash) throw new GraphError("toOnnx", `output name "${name}" is also an input name`);
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
