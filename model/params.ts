/**
 * The parameter store: a model's parameters by OpenFold state-dict name in
 * PyTorch layout (Linear weight `[out, in]`), saved and loaded as safetensors
 * and always checked against the model's own parameter specs, plus the import
 * of DeepMind's AlphaFold2 `params_model_*.npz` weights.
 *
 * DeepMind's files use haiku names (`alphafold/alphafold_iteration/<scope>//<name>`)
 * and JAX layouts: Linear weights `[in, out]`, attention projections
 * `[in, H, C]` / `[H, C, out]`, gating bias `[H, C]`, the outer-product-mean
 * output `[C, C, out]`, and the blocks of the Evoformer, extra-MSA and template
 * pair stacks stacked on a leading axis. The name table below records which
 * haiku scope holds which OpenFold module (the facts behind OpenFold's
 * `import_jax_weights_`); the import walks the model's specs, so it works for
 * any block count and width.
 *
 * @module
 */

import type { ParamSpec } from "./nn/scope.ts";
import { ModelBuilder } from "./nn/scope.ts";
import type { ModelConfig } from "./af2/config.ts";
import { alphafoldIteration, featureInputs } from "./af2/alphafold.ts";
import { readSafetensors, writeSafetensors } from "./io/safetensors.ts";
import { readNpz } from "./io/npz.ts";
import { asFloat32, type NdArray, numel } from "./io/ndarray.ts";
import { InputError } from "./util/errors.ts";

/** Parameter values by OpenFold state-dict name (flat, C order, float32). */
export type ParamValues = Map<string, Float32Array>;

/** One parameter whose stored shape (or dtype) disagrees with the model's. */
export interface ParamMismatch {
  /** The stored name (an OpenFold name, or an AF2 key for imports). */
  name: string;
  /** What the model needs, in words (`[16, 32]`, or the AF2 layout). */
  expected: string;
  /** What the file holds (`float32[32, 16]`). */
  got: string;
}

/** How many names of each list an error message spells out. */
const LIST_LIMIT = 40;

function listed(names: readonly string[]): string {
  const shown = names.slice(0, LIST_LIMIT).join(", ");
  return names.length > LIST_LIMIT ? `${shown}, … (${names.length - LIST_LIMIT} more)` : shown;
}

/**
 * Stored parameters do not fit the model: names the model needs but the
 * source lacks, names the source has but the model does not use, and names
 * whose shape or dtype is wrong — all of them at once, in one message (its
 * first line sums it up). An {@link InputError} (exit code 2): the file, or
 * the preset it was loaded for, must change.
 */
export class ParamStoreError extends InputError {
  /** Lists every mismatch of the parameters from `source` at once, one line per kind. */
  constructor(
    /** The file (or description) the parameters came from. */
    readonly source: string,
    /** Needed by the model, absent from the source. */
    readonly missing: readonly string[],
    /** Present in the source, not used by the model. */
    readonly unexpected: readonly string[],
    /** Present with the wrong shape or dtype. */
    readonly misshaped: readonly ParamMismatch[],
    /** Model parameters that the source format has no name for (AF2 import only). */
    readonly unmapped: readonly string[] = [],
  ) {
    const lines = [
      `${source}: parameters do not match the model (${missing.length} missing, ` +
      `${unexpected.length} unexpected, ${misshaped.length} mis-shaped` +
      (unmapped.length ? `, ${unmapped.length} without an AlphaFold2 equivalent)` : ")"),
    ];
    if (missing.length) lines.push(`  missing: ${listed(missing)}`);
    if (unexpected.length) lines.push(`  unexpected: ${listed(unexpected)}`);
    if (misshaped.length) {
      lines.push(
        `  mis-shaped: ${
          listed(misshaped.map((m) => `${m.name} is ${m.got}, model wants ${m.expected}`))
        }`,
      );
    }
    if (unmapped.length) lines.push(`  no AlphaFold2 equivalent: ${listed(unmapped)}`);
    super(lines.join("\n"));
  }
}

