/**
 * How much memory one inference iteration of a model needs, estimated before
 * anything is built, and the chunk budget that makes a length fit a machine.
 * `deno task predict` checks every (record, model) pair with it up front, so a
 * batch never dies of memory hours in: a length that fits unchunked runs
 * unchunked, one that does not gets the largest chunk budget that fits, and one
 * that fits with no budget is refused with its estimate.
 *
 * The estimate is a sum of the tensors that scale with the protein, with
 * multipliers fitted to the peak RSS measured by the af2 memory probes
 * (`bench/results/latest.json`, `af2_memprobe_*`: one af2 Evoformer block, 128
 * cluster and 1,024 extra rows; budget 2^25 elements: 3.1 GiB at 256 residues,
 * 5.3 at 512, 10.9 at 1,024; 2^26 at 1,024: 12.7; 2^27 at 1,024 stopped at
 * 16.3; unchunked at 256: 10.4). A chunked op costs far more than its one
 * chunk (about 14 chunks' worth: 2^25 → 2^26 added 1.7 GiB at 1,024 residues),
 * an unchunked one about 4.5 times its largest intermediate (logits, softmax,
 * weighted sum). The fit lands between 1 % below and 18 % above each
 * measurement ({@link planMemory} keeps 10 % headroom besides), and since
 * the peak does not grow with depth (`af2_memprobe_3block_1024` 10.9 GiB, the
 * full 48-block iteration 9.0 GiB) it holds for the whole model.
 *
 * @module
 */

import type { ModelConfig } from "./af2/config.ts";
import { formatBytes } from "./io/bounded.ts";
import { InputError } from "./util/errors.ts";

/** The sizes an inference graph is built for. */
export interface InferenceDims {
  /** Residues. */
  nRes: number;
  /** MSA cluster rows fed to the Evoformer. */
  nSeq: number;
  /** Extra MSA rows (0 without the extra-MSA stack). */
  nExtra: number;
}

/** An estimate and where it comes from (bytes). */
export interface MemoryEstimate {
  /** The estimated peak resident memory of the process. */
  bytes: number;
  /** The chunk budget it assumes (undefined: unchunked). */
  chunkBudget?: number;
  /** The runtime and the parameters (held by JS and by onnxruntime). */
  fixed: number;
  /** MSA-sized tensors (`[S, N, c_m]`, `[E, N, c_e]`) and their copies. */
  msa: number;
  /** Pair-sized tensors (`[N, N, c_z]`, triangle projections). */
  pair: number;
  /** The largest single intermediates (attention logits and their softmax). */
  intermediate: number;
}

const F32 = 4;
/** Deno, onnxruntime and a compiled session, before any tensor (measured: ~0.5 GiB). */
const RUNTIME_BYTES = 0.5 * 2 ** 30;
/** Fitted multipliers (see the module comment): live copies of each kind at the peak. */
const MSA_COPIES = 3.5;
const PAIR_COPIES = 13.4;
/** An unchunked op: its logits, their softmax and the weighted sum (af2 at 256 residues). */
const UNCHUNKED_COPIES = 4.5;
/** A chunked op: chunks in flight and the pieces before their concatenation. */
const CHUNKED_COPIES = 14;
/** What {@link planMemory} leaves free: the fit is exact at some measurements, and they varied. */
const HEADROOM = 1.1;

/**
 * The chunk budgets {@link planMemory} tries, largest first: a larger budget
 * makes fewer, larger chunks, so a smaller graph that compiles faster
 * (bench/af2_bench.ts: 2^26 compiles in 22 s where 2^25 takes 173 s at 1,024
 * residues); 2^22 is the floor where an attention row at AF2's sizes still fits.
 */
export const CHUNK_BUDGETS: readonly number[] = [
  2 ** 27,
  2 ** 26,
  2 ** 25,
  2 ** 24,
  2 ** 23,
  2 ** 22,
];

/**
 * The chunked ops' full intermediates and the smallest piece each can be cut
 * into (one row): elements. Chunking takes rows up to the budget but never less
 * than one row (model/nn/scope.ts).
 */
