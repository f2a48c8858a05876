/**
 * Template features built inside the graph from the template inputs (AF2
 * supplement Algorithm 2 lines 7-9 and Table 1: `template_angle_feat` (57) and
 * `template_pair_feat` (88)). OpenFold `feats.build_template_angle_feat` and
 * `feats.build_template_pair_feat`.
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import { ATOM_ORDER, RESTYPE_NUM } from "../protein/residue_constants.ts";
import { oneHotDistogram } from "./recycling_embedder.ts";

/** Template aatype classes: 20 amino acids, unknown, gap. */
const TEMPLATE_AATYPE_CLASSES = RESTYPE_NUM + 2;

/** The template inputs (OpenFold batch names), each with a leading `[*, N_templ]`. */
export interface TemplateInputs {
  /** `[*, T, N_res]` int. */
  template_aatype: Tensor;
  /** `[*, T, N_res, 37, 3]` atom37 positions (Å). */
  template_all_atom_positions: Tensor;
  /** `[*, T, N_res, 37]`. */
  template_all_atom_mask: Tensor;
  /** `[*, T, N_res, 7, 2]` (sin, cos) of ω, φ, ψ, χ1..χ4. */
  template_torsion_angles_sin_cos: Tensor;
  /** `[*, T, N_res, 7, 2]` the same with π-rotated alternative χ. */
  template_alt_torsion_angles_sin_cos: Tensor;
  /** `[*, T, N_res, 7]`. */
  template_torsion_angles_mask: Tensor;
  /** `[*, T, N_res, 3]`. */
  template_pseudo_beta: Tensor;
  /** `[*, T, N_res]`. */
  template_pseudo_beta_mask: Tensor;
}

/** Options of {@link buildTemplatePairFeat} (the config's `template.distogram`, `inf`, `eps`). */
export interface TemplatePairFeatOptions {
  min_bin: number;
  max_bin: number;
  no_bins: number;
  /** Upper edge of the last distance bin in squared Å (1e5). */
  inf: number;
  /** Added under the square roots of the backbone frames and unit vectors. */
  eps: number;
  /** Keep the unit vectors (false in the AF2 monomer models: they are zeroed). */
  use_unit_vector: boolean;
}

/**
 * `template_angle_feat [*, T, N_res, 57]` = one-hot aatype (22), torsion sin/cos
 * (14), alternative torsion sin/cos (14), torsion mask (7). The sin/cos enter
 * unmasked, as in OpenFold.
 */
export function buildTemplateAngleFeat(f: TemplateInputs): Tensor {
  const flat = (x: Tensor) => G.reshape(x, [...x.shape.slice(0, -2), x.shape[x.rank - 2] * 2]);
  const mask = f.template_torsion_angles_mask;
  return G.concat([
    G.oneHot(f.template_aatype, TEMPLATE_AATYPE_CLASSES, mask.dtype),
    flat(f.template_torsion_angles_sin_cos),
    flat(f.template_alt_torsion_angles_sin_cos),
    mask,
  ], -1);
}

/** Component `k` of `[*, 3]`, keeping the axis: `[*, 1]`. */
const comp = (v: Tensor, k: number) => G.slice(v, -1, k, k + 1);
/** Dot product over the last axis, kept: `[*, 1]`. */
const dot = (a: Tensor, b: Tensor) => G.sum(G.mul(a, b), -1, true);

/** a × b over the last axis (size 3). */
function cross(a: Tensor, b: Tensor): Tensor {
  const [ax, ay, az] = [0, 1, 2].map((k) => comp(a, k));
  const [bx, by, bz] = [0, 1, 2].map((k) => comp(b, k));
  return G.concat([
    G.sub(G.mul(ay, bz), G.mul(az, by)),
    G.sub(G.mul(az, bx), G.mul(ax, bz)),
    G.sub(G.mul(ax, by), G.mul(ay, bx)),
  ], -1);
}

