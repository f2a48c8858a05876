/**
 * Implements Algorithm 2 (Inference).
 *
 * The AlphaFold2 monomer model, one recycling iteration as a graph (AF2
 * supplement Algorithm 2): the recycling embedder (Algorithm 32) takes the
 * previous iteration's MSA row, pair and positions as graph inputs. The driver
 * that runs the iteration `n_recycle + 1` times is `recycling.ts` (Algorithm 30).
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { DType, Graph, Tensor } from "../graph/mod.ts";
import type { Scope } from "../nn/scope.ts";
import type { ModelConfig } from "./config.ts";
import { inputEmbedder } from "./input_embedder.ts";
import { recyclingEmbedder } from "./recycling_embedder.ts";
import { buildExtraMsaFeat, extraMsaEmbedder } from "./extra_msa_embedder.ts";
import { type TemplateBatch, templateEmbedder } from "./template_embedder.ts";
import { extraMsaStack } from "./extra_msa.ts";
import { evoformerBlocks, evoformerSingle, type MsaPair } from "./evoformer.ts";
import { structureModule, type StructureModuleOutput } from "./structure_module.ts";
import { atom14ToAtom37, atom37AtomExists } from "./torsion_to_atoms.ts";
import { auxiliaryHeads, type AuxiliaryHeadsOutput } from "./heads.ts";
import { ATOM_ORDER } from "../protein/residue_constants.ts";

/** The features of one iteration (OpenFold batch names, no batch or recycling axis). */
export interface AlphaFoldFeatures {
  /** `[N]` int32 residue types. */
  aatype: Tensor;
  /** `[N, 22]`. */
  target_feat: Tensor;
  /** `[N]` residue numbers. */
  residue_index: Tensor;
  /** `[S, N, 49]`. */
  msa_feat: Tensor;
  /** `[N]`. */
  seq_mask: Tensor;
  /** `[S, N]`. */
  msa_mask: Tensor;
  /** `[E, N]` int32 tokens (absent when the extra-MSA stack is disabled). */
  extra_msa?: Tensor;
  extra_has_deletion?: Tensor;
  extra_deletion_value?: Tensor;
  extra_msa_mask?: Tensor;
  /** Templates (absent when templates are disabled). */
  templates?: TemplateBatch;
}

/** What the previous iteration hands to the next (zeros before the first). */
export interface Recycled {
  /** `[N, C_m]` first MSA row. */
  m1: Tensor;
  /** `[N, N, C_z]` pair representation. */
  z: Tensor;
  /** `[N, 37, 3]` final atom positions (Å). */
  x: Tensor;
}

/** Outputs of one iteration (OpenFold output names). */
export interface AlphaFoldOutputs extends AuxiliaryHeadsOutput {
  /** `[N, 37, 3]` Å. */
  final_atom_positions: Tensor;
  /** `[N, 37]`. */
  final_atom_mask: Tensor;
  /** `[N, 7]` final backbone frames (quaternion, Å translation). */
  final_affine_tensor: Tensor;
  /** `[N, C_s]` Evoformer single representation. */
  single: Tensor;
  /** `[N, N, C_z]`. */
  pair: Tensor;
  /** `[S, N, C_m]` (template rows removed). */
  msa: Tensor;
  /** Structure-module outputs per layer. */
  sm: StructureModuleOutput;
  /** The recycled state for the next iteration. */
  next: Recycled;
}

/** Pseudo-β from atom37 positions: Cβ, or Cα for glycine (OpenFold `pseudo_beta_fn`). */
export function pseudoBeta(aatype: Tensor, atom37: Tensor): Tensor {
  const gly = G.unsqueeze(G.equal(aatype, G.cast(aatype.graph.scalar(7), aatype.dtype)), -1);
  const ca = G.select(atom37, -2, ATOM_ORDER.CA);
  const cb = G.select(atom37, -2, ATOM_ORDER.CB);
  return G.where(gly, ca, cb);
}

/** The trunk's input: embedded MSA and pair representations with their masks. */
export interface Embedded {
  /** `[S (+ template rows), N, C_m]`. */
  m: Tensor;
  /** `[N, N, C_z]`. */
  z: Tensor;
  /** `[S (+ template rows), N]`. */
  msaMask: Tensor;
  /** `[N, N]`. */
  pairMask: Tensor;
}

/** The pair mask `[N, N]` of a sequence mask `[N]`. */
export function pairMaskOf(seqMask: Tensor): Tensor {
  return G.mul(G.unsqueeze(seqMask, -1), G.unsqueeze(seqMask, -2));
}

