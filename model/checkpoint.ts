/**
 * Checkpoints: parameters and optimizer state as one safetensors file plus a
 * JSON sidecar (config, step, RNG/data position, metrics), both written
 * atomically. The sidecar is written last and names its tensor file, so a
 * checkpoint exists only once both are complete; a run keeps the last k and
 * the best.
 *
 * @module
 */

import { z } from "zod";
import type { Same } from "./util/types.ts";
import { readSafetensors, readSafetensorsHeader, writeSafetensors } from "./io/safetensors.ts";
import { writeTextFileAtomic } from "./io/atomic.ts";
import { readTextBounded } from "./io/bounded.ts";
import type { NdArray } from "./io/ndarray.ts";
import { ParseError } from "./util/errors.ts";

/** Parameters and optimizer state, by parameter name. */
export interface TrainState {
  /** Steps taken so far (the next step is `step + 1`). */
  step: number;
  /** Parameter values by name. */
  params: Map<string, Float32Array>;
  /** Adam's first moments. */
  m: Map<string, Float32Array>;
  /** Adam's second moments. */
  v: Map<string, Float32Array>;
  /** Exponential moving average of the parameters (used for evaluation). */
  ema: Map<string, Float32Array>;
}

/** The JSON sidecar of a checkpoint (`ckpt-NNNNNNNN.json`): what the tensors file alone cannot say. */
export interface Sidecar {
  /** The format tag, `"denofold-checkpoint-1"`. */
  format: "denofold-checkpoint-1";
  /** Steps taken when the checkpoint was written. */
  step: number;
  /** The safetensors file beside the sidecar holding the state tensors. */
  tensors: string;
  /** The full run configuration (validated by the trainer's own schema on load). */
  config: Record<string, unknown>;
  /** Opaque resumable state of the trainer (data position, RNG states...). */
  trainer: Record<string, unknown>;
  /** Metrics of the step; null for a non-finite value (a skipped step; JSON has no NaN). */
  metrics: Record<string, number | null>;
  /** Shape of every state tensor, by tensor name. */
  shapes: Record<string, number[]>;
}

/** zod schema of {@link Sidecar}. */
export const sidecarSchema = z.strictObject({
  format: z.literal("denofold-checkpoint-1"),
  step: z.number().int().nonnegative(),
  tensors: z.string().regex(/^[\w.-]+\.safetensors$/),
  config: z.record(z.string(), z.unknown()),
  trainer: z.record(z.string(), z.unknown()),
  metrics: z.record(z.string(), z.number().nullable()),
  shapes: z.record(z.string(), z.array(z.number().int().nonnegative())),
});

// The interface above is the schema's type written out for the docs; this stops them drifting apart.
const _sidecarMatches: Same<Sidecar, z.output<typeof sidecarSchema>> = true;

const KINDS = [["param", "params"], ["adam_m", "m"], ["adam_v", "v"], ["ema", "ema"]] as const;

function stepName(step: number): string {
  return `ckpt-${String(step).padStart(8, "0")}`;
}

/** Everything a checkpoint holds besides the state tensors. */
export interface CheckpointInfo {
  /** The full run configuration. */
  config: Record<string, unknown>;
  /** Opaque resumable state of the trainer (data position, RNG states...). */
  trainer: Record<string, unknown>;
  /** Metrics of the step (non-finite values are written as null). */
  metrics: Record<string, number>;
}

/**
 * Write a checkpoint of `state` into `dir` (tensors first, sidecar last).
 *
 * @example
 * ```ts
 * import { saveCheckpoint, type TrainState } from "denofold";
 *
 * const w = new Float32Array(6);
 * const state: TrainState = {
 *   step: 10,
 *   params: new Map([["w", w]]),
 *   m: new Map([["w", new Float32Array(6)]]),
 *   v: new Map([["w", new Float32Array(6)]]),
 *   ema: new Map([["w", w.slice()]]),
 * };
 * await Deno.mkdir("ckpts", { recursive: true });
 * const info = { config: {}, trainer: {}, metrics: {} };
 * const sidecar = await saveCheckpoint("ckpts", state, info, new Map([["w", [2, 3]]]));
 * console.log(sidecar); // ckpts/ckpt-00000010.json
 * ```
 */
