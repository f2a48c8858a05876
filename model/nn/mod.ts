/**
 * Neural-network building blocks on the graph IR: the {@link ModelBuilder}
 * and {@link Scope} that hand modules their parameters (OpenFold names),
 * dropout masks and chunk sizes; parameter initialisation; Linear and
 * LayerNorm; gated attention; transitions; chunking.
 *
 * @example A Linear layer's parameters, initialised from a seed
 * ```ts
 * import { initParams, linear, ModelBuilder } from "./mod.ts";
 *
 * const b = new ModelBuilder();
 * const x = b.g.input("x", [8, 16]);
 * linear(b.scope("proj"), x, 32);
 * const params = initParams(b.params, 0);
 * console.log([...params.keys()]); // ["proj.weight", "proj.bias"]
 * ```
 *
 * @module
 */

// Being rewritten by the lead; re-exported whole so the door follows the rewrite.
export * from "./scope.ts";
export * from "./init.ts";
export * from "./linear.ts";
export * from "./attention.ts";
export * from "./transition.ts";
export * from "./chunk.ts";
