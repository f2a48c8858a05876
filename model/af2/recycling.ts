/**
 * What recycling (AF2 supplement Algorithm 2 / 1.10) hands from one iteration
 * to the next: the first MSA row, pair representation and atom positions
 * (zeros before the first), and the outputs an inference plan can return. The
 * driver that runs the iterations is `Executor.infer` (model/exec/executor.ts).
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor, TypedArray } from "../graph/mod.ts";
import type { ModelConfig } from "./config.ts";
import type { AlphaFoldOutputs } from "./alphafold.ts";

/** Output names an inference graph can return (OpenFold names; `sm/<key>` for per-layer outputs). */
export type OutputName = string;

/** The output `name` of an iteration's outputs (throws naming it when there is none). */
export function pickOutput(out: AlphaFoldOutputs, name: OutputName): Tensor {
  if (name.startsWith("sm/")) {
    const t = (out.sm as unknown as Record<string, Tensor>)[name.slice(3)];
    if (t) return t;
  } else {
    const t = (out as unknown as Record<string, Tensor | undefined>)[name];
    if (t && t instanceof G.Tensor) return t;
  }
  throw new G.GraphError("outputs", `the model has no output "${name}"`);
}

/** The recycled-state feeds before the first iteration: zeros (Algorithm 2). */
export function zeroRecycled(config: ModelConfig, nRes: number): Record<string, Float32Array> {
  return {
    prev_m1: new Float32Array(nRes * config.c_m),
    prev_z: new Float32Array(nRes * nRes * config.c_z),
    prev_x: new Float32Array(nRes * 37 * 3),
  };
}

/** The outputs returned when none are asked for: positions, pLDDT, distogram (+ pTM/PAE). */
export function defaultOutputs(config: ModelConfig): OutputName[] {
  return [
    "final_atom_positions",
    "final_atom_mask",
    "plddt",
    "distogram_logits",
    ...(config.heads.tm.enabled ? ["ptm_score", "predicted_aligned_error"] : []),
  ];
}

/** The recycled-state feeds of the next iteration from an iteration's `next/*` outputs. */
export function recycledFrom(r: Record<string, G.NdArray>): Record<string, TypedArray> {
  return { prev_m1: r["next/m1"].data, prev_z: r["next/z"].data, prev_x: r["next/x"].data };
}
