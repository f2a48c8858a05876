/**
 * Tensor liveness of a graph, to find which op sets the peak memory without
 * running it: walks the nodes in the order they are emitted to ONNX (creation
 * order, as `toOnnx` writes them when our optimiser is off — the inference
 * graph's setting), allocates each result when its node runs and frees it after
 * its last consumer. View ops (Reshape, Unsqueeze, Squeeze, Identity,
 * StopGradient) are free in onnxruntime and only extend their source's
 * lifetime. Fed inputs and constants are reported apart (they are live all run).
 *
 * It is an estimate: onnxruntime orders nodes by its own depth-first walk from
 * the outputs, fuses nothing with optimisation off, and allocates from an arena,
 * so the real peak RSS is higher by the inputs, the arena's slack and the
 * runtime itself; the ranking of ops is what it is for.
 *
 * `deno run -A bench/liveness.ts '{"nRes":1024,"chunkBudget":33554432}'`
 * prints the af2 inference iteration's (one Evoformer block by default) peak and
 * the largest tensors live at the peak, labelled by the nearest parameter.
 *
 * @module
 */

import { z } from "zod";
import * as G from "../model/graph/mod.ts";
import type { Tensor } from "../model/graph/mod.ts";
import { ModelBuilder } from "../model/nn/scope.ts";
import { modelConfig } from "../model/af2/config.ts";
import { alphafoldIteration, featureInputs } from "../model/af2/alphafold.ts";

/** Ops onnxruntime runs without a copy (the output aliases the first input). */
const VIEW_OPS = new Set(["Reshape", "Unsqueeze", "Squeeze", "Identity", "StopGradient"]);

const BYTES: Record<string, number> = { float32: 4, int32: 4, float64: 8, int64: 8, bool: 1 };

/** One tensor live at the peak. */
export interface LiveTensor {
  id: number;
  op: string;
  shape: number[];
  bytes: number;
  /** The parameter created nearest before it (its module), or "" if none. */
  label: string;
}

/** What {@link liveness} finds. */
export interface LivenessReport {
  /** Peak bytes of computed (non-input) tensors live at once. */
  peakBytes: number;
  /** Id of the tensor being computed at the peak. */
  peakAt: number;
  /** Label of the tensor computed at the peak. */
  peakLabel: string;
  /** Bytes of fed inputs and constants the graph reads. */
  inputBytes: number;
  /** The largest tensors live at the peak, largest first. */
  top: LiveTensor[];
}

/** Bytes of a tensor. */
function bytesOf(t: Tensor): number {
  return G.sizeOf(t.shape) * (BYTES[t.dtype] ?? 4);
}

/**
 * onnxruntime's default execution order (`GraphViewer`: a reverse depth-first
 * walk from the graph's outputs, each node's producers visited lowest index
 * first, a node listed when it is left): post-order of an iterative DFS.
 */
export function ortOrder(outputs: readonly Tensor[]): Tensor[] {
  const visited = new Set<number>();
  const order: Tensor[] = [];
  const stack: [Tensor, boolean][] = [...outputs].reverse().map((t) => [t, false]);
  while (stack.length) {
    const [t, leave] = stack.pop()!;
    if (leave) {
      order.push(t);
      continue;
    }
    if (visited.has(t.id)) continue;
    visited.add(t.id);
    stack.push([t, true]);
    const ins = [...new Set(t.inputs)].sort((a, b) => b.id - a.id);
    for (const x of ins) stack.push([x, false]);
  }
  return order;
}

/**
 * Peak live memory of computing `outputs` node by node in creation order (the
 * ONNX file's order), with `order: "ort"` in {@link ortOrder}, or in a given
 * order (e.g. the node order of an onnxruntime profile).
 */
