import { assert, assertAlmostEquals, assertEquals } from "../assert.ts";
import {
  af2SampleWeights,
  AliasTable,
  lengthFactor,
  WeightedSampler,
} from "../../train/data/sampling.ts";
import { Rng } from "../../model/util/rng.ts";

Deno.test("AF2 1.2.5 weights: length factor max(min(L,512),256)/512 over cluster size", () => {
  assertEquals([40, 256, 300, 512, 900].map(lengthFactor), [0.5, 0.5, 300 / 512, 1, 1]);
  const w = af2SampleWeights([
    { length: 100, cluster: "a" },
    { length: 400, cluster: "a" },
    { length: 600, cluster: "b" },
  ]);
  assertEquals(Array.from(w), [0.25, 400 / 512 / 2, 1]);
});

Deno.test("alias table draws in proportion to the weights (chi-square)", () => {
  const weights = [0.5, 0.1, 0, 2, 1.4];
  const total = weights.reduce((a, b) => a + b, 0);
  const table = new AliasTable(weights);
  const rng = new Rng(8);
  const n = 200_000;
  const counts = new Array(weights.length).fill(0);
  for (let i = 0; i < n; i++) counts[table.draw(rng)]++;
  assertEquals(counts[2], 0);
  let chi2 = 0;
  weights.forEach((w, i) => {
    if (w > 0) chi2 += (counts[i] - n * w / total) ** 2 / (n * w / total);
  });
  // 3 degrees of freedom: P(chi2 > 16.3) = 0.001.
  assert(chi2 < 16.3, `chi2 ${chi2}, counts ${counts}`);
});

Deno.test("the sample stream is a function of (seed, position): resuming gives the same samples", () => {
  const s = new WeightedSampler([1, 2, 3, 4], 42);
  const first = [...take(s.from(0), 20)];
  const resumed = [...take(s.from(12), 8)];
  assertEquals(resumed, first.slice(12));
  const other = [...take(new WeightedSampler([1, 2, 3, 4], 43).from(0), 20)];
  assert(other.some((d, i) => d.index !== first[i].index), "seeds differ");
  assertAlmostEquals(first.filter((d) => d.index === 3).length / 20, 0.4, 0.35);
});

function* take<T>(g: Iterable<T>, n: number): Generator<T> {
  if (n <= 0) return;
  for (const x of g) {
    yield x;
    if (--n <= 0) return;
  }
}