/**
 * Backbone frames from N, CA, C (Algorithm 21 / AF2 `make_transform_from_reference`):
 * x axis along C−CA, y axis in the N−CA−C plane towards N, origin CA; `eps`
 * keeps missing (all-zero) atoms finite. Returns the three axes `[*, 3]` each.
 */
function backboneAxes(n: Tensor, ca: Tensor, c: Tensor, eps: number): Tensor[] {
  const v1 = G.sub(c, ca);
  const v2 = G.sub(n, ca);
  const e1 = G.div(v1, G.sqrt(G.add(dot(v1, v1), eps)));
  const u2 = G.sub(v2, G.mul(e1, dot(e1, v2)));
  const e2 = G.div(u2, G.sqrt(G.add(dot(u2, u2), eps)));
  return [e1, e2, cross(e1, e2)];
}

/**
 * `template_pair_feat [*, T, N_res, N_res, 88]` = distogram of the pseudo-beta
 * atoms (39 bins, squared-distance edges, last upper edge `inf`), pseudo-beta
 * pair mask, one-hot aatype of j (22, broadcast over i), of i (22), the unit
 * vector from residue i's backbone frame to residue j's CA (3; zeroed unless
 * `use_unit_vector`), backbone pair mask; everything multiplied by the backbone
 * (N, CA, C present) pair mask, as AF2's `SingleTemplateEmbedding` does.
 */
export function buildTemplatePairFeat(f: TemplateInputs, o: TemplatePairFeatOptions): Tensor {
  const pbMask = f.template_pseudo_beta_mask;
  const pbMask2d = G.mul(G.unsqueeze(pbMask, -1), G.unsqueeze(pbMask, -2)); // [*, T, N, N]
  const dgram = oneHotDistogram(f.template_pseudo_beta, { ...o });
  const aa = G.oneHot(f.template_aatype, TEMPLATE_AATYPE_CLASSES, pbMask.dtype); // [*, T, N, 22]
  const n = aa.shape[aa.rank - 2];
  const pairShape = [...aa.shape.slice(0, -2), n, n, TEMPLATE_AATYPE_CLASSES];
  const aaJ = G.expand(G.unsqueeze(aa, -3), pairShape);
  const aaI = G.expand(G.unsqueeze(aa, -2), pairShape);

  const pos = f.template_all_atom_positions;
  const atom = (name: string) => G.select(pos, -2, ATOM_ORDER[name]); // [*, T, N, 3]
  const amask = (name: string) => G.select(f.template_all_atom_mask, -1, ATOM_ORDER[name]);
  const bbMask = G.mul(G.mul(amask("N"), amask("CA")), amask("C"));
  const bbMask2d = G.mul(G.unsqueeze(bbMask, -1), G.unsqueeze(bbMask, -2)); // [*, T, N, N]

  let unit: Tensor;
  if (o.use_unit_vector) {
    const ca = atom("CA");
    const axes = backboneAxes(atom("N"), ca, atom("C"), o.eps);
    // Vector from CA_i to CA_j in frame i: Rᵢᵀ (t_j − t_i), [*, T, N_i, N_j, 3].
    const d = G.sub(G.unsqueeze(ca, -3), G.unsqueeze(ca, -2));
    const local = G.concat(axes.map((e) => dot(G.unsqueeze(e, -2), d)), -1);
    const invDist = G.mul(
      G.div(1, G.sqrt(G.add(dot(local, local), o.eps))),
      G.unsqueeze(bbMask2d, -1),
    );
    unit = G.mul(local, invDist);
  } else {
    unit = G.full(pbMask, [...pbMask2d.shape, 3], 0);
  }
  const act = G.concat([
    dgram,
    G.unsqueeze(pbMask2d, -1),
    aaJ,
    aaI,
    unit,
    G.unsqueeze(bbMask2d, -1),
  ], -1);
  return G.mul(act, G.unsqueeze(bbMask2d, -1));
}
