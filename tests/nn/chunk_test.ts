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
  chunk: number,
): Promise<number> {
  const rand = rng(3);
  const x = Float32Array.from({ length: 9 * 7 * 16 }, () => rand() * 2 - 1);
  const mask = Float32Array.from({ length: 9 * 7 }, () => (rand() < 0.8 ? 1 : 0));
  const results: Float32Array[] = [];
  for (const chunkSize of [undefined, chunk]) {
    const b = new ModelBuilder({ chunkSize });
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
  }, 4);
  assert(err < 1e-6, `max difference ${err}`);
});

Deno.test("chunked global attention and transition equal unchunked", async () => {
  const e1 = await runBoth(
    (b, x, mask) => globalAttention(b.scope("ga"), x, mask, { cHidden: 4, heads: 2 }),
    2,
  );
  const e2 = await runBoth((b, x, mask) => transition(b.scope("tr"), x, 4, mask), 5);
  assert(e1 < 1e-6 && e2 < 1e-6, `max differences ${e1}, ${e2}`);
});
