/**
 * The model's top-level files: the parameter store (safetensors, DeepMind
 * `.npz` import, shape checks against the model's parameter specs), training
 * checkpoints, structure prediction and its memory estimate. The parameter store and prediction
 * take types from `model/nn/scope.ts` and `model/predict.ts`, which are being
 * rewritten; they join the top-level `mod.ts` once those settle.
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
export * from "./exec/plan.ts";
export * from "./exec/executor.ts";
export * from "./exec/dropout.ts";
