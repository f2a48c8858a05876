/**
 * The files a prediction leaves, in the formats AlphaFold2's pipeline and the
 * AlphaFold Protein Structure Database use, so tools written for those read
 * ours: per-residue confidence (`confidence_<model>.json`), predicted aligned
 * error (`pae_<model>.json`, AFDB's `[{predicted_aligned_error,
 * max_predicted_aligned_error}]`), and the ranking of several models
 * (`ranking_debug.json`: the scores and `order`, best first).
 *
 * @module
 */

import { z } from "zod";
import type { ModelConfig } from "./af2/config.ts";
import { alignedErrorBinCentres } from "./af2/heads.ts";
import { ParseError } from "./util/errors.ts";

/** AFDB's per-residue confidence file. */
export interface ConfidenceJson {
  /** 1-based residue numbers. */
  residueNumber: number[];
  /** pLDDT (0–100), two decimals. */
  confidenceScore: number[];
  /** D (< 50, very low), L (50–70), M (70–90), H (≥ 90, very high). */
  confidenceCategory: ("D" | "L" | "M" | "H")[];
}

/** AFDB's pLDDT band of a score. */
function category(score: number): ConfidenceJson["confidenceCategory"][number] {
  return score < 50 ? "D" : score < 70 ? "L" : score < 90 ? "M" : "H";
}

/**
 * Per-residue pLDDT as AFDB's confidence JSON.
 *
 * @example
 * ```ts
 * import { confidenceJson } from "./prediction_files.ts";
 *
 * console.log(confidenceJson(Float32Array.of(95.123, 42)).confidenceCategory); // ["H", "D"]
 * ```
 */
export function confidenceJson(plddt: ArrayLike<number>): ConfidenceJson {
  const score = Array.from(plddt, (v) => Math.round(v * 100) / 100);
  return {
    residueNumber: score.map((_, i) => i + 1),
    confidenceScore: score,
    confidenceCategory: score.map(category),
  };
}

/** One entry of AFDB's PAE file (the file is an array of one). */
export interface AfdbPae {
  /** `[L][L]`: row i, column j is the expected error (Å) at residue j aligned on residue i. */
  predicted_aligned_error: number[][];
  /** The largest value the head can predict (its last bin centre). */
  max_predicted_aligned_error: number;
}

/**
 * The largest aligned error a model's TM head can predict: the centre of its
 * last bin (31.75 Å for AF2's 64 bins up to 31 Å).
 */
export function maxPredictedAlignedError(config: ModelConfig): number {
  const { max_bin, no_bins } = config.heads.tm;
  return alignedErrorBinCentres(max_bin, no_bins)[no_bins - 1];
}

/**
 * The PAE `[L, L]` (row-major) in AFDB's format, rounded to 0.1 Å as AF2's
 * pipeline writes it (AFDB's own files hold whole numbers).
 *
 * @example
 * ```ts
 * import { paeJson } from "./prediction_files.ts";
 *
 * const [entry] = paeJson(Float32Array.of(0.25, 3.04, 2.96, 0.31), 2, 31.75);
 * console.log(entry.predicted_aligned_error); // [[0.3, 3], [3, 0.3]]
 * ```
 */
export function paeJson(pae: ArrayLike<number>, length: number, max: number): [AfdbPae] {
  if (pae.length !== length * length) {
    throw new RangeError(`paeJson: ${pae.length} values for ${length} residues`);
  }
  const rows = Array.from(
    { length },
    (_, i) => Array.from({ length }, (_, j) => Math.round(pae[i * length + j] * 10) / 10),
  );
  return [{ predicted_aligned_error: rows, max_predicted_aligned_error: max }];
}

/** AFDB's PAE file format, checked: an array of one entry with a square matrix. */
export const afdbPaeSchema = z.tuple([
  z.object({
    predicted_aligned_error: z.array(z.array(z.number().nonnegative())).refine(
      (rows) => rows.every((r) => r.length === rows.length),
      "predicted_aligned_error is not a square matrix",
    ),
    max_predicted_aligned_error: z.number().positive(),
  }),
]);

/**
 * Read a PAE file in AFDB's format (ours, AF2's or one downloaded from the
 * AlphaFold DB): the matrix `[L, L]` row-major and its maximum. Throws a
 * {@link ParseError} naming the file when it is not that format.
 *
 * @example
 * ```ts
 * import { parseAfdbPae } from "./prediction_files.ts";
 *
 * const { length, pae } = parseAfdbPae(
 *   '[{"predicted_aligned_error":[[0,3],[4,0]],"max_predicted_aligned_error":31.75}]',
 * );
 * console.log(length, pae[2]); // 2 4
 * ```
 */
export function parseAfdbPae(
  text: string,
  file = "<pae>",
): { length: number; pae: Float32Array; max: number } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ParseError({ file }, `not JSON: ${(e as Error).message}`);
  }
  const r = afdbPaeSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ParseError(
      { file },
      `not an AlphaFold DB PAE file: ${issue.path.join(".") || "top level"}: ${issue.message}`,
    );
  }
  const [{ predicted_aligned_error: rows, max_predicted_aligned_error: max }] = r.data;
  return { length: rows.length, pae: Float32Array.from(rows.flat()), max };
}

/** One model's scores of one record. */
export interface ModelScore {
  /** The model's name (as in `confidence_<name>.json`). */
  name: string;
  /** Mean pLDDT (0–100). */
  plddt: number;
  /** pTM (0–1), only where the model's TM head was trained. */
  ptm?: number;
}

/** AF2's `ranking_debug.json`: each model's score and the models best first. */
export interface RankingDebug {
  /** Mean pLDDT per model (AF2 monomer's ranking confidence). */
  plddts: Record<string, number>;
  /** pTM per model, when every model has a trained TM head. */
  ptms?: Record<string, number>;
  /** What `order` sorts by. */
  ranked_by: "plddt" | "ptm";
  /** Model names, highest score first (ranked_0 is `order[0]`). */
  order: string[];
}

/**
 * Rank models by mean pLDDT (AF2's monomer ranking) or by pTM, highest
 * first; ties keep the given order. pTM needs every score to have one.
 *
 * @example
 * ```ts
 * import { rankModels } from "./prediction_files.ts";
 *
 * const r = rankModels([{ name: "a", plddt: 61 }, { name: "b", plddt: 74 }], "plddt");
 * console.log(r.order); // ["b", "a"]
 * ```
 */
export function rankModels(scores: readonly ModelScore[], by: "plddt" | "ptm"): RankingDebug {
  const key = (s: ModelScore) => (by === "ptm" ? s.ptm : s.plddt);
  if (scores.some((s) => key(s) === undefined)) {
    throw new RangeError("rankModels: ranking by pTM needs every model's pTM");
  }
  const round = (v: number) => Math.round(v * 1e4) / 1e4;
  const order = scores.map((s, i) => ({ s, i }))
    .sort((a, b) => key(b.s)! - key(a.s)! || a.i - b.i)
    .map(({ s }) => s.name);
  const out: RankingDebug = {
    plddts: Object.fromEntries(scores.map((s) => [s.name, round(s.plddt)])),
    ranked_by: by,
    order,
  };
  if (scores.every((s) => s.ptm !== undefined)) {
    out.ptms = Object.fromEntries(scores.map((s) => [s.name, round(s.ptm!)]));
  }
  return out;
}
