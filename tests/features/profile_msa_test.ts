import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../assert.ts";
import { profilePseudoMsa } from "../../model/features/profile_msa.ts";
import { msaToken, sampleMsaFeatures } from "../../model/features/msa_features.ts";
import { Rng } from "../../model/util/rng.ts";
import { AF2_TRAIN, UBIQUITIN } from "./msa_test_util.ts";

/** A profile peaked on the query residue (0.6) with the rest spread over 4 others. */
function peakedProfile(query: string): Float32Array {
  const p = new Float32Array(query.length * 20);
  for (let r = 0; r < query.length; r++) {
    const q = msaToken(query[r]);
    p[r * 20 + q] = 0.6;
    for (let k = 1; k <= 4; k++) p[r * 20 + ((q + 4 * k) % 20)] = 0.1;
  }
  return p;
}

Deno.test("pseudo-sequences reproduce the column frequencies of the profile", () => {
  const prof = peakedProfile(UBIQUITIN);
  const L = UBIQUITIN.length;
  const msa = profilePseudoMsa(UBIQUITIN, prof, 4001, new Rng(1));
  assertEquals(msa.numRows, 4001);
  assertEquals(Array.from(msa.tokens.subarray(0, L)), [...UBIQUITIN].map(msaToken));
  assert(msa.deletions.every((d) => d === 0), "no deletions");
  let maxDev = 0;
  for (let r = 0; r < L; r++) {
    const counts = new Float64Array(20);
    for (let i = 1; i < 4001; i++) counts[msa.tokens[i * L + r]]++;
    for (let a = 0; a < 20; a++) {
      maxDev = Math.max(maxDev, Math.abs(counts[a] / 4000 - prof[r * 20 + a]));
    }
  }
  // Binomial sd of 0.6 over 4000 draws is 0.0077; max over 1520 cells stays below 5 sd.
  assert(maxDev < 0.04, `max frequency deviation ${maxDev}`);
  assertThrows(() => profilePseudoMsa("ACD", prof, 10, new Rng(1)), Error, "want 3 x 20");
});

Deno.test("profile mode: every cluster row carries the profile, deletions are zero", () => {
  const prof = peakedProfile(UBIQUITIN);
  const L = UBIQUITIN.length;
  const msa = profilePseudoMsa(UBIQUITIN, prof, 300, new Rng(2));
  const cfg = { ...AF2_TRAIN, maxMsaClusters: 32, maxExtraMsa: 64, blockDeletion: null };
  const f = sampleMsaFeatures(msa, cfg, new Rng(3), { profile: prof });
  assertEquals(f.msa_feat.shape, [32, L, 49]);
  assertEquals(f.extra_msa.shape, [64, L]);
  for (let i = 0; i < 32 * L; i++) {
    const r = i % L, o = i * 49;
    for (let a = 0; a < 20; a++) {
      assertAlmostEquals(f.msa_feat.data[o + 25 + a], prof[r * 20 + a], 1e-6);
    }
    for (const k of [23, 24, 45, 46, 47, 48]) assertEquals(f.msa_feat.data[o + k], 0);
  }
  assert(f.extra_has_deletion.data.every((v) => v === 0), "no extra deletions");
});
