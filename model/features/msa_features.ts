/**
 * Implements Algorithm 1 (MSABlockDeletion).
 *
 * AF2 MSA features (supplement section 1.2; OpenFold `data/data_transforms.py`
 * semantics): token encoding, deduplicating merge across databases, deletion
 * features, and the training-time sampling — MSA block deletion (Algorithm 1),
 * cluster-centre sampling, BERT-style masking, nearest-cluster assignment of the
 * extra sequences, cluster profiles / deletion means — ending in the 49-channel
 * `msa_feat` and the extra-MSA features.
 *
 * Token alphabet (AF2 `restypes_with_x_and_gap` + mask): 0..19 the amino acids in
 * `ARNDCQEGHILKMFPSTWYV` order, 20 = X (unknown), 21 = gap, 22 = BERT mask token.
 *
 * Every random draw goes through the {@link Rng} passed in, so a sample is
 * reproducible from its seed.
 *
 * @module
 */

import type { Msa } from "./msa.ts";
import type { Rng } from "../util/rng.ts";
import { type FeatureTensor, tensorOf } from "./feature_tensor.ts";
import {
  HHBLITS_AA_TO_ID,
  MAP_HHBLITS_AATYPE_TO_OUR_AATYPE,
} from "../protein/residue_constants.ts";
import { InputError } from "../util/errors.ts";

/** MSA token of an unknown residue. */
export const MSA_UNKNOWN = 20;
/** MSA token of a gap. */
export const MSA_GAP = 21;
/** MSA token that replaces a BERT-masked position. */
export const MSA_MASK_TOKEN = 22;
/** Number of one-hot classes of an MSA position (20 aa + X + gap + mask). */
export const MSA_CLASSES = 23;
/** Channels of `msa_feat`: 23 one-hot + has_deletion + deletion_value + 23 profile + mean. */
export const MSA_FEAT_CHANNELS = 49;
/** Channels of `target_feat`: between-segment flag + 21-class aatype one-hot. */
export const TARGET_FEAT_CHANNELS = 22;

// HHblits alphabet letter -> AF2 MSA token: AF2 encodes with `HHBLITS_AA_TO_ID`
// and then permutes with `MAP_HHBLITS_AATYPE_TO_OUR_AATYPE` (`correct_msa_restypes`);
// composed once here into a lookup table.
const LETTER_TOKEN = new Int8Array(128).fill(-1);
for (const [letter, id] of Object.entries(HHBLITS_AA_TO_ID)) {
  LETTER_TOKEN[letter.charCodeAt(0)] = MAP_HHBLITS_AATYPE_TO_OUR_AATYPE[id];
}

/** AF2 MSA token (0..21) of one aligned character; throws on a character outside the alphabet. */
export function msaToken(ch: string): number {
  const code = ch.charCodeAt(0);
  const t = code < 128 ? LETTER_TOKEN[code] : -1;
  if (t < 0) {
    throw new InputError(`MSA character ${JSON.stringify(ch)} is not in the HHblits alphabet`);
  }
  return t;
}

/**
 * An encoded MSA: `numRows` rows of `length` tokens, row 0 the query.
 * `tokens` and `deletions` are row-major `[numRows, length]`.
 */
export interface EncodedMsa {
  /** Number of rows (sequences). */
  numRows: number;
  /** Number of columns (query residues). */
  length: number;
  /** Tokens 0..21, `[numRows, length]`. */
  tokens: Uint8Array;
  /** Deleted residues before each column, `[numRows, length]`. */
  deletions: Float32Array;
}

/** Options for {@link mergeMsas}. */
export interface MergeOptions {
  /**
   * Per input MSA, keep at most this many rows before merging (AF2 truncates
   * uniref90 to 10,000 and mgnify to 501 hits); `undefined` keeps all.
   */
  maxRowsPerMsa?: (number | undefined)[];
}

/**
 * Merge the per-database alignments of one query into one encoded MSA, as AF2's
 * `make_msa_features`: databases in the order given (AF2 monomer: uniref90, BFD /
 * Uniclust, mgnify), and an aligned row whose string was already seen is dropped,
 * keeping the first occurrence and its deletions. The query is always row 0, even
 * with no alignment at all (single-sequence mode).
 */
