/**
 * Memory of a prediction, estimated before anything is allocated, so a
 * sequence too long for the machine is refused at once with the estimate (or
 * chunked to fit) instead of growing until the kernel kills the process.
 *
 * The estimate is analytic, from the model's dimensions: the pair
 * representation and its working copies (L²·c_z each), the MSA and extra-MSA
 * representations, the heads' L² outputs, triangle multiplication's operands,
 * and the largest intermediate of any op — attention logits over the extra
 * MSA rows (N_extra·H·L²) or triangle attention (H·L³), the outer product —
 * which a chunk budget caps at a few budgets' worth; plus the parameters
 * (held by JS and by onnxruntime) and the runtime itself. Its factors are
 * calibrated on measured peak RSS of af2 iterations (README: one block at 256
 * residues 10.4 GiB unchunked, 3.1 GiB chunked; a whole iteration at 1,024
 * residues chunked 9.0 GiB; an Evoformer block at 512 residues 7.0 GiB):
 * within about a third of each.
 *
 * @module
 */

import type { ModelConfig } from "./af2/config.ts";
import { InputError } from "./util/errors.ts";

/** The sizes of one prediction. */
export interface InferenceDims {
  /** Residues. */
  nRes: number;
  /** MSA cluster rows. */
  nSeq: number;
  /** Extra MSA rows. */
  nExtra: number;
  /** Templates. */
  nTempl: number;
}

/** An estimate of a prediction's peak memory. */
export interface MemoryEstimate {
  /** Peak resident bytes, estimated. */
  bytes: number;
  /** Its parts, bytes: what dominates. */
  parts: {
    /** The pair representation and its working copies. */
    pair: number;
    /** MSA and extra-MSA representations. */
    msa: number;
    /** The heads' L × L outputs (distogram, PAE). */
    heads: number;
    /** The largest intermediate of one op (chunked: a few budgets). */
    largest: number;
    /** Parameters, in JS and in the runtime. */
    params: number;
    /** The runtime and the process itself. */
    runtime: number;
  };
  /** The op whose intermediate is the largest. */
  largestOp: string;
}

const F32 = 4;
const GiB = 2 ** 30;
/** Working copies of the pair representation live at once (input, residual, update, norm...). */
const PAIR_COPIES = 6;
/** Measured RSS over the counted tensors (arena slack, fragmentation). */
const SLACK = 1.25;
/** The largest op's intermediate counts this many times (logits and their softmax overlap). */
const LARGEST_FACTOR = 1.5;
/** A chunked op holds about this many budgets' worth of intermediates at once. */
const CHUNK_COPIES = 3;
/** The process and onnxruntime without any model. */
const RUNTIME_BYTES = 0.5 * GiB;

/**
 * The estimated peak memory of predicting `dims` with `config`, unchunked or
 * with `opts.chunkBudget` (elements of the largest per-chunk intermediate, as
 * `--chunk-budget`); `opts.paramElements` is the parameter count when known
 * (else counted roughly from the config).
 *
 * @example
 * ```ts
 * import { modelConfig } from "./af2/config.ts";
 * import { estimateInference } from "./memory.ts";
 *
 * const e = estimateInference(modelConfig("small"), { nRes: 4000, nSeq: 128, nExtra: 1024, nTempl: 0 });
 * console.log((e.bytes / 2 ** 30).toFixed(0), "GiB, mostly", e.largestOp);
 * ```
 */
export function estimateInference(
  config: ModelConfig,
  dims: InferenceDims,
  opts: { chunkBudget?: number; paramElements?: number } = {},
): MemoryEstimate {
  const L = dims.nRes, S = dims.nSeq;
  const E = config.extra_msa.enabled ? dims.nExtra : 0;
  const T = config.template.enabled ? dims.nTempl : 0;
  const ev = config.evoformer, ex = config.extra_msa, tp = config.template.pair_stack;
  const L2 = L * L;
  const pair = PAIR_COPIES * L2 * config.c_z +
    2 * L2 * Math.max(ev.c_hidden_mul, E ? ex.c_hidden_mul : 0) + T * L2 * config.c_t * 2;
  const msa = 4 * L * (S * config.c_m + E * config.c_e);
  const heads = 2 * L2 *
    (config.heads.distogram.no_bins + (config.heads.tm.enabled ? config.heads.tm.no_bins : 0));
  const ops: [string, number][] = [
    ["MSA row attention", 2 * S * ev.no_heads_msa * L2],
    ["MSA column attention", 2 * L * ev.no_heads_msa * S * S],
    ["triangle attention", 2 * ev.no_heads_pair * L2 * L],
    ["outer product mean", L2 * ev.c_hidden_opm ** 2],
    ["pair transition", L2 * config.c_z * ev.transition_n],
  ];
  if (E) {
    ops.push(["extra-MSA row attention", 2 * E * ex.no_heads_msa * L2]);
    ops.push(["extra-MSA triangle attention", 2 * ex.no_heads_pair * L2 * L]);
    ops.push(["extra-MSA outer product mean", L2 * ex.c_hidden_opm ** 2]);
  }
  if (T) ops.push(["template triangle attention", 2 * T * tp.no_heads * L2 * L]);
  const cap = opts.chunkBudget === undefined ? Infinity : CHUNK_COPIES * opts.chunkBudget;
  let largestOp = ops[0][0], largest = 0;
  for (const [name, n] of ops) {
    const v = Math.min(n, cap);
    if (v > largest) [largestOp, largest] = [name, v];
  }
  const P = opts.paramElements ?? roughParams(config);
  const parts = {
    pair: SLACK * F32 * pair,
    msa: SLACK * F32 * msa,
    heads: SLACK * F32 * heads,
    largest: SLACK * F32 * LARGEST_FACTOR * largest,
    params: 2 * F32 * P,
    runtime: RUNTIME_BYTES,
  };
  const bytes = Object.values(parts).reduce((a, b) => a + b, 0);
  return { bytes, parts, largestOp };
}

