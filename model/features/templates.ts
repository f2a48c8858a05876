/**
 * Template features from template hits plus the hit structures (AF2 supplement
 * 1.2.3; AF2's `TemplateHitFeaturizer`, OpenFold `data/templates.py`): filter the
 * hits, map each aligned query residue to a residue of the template chain, copy
 * its atom37 coordinates, and add torsions and pseudo-β (OpenFold's template
 * transforms). Release-date filtering is left out (the caller picks the hits).
 *
 * Realignment: a hit names template residues by their index in the template's
 * full sequence (SEQRES / pdb_seqres), while a {@link Protein} read from a file
 * holds only the observed residues. AF2 looks the hit's template sequence up in
 * the mmCIF's SEQRES and falls back to a kalign realignment. Here the hit's
 * residues (a stretch of the full sequence, with unknown letters where the hit
 * skipped insertions) are placed on the observed chain by an exact substring
 * match when the stretch is fully observed (unknown letters match anything),
 * otherwise by an overlap (free end gaps) affine-gap alignment whose chain gaps are cheap where
 * the author numbering of the chain jumps (an unobserved loop) and dear
 * elsewhere. A realignment below {@link DEFAULT_MIN_REALIGN_IDENTITY} identity
 * rejects the hit, as AF2's does below 0.6, and so does one placing fewer than
 * 10 hit residues (a chance match, e.g. when the chain does not observe the
 * aligned stretch at all). As in AF2, a query residue aligned to a template
 * residue takes that residue's type even where the template's atoms are
 * unobserved (mask 0).
 *
 * Release dates (AF2's `max_template_date`; in training OpenFold also caps it
 * at the query's release date minus {@link TRAINING_TEMPLATE_DATE_OFFSET_DAYS}
 * days, see {@link templateDateCutoff}): a hit whose entry was released after
 * the cutoff is skipped before it counts as prefiltered, as OpenFold does with
 * its release-date cache.
 *
 * @module
 */

import type { TemplateHit } from "./hhr.ts";
import type { FeatureTensor } from "./feature_tensor.ts";
import { padAlong, takeAlong } from "./crop.ts";
import { type Protein, selectResidues } from "../protein/protein.ts";
import { type MmcifEntry, readMmcifEntry } from "../protein/mmcif.ts";
import { RESTYPES, RESTYPES_WITH_X } from "../protein/residue_constants.ts";
import { templateGtFeatures } from "../protein/gt_transforms.ts";
import { InputError } from "../util/errors.ts";
import type { Rng } from "../util/rng.ts";

/** AF2's `max_subsequence_ratio`: a hit that is a query substring longer than this is a duplicate. */
export const DEFAULT_MAX_SUBSEQUENCE_RATIO = 0.95;
/** AF2's `min_align_ratio`: hits aligning fewer query residues than this fraction are dropped. */
export const DEFAULT_MIN_ALIGN_RATIO = 0.1;
/** AF2 drops templates with fewer residues than this ("Template too short"). */
export const DEFAULT_MIN_TEMPLATE_LENGTH = 10;
/** AF2's identity threshold for a realigned template sequence. */
export const DEFAULT_MIN_REALIGN_IDENTITY = 0.6;
/** Fewest hit residues placed on the chain for the realignment to count. */
const MIN_REALIGNED_PAIRS = 10;
/** Template aatype of an unmapped query position: the gap class (AF2's `fix_templates_aatype`). */
export const TEMPLATE_GAP_AATYPE = 21;

/**
 * OpenFold's training-time template cutoff: templates must be released at
 * least this many days before the query (`TemplateHitFeaturizer.get_templates`).
 */
export const TRAINING_TEMPLATE_DATE_OFFSET_DAYS = 60;

/** Reads one template chain: PDB id (lower case) and chain id as named by the hit. */
export type TemplateReader = (pdbId: string, chain: string) => Promise<Protein>;

/** The release date (`YYYY-MM-DD`) of an entry, or undefined when unknown. */
export type ReleaseDateReader = (pdbId: string) => Promise<string | undefined>;