const shapeText = (s: readonly number[]) => `[${s.join(", ")}]`;

/**
 * The parameter specs of the full monomer model for `cfg` (names, PyTorch
 * shapes, inits): the one iteration graph is built — not compiled — with
 * every optional input present, so template and extra-MSA parameters are
 * included when the config enables them.
 *
 * @example
 * ```ts
 * import { modelConfig, modelParamSpecs } from "denofold";
 *
 * const specs = modelParamSpecs(modelConfig("model_3"));
 * console.log(specs.length, specs.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0));
 * ```
 */
export function modelParamSpecs(cfg: ModelConfig): ParamSpec[] {
  const b = new ModelBuilder();
  const { features, prev } = featureInputs(b.g, cfg, { nRes: 4, nSeq: 1, nExtra: 1, nTempl: 1 });
  alphafoldIteration(b.scope(), cfg, features, prev);
  return b.params;
}

/** Options of the checks and loaders. */
export interface ParamCheckOptions {
  /** Accept source entries the model does not use (they are dropped). Default false. */
  allowUnexpected?: boolean;
}

/**
 * Check stored parameter shapes against the model's specs; throws one
 * {@link ParamStoreError} listing every missing, unexpected and mis-shaped name.
 */
export function checkParamShapes(
  shapes: ReadonlyMap<string, readonly number[]>,
  specs: readonly ParamSpec[],
  source: string,
  opts: ParamCheckOptions = {},
): void {
  const missing: string[] = [];
  const misshaped: ParamMismatch[] = [];
  const wanted = new Set<string>();
  for (const p of specs) {
    wanted.add(p.name);
    const s = shapes.get(p.name);
    if (!s) missing.push(p.name);
    else if (s.join() !== p.shape.join()) {
      misshaped.push({ name: p.name, expected: shapeText(p.shape), got: shapeText(s) });
    }
  }
  const unexpected = opts.allowUnexpected ? [] : [...shapes.keys()].filter((k) => !wanted.has(k));
  if (missing.length || unexpected.length || misshaped.length) {
    throw new ParamStoreError(source, missing, unexpected, misshaped);
  }
}

/**
 * Check flat parameter values (as `Executor.infer` takes them)
 * against the specs: every name present with `numel(shape)` values, nothing else.
 */
export function checkParamValues(
  params: ReadonlyMap<string, Float32Array>,
  specs: readonly ParamSpec[],
  source = "parameters",
  opts: ParamCheckOptions = {},
): void {
  const byName = new Map(specs.map((p) => [p.name, p]));
  const shapes = new Map<string, number[]>();
  for (const [name, v] of params) {
    const spec = byName.get(name);
    // A flat array carries only its length: it has the spec's shape when the counts agree.
    shapes.set(name, spec && numel(spec.shape) === v.length ? spec.shape : [v.length]);
  }
  checkParamShapes(shapes, specs, source, opts);
}

/** Options of {@link loadParams}. */
export interface LoadParamsOptions extends ParamCheckOptions {
  /**
   * Read only tensors named `<prefix><OpenFold name>` (e.g. `"param/"` for a
   * training checkpoint, whose optimizer tensors are then ignored). Default "".
   */
  prefix?: string;
}

/**
 * Load a model's parameters from a safetensors file written by
 * {@link saveParams} (or any file keyed by OpenFold state-dict names).
 * Every tensor is checked against `specs`: missing, unexpected and mis-shaped
 * names are reported together in one {@link ParamStoreError}. float64 tensors
 * are rounded to float32; other dtypes are refused.
 *
 * @example
 * ```ts
 * import { modelConfig } from "denofold";
 *
 * const params = await loadParams("model.safetensors", modelParamSpecs(modelConfig("tiny")));
 * ```
 */
