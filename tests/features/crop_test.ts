import { assert, assertEquals, assertThrows } from "../assert.ts";
import {
  chooseCrop,
  contiguousCrop,
  lengthBucket,
  padAlong,
  spatialCrop,
  takeAlong,
} from "../../model/features/crop.ts";
import { tensorOf } from "../../model/features/feature_tensor.ts";
import { Rng } from "../../model/util/rng.ts";

/** A β-hairpin: strand 0..49 along x, strand 50..99 back along x 4.8 Å away. */
function hairpin(): { ca: Float32Array; mask: Float32Array } {
  const ca = new Float32Array(100 * 3);
  for (let i = 0; i < 100; i++) {
    ca[3 * i] = 3.8 * (i < 50 ? i : 99 - i);
    ca[3 * i + 1] = i < 50 ? 0 : 4.8;
  }
  return { ca, mask: new Float32Array(100).fill(1) };
}

Deno.test("contiguous crops are windows with starts covering every valid position", () => {
  const rng = new Rng(1);
  const starts = new Set<number>();
  for (let k = 0; k < 2000; k++) {
    const idx = contiguousCrop(40, 30, rng);
    assertEquals(idx.length, 30);
    for (let i = 1; i < 30; i++) assertEquals(idx[i], idx[i - 1] + 1);
    starts.add(idx[0]);
  }
  assertEquals([...starts].sort((a, b) => a - b), Array.from({ length: 11 }, (_, i) => i));
  assertEquals(contiguousCrop(20, 30, rng).length, 20);
});

Deno.test("spatial crops keep the residues nearest a centre and span both hairpin strands", () => {
  const { ca, mask } = hairpin();
  const rng = new Rng(2);
  let gapped = 0;
  for (let k = 0; k < 20; k++) {
    const idx = spatialCrop(ca, mask, 30, rng);
    assertEquals(idx.length, 30);
    for (let i = 1; i < 30; i++) assert(idx[i] > idx[i - 1], "chain order");
    const kept = new Set(idx);
    const d = (a: number, b: number) =>
      Math.hypot(
        ca[3 * a] - ca[3 * b],
        ca[3 * a + 1] - ca[3 * b + 1],
        ca[3 * a + 2] - ca[3 * b + 2],
      );
    // Some kept residue is a centre: everything kept is no farther than anything dropped.
    const isCentre = (c: number) => {
      let maxKept = 0, minDropped = Infinity;
      for (let i = 0; i < 100; i++) {
        if (kept.has(i)) maxKept = Math.max(maxKept, d(c, i));
        else minDropped = Math.min(minDropped, d(c, i));
      }
      return maxKept <= minDropped + 0.1;
    };
    assert([...kept].some(isCentre), `crop ${idx} has no centre`);
    if (idx[29] - idx[0] > 29) gapped++;
  }
  // Away from the turn a centre's neighbours lie on both strands: a crop with a
  // sequence gap, which no contiguous crop has.
  assert(gapped >= 10, `only ${gapped} of 20 crops span both strands`);
  // Unobserved Cα go last; no observed Cα falls back to a contiguous window.
  const partial = mask.slice();
  partial.fill(0, 0, 50);
  const idx = spatialCrop(ca, partial, 30, new Rng(3));
  assert(idx.every((i) => i >= 50), "only observed residues");
  const none = spatialCrop(ca, new Float32Array(100), 30, new Rng(3));
  assertEquals(none[29] - none[0], 29);
});

Deno.test("chooseCrop mixes kinds by spatialCropProb and never crops short chains", () => {
  const { ca, mask } = hairpin();
  const rng = new Rng(4);
  let spatial = 0;
  for (let k = 0; k < 1000; k++) {
    const c = chooseCrop(100, { cropSize: 40, spatialCropProb: 0.3 }, rng, { positions: ca, mask });
    if (c.kind === "spatial") spatial++;
    else assertEquals(c.kind, "contiguous");
  }
  assert(Math.abs(spatial / 1000 - 0.3) < 0.05, `spatial fraction ${spatial / 1000}`);
  assertEquals(chooseCrop(30, { cropSize: 40, spatialCropProb: 1 }, rng).kind, "none");
  // Without coordinates a spatial draw degrades to contiguous.
  assertEquals(chooseCrop(100, { cropSize: 40, spatialCropProb: 1 }, rng).kind, "contiguous");
});

Deno.test("takeAlong and padAlong gather and zero-pad one axis", () => {
  // [2, 3, 2] values 0..11.
  const t = tensorOf(Float32Array.from({ length: 12 }, (_, i) => i), [2, 3, 2]);
  const g = takeAlong(t, 1, [2, 0]);
  assertEquals(g.shape, [2, 2, 2]);
  assertEquals(Array.from(g.data), [4, 5, 0, 1, 10, 11, 6, 7]);
  const p = padAlong(tensorOf(Int32Array.from([1, 2, 3, 4]), [2, 2]), 1, 3);
  assertEquals(p.shape, [2, 3]);
  assertEquals(Array.from(p.data), [1, 2, 0, 3, 4, 0]);
  assert(p.data instanceof Int32Array);
  assertThrows(() => padAlong(t, 0, 1), Error, "cannot pad");
});

Deno.test("length buckets are multiples of 32 up to 256, then of 64", () => {
  assertEquals(
    [1, 32, 33, 200, 256, 257, 320, 321, 400].map(lengthBucket),
    [32, 32, 64, 224, 256, 320, 320, 384, 448],
  );
});

Deno.test("contiguous crops avoid windows without any observed residue", () => {
  // 200 residues, only 20..29 observed (a fragment placed on a long query).
  const observed = new Float32Array(200);
  observed.fill(1, 20, 30);
  const rng = new Rng(5);
  const starts = new Set<number>();
  for (let k = 0; k < 3000; k++) {
    const idx = contiguousCrop(200, 40, rng, observed);
    assert(
      idx.some((i) => observed[i] === 1),
      `window ${idx[0]}..${idx[39]} has no observed residue`,
    );
    starts.add(idx[0]);
  }
  // Valid starts are 0..29 (window [s, s+40) must reach residue 20..29).
  assertEquals([...starts].sort((a, b) => a - b), Array.from({ length: 30 }, (_, i) => i));
  // Nothing observed: any window.
  assertEquals(contiguousCrop(200, 40, new Rng(1), new Float32Array(200)).length, 40);
});
