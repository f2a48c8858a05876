/**
 * Foundation costs (issue 2): compile time of a 20k-node graph, per-run
 * overhead of a 5k-node graph, and float32 MatMul throughput.
 *
 * @module
 */

import process from "node:process";
import * as G from "../model/graph/mod.ts";
import type { Tensor } from "../model/graph/mod.ts";

/** Seconds of the best of `n` runs of `fn`. */
export async function bestOf(n: number, fn: () => Promise<unknown>): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}

/**
 * Seconds of the best of `n` runs of `fn`, with the process CPU seconds of that
 * run (all threads, spin-waits included): a figure less sensitive to other
 * processes on a shared machine than the wall clock.
 */
export async function bestOfWithCpu(
  n: number,
  fn: () => Promise<unknown>,
): Promise<{ wall: number; cpu: number }> {
  let best = { wall: Infinity, cpu: Infinity };
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    const wall = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    if (wall < best.wall) best = { wall, cpu: (c.user + c.system) / 1e6 };
  }
  return best;
}

/** A chain of cheap elementwise ops with `nodes` nodes on a small tensor. */
function chainGraph(nodes: number, salt: number): { y: Tensor; x: Tensor } {
  const g = new G.Graph();
  const x = g.input("x", [16]);
  let y = x;
  // Three ops per round; the salt makes each graph unique so no session cache hit.
  for (let i = 0; i < nodes / 3; i++) y = G.tanh(G.add(G.mul(y, 0.999), (i % 7) * 1e-3 + salt));
  return { y, x };
}

/** The three figures, in seconds and GFLOP/s. */
export async function graphBench(): Promise<Record<string, number>> {
  const salt = Math.random();
  const big = chainGraph(20_000, salt);
  const t0 = performance.now();
  const compiled = await G.compile({ y: big.y });
  const compile20k = (performance.now() - t0) / 1000;
  await compiled.release();

  const small = chainGraph(5_000, salt + 1);
  const c5k = await G.compile({ y: small.y });
  const x = new Float32Array(16);
  await c5k.run({ x });
  const run5k = await bestOf(20, () => c5k.run({ x }));

  const n = 1024;
  const g = new G.Graph();
  const a = g.input("a", [n, n]), b = g.input("b", [n, n]);
  const mm = await G.compile({ c: G.matmul(a, b) });
  const da = Float32Array.from({ length: n * n }, () => Math.random());
  const db = Float32Array.from({ length: n * n }, () => Math.random());
  await mm.run({ a: da, b: db });
  const t = await bestOf(10, () => mm.run({ a: da, b: db }));
  return {
    graph_compile_20k_nodes_s: compile20k,
    graph_run_5k_nodes_s: run5k,
    matmul_1024_s: t,
    matmul_gflops: (2 * n ** 3) / t / 1e9,
  };
}
