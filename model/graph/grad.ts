/**
 * Reverse-mode differentiation: a short walk over the op table's VJP rules.
 * `grad` adds the backward nodes to the same graph and returns the gradient
 * tensors; it never mutates existing nodes.
 *
 * @module
 */

import { GraphError, isFloat, type Shape, type Tensor } from "./tensor.ts";
import { OPS } from "./ops.ts";
import * as B from "./build.ts";

/**
 * d(y)/d(wrt) for a scalar `y` (or any `y` with an explicit `seed` of its shape,
 * giving the vector-Jacobian product). Gradients of fan-out are summed; none
 * flows through StopGradient or into integer/boolean tensors. A `wrt` tensor
 * that `y` does not depend on gets zeros.
 */
export function grad(y: Tensor, wrt: readonly Tensor[], seed?: Tensor): Tensor[] {
  if (depth++ === 0) previousPiece = undefined;
  try {
    return walk(y, wrt, seed);
  } finally {
    depth--;
  }
}

/** Nesting of {@link grad} calls (a remat piece's VJP differentiates its copy). */
let depth = 0;
/** A scalar computed from the last remat piece's gradients (see `rematVjp`). */
let previousPiece: Tensor | undefined;

function walk(y: Tensor, wrt: readonly Tensor[], seed?: Tensor): Tensor[] {
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
    else if (differentiable(t) && t.inputs.some((x) => needs.has(x.id))) needs.add(t.id);
  }

  // Backward: reverse topological order, collecting contributions per tensor
  // and combining them once the tensor is reached.
  const parts = new Map<number, Tensor[]>();
  parts.set(y.id, [seed ?? B.full(y, y.shape, 1)]);
  const total = (t: Tensor): Tensor | undefined => {
    const ps = parts.get(t.id);
    return ps ? combine(ps, t) : undefined;
  };
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i];
    const gt = total(t);
    if (!gt) continue;
    const rule = t.op === "Remat" ? rematVjp : OPS[t.op]?.vjp;
    if (!rule) continue;
    const want = t.inputs.map((x) => needs.has(x.id));
    if (!want.some(Boolean)) continue;
    const gin = rule(gt, t, want);
    t.inputs.forEach((x, k) => {
      const gx = gin[k];
      if (!want[k] || !gx) return;
      const shaped = unbroadcast(gx, x.shape);
      const prev = parts.get(x.id);
      if (prev) prev.push(shaped);
      else parts.set(x.id, [shaped]);
    });
  }
  return wrt.map((t) => total(t) ?? B.full(t, t.shape, 0));
}

function differentiable(t: Tensor): boolean {
  return t.op === "Remat" || !!OPS[t.op]?.vjp;
}

/** A tensor's first element as a scalar: a cheap value that depends on all of it being computed. */
function firstElement(t: Tensor): Tensor {
  return B.reshape(B.slice(B.reshape(t, [t.size]), 0, 0, 1), []);
}

/**
 * The VJP of a {@link B.remat} piece: its nodes rebuilt from its outside reads
 * made to depend on `g` and on the previous piece's gradients (plus zero times
 * one element of each, so no scheduler can recompute the piece before its
 * gradient exists, nor two pieces at once), then differentiated with seed `g`. Nothing flows into the original nodes (its first input), so
 * the backward keeps none of their values.
 */
