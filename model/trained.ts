/**
 * A trained model: its configuration (the run config a checkpoint's sidecar
 * carries: preset and overrides) and its parameters — by default the
 * exponential moving average AF2 evaluates with (supplement 1.11.7), or the
 * raw weights. A model file is a checkpoint reduced to one kind of
 * parameters (a few MB for `small`), what `data/models/` ships.
 *
 * @module
 */

import { type ModelConfig, modelConfig } from "./af2/config.ts";
import {
  af2SourceOf,
  checkParamValues,
  convertAf2Params,
  loadParams,
  modelParamSpecs,
} from "./params.ts";
import type { ParamSpec } from "./nn/mod.ts";
import { initParams } from "./nn/init.ts";
import { readNpz } from "./io/npz.ts";
import { readSidecar, type Sidecar } from "./checkpoint.ts";
import { readSafetensors, writeSafetensors } from "./io/safetensors.ts";
import { writeTextFileAtomic } from "./io/atomic.ts";
import type { NdArray } from "./io/ndarray.ts";
import { InputError } from "./util/errors.ts";

/** Which parameters of a checkpoint: the EMA (AF2's evaluation weights) or the raw ones. */
export type ParamsKind = "ema" | "raw";

/** The tensor-name prefix of each kind in a checkpoint's safetensors file. */
const PREFIX: Record<ParamsKind, string> = { ema: "ema/", raw: "param/" };

/** A model ready to predict with. */
export interface TrainedModel {
  /** The model configuration (preset and the run's overrides). */
  config: ModelConfig;
  /** Parameters by OpenFold name. */
  params: Map<string, Float32Array>;
  /** Which parameters were loaded. */
  kind: ParamsKind;
  /** The sidecar (step, run config, last metrics). */
  sidecar: Sidecar;
  /**
   * The model has a TM head AND its run trained it (a positive `tm` loss
   * weight): only then are its pTM and PAE predictions, not noise.
   */
  tmTrained: boolean;
}

/** What of a run config decides its model (the run config's own fields). */
export interface RunModelFields {
  /** Model preset (model/af2/config.ts). */
  preset: string;
  /** Overrides of the preset's config. */
  model?: Record<string, unknown>;
  /** Templates per training example; 0 (or absent): the run trains and predicts without. */
  max_templates?: number;
}

/**
 * The model a run trains: its preset with the run's overrides, and without
 * the template stack when the run uses no templates — so the parameters a
 * checkpoint holds are exactly the model's, and predict and eval rebuild the
 * same model from the run config alone.
 *
 * @example
 * ```ts
 * import { runModelConfig } from "denofold";
 *
 * const cfg = runModelConfig({ preset: "tiny" });
 * console.log(cfg.template.enabled); // false: trained without templates
 * ```
 */
export function runModelConfig(run: RunModelFields): ModelConfig {
  const overrides = { ...(run.model ?? {}) } as Record<string, unknown>;
  if (!run.max_templates) {
    overrides.template = { ...(overrides.template as object ?? {}), enabled: false };
  }
  return modelConfig(run.preset, overrides as never);
}

/**
 * Whether run config `run` trains the TM head of `config`: the head exists
 * and the run's loss gives the `tm` term a positive weight (AF2 trains it only
 * when fine-tuning the pTM models; both of our loss stages weigh it 0).
 *
 * @example
 * ```ts
 * import { runModelConfig, tmHeadTrained } from "./trained.ts";
 *
 * const run = { preset: "small", loss: { tm: { weight: 0.1 } } };
 * console.log(tmHeadTrained(runModelConfig(run), run)); // true
 * ```
 */
export function tmHeadTrained(config: ModelConfig, run: { loss?: unknown }): boolean {
  const tm = (run.loss as { tm?: { weight?: unknown } } | undefined)?.tm;
  return config.heads.tm.enabled && typeof tm?.weight === "number" && tm.weight > 0;
}

/** The safetensors path a sidecar names (beside it). */
function tensorsPath(sidecarPath: string, sidecar: Sidecar): string {
  return (sidecarPath.slice(0, sidecarPath.lastIndexOf("/") + 1) || "./") + sidecar.tensors;
}

/**
 * Load the model of checkpoint or model file `sidecarPath` (`.json`): its
 * config from the run config it carries, and its `kind` parameters (EMA by
 * default), checked against the model's own parameter shapes.
 *
 * @example
 * ```ts
 * import { loadTrainedModel } from "denofold";
 *
 * const m = await loadTrainedModel("data/models/small.json");
 * console.log(m.kind, m.params.size, "tensors at step", m.sidecar.step);
 * ```
 */
