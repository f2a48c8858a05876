/**
 * The confidence read-outs (pLDDT, predicted aligned error, pTM) on a real
 * chain and a perturbed copy of it: when the heads' logits put all their mass on
 * the bin of the TRUE error, the read-outs must return the true lDDT-Cα, the true
 * aligned errors and the TM-score of those errors (supplement 1.9.6–1.9.7), up
 * to the bin width. References: lDDT from analysis/lddt.ts (matches OpenFold),
 * aligned errors from the frames of model/protein (Algorithm 21), and the
 * TM-score formula evaluated directly on the unbinned errors.
 */
import * as G from "../../model/graph/mod.ts";
import { computePlddt, computePredictedAlignedError, computePtm } from "../../model/af2/heads.ts";
import { groundTruthFeatures } from "../../model/protein/gt_transforms.ts";
import { readStructure } from "../../model/protein/structure_file.ts";
import { invertApplyRigid, type Rigid, rigidFromMat4 } from "../../model/protein/rigid.ts";
import { ATOM_ORDER } from "../../model/protein/residue_constants.ts";
import { lddt } from "../../analysis/lddt.ts";
import { tmScore } from "../../analysis/tm_score.ts";
import { rng } from "../graph/fd.ts";
import { assert } from "../assert.ts";
import { TEST_DATA } from "../shared_data.ts";

const FILE = `${TEST_DATA}/fullatom/debian/t-coffee-examples/1AE5A.pdb.gz`;
const MAX_BIN = 31, NO_BINS = 64, LDDT_BINS = 50;

/** Truth and a "prediction": every atom moved by a rigid motion plus N(0, σ²) noise. */
async function truthAndPrediction(sigma: number) {
  const p = await readStructure(FILE, { chains: ["A"] });
  const rand = rng(21);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const [c, s] = [Math.cos(0.7), Math.sin(0.7)];
  const pred = Float32Array.from(p.atomPositions);
  for (let k = 0; k < pred.length; k += 3) {
    const [x, y, z] = [pred[k], pred[k + 1], pred[k + 2]];
    pred[k] = c * x - s * y + 5 + sigma * gauss();
    pred[k + 1] = s * x + c * y - 3 + sigma * gauss();
    pred[k + 2] = z + 2 + sigma * gauss();
  }
  const gtTrue = groundTruthFeatures(p.aatype, p.atomPositions, p.atomMask);
  const gtPred = groundTruthFeatures(p.aatype, pred, p.atomMask);
  // Residues with a backbone frame (N, CA, C observed).
  const keep = [...p.aatype.keys()].filter((i) => gtTrue.backbone_rigid_mask.data[i] === 1);
  const ca = (xyz: Float32Array) =>
    Float64Array.from(
      keep.flatMap((i) => [0, 1, 2].map((d) => xyz[(i * 37 + ATOM_ORDER.CA) * 3 + d])),
    );
  const frames = (f: Float32Array) => keep.map((i) => rigidFromMat4(f, i * 16));
  return {
    caTrue: ca(p.atomPositions),
    caPred: ca(pred),
    framesTrue: frames(gtTrue.backbone_rigid_tensor.data),
    framesPred: frames(gtPred.backbone_rigid_tensor.data),
  };
}

/** Logits `[..., bins]` with all mass (softmax ≈ 1 − 1e-11) on bin `bin[k]`. */
function deltaLogits(bins: number[], noBins: number): Float32Array {
  const out = new Float32Array(bins.length * noBins);
  bins.forEach((b, k) => (out[k * noBins + b] = 30));
  return out;
}

