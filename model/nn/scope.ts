/**
 * Where modules get their parameters, dropout masks and chunk size: a
 * {@link ModelBuilder} owns the graph and the registries; a {@link Scope} is a
 * named position in it (OpenFold state-dict prefixes such as
 * `evoformer.blocks.0.msa_att_row`).
 *
 * @module
 */

import { Graph, GraphError, type Shape, type Tensor } from "../graph/mod.ts";
import * as G from "../graph/mod.ts";

/**
 * How a parameter is initialised (OpenFold `primitives.Linear` init names):
 * `lecun` ("default": truncated normal, scale 1/fan_in), `he` ("relu": scale 2/fan_in),
 * `glorot` (uniform, 6/(fan_in+fan_out)), `normal` (normal, std 1/√fan_in),
 * `zeros` ("final" weights and every bias), `ones` (LayerNorm gain, "gating" bias),
 * or a constant.
 */
export type Init =
  | { kind: "lecun" | "he" | "glorot" | "normal"; fanIn: number; fanOut: number }
  | { kind: "zeros" | "ones" }
  | { kind: "constant"; value: number };

/** A model parameter: its OpenFold name, PyTorch-layout shape and init. */
export interface ParamSpec {
  /** OpenFold's dotted name, e.g. `evoformer.blocks.0.msa_transition.linear_1.weight`. */
  name: string;
  /** PyTorch layout (`[out, in]` for a Linear weight). */
  shape: number[];
  /** How a new run initialises it. */
  init: Init;
}

/** A dropout mask fed at run time (1/(1-rate) or 0, shared along broadcast dims). */
export interface DropoutSpec {
  name: string;
  shape: number[];
  rate: number;
}

/** Options of a model graph. */
export interface BuildOptions {
  /** Build the training variant (dropout masks as inputs). */
  training?: boolean;
  /**
   * The one memory knob: every chunked op (attention, triangle updates,
   * transitions, outer product mean) picks its own row count so that its
   * largest per-chunk intermediate has at most this many elements (see
   * {@link Scope.chunkRows}); undefined = no chunking. A fixed row count cannot
   * suit every module: one extra-MSA row with pair bias at 1,024 residues makes
   * 8·1024² logits, one MSA column only 8·128². In training graphs each chunk
   * is also recomputed in the backward pass, one chunk at a time (`remat`),
   * so the budget bounds backward graphs too.
   */
  chunkBudget?: number;
  /**
   * Recompute each chunk in the backward pass instead of keeping its
   * intermediates (see `chunked`); default: on in training graphs.
   */
  remat?: boolean;
}

/** Owns a graph plus the parameter and dropout registries that modules fill. */
export class ModelBuilder {
  /** The graph being built. */
  readonly g: Graph;
  /** Parameters in creation order. */
  readonly params: ParamSpec[] = [];
  /** Dropout masks in creation order. */
  readonly dropouts: DropoutSpec[] = [];
  /** Build options. */
  readonly options: BuildOptions;
  readonly #byName = new Map<string, Tensor>();
  readonly #dropoutsAt = new Map<string, number>();

  constructor(options: BuildOptions = {}, g: Graph = new Graph()) {
    this.g = g;
    this.options = options;
  }

  /** The root scope (or a scope at `prefix`). */
  scope(prefix = ""): Scope {
    return new Scope(this, prefix);
  }

  /** @internal the parameter called `name`, created on first use. */
  param(name: string, shape: Shape, init: Init): Tensor {
    const have = this.#byName.get(name);
    if (have) {
      if (have.shape.join() !== shape.join()) {
        throw new GraphError(
          "param",
          `"${name}" reused with shape [${shape}], was [${have.shape}]`,
        );
      }
      return have;
    }
    const t = this.g.input(name, shape);
    this.#byName.set(name, t);
    this.params.push({ name, shape: [...shape], init });
    return t;
  }

  /** Parameter tensors by name. */
  paramTensors(): Map<string, Tensor> {
    return new Map(this.#byName);
  }

  /**
   * @internal the name of the next dropout mask at scope `prefix`: numbered
   * within the scope, so a block's masks are named alike whether the block is
   * built alone (as block 0 of a block graph) or inside the whole model.
   */
  dropoutName(prefix: string): string {
    const k = this.#dropoutsAt.get(prefix) ?? 0;
    this.#dropoutsAt.set(prefix, k + 1);
    return `${prefix}.dropout.${k}`;
  }

  /** Total number of parameter values. */
  paramCount(): number {
    return this.params.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
  }
}

/** A named position in a model: parameters created here get `prefix.name`. */
export class Scope {
  constructor(readonly builder: ModelBuilder, readonly prefix: string) {}

  /** The graph. */
  get g(): Graph {
    return this.builder.g;
  }

  /** Whether ops are chunked at all (a memory budget is set). */
  get chunking(): boolean {
    return this.builder.options.chunkBudget !== undefined;
  }

  /**
   * Rows per chunk for an op whose largest intermediate has `perRowElements`
   * elements per row of its chunk axis: `max(1, floor(chunkBudget /
   * perRowElements))`, or undefined (no chunking) without a budget.
   */
  chunkRows(perRowElements: number): number | undefined {
    const { chunkBudget } = this.builder.options;
    if (chunkBudget === undefined) return undefined;
    return Math.max(1, Math.floor(chunkBudget / Math.max(1, perRowElements)));
  }

  /** Whether chunks are recomputed in the backward pass ({@link BuildOptions.remat}). */
  get remat(): boolean {
    return this.builder.options.remat ?? this.training;
  }

  /** Whether this is a training graph. */
  get training(): boolean {
    return this.builder.options.training ?? false;
  }

  /** A sub-scope: `prefix.name`. */
  child(name: string | number): Scope {
    return new Scope(this.builder, this.prefix ? `${this.prefix}.${name}` : String(name));
  }

  /** This scope's parameter `name` (created on first use, then shared). */
  param(name: string, shape: Shape, init: Init): Tensor {
    return this.builder.param(this.prefix ? `${this.prefix}.${name}` : name, shape, init);
  }

  /**
   * Dropout of `x` with a mask fed at run time (AF2 supplement 1.11.6): the mask
   * has size 1 along `sharedAxes` (row- or column-wise dropout shares it across
   * that axis). Identity outside training or at rate 0.
   */
  dropout(x: Tensor, rate: number, sharedAxes: readonly number[] = []): Tensor {
    if (!this.training || rate === 0) return x;
    const axes = sharedAxes.map((a) => (a < 0 ? a + x.rank : a));
    const shape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const name = this.builder.dropoutName(this.prefix);
    this.builder.dropouts.push({ name, shape, rate });
    return G.mul(x, this.g.input(name, shape, x.dtype));
  }
}