/**
 * The latest template release date allowed: `maxDate`, or in training (a query
 * release date given) at most the query's release date minus
 * {@link TRAINING_TEMPLATE_DATE_OFFSET_DAYS} days. Undefined: no cutoff.
 *
 * @example
 * ```ts
 * import { templateDateCutoff } from "denofold";
 *
 * console.log(templateDateCutoff({ queryReleaseDate: "2013-10-16" })); // 2013-08-17
 * console.log(templateDateCutoff({ maxDate: "2010-01-01", queryReleaseDate: "2013-10-16" })); // 2010-01-01
 * ```
 */
export function templateDateCutoff(
  opts: { maxDate?: string; queryReleaseDate?: string },
): string | undefined {
  let cutoff = opts.maxDate;
  if (opts.queryReleaseDate) {
    const t = Date.parse(`${opts.queryReleaseDate}T00:00:00Z`);
    if (Number.isNaN(t)) {
      throw new InputError(`query release date ${opts.queryReleaseDate} is not YYYY-MM-DD`);
    }
    const before = new Date(t - TRAINING_TEMPLATE_DATE_OFFSET_DAYS * 86_400_000)
      .toISOString().slice(0, 10);
    if (cutoff === undefined || before < cutoff) cutoff = before;
  }
  return cutoff;
}

/** Options of {@link templateFeatures}. */
export interface TemplateFeatureOptions {
  /** Templates in the output (`T`); fewer usable hits are padded with `template_mask` 0. */
  maxTemplates: number;
  /** Default {@link DEFAULT_MAX_SUBSEQUENCE_RATIO}. */
  maxSubsequenceRatio?: number;
  /** Default {@link DEFAULT_MIN_ALIGN_RATIO}. */
  minAlignRatio?: number;
  /** Default {@link DEFAULT_MIN_TEMPLATE_LENGTH}. */
  minTemplateLength?: number;
  /** Default {@link DEFAULT_MIN_REALIGN_IDENTITY}. */
  minRealignIdentity?: number;
  /** PDB id of the query's own entry: its hits are the query itself and are skipped. */
  queryPdbId?: string;
  /**
   * Latest release date (`YYYY-MM-DD`, inclusive) of a template entry; hits of
   * later entries are skipped (their dates from `releaseDate`). See
   * {@link templateDateCutoff}.
   */
  maxTemplateDate?: string;
  /** Release dates of template entries, for `maxTemplateDate` (e.g. {@link MmcifDirReader.releaseDate}). */
  releaseDate?: ReleaseDateReader;
  /**
   * Consider only the first this many hits that pass the prefilter and the
   * date cutoff and whose chain can be read (OpenFold's
   * `shuffle_top_k_prefiltered` pool in training: 20).
   */
  prefilteredTopK?: number;
}

/** The template inputs of the model (OpenFold batch names), `T = maxTemplates`, `N` = query length. */
export interface TemplateFeatures {
  /** `[T, N]` AF2 aatype of the template residue (0..20), 21 where unmapped. */
  template_aatype: FeatureTensor<Int32Array>;
  /** `[T, N, 37, 3]` Å, 0 where unmapped or unobserved. */
  template_all_atom_positions: FeatureTensor;
  /** `[T, N, 37]`. */
  template_all_atom_mask: FeatureTensor;
  /** `[T, N, 7, 2]`. */
  template_torsion_angles_sin_cos: FeatureTensor;
  /** `[T, N, 7, 2]`. */
  template_alt_torsion_angles_sin_cos: FeatureTensor;
  /** `[T, N, 7]`. */
  template_torsion_angles_mask: FeatureTensor;
  /** `[T, N, 3]`. */
  template_pseudo_beta: FeatureTensor;
  /** `[T, N]`. */
  template_pseudo_beta_mask: FeatureTensor;
  /** `[T]` 1 for a real template, 0 for padding. */
  template_mask: FeatureTensor;
}

