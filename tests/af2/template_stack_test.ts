/**
 * Template pair stack, pointwise attention and embedder beyond plain parity:
 * chunked graphs against OpenFold's outputs, the masked template's
 * irrelevance, and the training graph's dropout masks.
 */
import * as G from "../../model/graph/mod.ts";
import { ModelBuilder } from "../../model/nn/scope.ts";
import { compareOutputs, feedOf, loadCase, runModule } from "../../analysis/parity/harness.ts";
import { EMBEDDER_BUILDS } from "../../analysis/parity/runners_embedders.ts";
import { templatePairStack } from "../../model/af2/template_pair_stack.ts";
import { SHARED_PARITY } from "../shared_data.ts";
import { assert, assertEquals } from "../assert.ts";

const FIXTURES = [
  "13a_template_pair_stack.npz",
  "13b_template_pointwise_attention.npz",
  "13d_template_embedder.npz",
];

for (const name of FIXTURES) {
  Deno.test(`${name} chunked (3 and 4 rows) matches OpenFold`, async () => {
    const c = await loadCase(`${SHARED_PARITY}/${name}`);
    const build = EMBEDDER_BUILDS[String(c.meta.module)](c);
    // The chunked graph really is a different (sliced and concatenated) graph.
    const concats = (chunkBudget?: number) => {
      const b = new ModelBuilder({ chunkBudget });
      const inputs = Object.fromEntries(
        [...c.arrays].filter(([k]) => k.startsWith("in/")).map((
          [k, a],
        ) => [k.slice(3), b.g.input(k, a.shape, a.dtype === "int32" ? "int32" : "float32")]),
      );
      build(b, inputs);
      return b.g.toString().split("\n").filter((l) => l.includes("Concat")).length;
    };
    assert(concats(1) > concats(), "chunking adds Slice/Concat");
    for (const chunkBudget of [1, 1 << 10]) {
      const errs = compareOutputs(c, await runModule(c, build, { chunkBudget }));
      for (const e of errs) {
        assert(
          e.pass && e.rel < 1e-5,
          `budget ${chunkBudget} ${e.key}: rel ${e.rel}, abs ${e.maxAbs}`,
        );
      }
    }
  });
}

Deno.test("a masked template has no influence on pointwise attention (13b)", async () => {
  const c = await loadCase(`${SHARED_PARITY}/13b_template_pointwise_attention.npz`);
  const build = EMBEDDER_BUILDS[String(c.meta.module)](c);
  const mask = feedOf(c.arrays.get("in/template_mask")!);
  const t = c.arrays.get("in/t")!;
  const per = t.data.length / t.shape[0];
  const base = (await runModule(c, build)).z_update.data;
  /** Output after replacing template `k` with other values. */
  const perturbed = async (k: number) => {
    const data = Float32Array.from(t.data as Float32Array);
    for (let x = k * per; x < (k + 1) * per; x++) data[x] = -3 * data[x] + 1;
    const arrays = new Map(c.arrays);
    arrays.set("in/t", { dtype: "float32", shape: t.shape, data });
    return (await runModule({ ...c, arrays }, build)).z_update.data;
  };
  const maxDiff = (a: Float32Array, b: Float32Array) =>
    a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
  const masked = [...mask].findIndex((m) => m === 0);
  const kept = [...mask].findIndex((m) => m === 1);
  assert(masked >= 0 && kept >= 0, "13b has one masked and one kept template");
  assertEquals(maxDiff(base, await perturbed(masked)), 0);
  assert(maxDiff(base, await perturbed(kept)) > 0.1, "the kept template matters");
});

Deno.test("template pair stack training graph: row/column dropout masks, keep-all reproduces 13a", async () => {
  const c = await loadCase(`${SHARED_PARITY}/13a_template_pair_stack.npz`);
  const ctor = c.meta.ctor as Record<string, number>;
  const tIn = c.arrays.get("in/t")!, mIn = c.arrays.get("in/mask")!;
  const [nt, n, , ct] = tIn.shape;
  const b = new ModelBuilder({ training: true });
  const y = templatePairStack(b.scope(), b.g.input("t", tIn.shape), b.g.input("mask", mIn.shape), {
    c_hidden_tri_att: ctor.c_hidden_tri_att,
    c_hidden_tri_mul: ctor.c_hidden_tri_mul,
    no_blocks: ctor.no_blocks,
    no_heads: ctor.no_heads,
    pair_transition_n: ctor.pair_transition_n,
    dropout_rate: ctor.dropout_rate,
    inf: ctor.inf,
  });
  // Per block: tri-att start row-wise, tri-att end column-wise, both tri-muls row-wise (AF2 Algorithm 16).
  const row = [nt, 1, n, ct], col = [nt, n, 1, ct];
  assertEquals(
    b.dropouts.map((d) => d.shape),
    Array(ctor.no_blocks).fill([row, col, row, row]).flat(),
  );
  assert(b.dropouts.every((d) => d.rate === 0.25));
  const feeds: Record<string, Float32Array> = {
    t: tIn.data as Float32Array,
    mask: mIn.data as Float32Array,
  };
  for (const p of b.params) {
    feeds[p.name] = feedOf(c.arrays.get(`param/${p.name}`)!) as Float32Array;
  }
  const compiled = await G.compile({ y });
  const run = async (drop: (i: number) => Float32Array) => {
    b.dropouts.forEach((d, i) => (feeds[d.name] = drop(i)));
    return (await compiled.run(feeds)).y.data as Float32Array;
  };
  const size = (i: number) => b.dropouts[i].shape.reduce((a, v) => a * v, 1);
  const keep = await run((i) => new Float32Array(size(i)).fill(1));
  const errs = compareOutputs(c, { t: { data: keep } });
  assert(errs.every((e) => e.pass), `keep-all: ${JSON.stringify(errs)}`);
  // Dropping the ending-node attention entirely changes the output.
  const noEnd = await run((i) => new Float32Array(size(i)).fill(i % 4 === 1 ? 0 : 1));
  assert(noEnd.some((v, i) => Math.abs(v - keep[i]) > 1e-3), "column-wise mask is wired in");
});