function intermediates(cfg: ModelConfig, d: InferenceDims): { full: number; row: number }[] {
  const n = d.nRes, s = d.nSeq;
  const ev = cfg.evoformer;
  const ops = [
    // MSA row attention with pair bias: [H, S, N, N]; a row is one sequence.
    { full: ev.no_heads_msa * s * n * n, row: ev.no_heads_msa * n * n },
    // MSA column attention: [H, N, S, S].
    { full: ev.no_heads_msa * n * s * s, row: ev.no_heads_msa * s * s },
    // Triangle attention: [H, N, N, N].
    { full: ev.no_heads_pair * n * n * n, row: ev.no_heads_pair * n * n },
    // Outer product mean before its projection: [N, N, c, c].
    { full: n * n * ev.c_hidden_opm ** 2, row: n * ev.c_hidden_opm ** 2 },
    // Pair transition: [N, N, n·c_z].
    { full: n * n * ev.transition_n * cfg.c_z, row: n * ev.transition_n * cfg.c_z },
  ];
  if (cfg.extra_msa.enabled && d.nExtra > 0) {
    const ex = cfg.extra_msa;
    ops.push(
      { full: ex.no_heads_msa * d.nExtra * n * n, row: ex.no_heads_msa * n * n },
      { full: n * n * ex.c_hidden_opm ** 2, row: n * ex.c_hidden_opm ** 2 },
      { full: ex.no_heads_pair * n * n * n, row: ex.no_heads_pair * n * n },
    );
  }
  return ops;
}

/**
 * The estimated peak memory of one inference iteration of `cfg` at `dims`
 * with `chunkBudget` (elements of the largest chunked intermediate;
 * undefined: unchunked), for `paramCount` parameters.
 *
 * @example
 * ```ts
 * import { estimateInferenceMemory } from "./memory.ts";
 * import { modelConfig } from "./af2/config.ts";
 *
 * const e = estimateInferenceMemory(modelConfig("af2"), { nRes: 1024, nSeq: 128, nExtra: 1024 }, 93e6, 2 ** 25);
 * console.log((e.bytes / 2 ** 30).toFixed(1), "GiB");
 * ```
 */
export function estimateInferenceMemory(
  cfg: ModelConfig,
  dims: InferenceDims,
  paramCount: number,
  chunkBudget?: number,
): MemoryEstimate {
  const n = dims.nRes;
  const extra = cfg.extra_msa.enabled ? dims.nExtra * n * cfg.c_e : 0;
  const msa = MSA_COPIES * F32 * (dims.nSeq * n * cfg.c_m + extra);
  const pairWidth = Math.max(cfg.c_z, cfg.evoformer.c_hidden_mul);
  const pair = PAIR_COPIES * F32 * n * n * pairWidth;
  const intermediate = F32 * Math.max(
    ...intermediates(cfg, dims).map((op) =>
      chunkBudget === undefined || op.full <= chunkBudget
        ? UNCHUNKED_COPIES * op.full
        : CHUNKED_COPIES * Math.max(chunkBudget, op.row)
    ),
  );
  const fixed = RUNTIME_BYTES + 2 * F32 * paramCount;
  return { bytes: fixed + msa + pair + intermediate, chunkBudget, fixed, msa, pair, intermediate };
}

/** A budget as a power of two when it is one ("2^25"), else the number. */
export function formatBudget(budget: number): string {
  const k = Math.log2(budget);
  return Number.isInteger(k) ? `2^${k}` : String(budget);
}

/** Elements of a parameter set (what {@link estimateInferenceMemory} takes as `paramCount`). */
export function paramElements(params: ReadonlyMap<string, ArrayLike<number>>): number {
  let n = 0;
  for (const v of params.values()) n += v.length;
  return n;
}

