/**
 * Experimentally-resolved loss (AF2 supplement 1.9.10, OpenFold
 * `experimentally_resolved_loss`): sigmoid cross-entropy of the head's
 * per-atom37 logits against whether the atom was resolved in the structure,
 * over the atoms the residue type has, for well-resolved structures only.
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import { resolutionFilter } from "./common.ts";

/** The `loss.experimentally_resolved` section (OpenFold names). */
export interface ExperimentallyResolvedConfig {
  min_resolution: number;
  max_resolution: number;
  eps: number;
}

/**
 * Supplement 1.9.10: `Σ_i Σ_a e_ia · CE(logit_ia, resolved_ia) / (eps + Σ e)`
 * with `CE = y·softplus(−x) + (1 − y)·softplus(x)` (= −y log σ(x) − (1 − y) log σ(−x)),
 * times 1 when `min_resolution <= resolution <= max_resolution`, else 0.
 *
 * @param logits `[N, 37]`
 * @param atom37AtomExists `[N, 37]` 1 for atoms of the residue type.
 * @param allAtomMask `[N, 37]` 1 where the atom was resolved.
 * @param resolution `[]` structure resolution (Å).
 */
export function experimentallyResolvedLoss(
  logits: Tensor,
  atom37AtomExists: Tensor,
  allAtomMask: Tensor,
  resolution: Tensor,
  cfg: ExperimentallyResolvedConfig,
): Tensor {
  const errors = G.add(
    G.mul(allAtomMask, G.softplus(G.neg(logits))),
    G.mul(G.sub(1, allAtomMask), G.softplus(logits)),
  );
  const perResidue = G.sum(G.mul(errors, atom37AtomExists), -1);
  const loss = G.sum(G.div(perResidue, G.add(G.sum(atom37AtomExists), cfg.eps)), -1);
  return G.mul(
    loss,
    resolutionFilter(resolution, cfg.min_resolution, cfg.max_resolution, logits.dtype),
  );
}
