/**
 * One rank of the MPI tests (tests/train/mpi_test.ts), started by
 * `mpirun -np 2 deno run -A tests/train/mpi_rank.ts MODE`. Each mode checks
 * its results on every rank (a wrong result throws, which aborts the job) and
 * prints `rank R ok ...` lines the test reads.
 *
 *   collectives  allreduce (sum/max/min, float32/float64/int32), broadcast,
 *                chunking, results bitwise equal on every rank
 *   large        allreduceSum of 10M floats, compared with the JS sum
 *   bench        allreduceSum time for 1M and 10M floats, median of 11 (rank 0 prints JSON)
 *   throw        rank 1 throws a RunError while rank 0 waits in an allreduce
 *   stray        rank 1 throws from a timer, outside the awaited chain
 *   exit0        rank 1 calls Deno.exit(0) while rank 0 waits in an allreduce
 *   kill         rank 1 SIGKILLs itself while rank 0 waits in an allreduce
 *   mismatch     ranks pass allreduce buffers of different lengths
 *   ort          onnxruntime runs a graph on every rank, the outputs are summed
 *   local        (no launcher) the LocalCommunicator, libmpich not loaded
 *
 * Outside `runDistributed` (a launch problem such as a missing libmpich) the
 * script fails like a command: one line `denofold: message`, exit code 1 or 2.
 *
 * @module
 */

import { type Communicator, runDistributed } from "../../train/dist/mpi.ts";
import { exitCodeOf, RunError } from "../../model/util/errors.ts";
import * as G from "../../model/graph/mod.ts";
import { compile } from "../../model/graph/runtime.ts";

function check(cond: boolean, what: string): void {
  if (!cond) throw new RunError(`check failed: ${what}`);
}

/** A 32-bit FNV-1a hash of the bytes of `a`, as a float64-exact number. */
function hash(a: ArrayBufferView): number {
  const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193) >>> 0;
  return h;
}

/** Throw unless `a` is bitwise the same on every rank. */
function sameEverywhere(comm: Communicator, a: ArrayBufferView, what: string): void {
  const h = hash(a);
  const hi = new Float64Array([h]), lo = new Float64Array([h]);
  comm.allreduce(hi, "max");
  comm.allreduce(lo, "min");
  check(hi[0] === lo[0], `${what} differs between ranks`);
}

/** A deterministic pseudo-random float in [-1, 1) of (rank, i). */
function noise(rank: number, i: number): number {
  return ((Math.imul(i + 1, 2654435761) ^ Math.imul(rank + 7, 40503)) >>> 0) / 2 ** 31 - 1;
}

function collectives(comm: Communicator): void {
  const { rank, size } = comm;
  console.log(`rank ${rank} of ${size} kind ${comm.kind}`);
  // One node: every rank is local, in world order.
  check(
    comm.localSize === size && comm.localRank === rank,
    `local ${comm.localRank}/${comm.localSize}`,
  );

  // Small integers: exact sums, in more chunks than one (chunkElements 1000).
  const n = 4099;
  const f = new Float32Array(n).map((_, i) => (rank + 1) * i);
  comm.allreduceSum(f);
  const tri = (size * (size + 1)) / 2;
  for (let i = 0; i < n; i++) check(f[i] === tri * i, `allreduceSum[${i}] = ${f[i]}`);

  const d = new Float64Array([rank + 0.5, -rank, 1e300 * (rank + 1)]);
  comm.allreduce(d, "max");
  check(d[0] === size - 0.5 && d[1] === 0 && d[2] === 1e300 * size, `max ${d}`);
  const m = new Float64Array([rank + 0.5, -rank]);
  comm.allreduce(m, "min");
  check(m[0] === 0.5 && m[1] === -(size - 1), `min ${m}`);
  const flags = new Int32Array([rank === size - 1 ? 1 : 0, 3]);
  comm.allreduce(flags, "sum");
  check(flags[0] === 1 && flags[1] === 3 * size, `int32 sum ${flags}`);

  // Random floats: the sum matches the JS sum to rounding, and is bitwise
  // the same on every rank (every rank applies the same update).
  const r = new Float32Array(n).map((_, i) => noise(rank, i));
  comm.allreduceSum(r);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < size; k++) s += Math.fround(noise(k, i));
    check(Math.abs(r[i] - s) <= 1e-6 * size, `random allreduceSum[${i}] ${r[i]} vs ${s}`);
  }
  sameEverywhere(comm, r, "random allreduceSum");

  // Broadcast from each root, a view into a larger buffer, odd byte length.
  for (let root = 0; root < size; root++) {
    const whole = new Uint8Array(5003).fill(rank === root ? 0 : 255);
    const view = whole.subarray(1, 5002);
    if (rank === root) view.forEach((_, i) => (view[i] = (i * 7 + root) & 255));
    comm.broadcast(view, root);
    for (let i = 0; i < view.length; i++) check(view[i] === ((i * 7 + root) & 255), "bcast");
    check(whole[0] === (rank === root ? 0 : 255) && whole[5002] === whole[0], "bcast bounds");
  }
  const p = new Float32Array(3000).map((_, i) => (rank === 0 ? Math.sin(i) : 0));
  comm.broadcast(p);
  check(p.every((v, i) => v === Math.fround(Math.sin(i))), "float32 bcast");
  comm.barrier();
  console.log(`rank ${rank} ok collectives`);
}

