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
import { readSafetensors, writeSafetensors } from "./io/safetensors.ts";
import { writeTextFileAtomic } from "./io/atomic.ts";
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
const MAX_SIDECAR_BYTES = 64 << 20;

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
    const { size } = await Deno.stat(sidecarPath);
    if (size > MAX_SIDECAR_BYTES) {
      throw new ParseError(
        { file: sidecarPath },
        `${size} bytes is above the ${MAX_SIDECAR_BYTES} bytes a sidecar may have`,
      );
    }
    json = JSON.parse(await Deno.readTextFile(sidecarPath));
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
 * Load a checkpoint by its sidecar path; every tensor is checked against the sidecar's shapes.
 *
 * @example
 * ```ts
 * import { loadCheckpoint } from "denofold";
 *
 * const { sidecar, state } = await loadCheckpoint("runs/default/ckpt-00001500.json");
 * console.log(sidecar.step, state.params.size, "parameter tensors");
 * ```
 */
export async function loadCheckpoint(sidecarPath: string): Promise<Checkpoint> {
  const sidecar = await readSidecar(sidecarPath);
  const dir = sidecarPath.slice(0, sidecarPath.lastIndexOf("/") + 1) || "./";
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
 * The newest checkpoint that loads completely (a torn or corrupt newer one is skipped).
 *
 * @example
 * ```ts
 * import { latestCheckpoint } from "denofold";
 *
 * const ckpt = await latestCheckpoint("runs/default");
 * console.log(ckpt ? `step ${ckpt.sidecar.step}` : "no checkpoint yet");
 * ```
 */
export async function latestCheckpoint(dir: string): Promise<Checkpoint | undefined> {
  const all = await listCheckpoints(dir);
  for (let i = all.length - 1; i >= 0; i--) {
    try {
      return await loadCheckpoint(all[i]);
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
