/**
 * The tensor-graph IR: build graphs with the builders, differentiate with
 * `grad`, serialise with `toOnnx`, run with `compile` (or `evaluate`).
 *
 * @module
 */

export * from "./tensor.ts";
export * from "./build.ts";
export { grad, unbroadcast } from "./grad.ts";
export { broadcastShapes, type Lowering, type OnnxAttr, type OpDef, OPS } from "./ops.ts";
export { liveTensors, type OnnxOptions, OPSET, toOnnx } from "./onnx.ts";
export {
  compile,
  Compiled,
  type CompileOptions,
  type CompileStats,
  CudaUnavailableError,
  type Device,
  type NdArray,
  type OptimizationLevel,
  requireDevice,
  type RunStats,
} from "./runtime.ts";
export { evaluate } from "./eager.ts";
export { optimize, type Optimized } from "./optimize.ts";
// The bases of GraphError and CudaUnavailableError, so a caller can catch either family.
export { DenofoldError, RunError, ToolError } from "../util/errors.ts";