/** {@link Embedded} before the extra-MSA stack, with the stack's input when it is enabled. */
export interface PreEmbedded extends Embedded {
  /** The embedded extra MSA `[E, N, C_e]` and its mask `[E, N]`. */
  extra?: { a: Tensor; mask: Tensor };
}

/**
 * Algorithm 2 lines 5–15: input and recycling embedders, templates and the
 * extra-MSA stack, up to the Evoformer's input.
 */
export function alphafoldEmbed(
  scope: Scope,
  cfg: ModelConfig,
  f: AlphaFoldFeatures,
  prev: Recycled,
): Embedded {
  const e = alphafoldPreEmbed(scope, cfg, f, prev);
  if (!e.extra) return e;
  const z = extraMsaStack(
    scope.child("extra_msa_stack"),
    { m: e.extra.a, z: e.z },
    e.extra.mask,
    e.pairMask,
    cfg.extra_msa,
  );
  return { m: e.m, z, msaMask: e.msaMask, pairMask: e.pairMask };
}

/**
 * {@link alphafoldEmbed} up to the extra-MSA stack (Algorithm 2 lines 5–14 and
 * the extra-MSA embedder), which the blocks plan (model/exec/plan.ts) runs as its own graph.
 */
export function alphafoldPreEmbed(
  scope: Scope,
  cfg: ModelConfig,
  f: AlphaFoldFeatures,
  prev: Recycled,
): PreEmbedded {
  const pairMask = pairMaskOf(f.seq_mask);
  const emb = inputEmbedder(
    scope.child("input_embedder"),
    f.target_feat,
    f.residue_index,
    f.msa_feat,
    {
      c_m: cfg.c_m,
      c_z: cfg.c_z,
      relpos_k: cfg.input_embedder.relpos_k,
    },
  );
  // Algorithm 32: the previous iteration's first MSA row, pair and pseudo-β distogram.
  const rec = recyclingEmbedder(
    scope.child("recycling_embedder"),
    prev.m1,
    prev.z,
    pseudoBeta(f.aatype, prev.x),
    cfg.recycling_embedder,
  );
  const nSeq = emb.msa.shape[0];
  let m = G.concat([
    G.unsqueeze(G.add(G.select(emb.msa, 0, 0), rec.m), 0),
    G.slice(emb.msa, 0, 1, nSeq),
  ], 0);
  let z = G.add(emb.pair, rec.z);
  let msaMask = f.msa_mask;

  if (cfg.template.enabled && f.templates) {
    const t = templateEmbedder(
      scope.child("template_embedder"),
      f.templates,
      z,
      pairMask,
      cfg.template,
      {
        c_t: cfg.c_t,
        c_m: cfg.c_m,
      },
    );
    z = G.add(z, t.pair);
    if (t.single) {
      // Template torsion rows join the MSA (Algorithm 2 line 14), masked by ψ's mask.
      m = G.concat([m, t.single], 0);
      msaMask = G.concat([msaMask, G.select(f.templates.template_torsion_angles_mask, -1, 2)], 0);
    }
  }

  if (cfg.extra_msa.enabled && f.extra_msa) {
    const feat = buildExtraMsaFeat(f.extra_msa, f.extra_has_deletion!, f.extra_deletion_value!);
    const a = extraMsaEmbedder(scope.child("extra_msa_embedder"), feat, cfg.c_e);
    return { m, z, msaMask, pairMask, extra: { a, mask: f.extra_msa_mask! } };
  }
  return { m, z, msaMask, pairMask };
}

/**
 * Algorithm 2 lines 17–20 after the Evoformer blocks: the single
 * representation, the structure module, atom positions and the auxiliary
 * heads, from the last block's `m` and `z`. `nSeq` is the number of MSA rows
 * before template rows were appended.
 */
