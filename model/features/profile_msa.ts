/**
 * Profile-to-MSA mode: MSA features for chains that have a sequence profile but
 * no alignment (the backbone corpus: HHblits-derived frequencies `[L, 20]`, see
 * `readProfiles` in `backbone_corpus.ts`).
 *
 * The choice, and why:
 * - The cluster profile (msa_feat channels 25..47) of every cluster row is the
 *   given profile itself, with X, gap and mask at 0 and the cluster deletion mean
 *   0. That is the quantity AF2's cluster profile estimates, here known directly
 *   from the HHblits search that produced it.
 * - The MSA rows are the query followed by pseudo-sequences whose residue in each
 *   column is drawn independently from that column's profile (seeded). They
 *   carry the per-column conservation the profile holds and give the MSA stack,
 *   BERT masking (which draws from the same profile) and the extra-MSA stack
 *   rows to work on. Independent columns hold no covariation: a model can learn
 *   conservation from them, never coevolution, which is the honest content of a
 *   profile.
 * - No insertions are known, so every deletion feature is 0.
 * - The pseudo-MSA then goes through the same sampling as a real one
 *   (`sampleMsaFeatures`: cluster centres, masking, extra rows), so both
 *   kinds of chain yield features of identical layout. Block deletion is skipped
 *   (the pipeline turns it off for profile inputs): the rows are exchangeable
 *   independent draws, so deleting blocks would only mean drawing fewer. By
 *   default exactly `N_clust + N_extra` rows are drawn, so every row is used.
 *
 * @module
 */

import type { Rng } from "../util/rng.ts";
import { type EncodedMsa, msaToken } from "./msa_features.ts";
import { InputError, RunError } from "../util/errors.ts";

/**
 * The query plus `depth - 1` pseudo-sequences drawn column by column from a
 * profile `[L, 20]` in AF2 aatype order (rows need not be normalised; a row of
 * zeros yields X).
 */
export function profilePseudoMsa(
  query: string,
  profile: Float32Array,
  depth: number,
  rng: Rng,
): EncodedMsa {
  const L = query.length;
  if (profile.length !== L * 20) {
    throw new InputError(
      `profile has ${profile.length} values, want ${L} x 20 for the query`,
    );
  }
  if (!(depth >= 1)) throw new RunError(`profilePseudoMsa: depth must be >= 1, got ${depth}`);
  // Per-column cumulative distribution for inverse-CDF draws.
  const cdf = new Float64Array(L * 20);
  const total = new Float64Array(L);
  for (let r = 0; r < L; r++) {
    let s = 0;
    for (let a = 0; a < 20; a++) {
      s += Math.max(0, profile[r * 20 + a]);
      cdf[r * 20 + a] = s;
    }
    total[r] = s;
  }
  const tokens = new Uint8Array(depth * L);
  for (let r = 0; r < L; r++) tokens[r] = msaToken(query[r]);
  for (let i = 1; i < depth; i++) {
    for (let r = 0; r < L; r++) {
      if (total[r] <= 0) {
        tokens[i * L + r] = 20;
        continue;
      }
      const u = rng.float() * total[r];
      let a = 0;
      while (a < 19 && cdf[r * 20 + a] <= u) a++;
      tokens[i * L + r] = a;
    }
  }
  return { numRows: depth, length: L, tokens, deletions: new Float32Array(depth * L) };
}
