/**
 * The chunked triangle multiplication (B built whole from row chunks, a and the
 * gate per chunk of output rows) at AF2 widths (C_z 128, c 128): equal to the
 * unchunked graph for outgoing and incoming edges, with a fixed chunk size and
 * with a chunk budget, and without the whole-pair fused projection
 * `[N, N, 4c + C_z]` the unchunked graph makes.
 */
import * as G from "../../model/graph/mod.ts";
import { type BuildOptions, ModelBuilder } from "../../model/nn/scope.ts";
import { initParams } from "../../model/nn/init.ts";
import { AF2_MODEL_1 } from "../../model/af2/config.ts";
import { triangleMultiplication } from "../../model/af2/triangle_multiplication.ts";
import { liveness } from "../../bench/liveness.ts";
import { rng } from "../graph/fd.ts";
import { assert } from "../assert.ts";

const N = 11, C_Z = AF2_MODEL_1.c_z, C_H = AF2_MODEL_1.evoformer.c_hidden_mul;

function build(options: BuildOptions, outgoing: boolean, n = N) {
  const b = new ModelBuilder(options);
  const z = b.g.input("z", [n, n, C_Z]);
  const mask = b.g.input("mask", [n, n]);
  const y = triangleMultiplication(b.scope("tm"), z, mask, { cHidden: C_H, outgoing });
  return { b, y };
}

async function run(options: BuildOptions, outgoing: boolean): Promise<Float32Array> {
  const { b, y } = build(options, outgoing);
  const r = rng(13);
  const rand = (n: number, scale = 1) =>
    Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
  const params = initParams(b.params, 5);
  // Zero 'final'/'gating' weights would hide the gate and output paths.
  for (const v of params.values()) if (v.every((e) => e === 0)) v.set(rand(v.length, 0.1));
  const mask = Float32Array.from({ length: N * N }, (_, i) => (i % 7 === 3 ? 0 : 1));
  const out = await (await G.compile({ y })).run({
    z: rand(N * N * C_Z),
    mask,
    ...Object.fromEntries(params),
  });
  return out.y.data as Float32Array;
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let d = 0, m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(a[i]));
  }
  return d / m;
}

for (const outgoing of [true, false]) {
  const name = outgoing ? "outgoing" : "incoming";
  Deno.test(`triangle multiplication ${name} at AF2 widths: chunked equals unchunked`, async () => {
    const plain = await run({}, outgoing);
    assert(plain.some((v) => v !== 0), "the update is not all zeros");
    // 3 rows' a/gate projections (an uneven last chunk), 1 row, and a budget
    // of 2 rows' fused projections.
    const aGateRow = N * (2 * C_H + C_Z);
    for (
      const opts of [{ chunkBudget: 3 * aGateRow }, { chunkBudget: 1 }, {
        chunkBudget: 2 * N * 640,
      }]
    ) {
      const d = maxRelDiff(plain, await run(opts, outgoing));
      assert(d < 1e-5, `${JSON.stringify(opts)}: rel max diff ${d}`);
    }
  });

  Deno.test(`triangle multiplication ${name}: the chunked graph has no whole-pair projection`, () => {
    // Large enough that pair tensors, not weights, dominate (graphs are built, not run).
    const n = 64, pair = n * n * C_Z * 4;
    const widest = (o: BuildOptions) =>
      Math.max(
        ...G.liveTensors([build(o, outgoing, n).y])
          .filter((t) => t.rank === 3 && t.shape[0] === n && t.shape[1] === n)
          .map((t) => t.shape[2]),
      );
    assert(widest({}) === 4 * C_H + C_Z, `unchunked widest pair tensor ${widest({})}`);
    const eightRows = { chunkBudget: 8 * n * (2 * C_H + C_Z) };
    const w = widest(eightRows);
    assert(w <= Math.max(C_Z, C_H), `chunked widest whole-pair tensor has ${w} channels`);
    // Budgets: the fused projection fits (unchunked); it does not but one chunk's a/gate
    // projections of all rows do (one chunk, 2c + C_z wide); they do not either (2 chunks).
    const fused = n * n * (4 * C_H + C_Z), aGate = n * n * (2 * C_H + C_Z);
    assert(widest({ chunkBudget: fused }) === 4 * C_H + C_Z, "fits: unchunked");
    // (incoming reads a from z's columns and the gate from its rows: 2c wide at most).
    const oneChunk = widest({ chunkBudget: fused - 1 });
    assert(oneChunk === (outgoing ? 2 * C_H + C_Z : 2 * C_H), `one chunk of all rows: ${oneChunk}`);
    const wb = widest({ chunkBudget: aGate - 1 });
    assert(wb <= Math.max(C_Z, C_H), `budget-chunked widest whole-pair tensor has ${wb} channels`);
    const plainPeak = liveness([build({}, outgoing, n).y]).peakBytes;
    const chunkPeak = liveness([build(eightRows, outgoing, n).y]).peakBytes;
    assert(plainPeak > 8 * pair, `unchunked peak ${plainPeak / pair} pairs`);
    // B whole, the output chunks and their Concat, and one chunk's temporaries.
    assert(chunkPeak < 3 * pair, `chunked peak ${chunkPeak / pair} pairs`);
  });
}