export async function loadParams(
  path: string,
  specs: readonly ParamSpec[],
  opts: LoadParamsOptions = {},
): Promise<ParamValues> {
  const prefix = opts.prefix ?? "";
  const { tensors } = await readSafetensors(path);
  const shapes = new Map<string, number[]>();
  const badDtype: ParamMismatch[] = [];
  const specShape = new Map(specs.map((p) => [p.name, p.shape]));
  for (const [key, t] of tensors) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    shapes.set(name, t.shape);
    if (t.dtype !== "float32" && t.dtype !== "float64" && specShape.has(name)) {
      badDtype.push({
        name,
        expected: `float32${shapeText(specShape.get(name)!)}`,
        got: `${t.dtype}${shapeText(t.shape)}`,
      });
    }
  }
  try {
    checkParamShapes(shapes, specs, path, opts);
  } catch (e) {
    if (!(e instanceof ParamStoreError)) throw e;
    throw new ParamStoreError(path, e.missing, e.unexpected, [...e.misshaped, ...badDtype]);
  }
  if (badDtype.length) throw new ParamStoreError(path, [], [], badDtype);
  const out: ParamValues = new Map();
  for (const p of specs) out.set(p.name, asFloat32(tensors.get(prefix + p.name)!));
  return out;
}

/**
 * Save a model's parameters as safetensors (one float32 tensor per OpenFold
 * name, with the spec's shape), atomically. The values are checked against
 * `specs` first, so a file that {@link loadParams} would refuse is never written.
 */
export async function saveParams(
  path: string,
  params: ReadonlyMap<string, Float32Array>,
  specs: readonly ParamSpec[],
  metadata: Record<string, string> = {},
): Promise<void> {
  checkParamValues(params, specs, path);
  const tensors = new Map<string, NdArray>();
  for (const p of specs) {
    tensors.set(p.name, { dtype: "float32", shape: [...p.shape], data: params.get(p.name)! });
  }
  await writeSafetensors(path, tensors, metadata);
}

// ---------------------------------------------------------------------------
// DeepMind AlphaFold2 names and layouts
// ---------------------------------------------------------------------------

/**
 * How an AF2 array (one block of it, for stacked arrays) becomes our tensor.
 * `copy`: same values, and the same shape unless `rank` says the AF2 array
 * splits a dimension (gating bias `[H, C]` → `[H·C]`). `transpose`: the AF2
 * array is `[in…, out…]` with the first `inAxes` axes forming `in`; ours is the
 * `[out, in]` transpose.
 */
export type Af2Layout =
  | { kind: "copy"; rank?: number }
  | { kind: "transpose"; rank: number; inAxes: number };

/** Where one OpenFold parameter lives in a DeepMind AF2 parameter file. */
export interface Af2Source {
  /** The AF2 npz key. */
  key: string;
  /** Index on the leading (stacked-blocks) axis, for Evoformer/extra-MSA/template-stack blocks. */
  block?: number;
  layout: Af2Layout;
}

const COPY: Af2Layout = { kind: "copy" };
const LINEAR_W: Af2Layout = { kind: "transpose", rank: 2, inAxes: 1 };
/** q/k/v/gating projections `[in, H, C]`. */
const HEADS_IN_W: Af2Layout = { kind: "transpose", rank: 3, inAxes: 1 };
/** Output projections `[H, C, out]` (and the OPM output `[C, C, out]`). */
const HEADS_OUT_W: Af2Layout = { kind: "transpose", rank: 3, inAxes: 2 };
const HEADS_BIAS: Af2Layout = { kind: "copy", rank: 2 };

type ModuleKind = "linear" | "layer_norm" | "attention" | "global_attention";