export function alphafoldTail(
  scope: Scope,
  cfg: ModelConfig,
  f: AlphaFoldFeatures,
  trunk: MsaPair,
): AlphaFoldOutputs {
  const nSeq = f.msa_feat.shape[0];
  const evo = { ...trunk, s: evoformerSingle(scope.child("evoformer"), trunk.m, cfg.c_s) };
  const msa = G.slice(evo.m, 0, 0, nSeq);
  const sm = structureModule(scope.child("structure_module"), cfg.structure_module, {
    single: evo.s,
    pair: evo.z,
    aatype: f.aatype,
    mask: f.seq_mask,
  });
  const nLayers = sm.positions.shape[0];
  const finalAtom14 = G.select(sm.positions, 0, nLayers - 1);
  const finalPositions = atom14ToAtom37(finalAtom14, f.aatype);
  const heads = auxiliaryHeads(scope.child("aux_heads"), cfg.heads, {
    sm_single: sm.single,
    pair: evo.z,
    msa,
    single: evo.s,
  });
  return {
    ...heads,
    final_atom_positions: finalPositions,
    final_atom_mask: atom37AtomExists(f.aatype, finalPositions.dtype),
    final_affine_tensor: G.select(sm.frames, 0, nLayers - 1),
    single: evo.s,
    pair: evo.z,
    msa,
    sm,
    next: { m1: G.select(evo.m, 0, 0), z: evo.z, x: finalPositions },
  };
}

/**
 * One iteration of Algorithm 2 (lines 5–17 plus the heads) with every parameter
 * under OpenFold's state-dict names: {@link alphafoldEmbed}, the Evoformer
 * blocks, {@link alphafoldTail}. The blocks plan builds the same three parts
 * as separate graphs (model/exec/plan.ts).
 */
export function alphafoldIteration(
  scope: Scope,
  cfg: ModelConfig,
  f: AlphaFoldFeatures,
  prev: Recycled,
): AlphaFoldOutputs {
  const e = alphafoldEmbed(scope, cfg, f, prev);
  const trunk = evoformerBlocks(scope.child("evoformer"), e, e.msaMask, e.pairMask, cfg.evoformer);
  return alphafoldTail(scope, cfg, f, trunk);
}

/** Sizes of one model graph. */
export interface GraphDims {
  nRes: number;
  nSeq: number;
  nExtra: number;
  nTempl: number;
}

/** Graph inputs for the features and the recycled state, named as OpenFold's batch keys. */
export function featureInputs(
  g: Graph,
  cfg: ModelConfig,
  d: GraphDims,
  dtype: DType = "float32",
): { features: AlphaFoldFeatures; prev: Recycled } {
  const { nRes: n, nSeq: sN, nExtra: e, nTempl: t } = d;
  const features: AlphaFoldFeatures = {
    aatype: g.input("aatype", [n], "int32"),
    target_feat: g.input("target_feat", [n, cfg.input_embedder.tf_dim], dtype),
    residue_index: g.input("residue_index", [n], "int32"),
    msa_feat: g.input("msa_feat", [sN, n, cfg.input_embedder.msa_dim], dtype),
    seq_mask: g.input("seq_mask", [n], dtype),
    msa_mask: g.input("msa_mask", [sN, n], dtype),
  };
  if (cfg.extra_msa.enabled && e > 0) {
    features.extra_msa = g.input("extra_msa", [e, n], "int32");
    features.extra_has_deletion = g.input("extra_has_deletion", [e, n], dtype);
    features.extra_deletion_value = g.input("extra_deletion_value", [e, n], dtype);
    features.extra_msa_mask = g.input("extra_msa_mask", [e, n], dtype);
  }
  if (cfg.template.enabled && t > 0) {
    features.templates = {
      template_aatype: g.input("template_aatype", [t, n], "int32"),
      template_all_atom_positions: g.input("template_all_atom_positions", [t, n, 37, 3], dtype),
      template_all_atom_mask: g.input("template_all_atom_mask", [t, n, 37], dtype),
      template_torsion_angles_sin_cos: g.input(
        "template_torsion_angles_sin_cos",
        [t, n, 7, 2],
        dtype,
      ),
      template_alt_torsion_angles_sin_cos: g.input(
        "template_alt_torsion_angles_sin_cos",
        [t, n, 7, 2],
        dtype,
      ),
      template_torsion_angles_mask: g.input("template_torsion_angles_mask", [t, n, 7], dtype),
      template_pseudo_beta: g.input("template_pseudo_beta", [t, n, 3], dtype),
      template_pseudo_beta_mask: g.input("template_pseudo_beta_mask", [t, n], dtype),
      template_mask: g.input("template_mask", [t], dtype),
    };
  }
  const prev: Recycled = {
    m1: g.input("prev_m1", [n, cfg.c_m], dtype),
    z: g.input("prev_z", [n, n, cfg.c_z], dtype),
    x: g.input("prev_x", [n, 37, 3], dtype),
  };
  return { features, prev };
}
