/**
 * Implements Algorithm 24 (computeAllAtomCoordinates).
 * Implements Algorithm 25 (makeRotX).
 *
 * From backbone frames and torsion angles to all-atom coordinates, in the graph
 * (AF2 supplement Algorithm 24 and 1.8; OpenFold `utils/feats.py`
 * `torsion_angles_to_frames`, `frames_and_literature_positions_to_atom14_pos`,
 * `atom14_to_atom37`). Residue tables come from `model/protein/residue_constants.ts`
 * and are baked in as constants, gathered by `aatype`.
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import {
  ATOM14_NUM,
  ATOM_TYPE_NUM,
  RESTYPE_ATOM14_MASK,
  RESTYPE_ATOM14_RIGID_GROUP_POSITIONS,
  RESTYPE_ATOM14_TO_RIGID_GROUP,
  RESTYPE_ATOM37_MASK,
  RESTYPE_ATOM37_TO_ATOM14,
  RESTYPE_RIGID_GROUP_DEFAULT_FRAME,
  RIGID_GROUP_NUM,
} from "../protein/residue_constants.ts";
import {
  applyFrames,
  composeFrames,
  type Frames,
  fromTensor4x4,
  unsqueezeFrames,
} from "./rigid.ts";

/** Residue types covered by the tables (20 + UNK). */
const RESTYPES = 21;

/** `[21, rows, cols]` one-hot table: `out[r, i, idx[r, i]] = weight[r, i]`. */
function oneHotTable(
  idx: ArrayLike<number>,
  weight: ArrayLike<number> | undefined,
  rows: number,
  cols: number,
): Float32Array {
  const out = new Float32Array(RESTYPES * rows * cols);
  for (let ri = 0; ri < RESTYPES * rows; ri++) out[ri * cols + idx[ri]] = weight ? weight[ri] : 1;
  return out;
}

// Atom14 slot → rigid group, as a one-hot matrix per residue type: [21, 14, 8].
const ATOM14_GROUP_ONE_HOT = oneHotTable(
  RESTYPE_ATOM14_TO_RIGID_GROUP,
  undefined,
  ATOM14_NUM,
  RIGID_GROUP_NUM,
);
// Atom37 ← atom14 selection (zero rows for atoms the residue lacks): [21, 37, 14].
const ATOM37_FROM_ATOM14 = oneHotTable(
  RESTYPE_ATOM37_TO_ATOM14,
  RESTYPE_ATOM37_MASK,
  ATOM_TYPE_NUM,
  ATOM14_NUM,
);

/** Rows of a constant `[21, ...]` table picked by `aatype [*]` → `[*, ...]`. */
function perResidue(
  aatype: Tensor,
  table: ArrayLike<number>,
  shape: number[],
  dtype: G.DType,
): Tensor {
  return G.gather(aatype.graph.constant(table, [RESTYPES, ...shape], dtype), aatype, 0);
}

/**
 * Algorithm 24 lines 1–10 (OpenFold `torsion_angles_to_frames`): the 8 rigid-group
 * frames `[*, N, 8]` in the global frame, from backbone frames (batch `[*, N]`,
 * translations in Å), torsion `angles [*, N, 7, 2]` as (sin, cos) of (ω, φ, ψ,
 * χ1..χ4) and `aatype [*, N]`. Each group is its default frame composed with a
 * rotation about x by its torsion; χ2..χ4 chain onto the previous χ frame.
 */