export function liveness(
  outputs: readonly Tensor[],
  opts: { top?: number; order?: "creation" | "ort" | readonly Tensor[] } = {},
): LivenessReport {
  const order = Array.isArray(opts.order)
    ? opts.order as Tensor[]
    : opts.order === "ort"
    ? ortOrder(outputs)
    : G.liveTensors(outputs);
  const index = new Map(order.map((t, i) => [t.id, i]));
  // A view's storage is its source's: resolve to the root tensor that owns memory.
  const root = new Map<number, Tensor>();
  const rootOf = (t: Tensor): Tensor => root.get(t.id) ?? t;
  for (const t of order) if (VIEW_OPS.has(t.op)) root.set(t.id, rootOf(t.inputs[0]));
  const lastUse = new Map<number, number>();
  for (const t of order) {
    const i = index.get(t.id)!;
    for (const x of t.inputs) {
      const r = rootOf(x);
      lastUse.set(r.id, Math.max(lastUse.get(r.id) ?? -1, i));
    }
  }
  for (const t of outputs) lastUse.set(rootOf(t).id, Infinity);
  const isFed = (t: Tensor) => t.op === "Input" || t.op === "Constant";
  // Labels: the latest named input created before a tensor (parameters are created on first use).
  const named = order.filter((t) => t.op === "Input" && t.name).map((t) =>
    [t.id, t.name!] as const
  );
  const labelOf = (id: number): string => {
    let lo = 0, hi = named.length - 1, best = "";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (named[mid][0] <= id) (best = named[mid][1], lo = mid + 1);
      else hi = mid - 1;
    }
    return best.replace(/\.(weight|bias)$/, "");
  };
  const freeAt = new Map<number, Tensor[]>();
  let live = 0, peak = -1, peakIdx = 0, inputBytes = 0;
  const liveSet = new Set<Tensor>();
  let atPeak: Tensor[] = [];
  for (let i = 0; i < order.length; i++) {
    const t = order[i];
    if (isFed(t)) {
      inputBytes += bytesOf(t);
      continue;
    }
    if (!VIEW_OPS.has(t.op)) {
      live += bytesOf(t);
      liveSet.add(t);
      const end = lastUse.get(t.id) ?? i; // unused results die at once
      if (end !== Infinity) {
        const list = freeAt.get(Math.max(end, i)) ?? [];
        list.push(t);
        freeAt.set(Math.max(end, i), list);
      }
    }
    if (live > peak) {
      peak = live;
      peakIdx = i;
      atPeak = [...liveSet];
    }
    for (const d of freeAt.get(i) ?? []) {
      live -= bytesOf(d);
      liveSet.delete(d);
    }
    freeAt.delete(i);
  }
  const top = atPeak.sort((a, b) => bytesOf(b) - bytesOf(a)).slice(0, opts.top ?? 12).map((
    t,
  ) => ({ id: t.id, op: t.op, shape: [...t.shape], bytes: bytesOf(t), label: labelOf(t.id) }));
  const peakT = order[peakIdx];
  return {
    peakBytes: Math.max(peak, 0),
    peakAt: peakT?.id ?? -1,
    peakLabel: peakT ? labelOf(peakT.id) : "",
    inputBytes,
    top,
  };
}

const jobSchema = z.strictObject({
  nRes: z.number().int().positive(),
  nSeq: z.number().int().positive().default(128),
  nExtra: z.number().int().nonnegative().default(1024),
  nTempl: z.number().int().nonnegative().default(4),
  chunkBudget: z.number().int().positive().optional(),
  evoformerBlocks: z.number().int().positive().default(1),
});

/** Liveness of the af2 inference iteration graph (outputs as the RSS probe asks for). */
export function af2Liveness(input: z.input<typeof jobSchema>): LivenessReport {
  const job = jobSchema.parse(input);
  const cfg = modelConfig("af2", { evoformer: { no_blocks: job.evoformerBlocks } });
  const b = new ModelBuilder({ chunkBudget: job.chunkBudget });
  const { features, prev } = featureInputs(b.g, cfg, job);
  const out = alphafoldIteration(b.scope(), cfg, features, prev);
  return liveness([out.next.m1, out.next.z, out.next.x, out.plddt]);
}

if (import.meta.main) {
  const r = af2Liveness(JSON.parse(Deno.args[0] ?? "{}"));
  const gib = (v: number) => (v / 1024 ** 3).toFixed(2);
  console.log(
    `peak ${gib(r.peakBytes)} GiB computed + ${gib(r.inputBytes)} GiB inputs,` +
      ` at t${r.peakAt} (${r.peakLabel})`,
  );
  for (const t of r.top) {
    console.log(`  ${gib(t.bytes)} GiB  t${t.id} ${t.op} [${t.shape}]  ${t.label}`);
  }
}