export function mergeMsas(
  query: string,
  msas: readonly Msa[],
  opts: MergeOptions = {},
): EncodedMsa {
  const length = query.length;
  const seen = new Set<string>();
  const rows: { seq: string; del: ArrayLike<number> | null }[] = [];
  const add = (seq: string, del: ArrayLike<number> | null) => {
    if (seen.has(seq)) return;
    seen.add(seq);
    rows.push({ seq, del });
  };
  add(query.toUpperCase(), null);
  msas.forEach((msa, k) => {
    const limit = opts.maxRowsPerMsa?.[k] ?? Infinity;
    const n = Math.min(limit, msa.sequences.length);
    for (let i = 0; i < n; i++) {
      const seq = msa.sequences[i];
      if (seq.length !== length) {
        throw new InputError(
          `MSA ${k} row ${i} (${
            msa.descriptions[i] ?? "?"
          }) has ${seq.length} columns, query has ${length}`,
        );
      }
      add(seq, msa.deletions[i]);
    }
  });
  const numRows = rows.length;
  const tokens = new Uint8Array(numRows * length);
  const deletions = new Float32Array(numRows * length);
  rows.forEach(({ seq, del }, i) => {
    for (let r = 0; r < length; r++) {
      tokens[i * length + r] = msaToken(seq[r]);
      if (del) deletions[i * length + r] = del[r];
    }
  });
  return { numRows, length, tokens, deletions };
}

/** Keep the rows `rows` (in that order) of an encoded MSA. */
export function selectRows(msa: EncodedMsa, rows: ArrayLike<number>): EncodedMsa {
  const L = msa.length;
  const tokens = new Uint8Array(rows.length * L);
  const deletions = new Float32Array(rows.length * L);
  for (let i = 0; i < rows.length; i++) {
    const src = rows[i] * L;
    tokens.set(msa.tokens.subarray(src, src + L), i * L);
    deletions.set(msa.deletions.subarray(src, src + L), i * L);
  }
  return { numRows: rows.length, length: L, tokens, deletions };
}

/** MSA block deletion settings (AF2 supplement 1.2.6). */
export interface BlockDeletionConfig {
  /** Block size as a fraction of the rows (AF2: 0.3). */
  msaFractionPerBlock: number;
  /** Number of blocks (AF2: 5). */
  numBlocks: number;
  /** Draw the number of blocks uniformly from 0..numBlocks instead (AF2: false). */
  randomizeNumBlocks: boolean;
}

/**
 * Row indices kept by MSA block deletion (supplement Algorithm 1): `numBlocks`
 * blocks of `floor(N * fraction)` consecutive rows, each starting at a uniform
 * row, are deleted; the query (row 0) is always kept. Order is preserved.
 */
export function blockDeletionKeep(numRows: number, cfg: BlockDeletionConfig, rng: Rng): Int32Array {
  const blockSize = Math.floor(numRows * cfg.msaFractionPerBlock);
  const nb = cfg.randomizeNumBlocks ? rng.intIn(0, cfg.numBlocks) : cfg.numBlocks;
  const deleted = new Uint8Array(numRows);
  for (let b = 0; b < nb; b++) {
    const start = rng.int(numRows);
    for (let i = start; i < Math.min(numRows, start + blockSize); i++) deleted[i] = 1;
  }
  deleted[0] = 0;
  const keep: number[] = [];
  for (let i = 0; i < numRows; i++) if (!deleted[i]) keep.push(i);
  return Int32Array.from(keep);
}

/**
 * Per-column frequencies of the 22 tokens (20 aa, X, gap) over all rows:
 * AF2's `hhblits_profile` (`make_hhblits_profile`), `[length, 22]`.
 */
export function msaProfile(msa: EncodedMsa): Float32Array {
  const L = msa.length;
  const prof = new Float32Array(L * 22);
  for (let i = 0; i < msa.numRows; i++) {
    for (let r = 0; r < L; r++) prof[r * 22 + msa.tokens[i * L + r]] += 1;
  }
  for (let k = 0; k < prof.length; k++) prof[k] /= msa.numRows;
  return prof;
}

/** BERT-style masking probabilities (AF2 config `masked_msa`). */
export interface MaskedMsaConfig {
  /** Replace by a uniformly drawn amino acid (AF2: 0.1). */
  uniformProb: number;
  /** Replace by a draw from the column profile (AF2: 0.1). */
  profileProb: number;
  /** Keep the true token (AF2: 0.1). The rest goes to the mask token 22. */
  sameProb: number;
  /** Fraction of positions selected for masking (AF2: 0.15). */
  replaceFraction: number;
}

/** Settings of {@link sampleMsaFeatures}. */
export interface MsaSamplingConfig {
  /** Cluster centres (`msa_feat` rows) N_clust, query included (AF2 training: 128). */
  maxMsaClusters: number;
  /** Extra-MSA rows N_extra (AF2 training: 1024). */
  maxExtraMsa: number;
  /** BERT masking. */
  maskedMsa: MaskedMsaConfig;
  /** Block deletion before sampling, or null for none (inference). */
  blockDeletion: BlockDeletionConfig | null;
  /** Weight of gap-gap agreement in the nearest-cluster score (AF2: 0). */
  gapAgreementWeight: number;
}

