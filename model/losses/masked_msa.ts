/**
 * Masked-MSA (BERT) loss (AF2 supplement 1.9.9, OpenFold `masked_msa_loss`):
 * cross-entropy of the masked-MSA head's 23 classes (20 amino acids, unknown,
 * gap, mask) against the true MSA at the positions the pipeline masked.
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import { softmaxCrossEntropy } from "./common.ts";

/** The `loss.masked_msa` section (OpenFold names). */
export interface MaskedMsaConfig {
  num_classes: number;
  eps: number;
}

/**
 * Supplement 1.9.9: `Σ CE · bert_mask / (eps + Σ bert_mask)`, computed as
 * OpenFold does it (row sums over residues, then a 0.5-scaled normaliser, so
 * the effective eps is 2·eps).
 *
 * @param logits `[N_seq, N_res, num_classes]`
 * @param trueMsa `[N_seq, N_res]` (int) class of every MSA entry before masking.
 * @param bertMask `[N_seq, N_res]` 1 where the entry was masked.
 */
export function maskedMsaLoss(
  logits: Tensor,
  trueMsa: Tensor,
  bertMask: Tensor,
  cfg: MaskedMsaConfig,
): Tensor {
  const labels = G.oneHot(trueMsa, cfg.num_classes, logits.dtype);
  const errors = softmaxCrossEntropy(logits, labels);
  const rows = G.sum(G.mul(errors, bertMask), -1);
  const denom = G.add(G.sum(G.mul(bertMask, 0.5), [-2, -1]), cfg.eps);
  return G.mul(G.sum(G.div(rows, denom), -1), 0.5);
}
