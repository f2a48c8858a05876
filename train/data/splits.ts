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
import type { Same } from "../../model/util/types.ts";
import { hashSeed } from "../../model/util/rng.ts";

/** The three splits. */
export type SplitName = "train" | "val" | "test";

/** Split settings: which share of the identity clusters goes to validation and test. */
export interface SplitConfig {
  /** Fraction of clusters for validation. */
  valFraction: number;
  /** Fraction of clusters for test. */
  testFraction: number;
  /** Seed of the cluster hash. */
  seed: number;
}

/** Split settings as written; each field defaults on its own (0.05, 0.05, seed 0). */
export type SplitConfigInput = Partial<SplitConfig>;

/** zod schema of {@link SplitConfig}. */
export const SplitConfigSchema = z.object({
  valFraction: z.number().min(0).max(1).default(0.05),
  testFraction: z.number().min(0).max(1).default(0.05),
  seed: z.number().int().default(0),
}).refine((c) => c.valFraction + c.testFraction <= 1, {
  message: "valFraction + testFraction must not exceed 1",
});

// The types above are the schema's written out for the docs; these stop them drifting apart.
const _splitConfigMatches: Same<SplitConfig, z.output<typeof SplitConfigSchema>> = true;
const _splitInputMatches: Same<SplitConfigInput, z.input<typeof SplitConfigSchema>> = true;

/**
 * The split a cluster belongs to.
 *
 * @example
 * ```ts
 * import { splitOfCluster } from "denofold";
 *
 * console.log(splitOfCluster("cluster_42", { valFraction: 0.05, testFraction: 0.05, seed: 0 }));
 * ```
 */
export function splitOfCluster(cluster: string, cfg: SplitConfig): SplitName {
  const u = hashSeed("split", cfg.seed, cluster) / 4294967296;
  if (u < cfg.testFraction) return "test";
  if (u < cfg.testFraction + cfg.valFraction) return "val";
  return "train";
}