/** The sampled MSA features of one example (unpadded, uncropped). */
export interface MsaFeatures {
  /** `[N_clust, L, 49]` cluster-centre features. */
  msa_feat: FeatureTensor<Float32Array>;
  /** `[N_clust, L]` 1 on real rows. */
  msa_mask: FeatureTensor<Float32Array>;
  /** `[N_clust, L]` tokens before masking (the BERT target). */
  true_msa: FeatureTensor<Int32Array>;
  /** `[N_clust, L]` 1 where a position was selected for masking. */
  bert_mask: FeatureTensor<Float32Array>;
  /** `[N_extra, L]` tokens 0..21 of the extra sequences. */
  extra_msa: FeatureTensor<Int32Array>;
  /** `[N_extra, L]` 1 where a deletion precedes the column. */
  extra_has_deletion: FeatureTensor<Float32Array>;
  /** `[N_extra, L]` 2/π·atan(d/3). */
  extra_deletion_value: FeatureTensor<Float32Array>;
  /** `[N_extra, L]` 1 on real rows. */
  extra_msa_mask: FeatureTensor<Float32Array>;
}

/** Intermediate state of {@link sampleMsaFeatures}, for inspection and tests. */
export interface MsaSamplingTrace {
  /** Rows of the input kept by block deletion. */
  keptRows: Int32Array;
  /** Rows (indices into the input) chosen as cluster centres, query first. */
  clusterRows: Int32Array;
  /** Rows (indices into the input) not chosen: the extra sequences before cropping. */
  extraRows: Int32Array;
  /** Cluster-centre tokens after masking, `[N_clust, L]`. */
  maskedTokens: Uint8Array;
  /** Nearest cluster of each extra sequence (before cropping). */
  extraClusterAssignment: Int32Array;
  /** Rows of `extraRows` kept by extra-MSA cropping, in output order. */
  extraKept: Int32Array;
}

/** Options of {@link sampleMsaFeatures}. */
export interface SampleMsaOptions {
  /**
   * Replace the profile from the MSA by this one `[L, 20]` (AF2 aatype order) for
   * the BERT profile draw, and use it as every cluster's profile (profile-to-MSA
   * mode, see `profile_msa.ts`).
   */
  profile?: Float32Array;
  /** Receives the intermediate state. */
  trace?: (t: MsaSamplingTrace) => void;
}

/** AF2's deletion-count squashing: 2/π·atan(d/3), in [0, 1). */
export function deletionValue(d: number): number {
  return Math.atan(d / 3) * (2 / Math.PI);
}

/**
 * The training-time MSA sampling and featurisation of AF2 (supplement 1.2.6–1.2.7,
 * OpenFold `sample_msa`, `make_masked_msa`, `nearest_neighbor_clusters`,
 * `summarize_clusters`, `crop_extra_msa`, `make_msa_feat`), in that order:
 *
 * 1. block deletion (Algorithm 1) when configured;
 * 2. the query plus a random `N_clust - 1` of the other rows become cluster
 *    centres; the rest are the extra sequences;
 * 3. BERT masking of the centres: each position is selected with probability
 *    `replaceFraction` and then replaced by a uniform amino acid, a draw from the
 *    column profile, itself, or the mask token 22 (0.1 / 0.1 / 0.1 / 0.7);
 * 4. every extra sequence joins the centre it agrees with at most positions
 *    (agreement over tokens 0..20 with weight 1, gap with `gapAgreementWeight`,
 *    the mask token never; ties to the lowest centre index);
 * 5. cluster profile = mean one-hot (23 classes) over the centre (masked tokens)
 *    and its members; cluster deletion mean likewise, both divided by
 *    `count + 1e-6`;
 * 6. a random `N_extra` of the extra sequences are kept.
 */