/** Parameters of each module kind: OpenFold leaf → [AF2 name, layout]. */
const LEAVES: Record<ModuleKind, Record<string, [string, Af2Layout]>> = {
  linear: { weight: ["weights", LINEAR_W], bias: ["bias", COPY] },
  layer_norm: { weight: ["scale", COPY], bias: ["offset", COPY] },
  attention: {
    "linear_q.weight": ["query_w", HEADS_IN_W],
    "linear_k.weight": ["key_w", HEADS_IN_W],
    "linear_v.weight": ["value_w", HEADS_IN_W],
    "linear_g.weight": ["gating_w", HEADS_IN_W],
    "linear_g.bias": ["gating_b", HEADS_BIAS],
    "linear_o.weight": ["output_w", HEADS_OUT_W],
    "linear_o.bias": ["output_b", COPY],
  },
  // Algorithm 19: keys and values have a single head, `[in, C]`.
  global_attention: {
    "linear_q.weight": ["query_w", HEADS_IN_W],
    "linear_k.weight": ["key_w", LINEAR_W],
    "linear_v.weight": ["value_w", LINEAR_W],
    "linear_g.weight": ["gating_w", HEADS_IN_W],
    "linear_g.bias": ["gating_b", HEADS_BIAS],
    "linear_o.weight": ["output_w", HEADS_OUT_W],
    "linear_o.bias": ["output_b", COPY],
  },
};

/** A table row: OpenFold module path → AF2 scope, module kind. */
type ModuleRow = [string, string, ModuleKind];
/** A table row for a parameter held directly by a haiku module: OpenFold name → AF2 key, layout. */
type ParamRow = [string, string, Af2Layout];

/** Triangle multiplication (Algorithms 11/12). */
function triMulRows(ours: string, af2: string, incoming: boolean): ModuleRow[] {
  // AF2 swaps the pseudocode's a and b for the incoming update (AlphaFold commit
  // b88f8da): its left_* projections feed OpenFold's linear_b_*.
  const [left, right] = incoming ? ["b", "a"] : ["a", "b"];
  return [
    [`${ours}.layer_norm_in`, `${af2}/layer_norm_input`, "layer_norm"],
    [`${ours}.linear_${left}_p`, `${af2}/left_projection`, "linear"],
    [`${ours}.linear_${right}_p`, `${af2}/right_projection`, "linear"],
    [`${ours}.linear_${left}_g`, `${af2}/left_gate`, "linear"],
    [`${ours}.linear_${right}_g`, `${af2}/right_gate`, "linear"],
    [`${ours}.layer_norm_out`, `${af2}/center_layer_norm`, "layer_norm"],
    [`${ours}.linear_z`, `${af2}/output_projection`, "linear"],
    [`${ours}.linear_g`, `${af2}/gating_linear`, "linear"],
  ];
}

function transitionRows(ours: string, af2: string): ModuleRow[] {
  return [
    [`${ours}.layer_norm`, `${af2}/input_layer_norm`, "layer_norm"],
    [`${ours}.linear_1`, `${af2}/transition1`, "linear"],
    [`${ours}.linear_2`, `${af2}/transition2`, "linear"],
  ];
}

function triAttRows(ours: string, af2: string): ModuleRow[] {
  return [
    [`${ours}.layer_norm`, `${af2}/query_norm`, "layer_norm"],
    [`${ours}.mha`, `${af2}/attention`, "attention"],
  ];
}

/**
 * Modules of one Evoformer / extra-MSA / template-pair block, relative to the
 * block (OpenFold's `pair_stack.` level is stripped before lookup).
 */