/** Parameters of a model, roughly (the Evoformer blocks dominate). */
function roughParams(c: ModelConfig): number {
  const block = 12 * c.c_m * c.c_m + 14 * c.c_z * c.c_z + c.c_m * c.c_z;
  return c.evoformer.no_blocks * block + 4 * c.c_s * c.c_s * 8 + 1e6;
}

/** Elements of a parameter set. */
export function paramElements(params: ReadonlyMap<string, ArrayLike<number>>): number {
  let n = 0;
  for (const v of params.values()) n += v.length;
  return n;
}

function parseBytes(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = { "": 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[m[2].toLowerCase()]!;
  return Number(m[1]) * unit;
}

function readNumber(path: string): number | undefined {
  try {
    const t = Deno.readTextFileSync(path).trim();
    return /^\d+$/.test(t) ? Number(t) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Bytes this process may still allocate: the system's available memory, or
 * less under a cgroup (container) limit; `DENOFOLD_MEMORY_LIMIT` (bytes, or
 * with a unit: "16G") overrides both.
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
  let available = Deno.systemMemoryInfo().available;
  const max = readNumber("/sys/fs/cgroup/memory.max");
  const current = readNumber("/sys/fs/cgroup/memory.current");
  if (max !== undefined && current !== undefined) {
    available = Math.min(available, Math.max(0, max - current));
  }
  return available;
}

/** "12.3 GiB". */
function gib(bytes: number): string {
  if (bytes >= 1024 * GiB) return `${(bytes / (1024 * GiB)).toFixed(1)} TiB`;
  return bytes >= GiB ? `${(bytes / GiB).toFixed(1)} GiB` : `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

/** The parts of an estimate in words. */
const PART_NAMES: Record<keyof MemoryEstimate["parts"], string> = {
  pair: "pair representation",
  msa: "MSA representations",
  heads: "distogram and PAE outputs",
  largest: "largest chunked intermediate",
  params: "parameters",
  runtime: "runtime",
};

/** Chunk budgets tried when none is given, largest first (2^30 down to 2^18 elements). */
const BUDGETS = Array.from({ length: 13 }, (_, k) => 2 ** (30 - k));

/** What {@link fitInference} settled on. */
export interface InferenceFit {
  /** The chunk budget to use: the one given, or the largest that fits, or none needed. */
  chunkBudget?: number;
  /** The estimate at that budget. */
  estimate: MemoryEstimate;
  /** The memory available. */
  available: number;
}

/**
 * Make sure a prediction fits in memory before it starts: with the chunk
 * budget given, or (none given) unchunked if that fits, else with the largest
 * budget that does. Throws an {@link InputError} with the estimate when
 * nothing fits (`what` names the prediction: "a 4,000-residue sequence").
 *
 * @example
 * ```ts
 * import { modelConfig } from "./af2/config.ts";
 * import { fitInference } from "./memory.ts";
 *
 * const fit = fitInference(modelConfig("small"), { nRes: 300, nSeq: 128, nExtra: 1024, nTempl: 0 });
 * console.log(fit.chunkBudget ?? "unchunked", (fit.estimate.bytes / 2 ** 30).toFixed(1), "GiB");
 * ```
 */
export function fitInference(
  config: ModelConfig,
  dims: InferenceDims,
  opts: { chunkBudget?: number; paramElements?: number } = {},
  context: { what?: string; available?: number } = {},
): InferenceFit {
  const available = context.available ?? availableMemory();
  const what = context.what ?? `a ${dims.nRes.toLocaleString("en-US")}-residue prediction`;
  const at = (chunkBudget?: number) =>
    estimateInference(config, dims, { chunkBudget, paramElements: opts.paramElements });
  const given = at(opts.chunkBudget);
  if (given.bytes <= available) {
    return { chunkBudget: opts.chunkBudget, estimate: given, available };
  }
  const candidates = BUDGETS.filter((b) => opts.chunkBudget === undefined || b < opts.chunkBudget);
  for (const b of candidates) {
    const e = at(b);
    if (e.bytes <= available && opts.chunkBudget === undefined) {
      return { chunkBudget: b, estimate: e, available };
    }
    if (e.bytes <= available) {
      throw new InputError(
        `${what} needs about ${gib(given.bytes)} with --chunk-budget ${opts.chunkBudget} ` +
          `(mostly ${given.largestOp}), above the ${gib(available)} available: ` +
          `--chunk-budget ${b} fits (about ${gib(e.bytes)})`,
      );
    }
  }
  const least = at(BUDGETS.at(-1));
  const biggest = (Object.keys(least.parts) as (keyof MemoryEstimate["parts"])[])
    .sort((a, b) => least.parts[b] - least.parts[a])[0];
  throw new InputError(
    `${what} needs about ${gib(given.bytes)}` +
      (opts.chunkBudget === undefined ? "" : ` with --chunk-budget ${opts.chunkBudget}`) +
      ` (mostly ${given.largestOp}), and ${gib(least.bytes)} even chunked (mostly the ` +
      `${PART_NAMES[biggest]}), above the ${gib(available)} available ` +
      "(DENOFOLD_MEMORY_LIMIT overrides the limit)",
  );
}