export function sampleMsaFeatures(
  input: EncodedMsa,
  cfg: MsaSamplingConfig,
  rng: Rng,
  opts: SampleMsaOptions = {},
): MsaFeatures {
  const L = input.length;
  // 1. Block deletion.
  const keptRows = cfg.blockDeletion
    ? blockDeletionKeep(input.numRows, cfg.blockDeletion, rng)
    : Int32Array.from({ length: input.numRows }, (_, i) => i);
  const msa = keptRows.length === input.numRows ? input : selectRows(input, keptRows);
  const N = msa.numRows;

  // Column profile over 22 tokens for the BERT profile draw.
  const profile22 = opts.profile ? widenProfile(opts.profile, L) : msaProfile(msa);

  // 2. Cluster-centre selection: the query, then a random order of the rest.
  const shuffled = rng.permutation(N - 1);
  const order = new Int32Array(N);
  for (let i = 1; i < N; i++) order[i] = shuffled[i - 1] + 1;
  const nClust = Math.min(cfg.maxMsaClusters, N);
  const centres = order.subarray(0, nClust);
  const extras = order.subarray(nClust);
  const nExtraAll = extras.length;

  // 3. BERT masking of the centres.
  const trueTokens = new Uint8Array(nClust * L);
  const masked = new Uint8Array(nClust * L);
  const bertMask = new Float32Array(nClust * L);
  const m = cfg.maskedMsa;
  const pUniform = m.uniformProb, pProfile = pUniform + m.profileProb;
  const pSame = pProfile + m.sameProb;
  for (let c = 0; c < nClust; c++) {
    const src = centres[c] * L;
    for (let r = 0; r < L; r++) {
      const t = msa.tokens[src + r];
      trueTokens[c * L + r] = t;
      let out = t;
      if (rng.float() < m.replaceFraction) {
        bertMask[c * L + r] = 1;
        // AF2 draws from the mixture 0.1·uniform(20 aa) + 0.1·profile + 0.1·same
        // + 0.7·mask; each component is a normalised distribution, so choosing
        // the component first and then the class is the same distribution.
        const u = rng.float();
        if (u < pUniform) out = rng.int(20);
        else if (u < pProfile) out = rng.categorical(profile22, r * 22, 22);
        else if (u < pSame) out = t;
        else out = MSA_MASK_TOKEN;
      }
      masked[c * L + r] = out;
    }
  }

  // 4. Nearest-cluster assignment of every extra sequence (not needed when a
  // given profile replaces the cluster profiles).
  const assignment = opts.profile
    ? new Int32Array(nExtraAll)
    : nearestClusters(masked, nClust, msa.tokens, extras, L, cfg.gapAgreementWeight);

  // 5. Cluster profiles and deletion means (centre + members).
  const counts = new Float32Array(nClust * L);
  const profSum = new Float32Array(nClust * L * MSA_CLASSES);
  const delSum = new Float32Array(nClust * L);
  for (let c = 0; c < nClust; c++) {
    const src = centres[c] * L;
    for (let r = 0; r < L; r++) {
      counts[c * L + r] = 1;
      profSum[(c * L + r) * MSA_CLASSES + masked[c * L + r]] += 1;
      delSum[c * L + r] += msa.deletions[src + r];
    }
  }
  for (let e = 0; e < (opts.profile ? 0 : nExtraAll); e++) {
    const c = assignment[e];
    const src = extras[e] * L;
    for (let r = 0; r < L; r++) {
      counts[c * L + r] += 1;
      profSum[(c * L + r) * MSA_CLASSES + msa.tokens[src + r]] += 1;
      delSum[c * L + r] += msa.deletions[src + r];
    }
  }

  // Assemble msa_feat [N_clust, L, 49].
  const feat = new Float32Array(nClust * L * MSA_FEAT_CHANNELS);
  for (let c = 0; c < nClust; c++) {
    const src = centres[c] * L;
    for (let r = 0; r < L; r++) {
      const i = c * L + r;
      const o = i * MSA_FEAT_CHANNELS;
      feat[o + masked[i]] = 1;
      const d = msa.deletions[src + r];
      feat[o + 23] = d > 0 ? Math.min(d, 1) : 0;
      feat[o + 24] = deletionValue(d);
      if (opts.profile) {
        for (let k = 0; k < 22; k++) feat[o + 25 + k] = profile22[r * 22 + k];
      } else {
        const inv = 1 / (counts[i] + 1e-6);
        for (let k = 0; k < MSA_CLASSES; k++) feat[o + 25 + k] = profSum[i * MSA_CLASSES + k] * inv;
        feat[o + 48] = deletionValue(delSum[i] * inv);
      }
    }
  }

  // 6. Extra-MSA cropping: a random subset, in random order.
  const nExtra = Math.min(cfg.maxExtraMsa, nExtraAll);
  const extraKept = rng.permutation(nExtraAll).subarray(0, nExtra);
  const extraMsa = new Int32Array(nExtra * L);
  const extraHasDel = new Float32Array(nExtra * L);
  const extraDelVal = new Float32Array(nExtra * L);
  for (let j = 0; j < nExtra; j++) {
    const src = extras[extraKept[j]] * L;
    for (let r = 0; r < L; r++) {
      extraMsa[j * L + r] = msa.tokens[src + r];
      const d = msa.deletions[src + r];
      extraHasDel[j * L + r] = d > 0 ? Math.min(d, 1) : 0;
      extraDelVal[j * L + r] = deletionValue(d);
    }
  }

  opts.trace?.({
    keptRows,
    clusterRows: Int32Array.from(centres, (i) => keptRows[i]),
    extraRows: Int32Array.from(extras, (i) => keptRows[i]),
    maskedTokens: masked,
    extraClusterAssignment: assignment,
    extraKept: Int32Array.from(extraKept),
  });

  return {
    msa_feat: tensorOf(feat, [nClust, L, MSA_FEAT_CHANNELS]),
    msa_mask: tensorOf(new Float32Array(nClust * L).fill(1), [nClust, L]),
    true_msa: tensorOf(Int32Array.from(trueTokens), [nClust, L]),
    bert_mask: tensorOf(bertMask, [nClust, L]),
    extra_msa: tensorOf(extraMsa, [nExtra, L]),
    extra_has_deletion: tensorOf(extraHasDel, [nExtra, L]),
    extra_deletion_value: tensorOf(extraDelVal, [nExtra, L]),
    extra_msa_mask: tensorOf(new Float32Array(nExtra * L).fill(1), [nExtra, L]),
  };
}

