/**
 * Algorithm 26 renaming and the side-chain FAPE on a real chain: a
 * "prediction" that is the ground truth under the alternative naming (in an
 * arbitrary global pose) makes exactly the residues with resolved ambiguous
 * atoms (ASP, GLU, PHE, TYR) switch to the alternative naming, after which the
 * side-chain FAPE is at its floor sqrt(eps)/10; the plain naming does not
 * switch anything.
 */
import * as G from "../../model/graph/mod.ts";
import { renameSymmetricGroundTruth } from "../../model/losses/renaming.ts";
import { sidechainFapeLoss } from "../../model/losses/fape.ts";
import { Feeder, moveFrames, movePoints, realChain } from "./loss_real_chain.ts";
import { assert, assertAlmostEquals, assertEquals } from "../assert.ts";

const FAPE = { clamp_distance: 10, length_scale: 10, eps: 1e-4 };

async function scenario(useAlt: boolean) {
  const { gt } = await realChain();
  const n = gt.atom14_gt_exists.shape[0];
  const f = new Feeder();
  const t = (k: keyof typeof gt) => f.input(k, gt[k].data, gt[k].shape);
  const truth = {
    atom14_gt_positions: t("atom14_gt_positions"),
    atom14_alt_gt_positions: t("atom14_alt_gt_positions"),
    atom14_gt_exists: t("atom14_gt_exists"),
    atom14_alt_gt_exists: t("atom14_alt_gt_exists"),
    atom14_atom_is_ambiguous: t("atom14_atom_is_ambiguous"),
  };
  const posSrc = useAlt ? gt.atom14_alt_gt_positions : gt.atom14_gt_positions;
  const frameSrc = useAlt ? gt.rigidgroups_alt_gt_frames : gt.rigidgroups_gt_frames;
  const predPos = f.input("pred_pos", movePoints(posSrc.data), [1, n, 14, 3]);
  const predFrames = f.input("pred_frames", moveFrames(frameSrc.data), [1, n, 8, 4, 4]);
  const renamed = renameSymmetricGroundTruth(G.select(predPos, 0, 0), truth);
  const frames = {
    rigidgroups_gt_frames: t("rigidgroups_gt_frames"),
    rigidgroups_alt_gt_frames: t("rigidgroups_alt_gt_frames"),
    rigidgroups_gt_exists: t("rigidgroups_gt_exists"),
  };
  const zero = G.mul(renamed.alt_naming_is_better, 0);
  const out = await f.run({
    alt: renamed.alt_naming_is_better,
    renamedPos: renamed.renamed_atom14_gt_positions,
    fape: sidechainFapeLoss(predFrames, predPos, { ...frames, ...renamed }, FAPE),
    fapePlainNames: sidechainFapeLoss(predFrames, predPos, {
      ...frames,
      alt_naming_is_better: zero,
      renamed_atom14_gt_positions: truth.atom14_gt_positions,
      renamed_atom14_gt_exists: truth.atom14_gt_exists,
    }, FAPE),
  });
  // Residues whose naming can matter: some ambiguous atom resolved.
  const ambiguous = Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let a = 0; a < 14; a++) {
      s += gt.atom14_atom_is_ambiguous.data[i * 14 + a] * gt.atom14_gt_exists.data[i * 14 + a];
    }
    return (s > 0 ? 1 : 0) as number;
  });
  return { gt, out, ambiguous };
}

Deno.test("renaming picks the alternative naming exactly for swapped symmetric side chains", async () => {
  const { gt, out, ambiguous } = await scenario(true);
  const switched = ambiguous.reduce((a, b) => a + b, 0);
  assert(switched >= 4, `only ${switched} residues with ambiguous atoms in the test chain`);
  assertEquals(out.alt, ambiguous);
  // The renamed ground truth is the alternative one.
  const alt = gt.atom14_alt_gt_positions.data;
  const maxDiff = out.renamedPos.reduce((m, v, k) => Math.max(m, Math.abs(v - alt[k])), 0);
  assertEquals(maxDiff, 0);
  // Every per-point error is then sqrt(eps) (float32 rounding of the moved
  // coordinates adds ~1e-5 Å), so the FAPE sits at its floor sqrt(1e-4)/10.
  console.log(
    `side-chain FAPE of the swapped prediction: renamed ${out.fape[0]}, plain names ${
      out.fapePlainNames[0]
    }`,
  );
  assertAlmostEquals(out.fape[0], 1e-3, 2e-5);
  assert(out.fapePlainNames[0] > 5 * out.fape[0], "renaming made no difference");
});

Deno.test("renaming keeps the ground-truth naming for a prediction with the true names", async () => {
  const { out, ambiguous } = await scenario(false);
  assertEquals(out.alt, ambiguous.map(() => 0));
  assertAlmostEquals(out.fape[0], 1e-3, 2e-5);
  assertAlmostEquals(out.fapePlainNames[0], out.fape[0], 1e-9);
});
