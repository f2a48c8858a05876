/**
 * DeepMind-format parameter files for tests: the arrays a `params_model_<n>.npz`
 * holds for a model config, with DeepMind's key names, block stacking and
 * per-head layouts written from the AF2 architecture, independently of the
 * importer's layout table (model/params.ts), so an import test checks one
 * against the other.
 */
import type { NdArray } from "../../model/io/ndarray.ts";
import type { ModelConfig } from "../../model/af2/config.ts";
import { af2SourceOf, modelParamSpecs } from "../../model/params.ts";

/**
 * DeepMind's per-block array shape for one key of a model with config `cfg`,
 * written from the AF2 architecture (heads and per-head widths of each
 * attention), independently of the importer's layout table.
 */
export function deepmindShape(key: string, ours: number[], cfg: ModelConfig): number[] {
  const leaf = key.slice(key.lastIndexOf("//") + 2);
  const stack = key.includes("template_pair_stack")
    ? { h: cfg.template.pair_stack.no_heads, c: cfg.template.pair_stack.c_hidden_tri_att }
    : key.includes("template_embedding/attention")
    ? { h: cfg.template.pointwise_attention.no_heads, c: cfg.template.pointwise_attention.c_hidden }
    : undefined;
  const evo = key.includes("extra_msa_stack") ? cfg.extra_msa : cfg.evoformer;
  const heads = stack ??
    (key.includes("triangle_attention")
      ? { h: evo.no_heads_pair, c: evo.c_hidden_pair_att }
      : { h: evo.no_heads_msa, c: evo.c_hidden_msa_att });
  const global = key.includes("msa_column_global_attention");
  switch (leaf) {
    case "query_w":
    case "gating_w":
      return [ours[1], heads.h, heads.c];
    case "key_w":
    case "value_w":
      return global ? [ours[1], heads.c] : [ours[1], heads.h, heads.c];
    case "gating_b":
      return [heads.h, heads.c];
    case "output_w":
      return key.includes("outer_product_mean")
        ? [evo.c_hidden_opm, evo.c_hidden_opm, ours[0]]
        : [heads.h, heads.c, ours[0]];
    case "weights":
    case "feat_2d_weights":
      return [ours[1], ours[0]];
    default:
      return ours;
  }
}

/**
 * Every array of DeepMind's file for `cfg`, stacked blocks first; values come
 * from `fill()` in file order (keys in model order, C order within a key).
 */
export function deepmindArrays(cfg: ModelConfig, fill: () => number): Map<string, NdArray> {
  const plan = modelParamSpecs(cfg).map((p) => {
    const src = af2SourceOf(p.name);
    if (!src) throw new Error(`no AlphaFold2 key for ${p.name}`);
    return { p, src };
  });
  const nBlocks = new Map<string, number>();
  for (const { src } of plan) {
    if (src.block !== undefined) {
      nBlocks.set(src.key, Math.max(nBlocks.get(src.key) ?? 0, src.block + 1));
    }
  }
  const arrays = new Map<string, NdArray>();
  for (const { p, src } of plan) {
    if (arrays.has(src.key)) continue;
    const per = deepmindShape(src.key, p.shape, cfg);
    const shape = nBlocks.has(src.key) ? [nBlocks.get(src.key)!, ...per] : per;
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = fill();
    arrays.set(src.key, { dtype: "float32", shape, data });
  }
  return arrays;
}
