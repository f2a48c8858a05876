import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertRejects,
  assertThrows,
} from "../assert.ts";
import { readSnapshots, writeProbes, writeSnapshot } from "../../analysis/snapshots.ts";
import { learningDynamics, learningOrder, summarizeDynamics } from "../../analysis/dynamics.ts";
import { milestones } from "../../analysis/milestones.ts";
import { lossKeys, readRunMetrics, validationKeys } from "../../analysis/run_metrics.ts";
import { InputError, ParseError } from "../../model/util/errors.ts";
import {
  alphaBetaChains,
  axisScale,
  collapsedBackbone,
  probeOf,
  RUN_STEPS,
  writeAxisRun,
  writeSsOrderRun,
} from "./dynamics_run_fixture.ts";

const sustained = (m: ReturnType<typeof milestones> | undefined, f: number) =>
  m!.crossings.find((c) => c.fraction === f)!.sustained!;

Deno.test("milestones: first and sustained crossings of a non-monotone curve, final = last value", () => {
  // Rises to 1.2, dips, ends at 1.0: thresholds 0.5 and 0.9.
  const steps = [1, 2, 4, 8, 16, 32];
  const m = milestones(steps, [0.1, 0.6, 1.2, 0.4, 0.95, 1.0]);
  assertEquals(m.final, 1.0);
  assertEquals(m.peak, 1.2);
  assertEquals(m.peakStep, 4);
  assertEquals(m.monotone, false);
  assertEquals(m.crossings.map((c) => [c.first, c.sustained]), [[2, 16], [4, 16]]);
  assertAlmostEquals(m.crossings[1].fractionOfRun!, 0.5);
  const up = milestones(steps, [0, 0.2, 0.45, 0.5, 0.89, 1]);
  assertEquals(up.monotone, true);
  assertEquals(up.crossings.map((c) => c.sustained), [8, 32]);
  // Undefined final (no residue of a class, or a curve that ends at 0): no crossing.
  assertEquals(milestones([1, 2], [0.3, NaN]).crossings[0].first, null);
  assertEquals(milestones([1, 2], [0.3, 0]).crossings[1].sustained, null);
  // NaN never counts as reached.
  assertEquals(milestones([1, 2, 3], [NaN, 0.9, 1]).crossings[1].first, 2);
  assertThrows(() => milestones([1, 2], [1]), InputError);
});

