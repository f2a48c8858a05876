/**
 * The Evoformer family is trainable: `grad` through every module (fused
 * projections, chunk slices, transposes, attention) agrees with central finite
 * differences — one directional derivative per parameter tensor, at OpenFold's
 * fixture weights and inputs — and chunked graphs give the same gradients as
 * unchunked ones (shared weights accumulate over chunks).
 *
 * Finite differences are taken per module: through a whole block, float32
 * rounding and the ReLU kinks of the transitions make central differences too
 * noisy to judge; the blocks are checked by the chunked/unchunked comparison.
 */
import * as G from "../../model/graph/mod.ts";
import type { Tensor, TypedArray } from "../../model/graph/mod.ts";
import { ModelBuilder } from "../../model/nn/scope.ts";
import { arrayOf, feedOf, loadCase, type ParityCase } from "../../analysis/parity/harness.ts";
import { EVOFORMER_BUILDS, type ModuleBuild } from "../../analysis/parity/runners_evoformer.ts";
import { SHARED_PARITY } from "../shared_data.ts";
import { rng } from "../graph/fd.ts";
import { assert } from "../assert.ts";

interface GradGraph {
  b: ModelBuilder;
  withGrads: G.Compiled;
  lossOnly: G.Compiled;
  feeds: Record<string, TypedArray>;
}

/** loss = Σ_outputs Σ out·r (fixed random r) over the fixture's module, with its gradient. */
async function gradGraph(
  c: ParityCase,
  build: ModuleBuild,
  chunkBudget?: number,
  remat = false,
): Promise<GradGraph> {
  const b = new ModelBuilder({ chunkBudget, remat });
  const inputs: Record<string, Tensor> = {};
  const feeds: Record<string, TypedArray> = {};
  for (const [k, a] of c.arrays) {
    if (!k.startsWith("in/")) continue;
    inputs[k.slice(3)] = b.g.input(k.slice(3), a.shape);
    feeds[k.slice(3)] = feedOf(a);
  }
  const rand = rng(2);
  const terms = Object.values(build(b, inputs)).map((t) =>
    G.sum(G.mul(t, b.g.constant(Array.from({ length: t.size }, () => rand() * 2 - 1), t.shape)))
  );
  const loss = terms.reduce((x, y) => G.add(x, y));
  const grads = G.grad(loss, [...b.paramTensors().values()]);
  for (const p of b.params) feeds[p.name] = feedOf(arrayOf(c, `param/${p.name}`));
  return {
    b,
    feeds,
    withGrads: await G.compile({ loss, ...Object.fromEntries(grads.map((g, i) => [`g${i}`, g])) }),
    lossOnly: await G.compile({ loss }),
  };
}

const MODULE_FIXTURES = [
  "02a_msa_row_attention_with_pair_bias",
  "02b_msa_column_attention",
  "02c_msa_column_global_attention",
  "02d_msa_transition",
  "03_outer_product_mean",
  "04a_triangle_multiplication_outgoing",
  "04b_triangle_multiplication_incoming",
  "05a_triangle_attention_starting_node",
  "05b_triangle_attention_ending_node",
  "06_pair_transition",
];

for (const name of MODULE_FIXTURES) {
  Deno.test(`${name} gradients match finite differences (chunked by 4, chunks recomputed)`, async () => {
    const c = await loadCase(`${SHARED_PARITY}/${name}.npz`);
    const { b, withGrads, lossOnly, feeds } = await gradGraph(
      c,
      EVOFORMER_BUILDS[String(c.meta.module)](c),
      4,
      true,
    );
    const base = await withGrads.run(feeds);
    const h = 1e-3;
    // A few float32 roundings of the loss, as seen through the difference quotient.
    const noise = 4 * Math.abs(base.loss.data[0] as number) * 2 ** -24 / h;
    const rand = rng(3);
    let worst = 0, worstName = "";
    for (const [i, p] of b.params.entries()) {
      const v = feeds[p.name] as Float32Array;
      const dir = Float32Array.from(v, () => rand() * 2 - 1);
      const g = base[`g${i}`].data as Float32Array;
      let analytic = 0, scale = 0;
      for (let e = 0; e < v.length; e++) {
        analytic += g[e] * dir[e];
        scale += Math.abs(g[e] * dir[e]);
      }
      const at = async (s: number) =>
        (await lossOnly.run({ ...feeds, [p.name]: v.map((x, e) => x + s * h * dir[e]) })).loss
          .data[0] as number;
      const fd = ((await at(1)) - (await at(-1))) / (2 * h);
      // Error relative to Σ|g·d|, after allowing for the loss's float32 noise (which
      // is all there is for tensors with an exactly zero gradient, e.g. LayerNorm
      // offsets feeding a softmax-invariant bias).
      const err = Math.max(0, Math.abs(fd - analytic) - noise) / scale;
      if (err > worst) [worst, worstName] = [err, `${p.name}: grad·d ${analytic}, fd ${fd}`];
    }
    console.log(`worst relative error ${worst.toExponential(2)} (${worstName})`);
    assert(worst < 1e-2, worstName);
  });
}

for (const name of ["07a_evoformer_block", "08a_extra_msa_block"]) {
  for (const remat of [false, true]) {
    Deno.test(`${name} gradients chunked by 3${remat ? ", chunks recomputed," : ""} equal unchunked`, async () => {
      const c = await loadCase(`${SHARED_PARITY}/${name}.npz`);
      const build = EVOFORMER_BUILDS[String(c.meta.module)](c);
      const plain = await gradGraph(c, build), chunked = await gradGraph(c, build, 1 << 10, remat);
      const [a, k] = [
        await plain.withGrads.run(plain.feeds),
        await chunked.withGrads.run(plain.feeds),
      ];
      const maxAbs = (x: ArrayLike<number>) => Math.max(...Array.from(x, Math.abs));
      // Tensors whose gradient is zero in exact arithmetic (float32 noise) are judged
      // against the block's largest gradient instead of their own.
      const floor = 1e-3 *
        Math.max(...plain.b.params.map((_, i) => maxAbs(a[`g${i}`].data as Float32Array)));
      let worst = 0, worstName = "";
      for (const [i, p] of plain.b.params.entries()) {
        const ga = a[`g${i}`].data as Float32Array, gk = k[`g${i}`].data as Float32Array;
        const err = maxAbs(ga.map((x, e) => x - gk[e])) / Math.max(maxAbs(ga), floor);
        if (err > worst) [worst, worstName] = [err, p.name];
      }
      console.log(`worst relative gradient difference ${worst.toExponential(2)} (${worstName})`);
      assert(worst < 1e-4, `${worstName}: ${worst}`);
    });
  }
}
