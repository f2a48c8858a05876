/**
 * The losses differentiate: `G.grad` of backbone FAPE (w.r.t. the predicted
 * trajectory) and of the violation loss (w.r.t. the predicted atom14
 * positions) against central finite differences in float64 graphs, on
 * OpenFold's fixture inputs (14b, 14j), every entry checked. Also the
 * stop-gradients where OpenFold detaches: the pLDDT target and the TM target
 * pass no gradient into the structure.
 *
 * Tolerance: float64 central differences with h = 1e-6 have truncation error
 * ~h²·|f'''| ≈ 1e-12 and rounding error ~1e-16·|f|/h ≈ 1e-10 for these O(1)
 * losses, so fd.ts's float64 defaults (|err| <= 1e-7 + 1e-5·|fd|) hold with
 * about three orders of magnitude to spare. The losses are piecewise smooth
 * (FAPE clamp, flat-bottom and clash ReLUs): a kink within h of an input would
 * break the check, which at h = 1e-6 Å on these inputs does not happen (the
 * fixture inputs are the same every run, so the test is deterministic).
 */
import * as G from "../../model/graph/mod.ts";
import type { Tensor } from "../../model/graph/mod.ts";
import { arrayOf, loadCase } from "../../analysis/parity/harness.ts";
import { backboneFapeLoss } from "../../model/losses/fape.ts";
import { findStructuralViolations, violationLoss } from "../../model/losses/violations.ts";
import { plddtLoss } from "../../model/losses/plddt.ts";
import { tmLoss } from "../../model/losses/tm.ts";
import { lossConfig } from "../../model/losses/config.ts";
import { checkGradient } from "../graph/fd.ts";
import { SHARED_PARITY } from "../shared_data.ts";
import { assert } from "../assert.ts";

type Case = Awaited<ReturnType<typeof loadCase>>;

/** A fixture array as a float64 (or int64) constant of graph `g`. */
function constantOf(c: Case, key: string, g: G.Graph): Tensor {
  const a = arrayOf(c, `in/${key}`);
  const dtype = a.dtype === "int32" ? "int64" : "float64";
  return g.constant(Array.from(a.data as ArrayLike<number>, Number), a.shape, dtype);
}

function valuesOf(c: Case, key: string): { shape: number[]; data: number[] } {
  const a = arrayOf(c, `in/${key}`);
  return { shape: a.shape, data: Array.from(a.data as ArrayLike<number>, Number) };
}

Deno.test("backbone FAPE gradient w.r.t. the trajectory matches finite differences (float64)", async () => {
  const c = await loadCase(`${SHARED_PARITY}/14b_backbone_fape.npz`);
  const cfg = { clamp_distance: 10, loss_unit_distance: 10, eps: 1e-4 };
  for (const u of [1, 0, 0.9]) {
    // u = 1: clamped (layer 0 has errors above 10 Å, so the clamp is active);
    // u = 0: unclamped; 0.9: the expected mix over the 90/10 sampling.
    const r = await checkGradient(
      (traj) => {
        const g = traj.graph;
        return backboneFapeLoss(
          traj,
          constantOf(c, "backbone_rigid_tensor", g),
          constantOf(c, "backbone_rigid_mask", g),
          cfg,
          g.scalar(u, "float64"),
        );
      },
      [valuesOf(c, "traj")],
    );
    console.log(
      `backbone FAPE (u=${u}): ${r.checked} entries, max |grad - fd| ${
        r.maxAbsErr.toExponential(2)
      }`,
    );
    assert(r.checked === arrayOf(c, "in/traj").data.length);
  }
});

Deno.test("violation loss gradient w.r.t. atom14 positions matches finite differences (float64)", async () => {
  const c = await loadCase(`${SHARED_PARITY}/14j_violations.npz`);
  const cfg = lossConfig("finetune").violation;
  for (const averageClashes of [false, true]) {
    const r = await checkGradient(
      (pos) => {
        const g = pos.graph;
        const batch = {
          aatype: constantOf(c, "aatype", g),
          residue_index: constantOf(c, "residue_index", g),
          atom14_atom_exists: constantOf(c, "atom14_atom_exists", g),
          residx_atom14_to_atom37: constantOf(c, "residx_atom14_to_atom37", g),
        };
        const v = findStructuralViolations(batch, pos, cfg);
        return violationLoss(v, batch.atom14_atom_exists, {
          eps: cfg.eps,
          average_clashes: averageClashes,
        });
      },
      [valuesOf(c, "atom14_pred_positions")],
    );
    console.log(
      `violation loss (average_clashes=${averageClashes}): ${r.checked} entries, max |grad - fd| ${
        r.maxAbsErr.toExponential(2)
      }`,
    );
    assert(r.checked === arrayOf(c, "in/atom14_pred_positions").data.length);
  }
});

Deno.test("the pLDDT and TM targets are stop-gradient'ed (no gradient into the structure)", async () => {
  const h = await loadCase(`${SHARED_PARITY}/14h_plddt_loss.npz`);
  const k = await loadCase(`${SHARED_PARITY}/14k_tm_loss.npz`);
  const g = new G.Graph();
  const input = (c: Case, key: string) => {
    const a = arrayOf(c, `in/${key}`);
    return g.input(`${c.meta.case}/${key}`, a.shape, a.dtype === "int32" ? "int32" : "float32");
  };
  const predPos = input(h, "all_atom_pred_pos"), plddtLogits = input(h, "logits");
  const pl = plddtLoss(
    plddtLogits,
    predPos,
    input(h, "all_atom_positions"),
    input(h, "all_atom_mask"),
    input(h, "resolution"),
    lossConfig("initial").plddt_loss,
  );
  const affine = input(k, "final_affine_tensor"), tmLogits = input(k, "logits");
  const tl = tmLoss(
    tmLogits,
    affine,
    input(k, "backbone_rigid_tensor"),
    input(k, "backbone_rigid_mask"),
    input(k, "resolution"),
    lossConfig("initial").tm,
  );
  const [gPos, gPl] = G.grad(pl, [predPos, plddtLogits]);
  const [gAff, gTl] = G.grad(tl, [affine, tmLogits]);
  const run = await G.compile({ gPos, gPl, gAff, gTl });
  const feeds: Record<string, G.TypedArray> = {};
  for (const c of [h, k]) {
    for (const [key, a] of c.arrays) {
      if (key.startsWith("in/")) feeds[`${c.meta.case}/${key.slice(3)}`] = a.data as G.TypedArray;
    }
  }
  const used = Object.fromEntries([...run.inputs.keys()].map((n) => [n, feeds[n]]));
  const r = await run.run(used);
  const maxAbs = (x: ArrayLike<number>) => Math.max(...Array.from(x, (v) => Math.abs(Number(v))));
  assert(
    maxAbs(r.gPos.data as ArrayLike<number>) === 0,
    "pLDDT loss leaks gradient into positions",
  );
  assert(maxAbs(r.gAff.data as ArrayLike<number>) === 0, "TM loss leaks gradient into frames");
  assert(maxAbs(r.gPl.data as ArrayLike<number>) > 1e-3, "pLDDT logits get no gradient");
  assert(maxAbs(r.gTl.data as ArrayLike<number>) > 1e-5, "TM logits get no gradient");
});
