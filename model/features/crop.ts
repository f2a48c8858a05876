/**
 * Residue cropping and length-bucket padding of feature tensors.
 *
 * Which crops (why this mix):
 * - AF2 monomer training (supplement 1.2.8) and OpenFold's monomer pipeline
 *   (`random_crop_to_size`) crop a *contiguous* window of `crop_size` residues.
 *   We draw its start uniformly over the valid starts. (OpenFold draws
 *   `x ~ U[0, n]` and then the start from `U[0, n - x]` for unclamped-FAPE
 *   samples, which favours the N-terminus; we do not copy that bias.) When
 *   coordinates are known, only windows holding an observed residue are drawn.
 * - *Spatial* crops come from AlphaFold-Multimer (Evans et al. 2021, section
 *   7.2.1; OpenFold `get_spatial_crop_idx`): pick a centre residue, take the
 *   `crop_size` residues nearest to it by Cα distance (ties broken by index,
 *   +1e-3 Å per residue), keep them in chain order. Multimer picks the centre
 *   among interface residues; a monomer has no interface, so we pick a random
 *   residue with an observed Cα. This exposes the model to long-range contacts
 *   between segments far apart in sequence, which contiguous crops of long
 *   chains never show.
 * - Mix: spatial with probability `spatialCropProb` (default 0.5, AF-Multimer's
 *   `spatial_crop_prob`), contiguous otherwise; set it to 0 for pure AF2-monomer
 *   behaviour. Chains no longer than the crop are never cropped.
 *
 * Padding: graphs are compiled per length bucket (multiples of 32 up to 256,
 * then of 64), so a cropped example is zero-padded to its bucket; every mask is
 * 0 on padding because padding is zeros.
 *
 * @module
 */

import type { Rng } from "../util/rng.ts";
import { type FeatureTensor, shapeSize } from "./feature_tensor.ts";
import { RunError } from "../util/errors.ts";

/** A float32 or int32 feature tensor. */
export type AnyTensor = FeatureTensor<Float32Array> | FeatureTensor<Int32Array>;

/** How a crop was chosen. */
export type CropKind = "none" | "contiguous" | "spatial";

/** The residues a crop keeps, in chain order. */
export interface CropChoice {
  /** Kept residue indices, ascending. */
  indices: Int32Array;
  /** How they were chosen. */
  kind: CropKind;
}

/**
 * A contiguous window of `min(L, cropSize)` residues with a uniform start. With
 * `observed` (1 where the residue has coordinates), only windows holding at least
 * one observed residue are drawn: a chain placed on a longer alignment query may
 * have long unobserved stretches, and a window inside one would carry no
 * supervision at all.
 */
export function contiguousCrop(
  L: number,
  cropSize: number,
  rng: Rng,
  observed?: ArrayLike<number>,
): Int32Array {
  const n = Math.min(L, cropSize);
  let starts = L - n + 1;
  let valid: number[] | undefined;
  if (observed) {
    // prefix[i] = observed residues before i; keep starts whose window has one.
    const prefix = new Int32Array(L + 1);
    for (let i = 0; i < L; i++) prefix[i + 1] = prefix[i] + (observed[i] > 0 ? 1 : 0);
    valid = [];
    for (let s = 0; s + n <= L; s++) if (prefix[s + n] > prefix[s]) valid.push(s);
    if (valid.length === 0) valid = undefined;
    else starts = valid.length;
  }
  const k = rng.int(starts);
  const start = valid ? valid[k] : k;
  return Int32Array.from({ length: n }, (_, i) => start + i);
}

/**
 * The `cropSize` residues nearest (by Cα distance) to a random residue with an
 * observed Cα, in chain order. Residues without a Cα come last (infinite
 * distance); with no observed Cα at all this falls back to a contiguous crop.
 *
 * @param ca Cα coordinates `[L, 3]`.
 * @param caMask 1 where the Cα was observed, `[L]`.
 */
