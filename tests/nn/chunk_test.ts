/** Chunked and unchunked graphs agree to float32 precision. */
import * as G from "../../model/graph/mod.ts";
import { ModelBuilder } from "../../model/nn/scope.ts";
import { attention, globalAttention } from "../../model/nn/attention.ts";
import { transition } from "../../model/nn/transition.ts";
import { initParams } from "../../model/nn/init.ts";
import { rng } from "../graph/fd.ts";
import { assert } from "../assert.ts";

async function runBoth(
  build: (b: ModelBuilder, x: G.Tensor, mask: G.Tensor) => G.Tensor,
  chunkBudget: number,
): Promise<number> {
  const rand = rng(3);
  const x = Float32Array.from({ length: 9 * 7 * 16 }, () => rand() * 2 - 1);
  const mask = Float32Array.from({ length: 9 * 7 }, () => (rand() < 0.8 ? 1 : 0));
  const results: Float32Array[] = [];
  for (const budget of [undefined, chunkBudget]) {
    const b = new ModelBuilder({ chunkBudget: budget });
    const xi = b.g.input("x", [9, 7, 16]);
    const mi = b.g.input("mask", [9, 7]);
    const y = build(b, xi, mi);
    const params = initParams(b.params, 11);
    // Non-zero final/gating layers so the check sees every path.
    for (const v of params.values()) if (v.every((e) => e === 0)) v.fill(0.05);
    const c = await G.compile({ y });
    const r = await c.run({ x, mask, ...Object.fromEntries(params) });
    results.push(r.y.data as Float32Array);
  }
  let err = 0;
  for (let i = 0; i < results[0].length; i++) {
    err = Math.max(err, Math.abs(results[0][i] - results[1][i]));
  }
  return err;
}

Deno.test("chunked attention equals unchunked attention", async () => {
  const err = await runBoth((b, x, mask) => {
    const bias = G.unsqueeze(G.mul(G.sub(mask, 1), 1e9), [1, 2]);
    return attention(b.scope("att"), x, x, [bias], { cHidden: 4, heads: 2 });
  }, 4 * 112); // 4 rows of the 7 × 16 input-wide projections
  assert(err < 1e-6, `max difference ${err}`);
});

Deno.test("chunked global attention and transition equal unchunked", async () => {
  const e1 = await runBoth(
    (b, x, mask) => globalAttention(b.scope("ga"), x, mask, { cHidden: 4, heads: 2 }),
    50, // a few rows
  );
  // 5 rows (an uneven last chunk) of the 7 × 4·16 hidden activation.
  const e2 = await runBoth((b, x, mask) => transition(b.scope("tr"), x, 4, mask), 5 * 7 * 64);
  assert(e1 < 1e-6 && e2 < 1e-6, `max differences ${e1}, ${e2}`);
});

Deno.test("chunkRows: rows from the budget (at least 1), else none", () => {
  const rows = (o: { chunkBudget?: number }, perRow: number) =>
    new ModelBuilder(o).scope("x").chunkRows(perRow);
  assert(rows({}, 100) === undefined, "no chunking by default");
  assert(rows({ chunkBudget: 1000 }, 100) === 10 && rows({ chunkBudget: 1099 }, 100) === 10);
  assert(rows({ chunkBudget: 10 }, 100) === 1, "a row wider than the budget is one row");
  assert(
    !new ModelBuilder({}).scope().chunking && new ModelBuilder({ chunkBudget: 5 }).scope().chunking,
  );
});

Deno.test("a chunk budget sizes attention chunks by their logits and keeps results", async () => {
  // Per row: 2 heads × 7 × 7 logits = 98, the 7 × 16 input-wide projections 112 (the larger):
  // a budget of 340 gives 3 rows per chunk.
  const build = (b: ModelBuilder, x: G.Tensor, mask: G.Tensor) => {
    const bias = G.unsqueeze(G.mul(G.sub(mask, 1), 1e9), [1, 2]);
    return attention(b.scope("att"), x, x, [bias], { cHidden: 4, heads: 2 });
  };
  const b = new ModelBuilder({ chunkBudget: 340 });
  const y = build(b, b.g.input("x", [9, 7, 16]), b.g.input("mask", [9, 7]));
  const logits = G.liveTensors([y]).filter((t) => t.op === "Softmax");
  assert(logits.length === 3 && logits.every((t) => t.shape[0] === 3), "3 chunks of 3 rows");
  const err = await runBoth(build, 340);
  assert(err < 1e-6, `max difference ${err}`);
});