/**
 * For each extra row, the index of the centre with the highest weighted agreement
 * (OpenFold `nearest_neighbor_clusters`): the sum over columns of `w[token]` where
 * the centre's (masked) token equals the extra row's token; w = 1 for 0..20,
 * `gapWeight` for the gap, 0 for the mask token. Ties go to the lower index.
 */
export function nearestClusters(
  centreTokens: Uint8Array,
  nClust: number,
  allTokens: Uint8Array,
  extraRows: ArrayLike<number>,
  L: number,
  gapWeight: number,
): Int32Array {
  const nExtra = extraRows.length;
  const out = new Int32Array(nExtra);
  if (nExtra === 0) return out;
  // Column-major copy of the centres so the inner loop runs over contiguous memory.
  const colMajor = new Uint8Array(L * nClust);
  for (let c = 0; c < nClust; c++) {
    for (let r = 0; r < L; r++) colMajor[r * nClust + c] = centreTokens[c * L + r];
  }
  const score = new Float64Array(nClust);
  for (let e = 0; e < nExtra; e++) {
    score.fill(0);
    const src = extraRows[e] * L;
    for (let r = 0; r < L; r++) {
      const t = allTokens[src + r];
      const w = t === MSA_GAP ? gapWeight : t === MSA_MASK_TOKEN ? 0 : 1;
      if (w === 0) continue;
      const col = r * nClust;
      for (let c = 0; c < nClust; c++) if (colMajor[col + c] === t) score[c] += w;
    }
    let best = 0;
    for (let c = 1; c < nClust; c++) if (score[c] > score[best]) best = c;
    out[e] = best;
  }
  return out;
}

/** A `[L, 20]` (or `[L, 22]`) profile as `[L, 22]` (X and gap 0), each row renormalised. */
function widenProfile(profile: Float32Array, L: number): Float32Array {
  const k = profile.length / L;
  if (k !== 20 && k !== 22) {
    throw new InputError(`profile has ${profile.length} values, want ${L} x 20 or 22`);
  }
  const out = new Float32Array(L * 22);
  for (let r = 0; r < L; r++) {
    let s = 0;
    for (let a = 0; a < k; a++) s += profile[r * k + a];
    for (let a = 0; a < k; a++) out[r * 22 + a] = s > 0 ? profile[r * k + a] / s : 0;
    if (s <= 0) out[r * 22 + MSA_UNKNOWN] = 1;
  }
  return out;
}

/**
 * `target_feat` `[L, 22]` as AF2 monomer (`make_msa_feat`): channel 0 is
 * `has_break` (`between_segment_residues`, always 0 for a single chain; AF2 kept
 * it "for compatibility with domain datasets"), channels 1..21 the one-hot of
 * `aatype` over 21 classes (20 amino acids + unknown).
 */
export function targetFeat(aatype: Int32Array, betweenSegment?: ArrayLike<number>): Float32Array {
  const L = aatype.length;
  const out = new Float32Array(L * TARGET_FEAT_CHANNELS);
  for (let i = 0; i < L; i++) {
    out[i * TARGET_FEAT_CHANNELS] = betweenSegment
      ? Math.min(Math.max(betweenSegment[i], 0), 1)
      : 0;
    out[i * TARGET_FEAT_CHANNELS + 1 + Math.min(Math.max(aatype[i], 0), 20)] = 1;
  }
  return out;
}
