/**
 * Graph-level optimisation before serialisation: one pass over the live part
 * of a graph that rebuilds it with
 *
 * - common-subexpression elimination (same op, attributes and inputs → one
 *   node; equal constants → one constant),
 * - identity removal (Identity, StopGradient and Remat — gradients are already built —,
 *   Reshape/Expand to the same shape, identity Transpose, full Slice, Cast to
 *   the same dtype),
 * - shape-op fusion (Reshape/Squeeze/Unsqueeze chains → one Reshape;
 *   Transpose∘Transpose → one Transpose).
 *
 * It never changes a value: every rewrite is an exact identity. Fewer nodes
 * matter twice: onnxruntime's session creation grows faster than linearly in
 * the node count, and every node costs a kernel launch per run.
 *
 * @module
 */

import { apply } from "./build.ts";
import { liveTensors } from "./onnx.ts";
import type { Attrs, Tensor, TypedArray } from "./tensor.ts";

/** What {@link optimize} returns. */
export interface Optimized {
  /** The outputs, rewritten (same keys). */
  outputs: Record<string, Tensor>;
  /** Op nodes before the pass. */
  nodesBefore: number;
  /** Op nodes after the pass. */
  nodesAfter: number;
}

const SHAPE_OPS = new Set(["Reshape", "Squeeze", "Unsqueeze"]);

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function attrKey(attrs: Attrs): string {
  return JSON.stringify(attrs, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as never) : v));
}

/** Constants up to this many elements are compared by value (larger ones stay distinct). */
const CONST_KEY_LIMIT = 4096;

function constKey(t: Tensor): string | undefined {
  if (t.size > CONST_KEY_LIMIT) return undefined;
  const v = t.attrs.value as TypedArray;
  return `${t.dtype}|${t.shape}|${Array.from(v as ArrayLike<number | bigint>).join(",")}`;
}

function countOps(ts: readonly Tensor[]): number {
  return ts.filter((t) => t.op !== "Input" && t.op !== "Constant").length;
}

/**
 * Rewrite the graph computing `outputs` (name → tensor) with the passes above;
 * new nodes are added to the same graph, existing ones are never mutated.
 * `substitute` (inputs computed from other tensors, see `toOnnx`) is applied
 * first so its tensors are optimised too.
 */
export function optimize(
  outputs: Readonly<Record<string, Tensor>>,
  substitute?: ReadonlyMap<Tensor, Tensor>,
): Optimized {
  const live = liveTensors(Object.values(outputs), substitute);
  const repl = new Map<number, Tensor>();
  // Tensors with larger ids were created by this pass.
  const firstNew = live.reduce((m, t) => Math.max(m, t.id), 0);
  const seen = new Map<string, Tensor>();
  const get = (t: Tensor): Tensor => {
    const s = substitute?.get(t);
    return repl.get((s ?? t).id) ?? s ?? t;
  };

  for (const t of live) {
    if (t.op === "Input") {
      repl.set(t.id, t);
      continue;
    }
    if (t.op === "Constant") {
      const key = constKey(t);
      const have = key === undefined ? undefined : seen.get(`C|${key}`);
      if (have) repl.set(t.id, have);
      else {
        if (key !== undefined) seen.set(`C|${key}`, t);
        repl.set(t.id, t);
      }
      continue;
    }
    const ins = t.inputs.map(get);
    const simple = simplify(t, ins);
    if (simple && !simple.inputs.length) {
      repl.set(t.id, simple);
      continue;
    }
    // A rewrite into a new node (e.g. Reshape of a chain's source) is itself a CSE candidate.
    const op = simple && simple.id > firstNew ? simple.op : simple ? undefined : t.op;
    if (simple && op === undefined) {
      repl.set(t.id, simple);
      continue;
    }
    const node = simple ?? t;
    const nodeIns = simple ? simple.inputs : ins;
    const key = `${op}|${nodeIns.map((x) => x.id).join(",")}|${attrKey(node.attrs)}`;
    const have = seen.get(key);
    if (have) {
      repl.set(t.id, have);
      continue;
    }
    const unchanged = !simple && ins.every((x, i) => x === t.inputs[i]);
    const out = simple ?? (unchanged ? t : apply(t.op, ins, t.attrs));
    seen.set(key, out);
    repl.set(t.id, out);
  }
  const rewritten: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(outputs)) rewritten[k] = get(t);
  return {
    outputs: rewritten,
    nodesBefore: countOps(live),
    nodesAfter: countOps(liveTensors(Object.values(rewritten))),
  };
}

/**
 * An exact simplification of `t` with (already rewritten) inputs `ins`: a
 * tensor to use instead, or undefined to keep the op.
 */
function simplify(t: Tensor, ins: Tensor[]): Tensor | undefined {
  const x = ins[0];
  switch (t.op) {
    case "Identity":
    case "StopGradient":
    case "Remat":
      return x;
    case "Cast":
      return x.dtype === t.dtype ? x : undefined;
    case "Reshape":
    case "Squeeze":
    case "Unsqueeze": {
      if (sameShape(x.shape, t.shape)) return x;
      // A chain of shape ops is one Reshape of the chain's source.
      if (SHAPE_OPS.has(x.op)) {
        const src = x.inputs[0];
        return sameShape(src.shape, t.shape)
          ? src
          : apply("Reshape", [src], { shape: [...t.shape] });
      }
      return t.op === "Reshape" ? undefined : apply("Reshape", [x], { shape: [...t.shape] });
    }
    case "Expand":
      return sameShape(x.shape, t.shape) ? x : undefined;
    case "Transpose": {
      const p = t.attrs.perm as number[];
      if (p.every((v, i) => v === i)) return x;
      if (x.op === "Transpose") {
        const q = x.attrs.perm as number[];
        const composed = p.map((i) => q[i]);
        if (composed.every((v, i) => v === i)) return x.inputs[0];
        return apply("Transpose", [x.inputs[0]], { perm: composed });
      }
      return undefined;
    }
    case "Slice": {
      const [axes, starts, ends] = [t.attrs.axes, t.attrs.starts, t.attrs.ends] as number[][];
      const full = axes.every((a, k) => starts[k] === 0 && ends[k] === x.shape[a]);
      return full ? x : undefined;
    }
  }
  return undefined;
}
