/**
 * The training sets of the generalisation ablations (the OpenFold paper's
 * reduced and secondary-structure-elided training sets, issue 16): random
 * subsets of decreasing size drawn by whole 30 %-identity clusters, and sets
 * that omit the mostly-α or mostly-β chains, each with a control of the same
 * size drawn at random, so the effect of the class is not confused with the
 * effect of a smaller set. Every arm trains on the backbone corpus's training
 * split and is evaluated on the same held-out clusters.
 *
 * @module
 */

import { readBackboneCorpus } from "../model/features/backbone_corpus.ts";
import { Rng } from "../model/util/rng.ts";
import { InputError } from "../model/util/errors.ts";
import { toThreeState } from "../analysis/dssp.ts";
import type { Dataset } from "./data/dataset.ts";

/** A chain's three-state secondary-structure fractions (DSSP of the corpus). */
export interface SsFractions {
  /** H, G, I. */
  helix: number;
  /** E, B. */
  strand: number;
}

/**
 * Mostly β: at least 25 % strand residues and more strand than helix.
 *
 * @example
 * ```ts
 * import { mostlyBeta } from "denofold";
 *
 * console.log(mostlyBeta({ helix: 0.1, strand: 0.4 })); // true
 * ```
 */
export function mostlyBeta(f: SsFractions): boolean {
  return f.strand >= 0.25 && f.strand > f.helix;
}

/**
 * Mostly α: at least 40 % helix residues and under 10 % strand.
 *
 * @example
 * ```ts
 * import { mostlyAlpha } from "denofold";
 *
 * console.log(mostlyAlpha({ helix: 0.6, strand: 0.05 })); // true
 * ```
 */
export function mostlyAlpha(f: SsFractions): boolean {
  return f.helix >= 0.4 && f.strand < 0.1;
}

/** One arm of the ablation: its name, what it leaves out, its training chains. */
export interface Arm {
  /** e.g. `size_2000`, `no_beta`, `no_beta_control`. */
  name: string;
  /** `size` (every chain or a subset), `omit` (a class left out) or its same-size `control`. */
  kind: "size" | "omit" | "control";
  /** "helix" | "strand" for omission arms and their controls. */
  omitted?: "helix" | "strand";
  /** Training chain ids (backbone ids), sorted. */
  ids: string[];
}

/**
 * The training pool: backbone chains of the training split with their SS
 * fractions (three-state DSSP of the corpus) and clusters.
 *
 * @example
 * ```ts
 * import { Dataset, trainingPool } from "denofold";
 * const ds = await Dataset.open("data/sample");
 * const pool = await trainingPool(ds, "data/sample/backbone/pm3_backbone.jsonl.gz");
 * console.log(pool.ids.length, pool.ss.get(pool.ids[0]));
 * ```
 */
export async function trainingPool(
  ds: Dataset,
  corpus: string,
): Promise<{ ids: string[]; ss: Map<string, SsFractions>; cluster: Map<string, string> }> {
  const entries = ds.split("train").filter((e) => e.source === "backbone");
  const cluster = new Map(entries.map((e) => [e.id, e.cluster]));
  const ss = new Map<string, SsFractions>();
  for await (const c of readBackboneCorpus(corpus, { ids: new Set(cluster.keys()) })) {
    const s3 = toThreeState(c.dssp);
    let h = 0, e = 0;
    for (const x of s3) {
      if (x === "H") h++;
      else if (x === "E") e++;
    }
    ss.set(c.id, { helix: h / s3.length, strand: e / s3.length });
  }
  const ids = [...cluster.keys()].filter((id) => ss.has(id)).sort();
  return { ids, ss, cluster };
}

/**
 * About `n` chains of `ids` drawn by whole clusters in a seeded random order
 * (the last cluster taken may overshoot by its size less one).
 */
export function drawByCluster(
  ids: readonly string[],
  cluster: ReadonlyMap<string, string>,
  n: number,
  rng: Rng,
): string[] {
  const members = new Map<string, string[]>();
  for (const id of ids) {
    const c = cluster.get(id) ?? id;
    const m = members.get(c);
    if (m) m.push(id);
    else members.set(c, [id]);
  }
  const clusters = [...members.keys()].sort();
  const order = rng.permutation(clusters.length);
  const out: string[] = [];
  for (const k of order) {
    if (out.length >= n) break;
    out.push(...members.get(clusters[k])!);
  }
  return out.sort();
}

/**
 * The arms: every chain; random subsets of each of `sizes` chains (drawn by
 * whole clusters); and for each class of `omit`, the pool without its
 * mostly-α / mostly-β chains plus a random control of the same size.
 *
 * @example
 * ```ts
 * import { ablationArms, Dataset, trainingPool } from "denofold";
 * const ds = await Dataset.open("data/sample");
 * const pool = await trainingPool(ds, "data/sample/backbone/pm3_backbone.jsonl.gz");
 * const arms = ablationArms(pool, { sizes: [48], omit: ["strand"], seed: 0 });
 * console.log(arms.map((a) => `${a.name}: ${a.ids.length}`)); // all, size_48, no_beta, no_beta_control
 * ```
 */
export function ablationArms(
  pool: { ids: string[]; ss: Map<string, SsFractions>; cluster: Map<string, string> },
  opts: { sizes: number[]; omit: ("helix" | "strand")[]; seed: number },
): Arm[] {
  if (pool.ids.length === 0) throw new InputError("the training pool is empty");
  const rng = new Rng(opts.seed);
  const arms: Arm[] = [{ name: "all", kind: "size", ids: [...pool.ids] }];
  for (const n of opts.sizes) {
    if (n >= pool.ids.length) {
      throw new InputError(`size ${n}: the pool has only ${pool.ids.length} chains`);
    }
    arms.push({
      name: `size_${n}`,
      kind: "size",
      ids: drawByCluster(pool.ids, pool.cluster, n, rng.fork(`size-${n}`)),
    });
  }
  for (const cls of opts.omit) {
    const drop = new Set(
      pool.ids.filter((id) => (cls === "strand" ? mostlyBeta : mostlyAlpha)(pool.ss.get(id)!)),
    );
    const kept = pool.ids.filter((id) => !drop.has(id));
    const tag = cls === "strand" ? "beta" : "alpha";
    arms.push({ name: `no_${tag}`, kind: "omit", omitted: cls, ids: kept });
    const perm = rng.fork(`control-${cls}`).permutation(pool.ids.length);
    arms.push({
      name: `no_${tag}_control`,
      kind: "control",
      omitted: cls,
      ids: Array.from(perm.slice(0, kept.length), (k) => pool.ids[k]).sort(),
    });
  }
  return arms;
}