export function torsionAnglesToFrames(backbone: Frames, angles: Tensor, aatype: Tensor): Frames {
  const dtype = angles.dtype;
  const g = angles.graph;
  const lead = angles.shape.slice(0, -2); // [*, N]
  const defaults = fromTensor4x4(
    perResidue(aatype, RESTYPE_RIGID_GROUP_DEFAULT_FRAME, [RIGID_GROUP_NUM, 4, 4], dtype),
  ); // rot [*, N, 8, 3, 3]

  // The backbone group gets the zero angle (sin 0, cos 1).
  const bb = G.expand(g.constant([0, 1], [1, 2], dtype), [...lead, 1, 2]);
  const alpha = G.unsqueeze(G.concat([bb, angles], -2), -1); // [*, N, 8, 2, 1]
  const [sin, cos] = G.split(alpha, -2, [1, 1]); // [*, N, 8, 1, 1]
  // rot_x(α) = [[1, 0, 0], [0, cos, −sin], [0, sin, cos]] = E00 + cos (E11 + E22) + sin (E21 − E12).
  const e00 = g.constant([1, 0, 0, 0, 0, 0, 0, 0, 0], [3, 3], dtype);
  const eCos = g.constant([0, 0, 0, 0, 1, 0, 0, 0, 1], [3, 3], dtype);
  const eSin = g.constant([0, 0, 0, 0, 0, -1, 0, 1, 0], [3, 3], dtype);
  const rotX = G.add(G.add(G.mul(cos, eCos), G.mul(sin, eSin)), e00);
  const local: Frames = { rot: G.matmul(defaults.rot, rotX), trans: defaults.trans };

  const group = (f: Frames, i: number): Frames => ({
    rot: G.select(f.rot, -3, i),
    trans: G.select(f.trans, -2, i),
  });
  const chi2 = composeFrames(group(local, 4), group(local, 5));
  const chi3 = composeFrames(chi2, group(local, 6));
  const chi4 = composeFrames(chi3, group(local, 7));
  const first5: Frames = {
    rot: G.slice(local.rot, -3, 0, 5),
    trans: G.slice(local.trans, -2, 0, 5),
  };
  const toBackbone: Frames = {
    rot: G.concat([first5.rot, ...[chi2, chi3, chi4].map((f) => G.unsqueeze(f.rot, -3))], -3),
    trans: G.concat([first5.trans, ...[chi2, chi3, chi4].map((f) => G.unsqueeze(f.trans, -2))], -2),
  };
  return composeFrames(unsqueezeFrames(backbone), toBackbone);
}

/**
 * Algorithm 24 line 11 (OpenFold `frames_and_literature_positions_to_atom14_pos`):
 * atom14 coordinates `[*, N, 14, 3]` = each atom's rigid-group frame (from
 * `frames`, batch `[*, N, 8]`) applied to its idealised literature position;
 * unused atom14 slots are zero.
 */
export function framesToAtom14(frames: Frames, aatype: Tensor): Tensor {
  const dtype = frames.rot.dtype;
  const lead = frames.trans.shape.slice(0, -2); // [*, N]
  const oneHot = perResidue(aatype, ATOM14_GROUP_ONE_HOT, [ATOM14_NUM, RIGID_GROUP_NUM], dtype);
  // Select each atom's group frame by a one-hot MatMul (exact, and differentiable).
  const rot = G.reshape(
    G.matmul(oneHot, G.reshape(frames.rot, [...lead, RIGID_GROUP_NUM, 9])),
    [...lead, ATOM14_NUM, 3, 3],
  );
  const trans = G.matmul(oneHot, frames.trans);
  const lit = perResidue(aatype, RESTYPE_ATOM14_RIGID_GROUP_POSITIONS, [ATOM14_NUM, 3], dtype);
  const mask = perResidue(aatype, RESTYPE_ATOM14_MASK, [ATOM14_NUM], dtype);
  return G.mul(applyFrames({ rot, trans }, lit), G.unsqueeze(mask, -1));
}

/**
 * OpenFold `atom14_to_atom37`: `atom14 [*, N, 14, C]` → `[*, N, 37, C]`, zero
 * for atoms the residue type lacks.
 */
export function atom14ToAtom37(atom14: Tensor, aatype: Tensor): Tensor {
  const select = perResidue(aatype, ATOM37_FROM_ATOM14, [ATOM_TYPE_NUM, ATOM14_NUM], atom14.dtype);
  return G.matmul(select, atom14);
}

/** `[*, N, 37]` 1 where the residue type has that atom37 atom (OpenFold `atom37_atom_exists`). */
export function atom37AtomExists(aatype: Tensor, dtype: G.DType = "float32"): Tensor {
  return perResidue(aatype, RESTYPE_ATOM37_MASK, [ATOM_TYPE_NUM], dtype);
}

/** `[*, N, 37]` atom14 slot of each atom37 atom, int32 (OpenFold `residx_atom37_to_atom14`). */
export function residxAtom37ToAtom14(aatype: Tensor): Tensor {
  return perResidue(aatype, RESTYPE_ATOM37_TO_ATOM14, [ATOM_TYPE_NUM], "int32");
}
