/**
 * Training stability read from metrics (analysis/stability.ts), on hand-built
 * runs whose answers are worked out in the comments.
 */
import { runStability, SPIKE_FACTOR, SPIKE_WINDOW } from "../../analysis/stability.ts";
import type { MetricLine } from "../../analysis/run_metrics.ts";
import { assertAlmostEquals, assertEquals } from "../assert.ts";

/** A run of `n` steps: loss falling 50 → ~5 with ±10 % wiggle, grad norm ~20 ± 10 %. */
function run(n: number): MetricLine[] {
  return Array.from({ length: n }, (_, i) => {
    const wiggle = 1 + 0.1 * Math.sin(i * 1.7);
    return {
      step: i + 1,
      loss: (5 + 45 * Math.exp(-i / 300)) * wiggle,
      grad_norm: 20 * (2 - wiggle),
      skipped: 0,
      fape: 0.5 * wiggle,
    };
  });
}

Deno.test("stability: a smoothly falling run has no spikes, and its tail means are the last window's", () => {
  const lines = run(1000);
  const s = runStability(lines);
  assertEquals([s.lastStep, s.skipped, s.gradSpikes, s.lossSpikes], [1000, 0, 0, 0]);
  const tail = lines.slice(-SPIKE_WINDOW);
  assertAlmostEquals(s.finalLoss!, tail.reduce((a, l) => a + l.loss!, 0) / SPIKE_WINDOW, 1e-9);
  assertAlmostEquals(s.finalFape!, tail.reduce((a, l) => a + l.fape!, 0) / SPIKE_WINDOW, 1e-9);
  assertAlmostEquals(s.maxGradNorm!, Math.max(...lines.map((l) => l.grad_norm!)), 1e-12);
});

Deno.test("stability: spikes above SPIKE_FACTOR x the recent median count, smaller jumps and early steps do not", () => {
  const lines = run(1000);
  // Three gradient spikes (x10 the ~20 median), one loss spike, one jump just under the factor.
  for (const i of [200, 500, 800]) lines[i].grad_norm = 200;
  lines[600].loss = lines[600].loss! * 10;
  lines[700].loss = lines[699].loss! * (SPIKE_FACTOR - 1.5); // ~2.5x: not a spike
  // Within the first window there is no history: a jump there is not judged.
  lines[10].grad_norm = 1000;
  const s = runStability(lines);
  assertEquals([s.gradSpikes, s.lossSpikes], [3, 1]);
  assertEquals(s.maxGradNorm, 1000);
});

Deno.test("stability: skipped steps count, their null loss is left out, validation lines give the curve", () => {
  const lines = run(400);
  for (const i of [150, 151]) Object.assign(lines[i], { loss: null, grad_norm: null, skipped: 1 });
  Object.assign(lines[199], { val_lddt_ca: 0.21 });
  Object.assign(lines[399], { val_lddt_ca: 0.35 });
  const s = runStability(lines);
  assertEquals(s.skipped, 2);
  assertEquals([s.gradSpikes, s.lossSpikes], [0, 0]);
  assertEquals(s.valLddt, [{ step: 200, lddt: 0.21 }, { step: 400, lddt: 0.35 }]);
  assertEquals(runStability([]).lastStep, 0);
});