/** What {@link templateFeatures} did with each hit. */
export interface TemplateFeatureResult {
  /** The template tensors, padded to `maxTemplates`. */
  features: TemplateFeatures;
  /** The hits used, in template order, with the number of query residues given coordinates. */
  used: { name: string; index: number; mappedResidues: number }[];
  /** Hits left out and why (AF2's warnings), in hit order. */
  skipped: { name: string; index: number; reason: string }[];
}

/** PDB id (lower case) and chain of a hit name such as `1abc_A description` (AF2's `_get_pdb_id_and_chain`). */
export function templateHitId(name: string): { pdbId: string; chain: string } | undefined {
  const m = /^([A-Za-z0-9]{4})_([A-Za-z0-9.]+)/.exec(name.trim());
  return m ? { pdbId: m[1].toLowerCase(), chain: m[2] } : undefined;
}

/**
 * AF2's `_assess_hhsearch_hit` (prefilter): the reason a hit is not usable as a
 * template for `query`, or undefined when it passes.
 */
export function templateHitRejection(
  query: string,
  hit: TemplateHit,
  options: Omit<TemplateFeatureOptions, "maxTemplates"> = {},
): string | undefined {
  const minAlign = options.minAlignRatio ?? DEFAULT_MIN_ALIGN_RATIO;
  const maxSub = options.maxSubsequenceRatio ?? DEFAULT_MAX_SUBSEQUENCE_RATIO;
  const minLen = options.minTemplateLength ?? DEFAULT_MIN_TEMPLATE_LENGTH;
  const id = templateHitId(hit.name);
  if (!id) return `hit name "${hit.name.slice(0, 40)}" is not <pdb>_<chain>`;
  if (options.queryPdbId && id.pdbId === options.queryPdbId.toLowerCase()) {
    return "hit is the query's own entry";
  }
  const alignRatio = hit.alignedCols / query.length;
  if (!(alignRatio > minAlign)) {
    return `proportion of residues aligned to the query too small (${alignRatio.toFixed(3)})`;
  }
  const templateSequence = hit.hitSequence.replaceAll("-", "");
  const lengthRatio = templateSequence.length / query.length;
  if (query.includes(templateSequence) && lengthRatio > maxSub) {
    return `template is an exact subsequence of the query with large coverage (${
      lengthRatio.toFixed(3)
    })`;
  }
  if (templateSequence.length < minLen) {
    return `template too short (${templateSequence.length} residues)`;
  }
  return undefined;
}

/** The chain's one-letter sequence (X for UNK). */
function chainSequence(p: Protein): string {
  return Array.from(p.aatype, (a) => RESTYPES_WITH_X[a] ?? "X").join("");
}

/**
 * The first chain offset where every known letter of `segment` matches, or -1.
 * The longest run of known letters is looked up with `indexOf`, the rest checked.
 */
function exactPlacement(segment: readonly (string | undefined)[], chain: string): number {
  let runStart = 0, runLength = 0;
  for (let i = 0, start = 0; i <= segment.length; i++) {
    if (i === segment.length || segment[i] === undefined) {
      if (i - start > runLength) (runStart = start), (runLength = i - start);
      start = i + 1;
    }
  }
  if (runLength === 0) return -1;
  const anchor = segment.slice(runStart, runStart + runLength).join("");
  for (let k = chain.indexOf(anchor); k >= 0; k = chain.indexOf(anchor, k + 1)) {
    const at = k - runStart;
    if (at < 0 || at + segment.length > chain.length) continue;
    if (segment.every((c, i) => c === undefined || c === chain[at + i])) return at;
  }
  return -1;
}

/**
 * Places a stretch of a template's full sequence on the observed residues of
 * its chain. `segment[i]` is the letter of full-sequence residue `start + i`, or
 * `undefined` when the hit does not say. Returns per segment position the chain
 * residue index, or -1 (not observed / not aligned), the number of aligned
 * pairs with known letters and their identity. `chainNumbers` (author residue numbers) make
 * chain gaps cheap where the numbering jumps.
 */