const BLOCK_MODULES: ModuleRow[] = [
  ["msa_att_row.layer_norm_m", "msa_row_attention_with_pair_bias/query_norm", "layer_norm"],
  ["msa_att_row.layer_norm_z", "msa_row_attention_with_pair_bias/feat_2d_norm", "layer_norm"],
  ["msa_att_row.mha", "msa_row_attention_with_pair_bias/attention", "attention"],
  // Evoformer: MSAColumnAttention wraps the row attention module as `_msa_att`.
  ["msa_att_col._msa_att.layer_norm_m", "msa_column_attention/query_norm", "layer_norm"],
  ["msa_att_col._msa_att.mha", "msa_column_attention/attention", "attention"],
  // Extra-MSA stack: global column attention.
  ["msa_att_col.layer_norm_m", "msa_column_global_attention/query_norm", "layer_norm"],
  ["msa_att_col.global_attention", "msa_column_global_attention/attention", "global_attention"],
  ...transitionRows("msa_transition", "msa_transition"),
  ["outer_product_mean.layer_norm", "outer_product_mean/layer_norm_input", "layer_norm"],
  ["outer_product_mean.linear_1", "outer_product_mean/left_projection", "linear"],
  ["outer_product_mean.linear_2", "outer_product_mean/right_projection", "linear"],
  ...triMulRows("tri_mul_out", "triangle_multiplication_outgoing", false),
  ...triMulRows("tri_mul_in", "triangle_multiplication_incoming", true),
  ...triAttRows("tri_att_start", "triangle_attention_starting_node"),
  ...triAttRows("tri_att_end", "triangle_attention_ending_node"),
  ...transitionRows("pair_transition", "pair_transition"),
];

const BLOCK_PARAMS: ParamRow[] = [
  // The pair-bias projections have no bias; haiku keeps them on the attention module.
  ["msa_att_row.linear_z.weight", "msa_row_attention_with_pair_bias//feat_2d_weights", LINEAR_W],
  ["tri_att_start.linear.weight", "triangle_attention_starting_node//feat_2d_weights", LINEAR_W],
  ["tri_att_end.linear.weight", "triangle_attention_ending_node//feat_2d_weights", LINEAR_W],
  // Algorithm 10 line 4: the output weight is [C, C, c_z] over the flattened outer product.
  ["outer_product_mean.linear_out.weight", "outer_product_mean//output_w", HEADS_OUT_W],
  ["outer_product_mean.linear_out.bias", "outer_product_mean//output_b", COPY],
];

const EVO = "evoformer";
const TEMPLATE = `${EVO}/template_embedding/single_template_embedding`;
const FOLD = "structure_module/fold_iteration";
const IPA = `${FOLD}/invariant_point_attention`;
const SIDECHAIN = `${FOLD}/rigid_sidechain`;

