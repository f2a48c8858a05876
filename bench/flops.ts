/**
 * FLOP counts: analytically for one Evoformer block (AF2 supplement Algorithm 6
 * and the modules it calls), and by walking a graph's contractions, so the two
 * can be checked against each other.
 *
 * @module
 */

import { parseEinsum } from "../model/graph/ops.ts";
import { liveTensors, type Tensor } from "../model/graph/mod.ts";
import type { EvoformerBlockConfig } from "../model/af2/evoformer.ts";

/**
 * Multiply-add FLOPs (2 per multiply-add) of the contractions of one Evoformer
 * block's forward pass on `nSeq` sequences of `nRes` residues, module by
 * module (Algorithms 7–15); elementwise work (softmax, LayerNorm, gating) is
 * not counted, as in the usual convention.
 */
export function evoformerBlockFlops(
  nSeq: number,
  nRes: number,
  cM: number,
  cZ: number,
  cfg: EvoformerBlockConfig,
): Record<string, number> {
  const s = nSeq, r = nRes;
  const hM = cfg.no_heads_msa * cfg.c_hidden_msa_att;
  const hP = cfg.no_heads_pair * cfg.c_hidden_pair_att;
  const mm = (m: number, k: number, n: number) => 2 * m * k * n;
  const co = cfg.c_hidden_opm, cmul = cfg.c_hidden_mul;
  return {
    // Alg. 7: q, k, v, gate and output projections; pair bias; QKᵀ and AV per row.
    msa_row_attention: 5 * mm(s * r, cM, hM) + mm(r * r, cZ, cfg.no_heads_msa) +
      2 * s * mm(r, hM, r),
    // Alg. 8: the same along columns, no pair bias.
    msa_column_attention: 5 * mm(s * r, cM, hM) + 2 * r * mm(s, hM, s),
    // Alg. 9: two linears through n·C_m.
    msa_transition: 2 * mm(s * r, cM, cfg.transition_n * cM),
    // Alg. 10: two projections, the outer product summed over sequences, the output linear.
    outer_product_mean: 2 * mm(s * r, cM, co) + mm(r * co, s, r * co) + mm(r * r, co * co, cZ),
    // Alg. 11/12 (×2): a/b projections and gates, output gate, the edge sum, linear_z.
    triangle_multiplication: 2 *
      (mm(r * r, cZ, 4 * cmul + cZ) + cmul * mm(r, r, r) + mm(r * r, cmul, cZ)),
    // Alg. 13/14 (×2): triangle bias, q, k, v, gate, output; QKᵀ and AV per row.
    triangle_attention: 2 *
      (mm(r * r, cZ, cfg.no_heads_pair) + 5 * mm(r * r, cZ, hP) + 2 * r * mm(r, hP, r)),
    // Alg. 15: two linears through n·C_z.
    pair_transition: 2 * mm(r * r, cZ, cfg.transition_n * cZ),
  };
}

/** FLOPs of a graph's MatMul and Einsum nodes needed for `outputs` (2 per multiply-add). */
export function graphContractionFlops(outputs: readonly Tensor[]): number {
  let total = 0;
  for (const t of liveTensors(outputs)) {
    if (t.op === "MatMul") {
      const [a] = t.inputs;
      total += 2 * t.size * a.shape[a.rank - 1];
    } else if (t.op === "Einsum") {
      const { ins } = parseEinsum(t.attrs.equation as string, t.inputs.length);
      const size = new Map<string, number>();
      ins.forEach((s, k) => [...s].forEach((c, i) => size.set(c, t.inputs[k].shape[i])));
      let p = 1;
      for (const v of size.values()) p *= v;
      total += 2 * p;
    }
  }
  return total;
}