export function realignTemplateToChain(
  segment: readonly (string | undefined)[],
  chain: string,
  chainNumbers?: ArrayLike<number>,
): { map: Int32Array; identity: number; knownPairs: number } {
  const m = segment.length, n = chain.length;
  const map = new Int32Array(m).fill(-1);
  // Exact placement (AF2's first choice, a substring match): the stretch is fully
  // observed; unknown letters match anything.
  const at = exactPlacement(segment, chain);
  if (at >= 0) {
    let known = 0;
    for (let i = 0; i < m; i++) (map[i] = at + i), segment[i] !== undefined && known++;
    return { map, identity: known ? 1 : 0, knownPairs: known };
  }
  const MATCH = 2, MISMATCH = -2, UNKNOWN = 0;
  const OPEN_SEG = 6, EXTEND = 0.5; // gaps in the segment: chain residues the hit lacks
  // Gap in the chain before chain residue j (segment residues unobserved): cheap at a numbering jump.
  const openChain = (j: number) =>
    chainNumbers && j > 0 && j < n && chainNumbers[j] - chainNumbers[j - 1] > 1 ? 1 : 6;
  const NEG = -1e9;
  const W = n + 1;
  // Gotoh: H = pair at (i, j), E = gap in chain (segment i consumed), F = gap in segment.
  // Scores are multiples of 0.5 well inside float32's exact range.
  const H = new Float32Array((m + 1) * W).fill(NEG);
  const E = new Float32Array((m + 1) * W).fill(NEG);
  const F = new Float32Array((m + 1) * W).fill(NEG);
  const tbH = new Uint8Array((m + 1) * W), tbE = new Uint8Array((m + 1) * W);
  const tbF = new Uint8Array((m + 1) * W);
  // Free leading gaps in both sequences (overlap alignment).
  for (let i = 0; i <= m; i++) H[i * W] = 0;
  for (let j = 0; j <= n; j++) H[j] = 0;
  const best3 = (h: number, e: number, f: number) => (h >= e && h >= f ? 0 : e >= f ? 1 : 2);
  for (let i = 1; i <= m; i++) {
    const s = segment[i - 1];
    for (let j = 1; j <= n; j++) {
      const k = i * W + j;
      // E: segment residue i against a gap, coming from (i-1, j).
      const up = k - W;
      const eOpen = H[up] - openChain(j), eExt = E[up] - EXTEND;
      E[k] = eOpen >= eExt ? eOpen : eExt;
      tbE[k] = eOpen >= eExt ? 0 : 1;
      // F: chain residue j against a gap, coming from (i, j-1).
      const left = k - 1;
      const fOpen = H[left] - OPEN_SEG, fExt = F[left] - EXTEND;
      F[k] = fOpen >= fExt ? fOpen : fExt;
      tbF[k] = fOpen >= fExt ? 0 : 2;
      const diag = k - W - 1;
      const from = best3(H[diag], E[diag], F[diag]);
      const prev = from === 0 ? H[diag] : from === 1 ? E[diag] : F[diag];
      const score = s === undefined ? UNKNOWN : s === chain[j - 1] ? MATCH : MISMATCH;
      H[k] = prev + score;
      tbH[k] = from;
    }
  }
  // Free trailing gaps: best H cell on the last row or column.
  let bi = m, bj = n, best = NEG;
  for (let j = 0; j <= n; j++) if (H[m * W + j] > best) (best = H[m * W + j]), (bi = m), (bj = j);
  for (let i = 0; i <= m; i++) if (H[i * W + n] > best) (best = H[i * W + n]), (bi = i), (bj = n);
  let i = bi, j = bj, state = 0, same = 0, known = 0;
  while (i > 0 && j > 0) {
    const k = i * W + j;
    if (state === 0) {
      map[i - 1] = j - 1;
      const s = segment[i - 1];
      if (s !== undefined) (known++, s === chain[j - 1] && same++);
      state = tbH[k];
      i--, j--;
    } else if (state === 1) {
      state = tbE[k];
      i--;
    } else {
      state = tbF[k];
      j--;
    }
  }
  return { map, identity: known ? same / known : 0, knownPairs: known };
}

