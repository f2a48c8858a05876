import { assert, assertEquals, assertThrows } from "../assert.ts";
import { Rng } from "../../model/util/rng.ts";

Deno.test("Rng is reproducible, restorable from its state, and forks independently", () => {
  const a = new Rng(5), b = new Rng(5);
  const xs = Array.from({ length: 10 }, () => a.nextU32());
  assertEquals(xs, Array.from({ length: 10 }, () => b.nextU32()));
  const saved = a.state();
  const next = a.float();
  assertEquals(Rng.fromState(saved).float(), next);
  const f1 = a.fork("crop"), f2 = a.fork("msa");
  assert(f1.nextU32() !== f2.nextU32(), "forks differ");
  assertThrows(() => Rng.fromState([0, 0, 0, 0]), Error, "invalid");
});

Deno.test("Rng.int is uniform (chi-square over 10 bins) and permutations are permutations", () => {
  const rng = new Rng(123);
  const counts = new Array(10).fill(0);
  const n = 100_000;
  for (let i = 0; i < n; i++) counts[rng.int(10)]++;
  const chi2 = counts.reduce((s, c) => s + (c - n / 10) ** 2 / (n / 10), 0);
  // 9 degrees of freedom: P(chi2 > 27.9) = 0.001.
  assert(chi2 < 27.9, `chi2 ${chi2}`);
  const p = rng.permutation(50);
  assertEquals(Array.from(p).sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
  const w = [0, 3, 0, 1];
  const hits = [0, 0, 0, 0];
  for (let i = 0; i < 40_000; i++) hits[rng.categorical(w)]++;
  assertEquals(hits[0] + hits[2], 0);
  assert(Math.abs(hits[1] / 40_000 - 0.75) < 0.01, `categorical ${hits}`);
});

Deno.test("Rng.fromWords: distinct word lists give distinct, decorrelated streams", () => {
  const seen = new Set<number>();
  for (let k = 0; k < 20_000; k++) seen.add(Rng.fromWords([7, k]).nextU32());
  // 20,000 draws of 32 bits: a collision has probability ~5 %; more than 2 means correlation.
  assert(seen.size >= 19_998, `${20_000 - seen.size} repeated first outputs`);
  assertEquals(Rng.fromWords([7, 3]).state(), Rng.fromWords([7, 3]).state());
  assert(Rng.fromWords([0, 0, 0, 0]).nextU32() !== undefined);
  assertThrows(() => Rng.fromWords([1, 2, 3, 4, 5]), Error, "at most 4");
});
