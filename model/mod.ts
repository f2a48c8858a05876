/**
 * The model's top-level files: the parameter store (safetensors, DeepMind
 * `.npz` import, shape checks against the model's parameter specs), training
 * checkpoints, trained models, structure prediction, and the executor that
 * runs a model's plan of segments (`exec/`).
 *
 * @example The parameter specs of the tiny preset, initialised and counted
 * ```ts
 * import { modelParamSpecs } from "./mod.ts";
 * import { modelConfig } from "./af2/mod.ts";
 * import { initParams } from "./nn/mod.ts";
 *
 * const specs = modelParamSpecs(modelConfig("tiny"));
 * const params = initParams(specs, 0);
 * console.log(specs.length, params.size);
 * ```
 *
 * @module
 */

export * from "./params.ts";
export * from "./checkpoint.ts";
export * from "./predict.ts";
export * from "./memory.ts";
export * from "./prediction_files.ts";
export * from "./trained.ts";
export * from "./export.ts";
export * from "./exec/plan.ts";
export * from "./exec/executor.ts";
export * from "./exec/dropout.ts";
export * from "./exec/flat.ts";
