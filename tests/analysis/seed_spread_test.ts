/**
 * The per-run findings and their spread over seeds (analysis/seed_spread.ts),
 * on hand-built curves whose answers are worked out in the comments.
 */
import {
  findingsSpread,
  longRangeChance,
  seedFindings,
  spreadOf,
} from "../../analysis/seed_spread.ts";
import { CURVE_NAMES, type DynamicsResult, type ProbeTruth } from "../../analysis/dynamics.ts";
import { assert, assertAlmostEquals, assertEquals } from "../assert.ts";

const STEPS = [0, 10, 100, 1000, 4000];

/** A decomposition with the given curves (others null). */
function dynamics(curves: Record<string, (number | null)[]>): DynamicsResult {
  const all = Object.fromEntries(
    CURVE_NAMES.map((c) => [c, curves[c] ?? STEPS.map(() => null)]),
  ) as DynamicsResult["curves"];
  return {
    steps: STEPS,
    truth: [],
    truthComposition: { helix: 0, strand: 0, coil: 0 },
    perStep: [],
    curves: all,
    milestones: {},
    warnings: [],
  } as unknown as DynamicsResult;
}

Deno.test("seed findings: axis order, SS learnt steps, contacts above chance, the collapse", () => {
  const f = seedFindings(
    "seed_1",
    dynamics({
      // axis 1 reaches 0.5 at step 100, axis 2 at 1000, axis 3 never.
      axis1: [0.1, 0.3, 0.6, 0.8, 0.9],
      axis2: [0.05, 0.1, 0.2, 0.5, 0.7],
      axis3: [0.01, 0.02, 0.05, 0.3, 0.45],
      "lddt.helix": [0.05, 0.1, 0.31, 0.5, 0.6],
      "lddt.strand": [0.05, 0.1, 0.2, 0.29, 0.4],
      lddt: [0.1, 0.1, 0.2, 0.35, 0.5],
      // Twice chance is 0.1: 0.15 at step 100, but 0.08 at 1000, so it stays above from 4000 only.
      "contacts.long": [0.02, 0.03, 0.15, 0.08, 0.2],
      // peak 0.9 at step 10; ≤ 0.05 from 1000 on.
      collapsed: [0.2, 0.9, 0.3, 0.04, 0.0],
    }),
    0.05,
  );
  assertEquals(f.axisHalfStep, [100, 1000, null]);
  assertEquals([f.helixLearntStep, f.strandLearntStep], [100, 4000]);
  assertAlmostEquals(f.helixStrandGapFinal!, 0.2, 1e-12);
  assertEquals(f.longRangeAboveChanceStep, 4000);
  assertEquals([f.collapsePeak, f.collapsePeakStep, f.collapseOverStep], [0.9, 10, 1000]);
  assertEquals([f.collapseHalfStep, f.collapseFinal], [100, 0]);
  assertEquals([f.lastStep, f.finalLddt], [4000, 0.5]);
});

Deno.test("a collapse that never ends, and a run still collapsed at the end, have no end step", () => {
  const f = seedFindings("x", dynamics({ collapsed: [0.0, 0.5, 0.6, 0.4, 0.2] }), 0.05);
  assertEquals([f.collapsePeak, f.collapsePeakStep, f.collapseOverStep], [0.6, 100, null]);
  // Half over from the 0.4 at step 1000 on (the 0.5 before the peak does not count); 0.2 left.
  assertEquals([f.collapseHalfStep, f.collapseFinal], [1000, 0.2]);
  // A run with no collapse at all: the peak is 0 at the first step and it is "over" from there.
  const g = seedFindings("y", dynamics({ collapsed: [0, 0, 0, 0, 0] }), 0.05);
  assertEquals([g.collapsePeak, g.collapseOverStep], [0, 0]);
});

Deno.test("spread: mean, sample sd, range; missing values counted apart", () => {
  const s = spreadOf([100, 200, null, 300]);
  assertEquals([s.n, s.missing, s.mean, s.min, s.max], [3, 1, 200, 100, 300]);
  assertAlmostEquals(s.sd!, 100, 1e-12); // sqrt(((-100)² + 0 + 100²) / 2)
  assertEquals(spreadOf([null]), { n: 0, missing: 1, mean: null, sd: null, min: null, max: null });
  assertEquals(spreadOf([7]).sd, null);
  const runs = [1, 2, 3].map((k) =>
    seedFindings(
      `seed_${k}`,
      dynamics({ axis1: [0, 0, 0.2 * k, 0.6, 1], collapsed: [0, 0.5, 0, 0, 0] }),
      0.05,
    )
  );
  // axis 1 reaches 0.5 at 1000 for seeds 1-2 (0.2, 0.4 at step 100) and at 100 for seed 3 (0.6).
  const spread = findingsSpread(runs);
  assertEquals([spread.axis1HalfStep.mean, spread.axis1HalfStep.min], [700, 100]);
  assertEquals(spread.axis2HalfStep.missing, 3);
});

Deno.test("long-range chance: true contacts over observed pairs at separation ≥ 24", () => {
  // 30 residues: pairs (i, j) with j − i ≥ 24 are (0..5, i+24..29): 6+5+4+3+2+1 = 21.
  const mask = new Float32Array(30).fill(1);
  const truth = [{ contacts: { short: 0, medium: 0, long: 3 } }] as unknown as ProbeTruth[];
  assertAlmostEquals(longRangeChance([{ mask }], truth), 3 / 21, 1e-12);
  // Residue 0 unobserved: its 6 pairs go.
  mask[0] = 0;
  assertAlmostEquals(longRangeChance([{ mask }], truth), 3 / 15, 1e-12);
  assert(longRangeChance([{ mask: new Float32Array(10).fill(1) }], truth) === 0);
});