/** One template's per-query-residue arrays, before torsions. */
export interface MappedTemplate {
  /** `[N]` template aatype, {@link TEMPLATE_GAP_AATYPE} where unmapped. */
  aatype: Int32Array;
  /** `[N, 37, 3]`. */
  positions: Float32Array;
  /** `[N, 37]`. */
  mask: Float32Array;
  /** Query residues given a template residue. */
  mappedResidues: number;
}

/**
 * AF2's `_extract_template_features` for one hit and its chain: query residue
 * q → template full-sequence index (from the hit's index lists) → observed
 * chain residue (realignment) → atom37 copy. Returns a reason string when the
 * hit is unusable.
 */
export function mapTemplateToQuery(
  query: string,
  hit: TemplateHit,
  chain: Protein,
  minRealignIdentity = DEFAULT_MIN_REALIGN_IDENTITY,
): MappedTemplate | string {
  const n = query.length;
  let lo = Infinity, hi = -Infinity;
  for (let c = 0; c < hit.indicesHit.length; c++) {
    const t = hit.indicesHit[c];
    if (t >= 0) (lo = Math.min(lo, t)), (hi = Math.max(hi, t));
  }
  if (!Number.isFinite(lo)) return "hit has no template residues";
  if (hi - lo + 1 > 100_000) return "hit spans more than 100000 template residues";
  const segment: (string | undefined)[] = new Array(hi - lo + 1).fill(undefined);
  for (let c = 0; c < hit.indicesHit.length; c++) {
    const t = hit.indicesHit[c];
    if (t >= 0) segment[t - lo] = hit.hitSequence[c];
  }
  const seq = chainSequence(chain);
  const { map, identity, knownPairs } = realignTemplateToChain(segment, seq, chain.residueIndex);
  // A chance match of a few letters is no placement: ask for 10 aligned residues
  // (or every known residue of a shorter hit).
  const knownLetters = segment.filter((c) => c !== undefined).length;
  if (knownPairs < Math.min(MIN_REALIGNED_PAIRS, knownLetters)) {
    return `only ${knownPairs} of the hit's template residues are observed in the chain`;
  }
  if (identity < minRealignIdentity) {
    return `template sequence realigns to the chain with identity ${identity.toFixed(2)}`;
  }
  const aatype = new Int32Array(n).fill(TEMPLATE_GAP_AATYPE);
  const positions = new Float32Array(n * 37 * 3), mask = new Float32Array(n * 37);
  let mapped = 0;
  for (let c = 0; c < hit.indicesQuery.length; c++) {
    const q = hit.indicesQuery[c], t = hit.indicesHit[c];
    if (q < 0 || t < 0) continue;
    if (q >= n) return `hit aligns query residue ${q + 1} beyond the query's ${n}`;
    const r = map[t - lo];
    if (r < 0) {
      // Aligned but not observed: AF2 keeps the template residue's type, no atoms.
      const k = RESTYPES.indexOf(hit.hitSequence[c].toUpperCase());
      aatype[q] = k >= 0 ? k : 20;
      continue;
    }
    aatype[q] = chain.aatype[r];
    positions.set(chain.atomPositions.subarray(r * 111, r * 111 + 111), q * 111);
    mask.set(chain.atomMask.subarray(r * 37, r * 37 + 37), q * 37);
    mapped++;
  }
  let atoms = 0;
  for (const v of mask) atoms += v;
  // AF2's TemplateAtomMaskAllZerosError threshold.
  if (atoms < 5) return "template all-atom mask is (nearly) all zeros";
  return { aatype, positions, mask, mappedResidues: mapped };
}