Deno.test("pLDDT of one-hot logits at the true lDDT-Ca bin returns the true lDDT-Ca", async () => {
  const { caTrue, caPred } = await truthAndPrediction(1.0);
  const n = caTrue.length / 3;
  const truth = lddt(caPred, caTrue).perResidue;
  // OpenFold's pLDDT target bin: floor(lDDT · no_bins), the top bin closed.
  const bins = Array.from(truth, (v) => Math.min(Math.floor(v * LDDT_BINS), LDDT_BINS - 1));
  const out = await G.evaluate(computePlddt, {
    data: deltaLogits(bins, LDDT_BINS),
    shape: [n, LDDT_BINS],
  });
  let worst = 0;
  for (let i = 0; i < n; i++) {
    worst = Math.max(worst, Math.abs((out.data as Float32Array)[i] - 100 * truth[i]));
  }
  // The read-out is the bin centre: within half a bin (1 point) of the truth.
  assert(worst <= 100 / LDDT_BINS / 2 + 1e-3, `pLDDT off by ${worst} points`);
  const spread = Math.max(...truth) - Math.min(...truth);
  console.log(
    `${n} residues, lDDT-Ca ${Math.min(...truth).toFixed(2)}..${
      Math.max(...truth).toFixed(2)
    }; worst |pLDDT − 100·lDDT| ${worst.toFixed(3)}`,
  );
  assert(spread > 0.2, "the perturbation should spread lDDT over several bins");
});

Deno.test("PAE and pTM of one-hot logits at the true aligned-error bins", async () => {
  const { caTrue, caPred, framesTrue, framesPred } = await truthAndPrediction(1.0);
  const n = framesTrue.length;
  // Aligned error e_ij: residue j's CA in residue i's frame, prediction vs truth.
  const local = (f: Rigid, xyz: Float64Array, j: number) =>
    invertApplyRigid(f, xyz.subarray(j * 3, j * 3 + 3));
  const err = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const a = local(framesPred[i], caPred, j), b = local(framesTrue[i], caTrue, j);
      err[i * n + j] = Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    }
  }
  // OpenFold / AF2 TM-loss binning: the bin index counts the breaks below e.
  const breaks = Array.from({ length: NO_BINS - 1 }, (_, k) => (k * MAX_BIN) / (NO_BINS - 2));
  const bins = Array.from(err, (e) => breaks.filter((b) => e > b).length);
  const g = new G.Graph();
  const logits = g.input("logits", [n, n, NO_BINS]);
  const pae = computePredictedAlignedError(logits, MAX_BIN, NO_BINS);
  const run = await G.compile({
    pae: pae.predicted_aligned_error,
    ptm: computePtm(logits, MAX_BIN, NO_BINS),
  });
  const out = await run.run({ logits: deltaLogits(bins, NO_BINS) });
  const paeOut = out.pae.data as Float32Array;

  // PAE is the centre of the error's bin; AF2's centres sit at break + step/2, so
  // for e in (b_{k−1}, b_k] it reads b_k + step/2: between e + step/2 and e + 3·step/2.
  const step = MAX_BIN / (NO_BINS - 2);
  let inRange = 0, lo = Infinity, hi = -Infinity;
  for (let k = 0; k < n * n; k++) {
    if (err[k] >= MAX_BIN) continue;
    const d = paeOut[k] - err[k];
    lo = Math.min(lo, d), hi = Math.max(hi, d);
    inRange++;
  }
  assert(lo >= step / 2 - 1e-4 && hi <= 1.5 * step + 1e-4, `PAE − error in [${lo}, ${hi}]`);

  // pTM: max over frames i of the mean over j of 1/(1 + (e_ij/d0)²), on the
  // unbinned errors; binning can only lower each term, by at most the slope
  // (≤ 0.65/d0 per Å) times 1.5 bins.
  const d0 = 1.24 * Math.cbrt(Math.max(n, 19) - 15) - 1.8;
  let direct = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += 1 / (1 + (err[i * n + j] / d0) ** 2);
    direct = Math.max(direct, s / n);
  }
  const ptm = (out.ptm.data as Float32Array)[0];
  const slack = (0.65 / d0) * 1.5 * step;
  assert(
    ptm <= direct + 1e-5 && ptm >= direct - slack,
    `pTM ${ptm} vs direct ${direct} (slack ${slack})`,
  );
  // For context: the TM-score of the optimal superposition bounds the frame-based one.
  const tm = tmScore(caPred, caTrue).tmScore;
  console.log(
    `${n} residues, ${inRange} pairs: PAE − error in [${lo.toFixed(3)}, ${hi.toFixed(3)}] Å; ` +
      `pTM ${ptm.toFixed(4)}, direct ${direct.toFixed(4)}, TM-score (optimal superposition) ${
        tm.toFixed(4)
      }`,
  );
  assert(direct <= tm + 1e-3, "a per-residue frame cannot superpose better than TM-score's search");
});
