/**
 * The groups the studies break whole-chain test accuracy down by: the test
 * chain's secondary-structure class (the omissions' thresholds), its length
 * and its true spatial extent. One place, read by the generalisation notebook
 * and by `bench/studies.ts table` (the README's table).
 *
 * @module
 */

import { mostlyAlpha, mostlyBeta, type SsFractions } from "./ablation.ts";
import type { ChainMetrics } from "./evaluate.ts";
import { InputError } from "../model/util/errors.ts";

/**
 * The three classes of a chain, by its truth's DSSP fractions.
 *
 * @example
 * ```ts
 * import { CHAIN_CLASSES } from "denofold";
 *
 * console.log(CHAIN_CLASSES.join(", ")); // "mostly α, mostly β, mixed"
 * ```
 */
export const CHAIN_CLASSES = ["mostly α", "mostly β", "mixed"] as const;
/**
 * The three length bands (residues).
 *
 * @example
 * ```ts
 * import { LENGTH_BANDS } from "denofold";
 *
 * console.log(LENGTH_BANDS.length); // 3
 * ```
 */
export const LENGTH_BANDS = ["≤ 100", "101–200", "> 200"] as const;
/**
 * The three extent bands (radius of gyration over a globular chain's).
 *
 * @example
 * ```ts
 * import { EXTENT_BANDS } from "denofold";
 *
 * console.log(EXTENT_BANDS[0]); // "compact"
 * ```
 */
export const EXTENT_BANDS = ["compact", "middle", "elongated"] as const;
/**
 * Where the extent bands are cut: the tertiles of the studies' 240 test
 * chains' Rg over a globular chain's of the same length (2.2 N^0.38 Å).
 *
 * @example
 * ```ts
 * import { EXTENT_CUTS } from "denofold";
 *
 * console.log(EXTENT_CUTS); // [1.04, 1.16]
 * ```
 */
export const EXTENT_CUTS = [1.04, 1.16] as const;

/** A group of test chains. */
export type TestGroup =
  | typeof CHAIN_CLASSES[number]
  | typeof LENGTH_BANDS[number]
  | typeof EXTENT_BANDS[number];

/**
 * The SS class of a chain: mostly α, mostly β (the omission thresholds) or mixed.
 *
 * @example
 * ```ts
 * import { chainClassOf } from "denofold";
 *
 * console.log(chainClassOf({ helix: 0.1, strand: 0.4 })); // "mostly β"
 * ```
 */
export function chainClassOf(f: SsFractions): typeof CHAIN_CLASSES[number] {
  return mostlyAlpha(f) ? "mostly α" : mostlyBeta(f) ? "mostly β" : "mixed";
}

/**
 * The length band of a chain of `n` residues.
 *
 * @example
 * ```ts
 * import { lengthBandOf } from "denofold";
 *
 * console.log(lengthBandOf(150)); // "101–200"
 * ```
 */
export function lengthBandOf(n: number): typeof LENGTH_BANDS[number] {
  return n <= 100 ? "≤ 100" : n <= 200 ? "101–200" : "> 200";
}

/**
 * The extent band of a chain whose Rg is `rgOverGlobular` times a globular
 * chain's of its length.
 *
 * @example
 * ```ts
 * import { extentBandOf } from "denofold";
 *
 * console.log(extentBandOf(1.3)); // "elongated"
 * ```
 */
export function extentBandOf(rgOverGlobular: number): typeof EXTENT_BANDS[number] {
  return rgOverGlobular <= EXTENT_CUTS[0]
    ? "compact"
    : rgOverGlobular <= EXTENT_CUTS[1]
    ? "middle"
    : "elongated";
}

/**
 * Each chain's Rg over a globular chain's, from `bench/studies.ts extent`'s
 * CSV (`id,length,rg,rg_over_globular,effective_dimension`).
 *
 * @example
 * ```ts
 * import { parseExtentCsv } from "denofold";
 *
 * const m = parseExtentCsv("id,length,rg,rg_over_globular,effective_dimension\nA,68,10.6,0.971,2.78\n");
 * console.log(m.get("A")); // 0.971
 * ```
 */
export function parseExtentCsv(text: string, file = "<extent.csv>"): Map<string, number> {
  const lines = text.trim().split("\n");
  const col = lines[0].split(",").indexOf("rg_over_globular");
  if (col < 0) throw new InputError(`${file}:1: no rg_over_globular column`);
  const out = new Map<string, number>();
  lines.slice(1).forEach((line, k) => {
    const f = line.split(",");
    const v = Number(f[col]);
    if (!f[0] || !Number.isFinite(v)) {
      throw new InputError(`${file}:${k + 2}: expected an id and a number in column ${col + 1}`);
    }
    out.set(f[0], v);
  });
  return out;
}

/** Mean whole-chain lDDT-Cα of one group, and how many chains it holds. */
export interface GroupMean {
  /** Chains in the group. */
  n: number;
  /** Their mean lDDT-Cα, or null for an empty group. */
  lddt: number | null;
}

/**
 * Mean lDDT-Cα per group: the SS classes, the length bands and — when
 * `extent` is given — the extent bands (a chain missing from it is in none).
 *
 * @example
 * ```ts
 * import { type ChainMetrics, groupMeans } from "denofold";
 *
 * declare const rows: ChainMetrics[];
 * console.log(groupMeans(rows)["mostly α"]);
 * ```
 */
export function groupMeans(
  rows: readonly ChainMetrics[],
  extent?: ReadonlyMap<string, number>,
): Partial<Record<TestGroup, GroupMean>> {
  const sums = new Map<TestGroup, number[]>();
  const groups: TestGroup[] = [
    ...CHAIN_CLASSES,
    ...LENGTH_BANDS,
    ...(extent ? EXTENT_BANDS : []),
  ];
  for (const g of groups) sums.set(g, []);
  for (const r of rows) {
    sums.get(chainClassOf(r))!.push(r.lddt_ca);
    sums.get(lengthBandOf(r.length))!.push(r.lddt_ca);
    const e = extent?.get(r.id);
    if (e !== undefined) sums.get(extentBandOf(e))!.push(r.lddt_ca);
  }
  const out: Partial<Record<TestGroup, GroupMean>> = {};
  for (const [g, xs] of sums) {
    out[g] = { n: xs.length, lddt: xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null };
  }
  return out;
}