/** Modules outside the stacks, by full OpenFold path. */
const TOP_MODULES: ModuleRow[] = [
  ["input_embedder.linear_tf_m", `${EVO}/preprocess_1d`, "linear"],
  ["input_embedder.linear_msa_m", `${EVO}/preprocess_msa`, "linear"],
  ["input_embedder.linear_tf_z_i", `${EVO}/left_single`, "linear"],
  ["input_embedder.linear_tf_z_j", `${EVO}/right_single`, "linear"],
  // (sic) DeepMind's spelling.
  ["input_embedder.linear_relpos", `${EVO}/pair_activiations`, "linear"],
  ["recycling_embedder.linear", `${EVO}/prev_pos_linear`, "linear"],
  ["recycling_embedder.layer_norm_m", `${EVO}/prev_msa_first_row_norm`, "layer_norm"],
  ["recycling_embedder.layer_norm_z", `${EVO}/prev_pair_norm`, "layer_norm"],
  ["template_embedder.template_pair_embedder.linear", `${TEMPLATE}/embedding2d`, "linear"],
  [
    "template_embedder.template_pair_stack.layer_norm",
    `${TEMPLATE}/output_layer_norm`,
    "layer_norm",
  ],
  [
    "template_embedder.template_pointwise_att.mha",
    `${EVO}/template_embedding/attention`,
    "attention",
  ],
  [
    "template_embedder.template_single_embedder.linear_1",
    `${EVO}/template_single_embedding`,
    "linear",
  ],
  ["template_embedder.template_single_embedder.linear_2", `${EVO}/template_projection`, "linear"],
  ["extra_msa_embedder.linear", `${EVO}/extra_msa_activations`, "linear"],
  ["evoformer.linear", `${EVO}/single_activations`, "linear"],
  ["structure_module.layer_norm_s", "structure_module/single_layer_norm", "layer_norm"],
  ["structure_module.linear_in", "structure_module/initial_projection", "linear"],
  ["structure_module.layer_norm_z", "structure_module/pair_layer_norm", "layer_norm"],
  ["structure_module.ipa.linear_q", `${IPA}/q_scalar`, "linear"],
  ["structure_module.ipa.linear_kv", `${IPA}/kv_scalar`, "linear"],
  ["structure_module.ipa.linear_q_points.linear", `${IPA}/q_point_local`, "linear"],
  ["structure_module.ipa.linear_kv_points.linear", `${IPA}/kv_point_local`, "linear"],
  ["structure_module.ipa.linear_b", `${IPA}/attention_2d`, "linear"],
  ["structure_module.ipa.linear_out", `${IPA}/output_projection`, "linear"],
  ["structure_module.layer_norm_ipa", `${FOLD}/attention_layer_norm`, "layer_norm"],
  ["structure_module.transition.layer_norm", `${FOLD}/transition_layer_norm`, "layer_norm"],
  ["structure_module.bb_update.linear", `${FOLD}/affine_update`, "linear"],
  ["structure_module.angle_resnet.linear_in", `${SIDECHAIN}/input_projection`, "linear"],
  ["structure_module.angle_resnet.linear_initial", `${SIDECHAIN}/input_projection_1`, "linear"],
  ["structure_module.angle_resnet.linear_out", `${SIDECHAIN}/unnormalized_angles`, "linear"],
  ["aux_heads.plddt.layer_norm", "predicted_lddt_head/input_layer_norm", "layer_norm"],
  ["aux_heads.plddt.linear_1", "predicted_lddt_head/act_0", "linear"],
  ["aux_heads.plddt.linear_2", "predicted_lddt_head/act_1", "linear"],
  ["aux_heads.plddt.linear_3", "predicted_lddt_head/logits", "linear"],
  ["aux_heads.distogram.linear", "distogram_head/half_logits", "linear"],
  ["aux_heads.experimentally_resolved.linear", "experimentally_resolved_head/logits", "linear"],
  ["aux_heads.masked_msa.linear", "masked_msa_head/logits", "linear"],
  ["aux_heads.tm.linear", "predicted_aligned_error_head/logits", "linear"],
];

const TOP_PARAMS: ParamRow[] = [
  ["structure_module.ipa.head_weights", `${IPA}//trainable_point_weights`, COPY],
];

/** The stacked block families: OpenFold prefix → AF2 scope of the stacked arrays. */
const STACKS: [string, string][] = [
  ["evoformer.blocks", `${EVO}/evoformer_iteration`],
  ["extra_msa_stack.blocks", `${EVO}/extra_msa_stack`],
  [
    "template_embedder.template_pair_stack.blocks",
    `${TEMPLATE}/template_pair_stack/__layer_stack_no_state`,
  ],
];

/** Every AF2 key lives under this haiku prefix. */
export const AF2_KEY_PREFIX = "alphafold/alphafold_iteration/";

/** Expand module rows and parameter rows into one name → [AF2 key, layout] table. */
function expand(modules: ModuleRow[], params: ParamRow[]): Map<string, [string, Af2Layout]> {
  const out = new Map<string, [string, Af2Layout]>();
  for (const [ours, scope, kind] of modules) {
    for (const [leaf, [af2, layout]] of Object.entries(LEAVES[kind])) {
      out.set(`${ours}.${leaf}`, [`${scope}//${af2}`, layout]);
    }
  }
  for (const [ours, key, layout] of params) out.set(ours, [key, layout]);
  return out;
}

const TOP_TABLE = expand(TOP_MODULES, TOP_PARAMS);
const BLOCK_TABLE = expand(BLOCK_MODULES, BLOCK_PARAMS);

/** Haiku names repeated modules `name`, `name_1`, `name_2`, … in creation order. */
const haikuName = (base: string, i: number) => (i === 0 ? base : `${base}_${i}`);