function large(comm: Communicator): void {
  const n = 10_000_000;
  const f = new Float32Array(n);
  for (let i = 0; i < n; i++) f[i] = (comm.rank + 1) * (i % 1000) + comm.rank;
  const t0 = performance.now();
  comm.allreduceSum(f);
  const ms = performance.now() - t0;
  const tri = (comm.size * (comm.size + 1)) / 2, ranks = (comm.size * (comm.size - 1)) / 2;
  for (let i = 0; i < n; i++) {
    if (f[i] !== tri * (i % 1000) + ranks) check(false, `large[${i}] = ${f[i]}`);
  }
  sameEverywhere(comm, f, "large allreduceSum");
  // Random floats in several chunks: the same bits on every rank.
  for (let i = 0; i < n; i++) f[i] = noise(comm.rank, i);
  comm.allreduceSum(f);
  sameEverywhere(comm, f, "large random allreduceSum");
  console.log(`rank ${comm.rank} ok large ${n}: allreduce ${ms.toFixed(1)} ms`);
}

function bench(comm: Communicator): void {
  const out: Record<string, unknown> = { ranks: comm.size };
  for (const n of [1_000_000, 10_000_000]) {
    const f = new Float32Array(n).fill(1);
    comm.allreduceSum(f); // warm-up
    const ms: number[] = [];
    for (let k = 0; k < 11; k++) {
      comm.barrier();
      const t0 = performance.now();
      comm.allreduceSum(f);
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    const median = ms[5];
    out[`${n / 1e6}M`] = {
      medianMs: +median.toFixed(2),
      minMs: +ms[0].toFixed(2),
      "GB/s": +((n * 4) / median / 1e6).toFixed(2),
    };
  }
  if (comm.isRoot) console.log(JSON.stringify(out));
  console.log(`rank ${comm.rank} ok bench`);
}

/** Rank 1 misbehaves after a short delay while rank 0 is already in an allreduce. */
async function failing(comm: Communicator, how: string): Promise<void> {
  if (comm.rank === 1) {
    await new Promise((r) => setTimeout(r, 300));
    if (how === "throw") throw new RunError("boom on purpose");
    if (how === "stray") {
      setTimeout(() => {
        throw new TypeError("stray boom");
      }, 0);
      await new Promise(() => {}); // never resolves: the timer's error must end the job
    }
    if (how === "exit0") Deno.exit(0);
    if (how === "kill") Deno.kill(Deno.pid, "SIGKILL");
  }
  comm.allreduceSum(new Float32Array(8));
  console.log(`rank ${comm.rank} passed the allreduce (should not happen)`);
}

function mismatch(comm: Communicator): void {
  comm.allreduceSum(new Float32Array(comm.rank === 0 ? 10 : 12));
}

/** onnxruntime and libmpich in one process: a matmul per rank, summed over ranks. */
async function ort(comm: Communicator): Promise<void> {
  const g = new G.Graph();
  const x = g.input("x", [4, 8]), w = g.input("w", [8, 3]);
  const run = await compile({ y: G.matmul(x, w) });
  const xs = (r: number) => new Float32Array(32).map((_, i) => (i % 5) + r);
  const ws = new Float32Array(24).map((_, i) => (i % 3) - 1);
  const y = (await run.run({ x: xs(comm.rank), w: ws })).y.data as Float32Array;
  comm.allreduceSum(y);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let r = 0; r < comm.size; r++) {
        for (let k = 0; k < 8; k++) s += xs(r)[i * 8 + k] * ws[k * 3 + j];
      }
      check(y[i * 3 + j] === s, `ort y[${i},${j}] = ${y[i * 3 + j]}, want ${s}`);
    }
  }
  console.log(`rank ${comm.rank} ok ort`);
}

function local(comm: Communicator): void {
  const maps = Deno.readTextFileSync("/proc/self/maps");
  const f = new Float32Array([1, 2]);
  comm.allreduceSum(f);
  comm.broadcast(f);
  comm.barrier();
  check(f[0] === 1 && f[1] === 2, "local collectives change nothing");
  console.log(
    `rank ${comm.rank} of ${comm.size} kind ${comm.kind} libmpich loaded ${
      maps.includes("libmpich")
    }`,
  );
}

const MODES: Record<string, (comm: Communicator) => void | Promise<void>> = {
  collectives,
  large,
  bench,
  throw: (c) => failing(c, "throw"),
  stray: (c) => failing(c, "stray"),
  exit0: (c) => failing(c, "exit0"),
  kill: (c) => failing(c, "kill"),
  mismatch,
  ort,
  local,
};

const mode = Deno.args[0];
const run = MODES[mode];
if (!run) {
  console.error(`denofold: unknown mode "${mode}" (${Object.keys(MODES).join(", ")})`);
  Deno.exit(2);
}
try {
  await runDistributed(run, { chunkElements: mode === "collectives" ? 1000 : undefined });
} catch (e) {
  console.error(`denofold: ${(e as Error).message}`);
  Deno.exit(exitCodeOf(e));
}
