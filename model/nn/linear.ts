/**
 * Linear layers and LayerNorm with OpenFold's parameter names and PyTorch
 * layouts (`weight [out, in]`), and AF2's initialisers (supplement 1.11.4).
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import type { Init, Scope } from "./scope.ts";

/** OpenFold's Linear init names. */
export type LinearInit = "default" | "relu" | "glorot" | "gating" | "final" | "normal";

/** Options of {@link linear}. */
export interface LinearOptions {
  /** Weight init (default "default" = LeCun normal). */
  init?: LinearInit;
  /** Add a bias (default true). */
  bias?: boolean;
}

function weightInit(init: LinearInit, fanIn: number, fanOut: number): Init {
  switch (init) {
    case "default":
      return { kind: "lecun", fanIn, fanOut };
    case "relu":
      return { kind: "he", fanIn, fanOut };
    case "glorot":
      return { kind: "glorot", fanIn, fanOut };
    case "normal":
      return { kind: "normal", fanIn, fanOut };
    case "gating":
    case "final":
      return { kind: "zeros" };
  }
}

/** `y = x Wᵀ + b` over the last axis; parameters `weight [out, in]`, `bias [out]`. */
export function linear(scope: Scope, x: Tensor, outDim: number, opts: LinearOptions = {}): Tensor {
  const init = opts.init ?? "default";
  const inDim = x.shape[x.rank - 1];
  const w = scope.param("weight", [outDim, inDim], weightInit(init, inDim, outDim));
  const b = opts.bias === false ? undefined : scope.param(
    "bias",
    [outDim],
    init === "gating" ? { kind: "ones" } : { kind: "zeros" },
  );
  return G.linear(x, w, b);
}

/** LayerNorm over the last axis (eps 1e-5); parameters `weight` (gain) and `bias`. */
export function layerNorm(scope: Scope, x: Tensor, eps = 1e-5): Tensor {
  const c = x.shape[x.rank - 1];
  const w = scope.param("weight", [c], { kind: "ones" });
  const b = scope.param("bias", [c], { kind: "zeros" });
  return G.layerNorm(x, w, b, eps);
}