/**
 * Where the OpenFold parameter `name` lives in a DeepMind AF2 parameter file,
 * or undefined if AF2 has no such parameter (e.g. a second structure-module
 * transition layer, which AF2's architecture does not have).
 *
 * @example
 * ```ts
 * af2SourceOf("evoformer.blocks.3.pair_stack.tri_mul_in.linear_a_p.weight");
 * // { key: "alphafold/alphafold_iteration/evoformer/evoformer_iteration/
 * //        triangle_multiplication_incoming/right_projection//weights",
 * //   block: 3, layout: { kind: "transpose", rank: 2, inAxes: 1 } }
 * ```
 */
export function af2SourceOf(name: string): Af2Source | undefined {
  const top = TOP_TABLE.get(name);
  if (top) return { key: AF2_KEY_PREFIX + top[0], layout: top[1] };
  for (const [prefix, scope] of STACKS) {
    const m = name.startsWith(prefix + ".") &&
      /^(\d+)\.(?:pair_stack\.)?(.+)$/.exec(name.slice(prefix.length + 1));
    if (!m) continue;
    const row = BLOCK_TABLE.get(m[2]);
    if (!row) return undefined;
    return { key: `${AF2_KEY_PREFIX}${scope}/${row[0]}`, block: Number(m[1]), layout: row[1] };
  }
  // Algorithm 20 lines 11-14: AF2 runs its angle-resnet blocks as repeated
  // `resblock1`/`resblock2` Linears inside one module.
  let m = /^structure_module\.angle_resnet\.layers\.(\d+)\.linear_([12])\.(weight|bias)$/.exec(
    name,
  );
  if (m) {
    const [lk, kind] = LEAVES.linear[m[3]];
    const scope = `${SIDECHAIN}/${haikuName(`resblock${m[2]}`, Number(m[1]))}`;
    return { key: `${AF2_KEY_PREFIX}${scope}//${lk}`, layout: kind };
  }
  // Algorithm 20 line 8: AF2's transition is three Linears named `transition`,
  // `transition_1`, `transition_2`; OpenFold's single transition layer holds them.
  m = /^structure_module\.transition\.layers\.0\.linear_([123])\.(weight|bias)$/.exec(name);
  if (m) {
    const [lk, kind] = LEAVES.linear[m[2]];
    const scope = `${FOLD}/${haikuName("transition", Number(m[1]) - 1)}`;
    return { key: `${AF2_KEY_PREFIX}${scope}//${lk}`, layout: kind };
  }
  return undefined;
}

/** The AF2 shape `layout` expects for our shape `ours`, in words (for errors). */
function expectedAf2(layout: Af2Layout, ours: readonly number[]): string {
  if (layout.kind === "copy") {
    return layout.rank === 2 ? `[H, C] with H·C = ${ours[0]}` : shapeText(ours);
  }
  const [out, inn] = ours;
  if (layout.rank === 2) return shapeText([inn, out]);
  return layout.inAxes === 1
    ? `[${inn}, H, C] with H·C = ${out}`
    : `[A, B, ${out}] with A·B = ${inn}`;
}

/** Whether one block of an AF2 array (shape `s`) fits our shape `ours` under `layout`. */
function fits(layout: Af2Layout, s: readonly number[], ours: readonly number[]): boolean {
  if (layout.kind === "copy") {
    if (layout.rank === undefined) return s.join() === ours.join();
    return s.length === layout.rank && numel(s) === numel(ours) && ours.length === 1;
  }
  if (s.length !== layout.rank || ours.length !== 2) return false;
  const inn = numel(s.slice(0, layout.inAxes)), out = numel(s.slice(layout.inAxes));
  return inn === ours[1] && out === ours[0];
}

/** Our `[out, in]` tensor from one AF2 block `[in…, out…]` (flattened to `[in, out]`). */
function transposed(src: Float32Array, out: number, inn: number): Float32Array {
  const dst = new Float32Array(out * inn);
  for (let i = 0; i < inn; i++) {
    const row = i * out;
    for (let o = 0; o < out; o++) dst[o * inn + i] = src[row + o];
  }
  return dst;
}