/**
 * Template features of `query` from its hits (AF2 supplement 1.2.3): hits with
 * finite `sumProbs` (hhsearch) are taken best first as AF2 does, hmmsearch hits
 * in their order; each hit is prefiltered ({@link templateHitRejection}), its
 * chain read with `readTemplate` (a failing read skips the hit), mapped
 * ({@link mapTemplateToQuery}), until `maxTemplates` templates are found.
 * Torsions and pseudo-β come from {@link templateGtFeatures}; padding templates
 * are all zero with `template_mask` 0.
 *
 * @example Template features from an HHsearch report and a directory of mmCIF files
 * ```ts
 * import { mmcifDirTemplateReader, readHhr, templateFeatures } from "denofold";
 *
 * const { hits } = await readHhr("pdb70_hits.hhr");
 * const query = "MKVLAAGIVALLLAAGCSSSKE";
 * const r = await templateFeatures(query, hits, mmcifDirTemplateReader("pdb_mmcif"), {
 *   maxTemplates: 4,
 * });
 * console.log(r.used, r.skipped);
 * ```
 */
export async function templateFeatures(
  query: string,
  hits: readonly TemplateHit[],
  readTemplate: TemplateReader,
  options: TemplateFeatureOptions,
): Promise<TemplateFeatureResult> {
  const T = options.maxTemplates, n = query.length;
  if (!Number.isInteger(T) || T < 0) throw new RangeError(`maxTemplates ${T} is not a count`);
  query = query.toUpperCase();
  const ordered = hits.every((h) => Number.isFinite(h.sumProbs))
    ? [...hits].sort((a, b) => b.sumProbs - a.sumProbs)
    : [...hits];
  const aatype = new Int32Array(T * n).fill(TEMPLATE_GAP_AATYPE);
  const positions = new Float32Array(T * n * 111), mask = new Float32Array(T * n * 37);
  const templateMask = new Float32Array(T);
  const used: TemplateFeatureResult["used"] = [], skipped: TemplateFeatureResult["skipped"] = [];
  let prefiltered = 0;
  for (const hit of ordered) {
    if (used.length >= T) break;
    const skip = (reason: string) => skipped.push({ name: hit.name, index: hit.index, reason });
    const rejection = templateHitRejection(query, hit, options);
    if (rejection) {
      skip(rejection);
      continue;
    }
    const { pdbId, chain } = templateHitId(hit.name)!;
    if (options.maxTemplateDate !== undefined && options.releaseDate) {
      const date = await options.releaseDate(pdbId).catch(() => undefined);
      if (date !== undefined && date > options.maxTemplateDate) {
        skip(`released ${date}, after the template cutoff ${options.maxTemplateDate}`);
        continue;
      }
    }
    let protein: Protein;
    try {
      protein = await readTemplate(pdbId, chain);
    } catch (e) {
      skip(`cannot read ${pdbId} chain ${chain}: ${e instanceof Error ? e.message : e}`);
      continue;
    }
    // A hit whose structure cannot be read takes no place in the pool: with a
    // partial mmCIF mirror the pool is the top hits among the entries present.
    if (options.prefilteredTopK !== undefined && ++prefiltered > options.prefilteredTopK) break;
    const t = mapTemplateToQuery(query, hit, protein, options.minRealignIdentity);
    if (typeof t === "string") {
      skip(t);
      continue;
    }
    const k = used.length;
    aatype.set(t.aatype, k * n);
    positions.set(t.positions, k * n * 111);
    mask.set(t.mask, k * n * 37);
    templateMask[k] = 1;
    used.push({ name: hit.name, index: hit.index, mappedResidues: t.mappedResidues });
  }
  // The torsion code knows residue types 0..20; gaps carry no atoms, so UNK stands in.
  const gt = templateGtFeatures(aatype.map((a) => Math.min(a, 20)), positions, mask, T);
  return {
    features: {
      template_aatype: { data: aatype, shape: [T, n] },
      template_all_atom_positions: { data: positions, shape: [T, n, 37, 3] },
      template_all_atom_mask: { data: mask, shape: [T, n, 37] },
      ...gt,
      template_mask: { data: templateMask, shape: [T] },
    },
    used,
    skipped,
  };
}

/**
 * The template features of a crop: residues `cropIndices` of the chain (e.g.
 * the pipeline's `FeatureMeta.cropIndices`), zero-padded to `paddedLength`
 * residues as OpenFold's `make_fixed_size` pads (every padded value 0). The
 * template axis and `template_mask` are kept. Torsions are not recomputed: ω/φ
 * of a crop's first residue keep the values of the uncropped chain, as in
 * OpenFold, which crops after computing them.
 */
