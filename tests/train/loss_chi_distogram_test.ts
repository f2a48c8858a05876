/**
 * Properties of the chi and distogram losses on a real chain, beyond the
 * OpenFold fixtures: a χ off by π costs nothing exactly for the π-periodic
 * chis (ASP χ2, GLU χ3, PHE χ2, TYR χ2) and the full |2·(sin, cos)|² = 4
 * otherwise; distogram logits peaked on the bins computed here in plain JS
 * from the real Cβ distances give a near-zero loss, and peaked one bin off
 * give the logit gap.
 */
import { supervisedChiLoss } from "../../model/losses/chi.ts";
import { distogramLoss } from "../../model/losses/distogram.ts";
import { lossConfig } from "../../model/losses/config.ts";
import { CHI_PI_PERIODIC } from "../../model/protein/residue_constants.ts";
import { Feeder, realChain } from "./loss_real_chain.ts";
import { assert, assertAlmostEquals } from "../assert.ts";

Deno.test("chi loss is invariant to a π flip exactly for the π-periodic chis", async () => {
  const { protein, gt } = await realChain();
  const n = protein.aatype.length;
  const chi = gt.chi_angles_sin_cos.data, chiMask = gt.chi_mask.data;
  // Prediction: every (sin, cos) negated (angle + π), only for χ's of one kind.
  const run = async (periodic: boolean) => {
    const pick = (i: number, k: number) =>
      (CHI_PI_PERIODIC[protein.aatype[i]][k] === 1) === periodic && chiMask[i * 4 + k] === 1;
    const angles = new Float32Array(n * 7 * 2), mask = new Float32Array(n * 4);
    let count = 0;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < 4; k++) {
        for (let d = 0; d < 2; d++) angles[(i * 7 + 3 + k) * 2 + d] = -chi[(i * 4 + k) * 2 + d];
        if (pick(i, k)) (mask[i * 4 + k] = 1), count++;
      }
    }
    const f = new Feeder();
    const loss = supervisedChiLoss(
      f.input("angles", angles, [1, n, 7, 2]),
      f.input("unnormalized", angles, [1, n, 7, 2]),
      {
        aatype: f.input("aatype", protein.aatype, [n]),
        seq_mask: f.input("seq_mask", new Float32Array(n), [n]), // angle-norm term off
        chi_mask: f.input("chi_mask", mask, [n, 4]),
        chi_angles_sin_cos: f.input("chi", chi, [n, 4, 2]),
      },
      { chi_weight: 1, angle_norm_weight: 0, eps: 1e-8 },
    );
    return { value: (await f.run({ loss })).loss[0], count };
  };
  const periodic = await run(true), plain = await run(false);
  assert(periodic.count >= 3 && plain.count >= 20, `${periodic.count} / ${plain.count} chis`);
  assertAlmostEquals(periodic.value, 0, 1e-6);
  // Mean of |2 (sin, cos)|² = 4 over the chosen chis (masked mean eps 1e-4).
  assertAlmostEquals(plain.value, 4 * plain.count / (plain.count + 1e-4), 1e-4);
});

Deno.test("distogram loss with logits on the plain-JS true bins", async () => {
  const { protein, gt } = await realChain();
  const n = protein.aatype.length;
  const cfg = lossConfig("initial").distogram;
  const pb = gt.pseudo_beta.data, mask = gt.pseudo_beta_mask.data;
  const edges = Array.from(
    { length: cfg.no_bins - 1 },
    (_, k) => cfg.min_bin + (k * (cfg.max_bin - cfg.min_bin)) / (cfg.no_bins - 2),
  );
  const trueBin = (i: number, j: number) => {
    const d = Math.hypot(
      pb[i * 3] - pb[j * 3],
      pb[i * 3 + 1] - pb[j * 3 + 1],
      pb[i * 3 + 2] - pb[j * 3 + 2],
    );
    return edges.filter((e) => d > e).length;
  };
  const bins = new Set<number>();
  const logitsFor = (shift: number) => {
    const l = new Float32Array(n * n * cfg.no_bins);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const b = trueBin(i, j);
        bins.add(b);
        const target = shift === 0 ? b : b + 1 < cfg.no_bins ? b + 1 : b - 1;
        l[(i * n + j) * cfg.no_bins + target] = 30;
      }
    }
    return l;
  };
  const run = async (logits: Float32Array) => {
    const f = new Feeder();
    const loss = distogramLoss(
      f.input("logits", logits, [n, n, cfg.no_bins]),
      f.input("pb", pb, [n, 3]),
      f.input("mask", mask, [n]),
      cfg,
    );
    return (await f.run({ loss })).loss[0];
  };
  const exact = await run(logitsFor(0));
  assert(bins.size > 30, `only ${bins.size} distinct bins in the chain`);
  // CE of a 30-logit peak among 64 bins: log(1 + 63 e^-30) ≈ 5.9e-12 per pair.
  assert(exact < 1e-5, `loss ${exact} with logits on the true bins`);
  // One bin off everywhere: every pair pays the 30-logit gap.
  const off = await run(logitsFor(1));
  assertAlmostEquals(off, 30, 1e-3);
});