function rematVjp(g: Tensor, t: Tensor, want: readonly boolean[]): (Tensor | null)[] {
  const [y, ...reads] = t.inputs;
  const from = t.attrs.from as number;
  const body = t.graph.tensors.slice(from, y.id + 1);
  const first = firstElement(g);
  // Also after the previous piece's VJP: pieces then recompute one at a time whatever
  // order the runtime picks among ready nodes (all chunks' gradients arrive together).
  const after = previousPiece ? B.add(first, B.cast(previousPiece, first.dtype)) : first;
  const zero = B.mul(after, 0);
  const copy = new Map<number, Tensor>();
  const gated: (Tensor | null)[] = reads.map((x, k) => {
    if (!isFloat(x.dtype)) return null;
    const z = x.dtype === zero.dtype ? zero : B.cast(zero, x.dtype);
    const xg = B.add(x, z);
    copy.set(x.id, xg);
    return want[k + 1] ? xg : null;
  });
  for (const n of body) {
    if (copy.has(n.id) || n.inputs.length === 0) continue; // a read (gated) or a leaf constant
    copy.set(n.id, B.apply(n.op, n.inputs.map((x) => copy.get(x.id) ?? x), n.attrs));
  }
  const targets = gated.filter((x): x is Tensor => x !== null);
  const grads = grad(copy.get(y.id)!, targets, g);
  previousPiece = grads
    .map(firstElement)
    .reduce((a, b) => B.add(a, B.cast(b, a.dtype)));
  const byId = new Map(targets.map((x, i) => [x.id, grads[i]]));
  return [null, ...gated.map((x) => (x ? byId.get(x.id)! : null))];
}

/**
 * Sum `g` down to `shape` (undoing a broadcast). Every VJP contribution passes
 * through here, so the op table's rules may return broadcast-shaped gradients.
 */
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

/** The axis and [begin, end) of a zero Pad that pads along one axis only, else undefined. */
function padRange(p: Tensor): { axis: number; begin: number; end: number } | undefined {
  if (p.op !== "Pad" || (p.attrs.value as number) !== 0) return undefined;
  const pads = p.attrs.pads as number[];
  const r = p.rank;
  const axes = [...Array(r).keys()].filter((a) => pads[a] !== 0 || pads[r + a] !== 0);
  if (axes.length !== 1) return undefined;
  const a = axes[0];
  return { axis: a, begin: pads[a], end: p.shape[a] - pads[r + a] };
}

/**
 * The sum of a tensor's gradient contributions. The gradients of slices of
 * one tensor (a Split, e.g. fused projections, or a Concat's inputs) arrive as
 * zero-padded pieces: disjoint pieces along one axis become ONE Concat (with
 * zero fill for gaps) instead of a Pad and a full-size Add per piece.
 */
function combine(ps: readonly Tensor[], x: Tensor): Tensor {
  if (ps.length === 1) return ps[0];
  const byAxis = new Map<number, { begin: number; end: number; piece: Tensor; padded: Tensor }[]>();
  const rest: Tensor[] = [];
  for (const p of ps) {
    const r = padRange(p);
    if (!r) rest.push(p);
    else {
      const list = byAxis.get(r.axis) ?? [];
      list.push({ begin: r.begin, end: r.end, piece: p.inputs[0], padded: p });
      byAxis.set(r.axis, list);
    }
  }
  for (const [axis, all] of byAxis) {
    // Pieces of the same range (a slice read twice, e.g. as attention's queries and keys) add first.
    const byRange = new Map<
      string,
      { begin: number; end: number; piece: Tensor; padded: Tensor }
    >();
    for (const p of all) {
      const key = `${p.begin}:${p.end}`;
      const have = byRange.get(key);
      if (!have) byRange.set(key, p);
      else {
        const piece = B.add(have.piece, p.piece);
        byRange.set(key, { ...have, piece, padded: B.add(have.padded, p.padded) });
      }
    }
    const list = [...byRange.values()];
    list.sort((a, b) => a.begin - b.begin);
    const disjoint = list.every((p, k) => k === 0 || list[k - 1].end <= p.begin);
    if (list.length < 2 || !disjoint) {
      for (const p of list) rest.push(p.padded);
      continue;
    }
    const pieces: Tensor[] = [];
    let at = 0;
    const zeros = (n: number) => B.full(x, x.shape.map((d, a) => (a === axis ? n : d)), 0);
    for (const p of list) {
      if (p.begin > at) pieces.push(zeros(p.begin - at));
      pieces.push(p.piece);
      at = p.end;
    }
    if (at < x.shape[axis]) pieces.push(zeros(x.shape[axis] - at));
    rest.push(B.concat(pieces, axis));
  }
  return rest.reduce((a, b) => B.add(a, b));
}
