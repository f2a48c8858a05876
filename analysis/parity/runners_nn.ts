/**
 * Parity runners for the `model/nn` primitives (fixtures 01*).
 *
 * @module
 */

import { attention, globalAttention } from "../../model/nn/attention.ts";
import { layerNorm, linear } from "../../model/nn/linear.ts";
import { runModule, type Runner } from "./harness.ts";

type Ctor = Record<string, number | boolean>;

/** OpenFold module path → runner. */
export const NN_RUNNERS: Record<string, Runner> = {
  "openfold.model.primitives.Linear": (c) =>
    runModule(
      c,
      (b, i) => ({ y: linear(b.scope(), i.x, (c.meta.ctor as Ctor).out_dim as number) }),
    ),
  "openfold.model.primitives.LayerNorm": (c) =>
    runModule(c, (b, i) => ({ y: layerNorm(b.scope(), i.x, (c.meta.ctor as Ctor).eps as number) })),
  "openfold.model.primitives.Attention": (c) =>
    runModule(c, (b, i) => {
      const ctor = c.meta.ctor as Ctor;
      const biases = ((c.meta.call as { biases?: string[] }).biases ?? []).map((k) =>
        i[k.slice(3)]
      );
      return {
        o: attention(b.scope(), i.q_x, i.kv_x, biases, {
          cHidden: ctor.c_hidden as number,
          heads: ctor.no_heads as number,
          gating: ctor.gating as boolean,
        }),
      };
    }),
  "openfold.model.primitives.GlobalAttention": (c) =>
    runModule(c, (b, i) => {
      const ctor = c.meta.ctor as Ctor;
      return {
        o: globalAttention(b.scope(), i.m, i.mask, {
          cHidden: ctor.c_hidden as number,
          heads: ctor.no_heads as number,
          inf: ctor.inf as number,
          eps: ctor.eps as number,
        }),
      };
    }),
};
