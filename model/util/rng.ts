/**
 * A small seeded pseudo-random generator (xoshiro128**, seeded by splitmix32)
 * whose whole state is four 32-bit words, so a data pipeline driven by it is
 * reproducible and its position can be saved in a checkpoint and restored.
 *
 * Every random draw of the feature pipeline and the dataset goes through an
 * {@link Rng} passed in by the caller; nothing reads a global random source.
 *
 * @module
 */

import { InputError, RunError } from "./errors.ts";

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * Hash a list of integers and strings to one 32-bit seed (FNV-1a over their text).
 *
 * @example
 * ```ts
 * import { hashSeed, Rng } from "denofold";
 *
 * const rng = new Rng(hashSeed("eval", 0, "1psm_A")); // a seed per (purpose, seed, chain)
 * console.log(rng.float());
 * ```
 */
export function hashSeed(...parts: (number | string)[]): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join("\u0000")) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Seeded generator with a serialisable state.
 *
 * @example Draws, and a stream saved and resumed
 * ```ts
 * import { Rng } from "denofold";
 *
 * const rng = new Rng(42);
 * console.log(rng.float(), rng.int(10)); // in [0, 1), in 0..9
 * const saved = rng.state();
 * const again = Rng.fromState(saved);
 * console.log(again.float() === rng.float()); // true: continues where rng is
 * ```
 */
export class Rng {
  #s: Uint32Array;

  /** A generator seeded from one integer (any 32-bit value). */
  constructor(seed: number) {
    const sm = splitmix32(seed);
    this.#s = new Uint32Array([sm(), sm(), sm(), sm()]);
    // xoshiro must not start from the all-zero state.
    if (this.#s.every((v) => v === 0)) this.#s[0] = 1;
  }

  /**
   * A generator whose state is built from up to four 32-bit words directly (no
   * hashing), so distinct word lists give distinct streams — e.g. `(seed,
   * position)` for a sample stream, where a 32-bit hash would collide after
   * about 2^16 positions.
   */
  static fromWords(words: readonly number[]): Rng {
    if (words.length > 4) {
      throw new RunError(`Rng.fromWords takes at most 4 words, got ${words.length}`);
    }
    const r = new Rng(0);
    // Unused words are 0, and the last one a fixed odd constant unless given, so
    // the state is never all zero (which xoshiro cannot leave).
    const w: number[] = [0, 0, 0, 0x9e3779b9];
    words.forEach((v, i) => w[i] = v >>> 0);
    if (!w.some((v) => v !== 0)) w[3] = 0x9e3779b9;
    r.#s.set(w);
    // Warm up so nearby word lists (position k, k+1) give unrelated outputs.
    for (let i = 0; i < 16; i++) r.nextU32();
    return r;
  }

  /** Restore a generator from {@link Rng.state}. */
  static fromState(state: readonly number[]): Rng {
    if (state.length !== 4 || state.every((v) => v === 0)) {
      throw new InputError(
        `Rng.fromState: invalid state ${JSON.stringify(state)} (4 words, not all 0)`,
      );
    }
    const r = new Rng(0);
    r.#s.set(state.map((v) => v >>> 0));
    return r;
  }

  /** The four state words (JSON-safe). */
  state(): number[] {
    return Array.from(this.#s);
  }

  /** An independent child stream named by `label` (does not advance this one). */
  fork(label: number | string): Rng {
    return new Rng(hashSeed(...this.#s, label));
  }

  /** Next uniform 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform float in [0, 1) with 32 random bits. */
  float(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n) (n ≤ 2^32), without modulo bias. */
  int(n: number): number {
    if (!(n >= 1)) throw new RunError(`Rng.int needs n >= 1, got ${n}`);
    const limit = Math.floor(4294967296 / n) * n;
    let x: number;
    do x = this.nextU32(); while (x >= limit);
    return x % n;
  }

  /** Uniform integer in [lo, hi] inclusive. */
  intIn(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** A random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** Index drawn from unnormalised non-negative weights `w[off .. off+n)`. */
  categorical(w: ArrayLike<number>, off = 0, n = w.length - off): number {
    let total = 0;
    for (let k = 0; k < n; k++) total += w[off + k];
    let u = this.float() * total;
    for (let k = 0; k < n; k++) {
      u -= w[off + k];
      if (u < 0) return k;
    }
    // Rounding left u >= 0: return the last class with weight.
    for (let k = n - 1; k >= 0; k--) if (w[off + k] > 0) return k;
    return n - 1;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