export async function saveCheckpoint(
  dir: string,
  state: TrainState,
  info: CheckpointInfo,
  shapes: Map<string, number[]>,
): Promise<string> {
  const name = stepName(state.step);
  const tensors = new Map<string, NdArray>();
  for (const [prefix, key] of KINDS) {
    for (const [p, data] of state[key]) {
      tensors.set(`${prefix}/${p}`, {
        dtype: "float32",
        shape: shapes.get(p) ?? [data.length],
        data,
      });
    }
  }
  await writeSafetensors(`${dir}/${name}.safetensors`, tensors, { step: String(state.step) });
  const sidecar: Sidecar = {
    format: "denofold-checkpoint-1",
    step: state.step,
    tensors: `${name}.safetensors`,
    ...info,
    shapes: Object.fromEntries(shapes),
  };
  const path = `${dir}/${name}.json`;
  await writeTextFileAtomic(path, JSON.stringify(sidecar, null, 1) + "\n");
  return path;
}

/** A loaded checkpoint. */
export interface Checkpoint {
  /** Its sidecar: step, run config, trainer state, metrics, shapes. */
  sidecar: Sidecar;
  /** Parameters and optimizer state. */
  state: TrainState;
}

/** Sidecars are small (config + shapes); a bigger file is not one of ours. */
const SIDECAR_LIMIT = { bytes: 64 << 20, what: "a checkpoint sidecar" };

/**
 * Read and validate a checkpoint's JSON sidecar; a bad one is a {@link ParseError}.
 *
 * @example
 * ```ts
 * import { listCheckpoints, readSidecar } from "denofold";
 *
 * for (const path of await listCheckpoints("runs/default")) {
 *   const s = await readSidecar(path);
 *   console.log(s.step, s.metrics.loss);
 * }
 * ```
 */
export async function readSidecar(sidecarPath: string): Promise<Sidecar> {
  let json: unknown;
  try {
    json = JSON.parse(await readTextBounded(sidecarPath, SIDECAR_LIMIT));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof ParseError) throw e;
    throw new ParseError(
      { file: sidecarPath },
      `not a readable JSON sidecar (${(e as Error).message})`,
    );
  }
  const r = sidecarSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ParseError({ file: sidecarPath }, `field ${i.path.join(".")}: ${i.message}`);
  }
  return r.data;
}

/**
 * Why a checkpoint with tensor `shapes` (its sidecar's) does not hold the model
 * whose parameter shapes are `expected`, or undefined when it does: a
 * parameter missing, one the model does not have, or a different shape.
 */
export function shapeMismatch(
  shapes: Readonly<Record<string, readonly number[]>>,
  expected: ReadonlyMap<string, readonly number[]>,
): string | undefined {
  const problems: string[] = [];
  for (const [name, shape] of expected) {
    const got = Object.hasOwn(shapes, name) ? shapes[name] : undefined;
    if (!got) problems.push(`${name} is missing`);
    else if (got.join() !== shape.join()) {
      problems.push(`${name} is [${got}], the model's is [${shape}]`);
    }
  }
  for (const name of Object.keys(shapes)) {
    if (!expected.has(name)) problems.push(`${name} is not a parameter of the model`);
  }
  if (problems.length === 0) return undefined;
  return `${problems.length} parameter(s) differ from the model's ${expected.size} (${
    problems[0]
  })`;
}

/** Options of {@link loadCheckpoint}. */
export interface LoadCheckpointOptions {
  /**
   * The model's own parameter shapes by name: the checkpoint must hold exactly
   * these (checked on the sidecar before any tensor is read, then every tensor
   * against it).
   */
  shapes?: ReadonlyMap<string, readonly number[]>;
}

/** A checkpoint's sidecar, checked against `opts.shapes`, and the folder it sits in. */
async function sidecarOfModel(
  sidecarPath: string,
  opts: LoadCheckpointOptions,
): Promise<{ sidecar: Sidecar; dir: string }> {
  const sidecar = await readSidecar(sidecarPath);
  if (opts.shapes) {
    const problem = shapeMismatch(sidecar.shapes, opts.shapes);
    if (problem) {
      throw new ParseError({ file: sidecarPath }, `not a checkpoint of this model: ${problem}`);
    }
  }
  return { sidecar, dir: sidecarPath.slice(0, sidecarPath.lastIndexOf("/") + 1) || "./" };
}

/**
 * Load a checkpoint by its sidecar path; every tensor is checked against the
 * sidecar's shapes and, given `opts.shapes`, the sidecar against the model's.
 *
 * @example
 * ```ts
 * import { loadCheckpoint } from "denofold";
 *
 * const { sidecar, state } = await loadCheckpoint("runs/default/ckpt-00001500.json");
 * console.log(sidecar.step, state.params.size, "parameter tensors");
 * ```
 */
