/**
 * Parity runners for the plain-TypeScript protein code: residue-constant
 * tables (00) and the ground-truth feature transforms (14a).
 *
 * @module
 */

import * as rc from "../../model/protein/residue_constants.ts";
import { groundTruthFeatures } from "../../model/protein/gt_transforms.ts";
import { asInt32 } from "../../model/io/ndarray.ts";
import { arrayOf, type ParityOutputs, type Runner } from "./harness.ts";

/** Residue-constant tables by the name OpenFold exports them under. */
function constantTables(call: Record<string, Record<string, number>>): ParityOutputs {
  const b = call.make_atom14_dists_bounds;
  const bounds = rc.makeAtom14DistsBounds(b.overlap_tolerance, b.bond_length_tolerance_factor);
  const t: Record<string, ArrayLike<number>> = {
    restype_rigid_group_default_frame: rc.RESTYPE_RIGID_GROUP_DEFAULT_FRAME,
    restype_atom14_to_rigid_group: rc.RESTYPE_ATOM14_TO_RIGID_GROUP,
    restype_atom14_mask: rc.RESTYPE_ATOM14_MASK,
    restype_atom14_rigid_group_positions: rc.RESTYPE_ATOM14_RIGID_GROUP_POSITIONS,
    restype_atom37_mask: rc.RESTYPE_ATOM37_MASK,
    restype_atom14_to_atom37: rc.RESTYPE_ATOM14_TO_ATOM37,
    restype_atom37_to_atom14: rc.RESTYPE_ATOM37_TO_ATOM14,
    restype_atom14_is_ambiguous: rc.RESTYPE_ATOM14_AMBIGUOUS_ATOMS,
    chi_pi_periodic: rc.CHI_PI_PERIODIC.flat(),
    chi_angles_mask: rc.CHI_ANGLES_MASK.flat(),
    atom37_van_der_waals_radius: rc.ATOM37_VAN_DER_WAALS_RADIUS,
    atom14_dists_lower_bound: bounds.lower,
    atom14_dists_upper_bound: bounds.upper,
    atom14_dists_stddev: bounds.stddev,
  };
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, { data: v }]));
}

// Torsion sin/cos where the torsion mask is 0 are undefined (the fixture's conventions).
const MASKED_BY: Record<string, string> = {
  torsion_angles_sin_cos: "torsion_angles_mask",
  alt_torsion_angles_sin_cos: "torsion_angles_mask",
  chi_angles_sin_cos: "chi_mask",
};

/** Fixture name or module → runner. */
export const PROTEIN_RUNNERS: Record<string, Runner> = {
  "openfold.np.residue_constants (tables, no computation)": (c) =>
    Promise.resolve(constantTables((c.meta as Record<string, unknown>).call as never)),
  "14a_gt_feature_transforms": (c) => {
    const gt = groundTruthFeatures(
      asInt32(arrayOf(c, "in/aatype")),
      arrayOf(c, "in/all_atom_positions").data as Float32Array,
      arrayOf(c, "in/all_atom_mask").data as Float32Array,
    ) as unknown as Record<string, { data: ArrayLike<number> }>;
    const out: ParityOutputs = {};
    for (const [k, v] of Object.entries(gt)) {
      const maskKey = MASKED_BY[k];
      const m = maskKey ? gt[maskKey].data : undefined;
      out[k] = {
        data: v.data,
        valid: m && Array.from({ length: v.data.length }, (_, i) => m[i >> 1]),
      };
    }
    return Promise.resolve(out);
  },
};