/** "16G", "1500000", "512 MiB" as bytes; undefined when it is not a size. */
function parseBytes(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = { "": 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[m[2].toLowerCase()]!;
  return Number(m[1]) * unit;
}

/**
 * The memory this process may use: what the kernel reports available, or the
 * cgroup's limit less its usage when that is lower (a container);
 * `DENOFOLD_MEMORY_LIMIT` (bytes, or with a unit: "16G") overrides both.
 */
export function availableMemory(): number {
  const env = Deno.env.get("DENOFOLD_MEMORY_LIMIT");
  if (env !== undefined) {
    const v = parseBytes(env);
    if (v === undefined) {
      throw new InputError(
        `DENOFOLD_MEMORY_LIMIT=${env} is not a size (bytes, or with K, M, G or T)`,
      );
    }
    return v;
  }
  let avail = Deno.systemMemoryInfo().available;
  try {
    const max = Deno.readTextFileSync("/sys/fs/cgroup/memory.max").trim();
    const cur = Number(Deno.readTextFileSync("/sys/fs/cgroup/memory.current").trim());
    if (max !== "max" && Number.isFinite(Number(max))) {
      avail = Math.min(avail, Math.max(0, Number(max) - cur));
    }
  } catch {
    // No cgroup v2 files (not Linux, or not in a cgroup): the kernel's figure stands.
  }
  return avail;
}

/** What {@link planMemory} decided. */
export interface MemoryPlan {
  /** The budget to build with (undefined: unchunked). */
  chunkBudget?: number;
  /** The estimate at that budget. */
  estimate: MemoryEstimate;
  /** The unchunked estimate, when chunking was chosen because it did not fit. */
  unchunked?: MemoryEstimate;
}

/**
 * The chunk budget to predict with in `available` bytes (an estimate fits
 * with 10 % to spare): the asked one when given (refused if it does not fit),
 * else unchunked when that fits, else the largest of {@link CHUNK_BUDGETS}
 * that fits. Throws an {@link InputError}
 * with the estimate when nothing fits (`what` names the record and model).
 *
 * @example
 * ```ts
 * import { planMemory } from "./memory.ts";
 * import { modelConfig } from "./af2/config.ts";
 *
 * const plan = planMemory("T1044", modelConfig("af2"), { nRes: 1024, nSeq: 128, nExtra: 1024 }, 93e6, 16 * 2 ** 30);
 * console.log(plan.chunkBudget); // the largest budget that fits in 16 GiB
 * ```
 */
export function planMemory(
  what: string,
  cfg: ModelConfig,
  dims: InferenceDims,
  paramCount: number,
  available: number,
  requested?: number,
): MemoryPlan {
  const avail = formatBytes(available);
  if (requested !== undefined) {
    const estimate = estimateInferenceMemory(cfg, dims, paramCount, requested);
    if (estimate.bytes * HEADROOM > available) {
      // Name a smaller budget that fits, when one does.
      const fits = CHUNK_BUDGETS.filter((b) => b < requested).map((b) => ({
        b,
        e: estimateInferenceMemory(cfg, dims, paramCount, b),
      })).find(({ e }) => e.bytes * HEADROOM <= available);
      throw new InputError(
        `${what}: ${dims.nRes} residues need about ${formatBytes(estimate.bytes)} with ` +
          `--chunk-budget ${
            formatBudget(requested)
          }; ${avail} is available (--memory, DENOFOLD_MEMORY_LIMIT)` +
          (fits
            ? `; --chunk-budget ${formatBudget(fits.b)} fits (about ${formatBytes(fits.e.bytes)})`
            : ""),
      );
    }
    return { chunkBudget: requested, estimate };
  }
  const unchunked = estimateInferenceMemory(cfg, dims, paramCount);
  if (unchunked.bytes * HEADROOM <= available) return { estimate: unchunked };
  let last = unchunked;
  for (const budget of CHUNK_BUDGETS) {
    last = estimateInferenceMemory(cfg, dims, paramCount, budget);
    if (last.bytes * HEADROOM <= available) {
      return { chunkBudget: budget, estimate: last, unchunked };
    }
  }
  throw new InputError(
    `${what}: ${dims.nRes} residues need about ${formatBytes(unchunked.bytes)} unchunked and ` +
      `${formatBytes(last.bytes)} at the smallest chunk budget ` +
      `(${
        formatBudget(CHUNK_BUDGETS[CHUNK_BUDGETS.length - 1])
      }); ${avail} is available (--memory, DENOFOLD_MEMORY_LIMIT)`,
  );
}