export function spatialCrop(
  ca: Float32Array,
  caMask: ArrayLike<number>,
  cropSize: number,
  rng: Rng,
): Int32Array {
  const L = caMask.length;
  const n = Math.min(L, cropSize);
  const observed: number[] = [];
  for (let i = 0; i < L; i++) if (caMask[i] > 0) observed.push(i);
  if (observed.length === 0) return contiguousCrop(L, cropSize, rng);
  const c = observed[rng.int(observed.length)];
  const dist = new Float64Array(L);
  for (let i = 0; i < L; i++) {
    dist[i] = caMask[i] > 0
      ? Math.hypot(
        ca[3 * i] - ca[3 * c],
        ca[3 * i + 1] - ca[3 * c + 1],
        ca[3 * i + 2] - ca[3 * c + 2],
      )
      : Infinity;
    // OpenFold's tie break: a small index-proportional offset.
    dist[i] += i * 1e-3;
  }
  const order = Array.from({ length: L }, (_, i) => i).sort((a, b) => dist[a] - dist[b]);
  return Int32Array.from(order.slice(0, n).sort((a, b) => a - b));
}

/** Cropping settings. */
export interface CropConfig {
  /** Residues kept (AF2: 256 initial training, 384 fine-tuning). */
  cropSize: number;
  /** Probability of a spatial rather than contiguous crop. */
  spatialCropProb: number;
}

/**
 * Choose the residues of one training crop (see the module comment for the
 * mix). Without Cα coordinates only contiguous crops are possible.
 */
export function chooseCrop(
  L: number,
  cfg: CropConfig,
  rng: Rng,
  ca?: { positions: Float32Array; mask: ArrayLike<number> },
): CropChoice {
  // Draw the crop kind first so the random stream does not depend on L.
  const spatial = rng.float() < cfg.spatialCropProb;
  if (L <= cfg.cropSize) {
    return { indices: Int32Array.from({ length: L }, (_, i) => i), kind: "none" };
  }
  if (spatial && ca) {
    return { indices: spatialCrop(ca.positions, ca.mask, cfg.cropSize, rng), kind: "spatial" };
  }
  return { indices: contiguousCrop(L, cfg.cropSize, rng, ca?.mask), kind: "contiguous" };
}

/** Keep the entries `indices` along `axis` of a tensor (a gather). */
export function takeAlong<T extends AnyTensor>(
  t: T,
  axis: number,
  indices: ArrayLike<number>,
): T {
  const shape = t.shape.slice();
  const outer = shapeSize(shape.slice(0, axis));
  const inner = shapeSize(shape.slice(axis + 1));
  const dim = shape[axis];
  shape[axis] = indices.length;
  const out = new (t.data.constructor as { new (n: number): T["data"] })(shapeSize(shape));
  const src = t.data, n = indices.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < n; j++) {
      // Plain element copies: `subarray` + `set` per slice is slow for short slices.
      const from = (o * dim + indices[j]) * inner, to = (o * n + j) * inner;
      for (let k = 0; k < inner; k++) out[to + k] = src[from + k];
    }
  }
  return { data: out, shape } as T;
}

/** Zero-pad a tensor along `axis` to `size` (no-op when already that size). */
export function padAlong<T extends AnyTensor>(
  t: T,
  axis: number,
  size: number,
): T {
  const dim = t.shape[axis];
  if (dim === size) return t;
  if (dim > size) {
    throw new RunError(`padAlong: cannot pad axis ${axis} of size ${dim} down to ${size}`);
  }
  const shape = t.shape.slice();
  shape[axis] = size;
  const outer = shapeSize(t.shape.slice(0, axis));
  const inner = shapeSize(t.shape.slice(axis + 1));
  const out = new (t.data.constructor as { new (n: number): T["data"] })(shapeSize(shape));
  for (let o = 0; o < outer; o++) {
    out.set(t.data.subarray(o * dim * inner, (o + 1) * dim * inner), o * size * inner);
  }
  return { data: out, shape } as T;
}

/**
 * The compiled-graph length for `n` residues: the next multiple of 32 up to
 * 256, then of 64.
 */
export function lengthBucket(n: number): number {
  if (n <= 0) return 32;
  return n <= 256 ? Math.ceil(n / 32) * 32 : Math.ceil(n / 64) * 64;
}