export function cropTemplateFeatures(
  f: TemplateFeatures,
  cropIndices: ArrayLike<number>,
  paddedLength: number,
): TemplateFeatures {
  const n = f.template_aatype.shape[1];
  for (let i = 0; i < cropIndices.length; i++) {
    const r = cropIndices[i];
    if (!Number.isInteger(r) || r < 0 || r >= n) {
      throw new RangeError(`crop index ${r} outside the ${n} template residues`);
    }
  }
  const cut = <T extends FeatureTensor | FeatureTensor<Int32Array>>(t: T): T =>
    padAlong(takeAlong(t, 1, cropIndices), 1, paddedLength);
  return {
    template_aatype: cut(f.template_aatype),
    template_all_atom_positions: cut(f.template_all_atom_positions),
    template_all_atom_mask: cut(f.template_all_atom_mask),
    template_torsion_angles_sin_cos: cut(f.template_torsion_angles_sin_cos),
    template_alt_torsion_angles_sin_cos: cut(f.template_alt_torsion_angles_sin_cos),
    template_torsion_angles_mask: cut(f.template_torsion_angles_mask),
    template_pseudo_beta: cut(f.template_pseudo_beta),
    template_pseudo_beta_mask: cut(f.template_pseudo_beta_mask),
    template_mask: f.template_mask,
  };
}

/**
 * The template features of `n` residues with `t` empty templates (all zero, `template_mask` 0).
 *
 * @example
 * ```ts
 * import { emptyTemplateFeatures } from "denofold";
 *
 * console.log(emptyTemplateFeatures(4, 10).template_aatype.shape); // [4, 10]
 * ```
 */
export function emptyTemplateFeatures(t: number, n: number): TemplateFeatures {
  return {
    template_aatype: { data: new Int32Array(t * n), shape: [t, n] },
    template_all_atom_positions: { data: new Float32Array(t * n * 111), shape: [t, n, 37, 3] },
    template_all_atom_mask: { data: new Float32Array(t * n * 37), shape: [t, n, 37] },
    template_torsion_angles_sin_cos: { data: new Float32Array(t * n * 14), shape: [t, n, 7, 2] },
    template_alt_torsion_angles_sin_cos: {
      data: new Float32Array(t * n * 14),
      shape: [t, n, 7, 2],
    },
    template_torsion_angles_mask: { data: new Float32Array(t * n * 7), shape: [t, n, 7] },
    template_pseudo_beta: { data: new Float32Array(t * n * 3), shape: [t, n, 3] },
    template_pseudo_beta_mask: { data: new Float32Array(t * n), shape: [t, n] },
    template_mask: { data: new Float32Array(t), shape: [t] },
  };
}

/** How many real templates (`template_mask` 1, which come first) a feature set holds. */
export function templateCount(f: TemplateFeatures): number {
  let k = 0;
  for (const m of f.template_mask.data) if (m > 0) k++;
  return k;
}

/**
 * The templates an example uses, `maxTemplates` of them (padded with empty
 * ones): the first ones of `f` (inference, AF2's best-first order), or, given
 * `rng`, AF2's training-time sampling as OpenFold implements it — the
 * candidates (the usable hits among the top 20 prefiltered, see
 * {@link TemplateFeatureOptions.prefilteredTopK}) shuffled, the first
 * `maxTemplates` of them featurised, and of those a uniformly random number
 * from 0 to all of them kept (`subsample_templates` in `random_crop_to_size`).
 *
 * @example
 * ```ts
 * import { emptyTemplateFeatures, Rng, selectTemplates } from "denofold";
 *
 * const none = emptyTemplateFeatures(0, 10);
 * console.log(selectTemplates(none, 4, new Rng(0)).template_mask.data); // Float32Array(4) [0, 0, 0, 0]
 * ```
 */
