/**
 * Reverse-mode differentiation: a short walk over the op table's VJP rules.
 * `grad` adds the backward nodes to the same graph and returns the gradient
 * tensors; it never mutates existing nodes.
 *
 * @module
 */

import { GraphError, isFloat, type Tensor } from "./tensor.ts";
import { OPS, unbroadcast } from "./ops.ts";
import * as B from "./build.ts";

/**
 * d(y)/d(wrt) for a scalar `y` (or any `y` with an explicit `seed` of its shape,
 * giving the vector-Jacobian product). Gradients of fan-out are summed; none
 * flows through StopGradient or into integer/boolean tensors. A `wrt` tensor
 * that `y` does not depend on gets zeros.
 */
export function grad(y: Tensor, wrt: readonly Tensor[], seed?: Tensor): Tensor[] {
  if (!isFloat(y.dtype)) throw new GraphError("grad", `output must be float, got ${y.dtype}`);
  if (!seed && y.size !== 1) {
    throw new GraphError("grad", `output has shape [${y.shape}]: give a seed for non-scalars`);
  }
  const g = y.graph;
  const last = g.tensors.indexOf(y);
  const order = g.tensors.slice(0, last + 1);

  // Forward: which tensors depend differentiably on some wrt tensor.
  const targets = new Set(wrt.map((t) => t.id));
  const needs = new Set<number>();
  for (const t of order) {
    if (!isFloat(t.dtype)) continue;
    if (targets.has(t.id)) needs.add(t.id);
    else if (OPS[t.op]?.vjp && t.inputs.some((x) => needs.has(x.id))) needs.add(t.id);
  }

  // Backward: reverse topological order, summing contributions per tensor.
  const grads = new Map<number, Tensor>();
  grads.set(y.id, seed ?? B.full(y, y.shape, 1));
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i];
    const gt = grads.get(t.id);
    if (!gt) continue;
    const rule = OPS[t.op]?.vjp;
    if (!rule) continue;
    const want = t.inputs.map((x) => needs.has(x.id));
    if (!want.some(Boolean)) continue;
    const gin = rule(gt, t, want);
    t.inputs.forEach((x, k) => {
      const gx = gin[k];
      if (!want[k] || !gx) return;
      const shaped = unbroadcast(gx, x.shape);
      const prev = grads.get(x.id);
      grads.set(x.id, prev ? B.add(prev, shaped) : shaped);
    });
  }
  return wrt.map((t) => grads.get(t.id) ?? B.full(t, t.shape, 0));
}