/**
 * Convert DeepMind AF2 parameters (keys exactly as in `params_model_*.npz`)
 * into our OpenFold-named, PyTorch-layout parameters for the model whose
 * specs are given. Every spec is looked up with {@link af2SourceOf}; stacked
 * arrays must have exactly the model's block count on their leading axis.
 * Missing, unused (unless `allowUnexpected`) and mis-shaped keys, and model
 * parameters with no AF2 name, are reported together in one
 * {@link ParamStoreError}.
 */
export function convertAf2Params(
  arrays: ReadonlyMap<string, NdArray>,
  specs: readonly ParamSpec[],
  source = "AlphaFold2 parameters",
  opts: ParamCheckOptions = {},
): ParamValues {
  const plan = specs.map((p) => ({ spec: p, src: af2SourceOf(p.name) }));
  const unmapped = plan.filter((x) => !x.src).map((x) => x.spec.name);
  // The model's block count per stacked key (blocks are numbered from 0).
  const blocks = new Map<string, number>();
  for (const { src } of plan) {
    if (src?.block !== undefined) {
      blocks.set(src.key, Math.max(blocks.get(src.key) ?? 0, src.block + 1));
    }
  }
  const missing = new Set<string>(), bad = new Map<string, ParamMismatch>();
  const used = new Set<string>();
  const rounded = new Map<string, Float32Array>();
  const out: ParamValues = new Map();
  for (const { spec, src } of plan) {
    if (!src) continue;
    used.add(src.key);
    const a = arrays.get(src.key);
    if (!a) {
      missing.add(src.key);
      continue;
    }
    if (bad.has(src.key)) continue;
    const nBlocks = blocks.get(src.key);
    const shape = nBlocks === undefined ? a.shape : a.shape.slice(1);
    const numeric = a.dtype === "float32" || a.dtype === "float64";
    if (
      !numeric || (nBlocks !== undefined && a.shape[0] !== nBlocks) ||
      !fits(src.layout, shape, spec.shape)
    ) {
      const lead = nBlocks === undefined ? "" : `${nBlocks} blocks × `;
      bad.set(src.key, {
        name: src.key,
        expected: `${lead}${expectedAf2(src.layout, spec.shape)} (for ${spec.name})`,
        got: `${a.dtype}${shapeText(a.shape)}`,
      });
      continue;
    }
    // float64 files are rounded once per key, not once per block.
    let values = rounded.get(src.key);
    if (!values) rounded.set(src.key, values = asFloat32(a));
    const n = numel(spec.shape);
    const first = (src.block ?? 0) * n;
    const block = values.subarray(first, first + n);
    out.set(
      spec.name,
      src.layout.kind === "copy" ? block.slice() : transposed(block, spec.shape[0], spec.shape[1]),
    );
  }
  const unexpected = opts.allowUnexpected ? [] : [...arrays.keys()].filter((k) => !used.has(k));
  if (missing.size || unexpected.length || bad.size || unmapped.length) {
    throw new ParamStoreError(source, [...missing], unexpected, [...bad.values()], unmapped);
  }
  return out;
}

/**
 * Import DeepMind AlphaFold2 weights — a `params_model_*.npz` file or its
 * arrays — as our OpenFold-named parameters for the model with `specs` (see
 * {@link convertAf2Params} for the checks).
 *
 * @example
 * ```ts
 * import { modelConfig } from "denofold";
 *
 * const specs = modelParamSpecs(modelConfig("af2"));
 * const params = await importAf2Npz("params/params_model_1.npz", specs);
 * await saveParams("model_1.safetensors", params, specs);
 * ```
 */
export async function importAf2Npz(
  src: string | ReadonlyMap<string, NdArray>,
  specs: readonly ParamSpec[],
  opts: ParamCheckOptions = {},
): Promise<ParamValues> {
  const arrays = typeof src === "string" ? await readNpz(src) : src;
  return convertAf2Params(arrays, specs, typeof src === "string" ? src : undefined, opts);
}