Deno.test("dynamics: real α/β chains corrupted helix-first, strands later, packing last are decomposed in that order", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const chains = await alphaBetaChains(3);
    assertEquals(chains.length, 3);
    await writeSsOrderRun(dir, chains);
    const { probes, snapshots } = await readSnapshots(dir);
    const dyn = learningDynamics(probes, snapshots);
    console.log(summarizeDynamics(dyn));
    assertEquals(dyn.steps, RUN_STEPS);
    // The last snapshot is the truth (to the snapshot's 0.01 Å): lDDT 1, contacts exact.
    const last = dyn.perStep[dyn.perStep.length - 1];
    assert(last.lddt > 0.999, `final lDDT ${last.lddt}`);
    for (const r of ["short", "medium", "long"] as const) {
      const truthPrecision = dyn.curves[`contacts.${r}`].at(-1)!;
      assert(truthPrecision > 0.7, `final ${r}-range precision ${truthPrecision}`);
    }
    // A perfect prediction has every class formed and Q3 = 1 (DSSP recomputed on the
    // truth is the reference), although the stored corpus DSSP, computed on whole
    // complexes, differs from it (1M1F_A's strands pair with another chain).
    assertEquals([last.formed.helix, last.formed.strand, last.formed.coil, last.q3], [1, 1, 1, 1]);
    assert(dyn.truth.some((t) => t.ss3 !== t.dssp3), "stored and recomputed DSSP all agree");
    // The lDDT classes come from the probes' stored DSSP.
    const helixResidues = chains.reduce(
      (a, c) => a + [...c.dssp].filter((s) => "HGI".includes(s)).length,
      0,
    );
    const residues = chains.reduce((a, c) => a + c.seq.length, 0);
    const storedHelix = dyn.truth.reduce((a, t) => a + t.composition.helix! * t.observed, 0);
    assertAlmostEquals(storedHelix / residues, helixResidues / residues, 1e-12);
    // At step 1 every residue is displaced by Å-scale noise: nothing is formed yet.
    assert(dyn.perStep[0].lddt < 0.35, `step-1 lDDT ${dyn.perStep[0].lddt}`);
    assertEquals(dyn.perStep[0].formed.strand, 0);
    // The built-in order: helix before strand, in lDDT and in formed SS, at 50 % and 90 %.
    for (const f of [0.5, 0.9]) {
      const h = sustained(dyn.milestones["lddt.helix"], f);
      const e = sustained(dyn.milestones["lddt.strand"], f);
      assert(h < e, `lDDT ${f}: helix @${h} should precede strand @${e}`);
      const fh = sustained(dyn.milestones["formed.helix"], f);
      const fe = sustained(dyn.milestones["formed.strand"], f);
      assert(fh < fe, `formed ${f}: helix @${fh} should precede strand @${fe}`);
    }
    // Local contacts before tertiary ones.
    const [cs, cm, cl] = (["short", "medium", "long"] as const).map((r) =>
      sustained(dyn.milestones[`contacts.${r}`], 0.9)
    );
    assert(cs < cl && cs <= cm && cm <= cl, `contacts 90 %: short ${cs}, medium ${cm}, long ${cl}`);
    const order = learningOrder(dyn);
    assertEquals(order[0].order[order[0].order.length - 1].curve, "lddt.strand");
    assertEquals(order[2].order.map((e) => e.curve)[0], "contacts.short");
    // Per-residue values are JSON-able and masked residues would be null.
    const json = JSON.parse(JSON.stringify(dyn));
    assertEquals(json.perStep[3].probes[0].lddtPerResidue.length, chains[0].seq.length);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("dynamics: a structure released axis by axis shows each axis's known extent and order", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const chains = await alphaBetaChains(3);
    await writeAxisRun(dir, chains);
    const { probes, snapshots } = await readSnapshots(dir);
    const dyn = learningDynamics(probes, snapshots);
    let maxErr = 0;
    for (let k = 0; k < 3; k++) {
      const curve = dyn.curves[`axis${k + 1}` as "axis1"];
      curve.forEach((v, s) => {
        maxErr = Math.max(maxErr, Math.abs(v! - axisScale(k, dyn.steps[s])));
        if (s > 0) {
          assert(v! >= curve[s - 1]! - 1e-3, `axis ${k + 1} shrinks at step ${dyn.steps[s]}`);
        }
      });
      // Independent expectation from the schedule: first snapshot with scale ≥ 0.9 × final.
      const expected = dyn.steps.find((t) =>
        axisScale(k, t) >= 0.9 * axisScale(k, dyn.steps.at(-1)!)
      );
      assertEquals(sustained(dyn.milestones[`axis${k + 1}` as "axis1"], 0.9), expected);
    }
    console.log(`axis extents vs the built-in scales: max |error| ${maxErr.toFixed(4)}`);
    assert(maxErr < 0.02, `max error ${maxErr}`);
    assertEquals(learningOrder(dyn)[3].order.map((e) => e.curve), ["axis1", "axis2", "axis3"]);
    // One axis released: a rod (effective dimension near 1); all released: the truth's.
    const at = (t: number) => dyn.perStep[dyn.steps.findIndex((s) => s >= t)].effectiveDimension;
    assert(at(8) < 1.1, `effective dimension at step 8: ${at(8)}`);
    const truthDim = dyn.truth.reduce((a, t) => a + t.effectiveDimension, 0) / dyn.truth.length;
    assertAlmostEquals(dyn.perStep.at(-1)!.effectiveDimension, truthDim, 1e-3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("dynamics: inconsistent snapshots are refused with the probe and step named", async () => {
  const [chain] = await alphaBetaChains(1);
  const p = probeOf(chain);
  const pred = { id: p.id, backbone: p.backbone, plddt: new Array(p.seq.length).fill(90) };
  assertThrows(
    () => learningDynamics([p], [{ step: 5, probes: [{ ...pred, id: "other" }] }]),
    InputError,
    `step 5 lacks probe ${p.id}`,
  );
  assertThrows(
    () =>
      learningDynamics([p], [{ step: 5, probes: [{ ...pred, backbone: p.backbone.slice(12) }] }]),
    InputError,
    "predicted backbone",
  );
  assertThrows(
    () => learningDynamics([p], [{ step: 5, probes: [{ ...pred, plddt: [90] }] }]),
    InputError,
    "pLDDT 1",
  );
  assertThrows(() => learningDynamics([p], []), InputError, "no snapshots");
  assertThrows(
    () => learningDynamics([{ ...p, dssp: p.dssp.slice(1) }], [{ step: 1, probes: [pred] }]),
    InputError,
    "dssp",
  );
  // A cropped probe whose seq is the whole chain (as a trainer may write it): the
  // backbone sets the length, and the missing proline information is reported.
  const cropped = learningDynamics([{ ...p, seq: p.seq + "GGGG" }], [{ step: 1, probes: [pred] }]);
  assertEquals(cropped.warnings.length, 1);
  assert(cropped.warnings[0].includes(`probe ${p.id}: seq has ${p.seq.length + 4} residues`));
  assertEquals(cropped.perStep[0].lddt, 1);
  assertEquals(learningDynamics([p], [{ step: 1, probes: [pred] }]).warnings, []);
  // Masked residues are left out: a wild coordinate on a masked residue changes nothing.
  const masked = { ...p, mask: p.mask.map((_, i) => (i === 10 ? 0 : 1)) };
  const wild = p.backbone.slice();
  for (let d = 0; d < 12; d++) wild[120 + d] += 50;
  const a = learningDynamics([masked], [{ step: 1, probes: [pred] }]);
  const b = learningDynamics([masked], [{ step: 1, probes: [{ ...pred, backbone: wild }] }]);
  assertEquals(a.perStep[0].lddt, b.perStep[0].lddt);
  assertEquals(b.perStep[0].probes[0].lddtPerResidue[10], null);
  // A collapsed prediction, as AF2 makes before training: DSSP finds bridges in the
  // pile of overlapping atoms; the decomposition counts those residues as coil.
  const pile = collapsedBackbone(p, 1);
  const col =
    learningDynamics([p], [{ step: 1, probes: [{ ...pred, backbone: pile }] }]).perStep[0];
  assertEquals(col.collapsed, 1);
  assert(/[HGIEB]/.test(col.probes[0].dssp), `raw DSSP of the pile: ${col.probes[0].dssp}`);
  assertEquals([col.composition.helix, col.composition.strand, col.formed.helix], [0, 0, 0]);
  assertEquals(learningDynamics([p], [{ step: 1, probes: [pred] }]).perStep[0].collapsed, 0);
  // And a run directory written with a bad snapshot is reported by file.
  const dir = await Deno.makeTempDir();
  try {
    await writeProbes(dir, [p]);
    await writeSnapshot(dir, { step: 3, probes: [pred] });
    await Deno.writeTextFile(`${dir}/snapshots/step_00000009.json.gz`, "{}");
    await assertRejects(() => readSnapshots(dir), Error);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run metrics: metrics.jsonl lines are validated and split into loss and validation series", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/metrics.jsonl`;
    await Deno.writeTextFile(
      path,
      [
        { step: 1, lr: 1e-3, loss: 4, grad_norm: 2, skipped: 0, fape: 3, distogram: 1 },
        { step: 2, lr: 1e-3, loss: null, grad_norm: null, skipped: 1, fape: null, distogram: 1 },
        {
          step: 3,
          lr: 1e-3,
          loss: 3,
          grad_norm: 1,
          skipped: 0,
          fape: 2,
          distogram: 1,
          val_lddt_ca: 0.4,
          val_score: 0.4,
        },
      ].map((l) => JSON.stringify(l)).join("\n") + "\n",
    );
    const lines = await readRunMetrics(path);
    assertEquals(lines.length, 3);
    assertEquals(lossKeys(lines), ["loss", "fape", "distogram"]);
    assertEquals(validationKeys(lines), ["val_lddt_ca", "val_score"]);
    await Deno.writeTextFile(path, '{"step":1,"loss":1}\n{"step":"two","loss":1}\n');
    const e = await assertRejects(() => readRunMetrics(path), ParseError);
    assertEquals(e.line, 2);
    await Deno.writeTextFile(path, '{"step":1,"loss":1}\n{"step":2,\n');
    assertEquals((await assertRejects(() => readRunMetrics(path), ParseError)).line, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
