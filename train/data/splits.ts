/**
 * Train / validation / test splits by identity cluster, never by chain: every
 * chain of a cluster lands in the same split, so no test chain has a training
 * chain of ≥ 30 % identity (the data README's rule). The split of a cluster is a
 * fixed function of its name and the split seed, independent of which other
 * clusters exist, so adding data never moves a cluster between splits.
 *
 * @module
 */

import { z } from "zod";
import { hashSeed } from "../../model/util/rng.ts";

/** The three splits. */
export type SplitName = "train" | "val" | "test";

/** zod schema of the split settings. */
export const SplitConfigSchema = z.object({
  /** Fraction of clusters for validation. */
  valFraction: z.number().min(0).max(1).default(0.05),
  /** Fraction of clusters for test. */
  testFraction: z.number().min(0).max(1).default(0.05),
  /** Seed of the cluster hash. */
  seed: z.number().int().default(0),
}).refine((c) => c.valFraction + c.testFraction <= 1, {
  message: "valFraction + testFraction must not exceed 1",
});

/** Validated split settings. */
export type SplitConfig = z.infer<typeof SplitConfigSchema>;

/** The split a cluster belongs to. */
export function splitOfCluster(cluster: string, cfg: SplitConfig): SplitName {
  const u = hashSeed("split", cfg.seed, cluster) / 4294967296;
  if (u < cfg.testFraction) return "test";
  if (u < cfg.testFraction + cfg.valFraction) return "val";
  return "train";
}