export async function loadCheckpoint(
  sidecarPath: string,
  opts: LoadCheckpointOptions = {},
): Promise<Checkpoint> {
  const { sidecar, dir } = await sidecarOfModel(sidecarPath, opts);
  const st = await readSafetensors(dir + sidecar.tensors);
  const state: TrainState = {
    step: sidecar.step,
    params: new Map(),
    m: new Map(),
    v: new Map(),
    ema: new Map(),
  };
  for (const [name, shape] of Object.entries(sidecar.shapes)) {
    for (const [prefix, key] of KINDS) {
      const t = st.tensors.get(`${prefix}/${name}`);
      if (!t || t.dtype !== "float32" || t.shape.join() !== shape.join()) {
        throw new ParseError(
          { file: dir + sidecar.tensors },
          `tensor ${prefix}/${name} missing or not float32[${shape}]`,
        );
      }
      state[key].set(name, t.data);
    }
  }
  return { sidecar, state };
}

/**
 * Check that a checkpoint is complete and of the model, without reading its
 * tensors: the sidecar (against `opts.shapes` when given) and the tensor
 * file's header — every state tensor present, float32, of the sidecar's shape,
 * every byte range inside the file. Returns the sidecar; throws a
 * {@link ParseError} naming the file otherwise. What a resume checks before it
 * writes anything.
 */
export async function checkCheckpoint(
  sidecarPath: string,
  opts: LoadCheckpointOptions = {},
): Promise<Sidecar> {
  const { sidecar, dir } = await sidecarOfModel(sidecarPath, opts);
  const { tensors } = await readSafetensorsHeader(dir + sidecar.tensors);
  for (const [name, shape] of Object.entries(sidecar.shapes)) {
    for (const [prefix] of KINDS) {
      const t = tensors.get(`${prefix}/${name}`);
      if (!t || t.dtype !== "float32" || t.shape.join() !== shape.join()) {
        throw new ParseError(
          { file: dir + sidecar.tensors },
          `tensor ${prefix}/${name} missing or not float32[${shape}]`,
        );
      }
    }
  }
  return sidecar;
}

/**
 * Sidecar paths of the checkpoints in `dir`, oldest first.
 *
 * @example
 * ```ts
 * import { listCheckpoints } from "denofold";
 *
 * console.log(await listCheckpoints("runs/default")); // sidecar paths, oldest first
 * ```
 */
export async function listCheckpoints(dir: string): Promise<string[]> {
  const found: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && /^ckpt-\d{8}\.json$/.test(e.name)) found.push(`${dir}/${e.name}`);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return found.sort();
}

/**
 * The newest checkpoint that loads completely (a torn or corrupt newer one is
 * skipped; `opts` as {@link loadCheckpoint}).
 *
 * @example
 * ```ts
 * import { latestCheckpoint } from "denofold";
 *
 * const ckpt = await latestCheckpoint("runs/default");
 * console.log(ckpt ? `step ${ckpt.sidecar.step}` : "no checkpoint yet");
 * ```
 */
export async function latestCheckpoint(
  dir: string,
  opts: LoadCheckpointOptions = {},
): Promise<Checkpoint | undefined> {
  const all = await listCheckpoints(dir);
  for (let i = all.length - 1; i >= 0; i--) {
    try {
      return await loadCheckpoint(all[i], opts);
    } catch (e) {
      console.error(`skipping unreadable checkpoint ${all[i]}: ${(e as Error).message}`);
    }
  }
  return undefined;
}

/**
 * Remove the temporary files of atomic writes that never finished (a SIGKILL
 * mid-write leaves `.ckpt-*.safetensors.tmp-<pid>-<id>`, `.config.json.tmp-...`
 * behind). Call it only while holding the run's lock: then no other writer can
 * own them.
 */
export async function removeStaleTemporaries(dir: string): Promise<string[]> {
  const removed: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && /^\..+\.tmp-\d+-[0-9a-f]{8}$/.test(e.name)) {
        await Deno.remove(`${dir}/${e.name}`).catch(() => {});
        removed.push(e.name);
      }
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return removed;
}

/** Delete all but the newest `keep` checkpoints, never the one named in `protect`. */
export async function pruneCheckpoints(
  dir: string,
  keep: number,
  protect: string[] = [],
): Promise<void> {
  const all = await listCheckpoints(dir);
  for (const side of all.slice(0, Math.max(0, all.length - keep))) {
    if (protect.includes(side)) continue;
    const base = side.slice(0, -".json".length);
    // Sidecar first: without it the tensor file is no longer a checkpoint.
    await Deno.remove(side).catch(() => {});
    await Deno.remove(`${base}.safetensors`).catch(() => {});
  }
}