export async function loadTrainedModel(
  sidecarPath: string,
  opts: { params?: ParamsKind } = {},
): Promise<TrainedModel> {
  const kind = opts.params ?? "ema";
  const sidecar = await readSidecar(sidecarPath);
  const run = sidecar.config as Partial<RunModelFields>;
  if (typeof run.preset !== "string") {
    throw new InputError(`${sidecarPath}: its run config names no model preset`);
  }
  const config = runModelConfig(run as RunModelFields);
  const path = tensorsPath(sidecarPath, sidecar);
  const { tensors } = await readSafetensors(path);
  const has = (k: ParamsKind) => [...tensors.keys()].some((n) => n.startsWith(PREFIX[k]));
  if (!has(kind)) {
    const other = kind === "ema" ? "raw" : "ema";
    throw new InputError(
      `${sidecarPath} holds no ${kind} parameters` +
        (has(other) ? ` (it has ${other}: pass --params ${other})` : ""),
    );
  }
  const params = await loadParams(path, modelParamSpecs(config), {
    prefix: PREFIX[kind],
    allowUnexpected: true,
  });
  return {
    config,
    params,
    kind,
    sidecar,
    tmTrained: tmHeadTrained(config, sidecar.config as { loss?: unknown }),
  };
}

/**
 * The pretrained model shipped with denofold (`data/models/denofold_small.json`,
 * EMA parameters of the `small` preset trained on ../shared/data by
 * `bench/pretrained.ts`; its figures in the README): what `deno task predict`
 * and `eval` use when no model is named.
 *
 * @example
 * ```ts
 * import { loadTrainedModel, PRETRAINED_MODEL } from "denofold";
 *
 * const model = await loadTrainedModel(PRETRAINED_MODEL);
 * console.log(model.sidecar.step, model.params.size);
 * ```
 */
export const PRETRAINED_MODEL: string =
  new URL("../data/models/denofold_small.json", import.meta.url).pathname;

/**
 * Write the `kind` parameters (EMA by default) of checkpoint `sidecarPath` as
 * a model file: `<out>.safetensors` and the sidecar `<out>.json` (run config,
 * step, last metrics), atomically. Returns the sidecar path.
 *
 * @example The EMA weights of a run's last checkpoint as a model file
 * ```ts
 * import { exportTrainedModel, listCheckpoints } from "denofold";
 *
 * const last = (await listCheckpoints("runs/default")).at(-1)!;
 * console.log(await exportTrainedModel(last, "data/models/mine")); // data/models/mine.json
 * ```
 */
export async function exportTrainedModel(
  sidecarPath: string,
  out: string,
  kind: ParamsKind = "ema",
): Promise<string> {
  const m = await loadTrainedModel(sidecarPath, { params: kind });
  const base = out.replace(/\.json$/, "");
  const name = base.slice(base.lastIndexOf("/") + 1);
  const tensors = new Map<string, NdArray>();
  for (const [k, v] of m.params) {
    tensors.set(PREFIX[kind] + k, { dtype: "float32", shape: m.sidecar.shapes[k], data: v });
  }
  await writeSafetensors(`${base}.safetensors`, tensors, {
    step: String(m.sidecar.step),
    params: kind,
  });
  const sidecar: Sidecar = {
    ...m.sidecar,
    tensors: `${name}.safetensors`,
    trainer: {},
    shapes: Object.fromEntries([...m.params.keys()].map((k) => [k, m.sidecar.shapes[k]])),
  };
  await writeTextFileAtomic(`${base}.json`, JSON.stringify(sidecar, null, 1) + "\n");
  return `${base}.json`;
}

/**
 * A new run's starting parameters for `specs` from `path`: DeepMind's
 * `params_model_N(_ptm).npz` (OpenFold's fine-tuning path: a TM head the file
 * lacks starts from `initParams`, as OpenFold's pTM fine-tuning does), a model
 * file or checkpoint sidecar `.json` (its EMA parameters), or a `.safetensors`
 * parameter file. Every other parameter must be in the file with its shape.
 *
 * @example Fine-tune model_1 with a pTM head from DeepMind's weights
 * ```ts
 * import { initialParamsFrom, modelConfig, modelParamSpecs } from "denofold";
 *
 * const specs = modelParamSpecs(modelConfig("model_1_ptm"));
 * const params = await initialParamsFrom("params/params_model_1.npz", specs, 0);
 * ```
 */
export async function initialParamsFrom(
  path: string,
  specs: readonly ParamSpec[],
  seed: number,
): Promise<Map<string, Float32Array>> {
  if (path.endsWith(".npz")) {
    const arrays = await readNpz(path);
    // The TM head of a file without one (model_N, fine-tuned to model_N_ptm) starts fresh.
    const fresh = specs.filter((p) => {
      const src = af2SourceOf(p.name);
      return p.name.startsWith("aux_heads.tm.") && src !== undefined && !arrays.has(src.key);
    });
    const imported = convertAf2Params(arrays, specs.filter((p) => !fresh.includes(p)), path);
    const init = initParams(fresh, seed);
    return new Map(specs.map((p) => [p.name, imported.get(p.name) ?? init.get(p.name)!]));
  }
  if (path.endsWith(".json")) {
    const m = await loadTrainedModel(path);
    checkParamValues(m.params, specs, path);
    return m.params;
  }
  if (path.endsWith(".safetensors")) return await loadParams(path, specs);
  throw new InputError(
    `${path}: not a DeepMind .npz, a model or checkpoint .json, or .safetensors`,
  );
}
