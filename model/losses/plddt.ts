/**
 * The pLDDT loss (AF2 supplement 1.9.6, OpenFold `lddt_loss`): the pLDDT
 * head's 50 bins are trained by cross-entropy against the lDDT-Cα of the
 * final predicted structure, computed here in the graph on stop-gradient'ed
 * predictions (the target is data, not a path for gradients). The plain-TS
 * lDDT for analysis is `analysis/lddt.ts`; both follow OpenFold's `lddt`.
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import { ATOM_ORDER } from "../protein/residue_constants.ts";
import { pairwiseDistances, resolutionFilter, softmaxCrossEntropy } from "./common.ts";

/** lDDT distance-difference thresholds (Å). */
const THRESHOLDS = [0.5, 1, 2, 4];

/** Options of {@link lddtGraph}. */
export interface LddtGraphOptions {
  /** Inclusion radius in the reference (Å), 15 in AF2. */
  cutoff?: number;
  /** In the distances' square roots and on both sides of the ratio (OpenFold default 1e-10). */
  eps?: number;
  /** Per residue `[N]` (default) or one global score `[]`. */
  perResidue?: boolean;
}

/**
 * lDDT of one point per residue (supplement 1.9.6, OpenFold `lddt`): pairs
 * i ≠ j with both points present and true distance below the cutoff are
 * scored by the fraction of thresholds 0.5/1/2/4 Å the predicted distance stays
 * within; per residue `(eps + Σ_j score·m) / (eps + Σ_j m)` (a residue without
 * pairs gets 1). Discrete, so it has no useful gradient: callers pass
 * stop-gradient'ed predictions.
 *
 * @param pred `[N, 3]` predicted positions.
 * @param truth `[N, 3]` ground-truth positions.
 * @param mask `[N]` 1 where the ground-truth point exists.
 */
export function lddtGraph(
  pred: Tensor,
  truth: Tensor,
  mask: Tensor,
  opts: LddtGraphOptions = {},
): Tensor {
  const cutoff = opts.cutoff ?? 15, eps = opts.eps ?? 1e-10;
  const n = truth.shape[truth.rank - 2];
  const dTrue = pairwiseDistances(truth, eps);
  const dPred = pairwiseDistances(pred, eps);
  const offDiagonal = pred.graph.constant(
    Array.from({ length: n * n }, (_, k) => (Math.floor(k / n) === k % n ? 0 : 1)),
    [n, n],
    pred.dtype,
  );
  const scored = G.mul(
    G.mul(G.cast(G.less(dTrue, cutoff), pred.dtype), offDiagonal),
    G.mul(G.unsqueeze(mask, -1), G.unsqueeze(mask, -2)),
  );
  const l1 = G.abs(G.sub(dTrue, dPred));
  const hits = THRESHOLDS.map((t) => G.cast(G.less(l1, t), pred.dtype));
  const score = G.mul(hits.reduce((a, b) => G.add(a, b)), 1 / THRESHOLDS.length);
  const axes = opts.perResidue === false ? [-2, -1] : [-1];
  return G.div(
    G.add(G.sum(G.mul(scored, score), axes), eps),
    G.add(G.sum(scored, axes), eps),
  );
}

/** lDDT-Cα from atom37 arrays (`[N, 37, 3]`, mask `[N, 37]`), OpenFold `lddt_ca`. */
export function lddtCaGraph(
  allAtomPredPos: Tensor,
  allAtomPositions: Tensor,
  allAtomMask: Tensor,
  opts: LddtGraphOptions = {},
): Tensor {
  const ca = ATOM_ORDER["CA"];
  return lddtGraph(
    G.select(allAtomPredPos, -2, ca),
    G.select(allAtomPositions, -2, ca),
    G.select(allAtomMask, -1, ca),
    opts,
  );
}

/** The `loss.plddt_loss` section (OpenFold names). */
export interface PlddtLossConfig {
  min_resolution: number;
  max_resolution: number;
  cutoff: number;
  no_bins: number;
  eps: number;
}

/**
 * Supplement 1.9.6: target bin `min(floor(lDDT-Cα · no_bins), no_bins − 1)` of
 * the stop-gradient'ed final prediction; loss = Cα-masked mean of the
 * cross-entropy, times the resolution filter.
 *
 * @param logits `[N, no_bins]` pLDDT head logits.
 * @param allAtomPredPos `[N, 37, 3]` final predicted atom37 positions.
 * @param allAtomPositions `[N, 37, 3]` ground truth.
 * @param allAtomMask `[N, 37]`
 * @param resolution `[]`
 */
export function plddtLoss(
  logits: Tensor,
  allAtomPredPos: Tensor,
  allAtomPositions: Tensor,
  allAtomMask: Tensor,
  resolution: Tensor,
  cfg: PlddtLossConfig,
): Tensor {
  const score = G.stopGradient(
    lddtCaGraph(G.stopGradient(allAtomPredPos), allAtomPositions, allAtomMask, {
      cutoff: cfg.cutoff,
      eps: cfg.eps,
    }),
  ); // [N]
  // floor(score · bins) clamped to bins − 1, as the count of k = 1..bins−1 with k <= score · bins.
  const ks = logits.graph.constant(
    Array.from({ length: cfg.no_bins - 1 }, (_, k) => k + 1),
    [cfg.no_bins - 1],
    logits.dtype,
  );
  const scaled = G.unsqueeze(G.mul(score, cfg.no_bins), -1);
  const bin = G.sum(G.cast(G.greaterEqual(scaled, ks), "int64"), -1);
  const errors = softmaxCrossEntropy(logits, G.oneHot(bin, cfg.no_bins, logits.dtype));
  const caMask = G.select(allAtomMask, -1, ATOM_ORDER["CA"]);
  const loss = G.div(G.sum(G.mul(errors, caMask), -1), G.add(G.sum(caMask, -1), cfg.eps));
  return G.mul(
    loss,
    resolutionFilter(resolution, cfg.min_resolution, cfg.max_resolution, logits.dtype),
  );
}