export function selectTemplates(
  f: TemplateFeatures | undefined,
  maxTemplates: number,
  rng?: Rng,
): TemplateFeatures {
  const n = f ? f.template_aatype.shape[1] : 0;
  const out = emptyTemplateFeatures(maxTemplates, n);
  if (!f) return out;
  const have = templateCount(f);
  let pick = Array.from({ length: Math.min(have, maxTemplates) }, (_, i) => i);
  if (rng) {
    const order = Array.from(rng.permutation(have)).slice(0, maxTemplates);
    pick = order.slice(0, rng.int(order.length + 1));
  }
  const names = Object.keys(out) as (keyof TemplateFeatures)[];
  pick.forEach((src, k) => {
    for (const name of names) {
      const from = f[name].data, to = out[name].data;
      const per = from.length / f[name].shape[0];
      to.set(from.subarray(src * per, (src + 1) * per), k * per);
    }
  });
  return out;
}

/** One chain of a multi-chain {@link Protein}, residues in file order. */
export function selectChain(p: Protein, chain: string): Protein {
  const keep: number[] = [];
  p.chainIds.forEach((c, i) => c === chain && keep.push(i));
  return selectResidues(p, keep);
}

/** File names tried for an entry, in order (OpenFold's mmCIF directory holds `<id>.cif`). */
const ENTRY_FILES = (id: string) =>
  [id, id.toUpperCase()].flatMap((x) => [`${x}.cif`, `${x}.cif.gz`, `${x}.mmcif`, `${x}.mmcif.gz`]);

/** A {@link TemplateReader} over a directory of mmCIF files that also knows each entry's release date. */
export interface MmcifDirReader {
  /** One chain of an entry (rejects when the entry or chain is missing). */
  (pdbId: string, chain: string): Promise<Protein>;
  /** The entry's release date from its mmCIF header (undefined when it has none or no file). */
  releaseDate: ReleaseDateReader;
}

/** Entries a {@link mmcifDirTemplateReader} keeps parsed (the most recently used). */
const TEMPLATE_ENTRY_CACHE = 64;

/**
 * A {@link TemplateReader} over a directory of mmCIF files (`<pdb id>.cif`,
 * optionally gzipped or upper-case). Each entry is parsed once (model 1, all
 * chains, and its header) and kept for later hits on its other chains (the 64
 * most recently used entries); a missing entry or chain
 * rejects, which {@link templateFeatures} turns into a skipped hit.
 *
 * @example
 * ```ts
 * import { mmcifDirTemplateReader } from "denofold";
 *
 * const read = mmcifDirTemplateReader("data/sample/fullatom/github/aqlaboratory_openfold");
 * const chain = await read("3zee", "A");
 * console.log(chain.aatype.length);
 * ```
 */
export function mmcifDirTemplateReader(dir: string): MmcifDirReader {
  const entries = new Map<string, Promise<MmcifEntry>>();
  const open = async (id: string): Promise<MmcifEntry> => {
    for (const name of ENTRY_FILES(id)) {
      const path = `${dir}/${name}`;
      try {
        if (!(await Deno.stat(path)).isFile) continue;
      } catch {
        continue;
      }
      return await readMmcifEntry(path);
    }
    throw new InputError(`no mmCIF file for ${id} in ${dir} (a template hit)`);
  };
  const entry = (pdbId: string): Promise<MmcifEntry> => {
    let e = entries.get(pdbId);
    if (e) entries.delete(pdbId); // re-inserted below: most recently used last
    else e = open(pdbId);
    entries.set(pdbId, e);
    if (entries.size > TEMPLATE_ENTRY_CACHE) entries.delete(entries.keys().next().value!);
    return e;
  };
  const read = async (pdbId: string, chain: string) => {
    const chainOf = selectChain((await entry(pdbId)).protein, chain);
    if (chainOf.aatype.length === 0) {
      throw new InputError(`template ${pdbId} (${dir}) has no protein chain ${chain}`);
    }
    return chainOf;
  };
  return Object.assign(read, {
    releaseDate: (pdbId: string) => entry(pdbId).then((e) => e.header.releaseDate, () => undefined),
  });
}
