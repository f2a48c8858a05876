/**
 * Structural violations and the violation loss (AF2 supplement 1.9.11,
 * equations 44–47; OpenFold `find_structural_violations`,
 * `compute_violation_metrics`, `violation_loss`): flat-bottom penalties on the
 * peptide bond C–N length and the CA–C–N / C–N–CA angles between consecutive
 * residues (tolerance 12σ of the literature values), on clashes between atoms
 * of different residues (closer than the sum of van der Waals radii minus
 * 1.5 Å), and on within-residue distances outside the bounds from the
 * stereochemical table (bonds and 1–3 distances ±12σ, other pairs vdW minus 1.5 Å).
 * Hard violation masks are discrete (no gradient); the losses are differentiable.
 *
 * Atoms are atom14 throughout: slots 0, 1, 2 are N, CA, C for every residue type.
 *
 * @module
 */

import * as G from "../graph/mod.ts";
import type { Tensor } from "../graph/mod.ts";
import {
  ATOM37_VAN_DER_WAALS_RADIUS,
  BETWEEN_RES_BOND_LENGTH_C_N,
  BETWEEN_RES_BOND_LENGTH_STDDEV_C_N,
  BETWEEN_RES_COS_ANGLES_C_N_CA,
  BETWEEN_RES_COS_ANGLES_CA_C_N,
  CA_CA,
  makeAtom14DistsBounds,
  RESTYPE_NAME_TO_ATOM14_NAMES,
  RESTYPES,
} from "../protein/residue_constants.ts";
import { maskedMean, pairwiseDistances, squaredNorm } from "./common.ts";

const N_ATOM = 0, CA_ATOM = 1, C_ATOM = 2;
const PRO = RESTYPES.indexOf("P");
const CYS_SG = RESTYPE_NAME_TO_ATOM14_NAMES["CYS"].indexOf("SG");

/** The `loss.violation` section (OpenFold names). */
export interface ViolationConfig {
  /** Tolerance in standard deviations of the literature values (12). */
  violation_tolerance_factor: number;
  /** Allowed vdW overlap (Å, 1.5). */
  clash_overlap_tolerance: number;
  /** Divide each atom's clash loss by its number of clashes. */
  average_clashes: boolean;
  eps: number;
}

/** Inputs of {@link findStructuralViolations} (OpenFold batch names). */
export interface ViolationBatch {
  /** `[N]` residue types (int). */
  aatype: Tensor;
  /** `[N]` residue numbers (int); a step other than +1 is a chain break. */
  residue_index: Tensor;
  /** `[N, 14]` 1 for atom slots the residue type has. */
  atom14_atom_exists: Tensor;
  /** `[N, 14]` atom37 index of each atom14 slot (int). */
  residx_atom14_to_atom37: Tensor;
}

/** OpenFold's `violations` dict, flattened with its key names. */
export interface Violations {
  between_residues: {
    /** `[]` mean flat-bottom C–N bond length loss. */
    bonds_c_n_loss_mean: Tensor;
    /** `[]` */
    angles_ca_c_n_loss_mean: Tensor;
    /** `[]` */
    angles_c_n_ca_loss_mean: Tensor;
    /** `[N]` each bond's and angle's loss shared half and half by its two residues. */
    connections_per_residue_loss_sum: Tensor;
    /** `[N]` 1 where a bond or angle of the residue is beyond tolerance. */
    connections_per_residue_violation_mask: Tensor;
    /** `[]` */
    clashes_mean_loss: Tensor;
    /** `[N, 14]` */
    clashes_per_atom_loss_sum: Tensor;
    /** `[N, 14]` */
    clashes_per_atom_clash_mask: Tensor;
    /** `[N, 14]` */
    clashes_per_atom_num_clash: Tensor;
  };
  within_residues: {
    /** `[N, 14]` */
    per_atom_loss_sum: Tensor;
    /** `[N, 14]` */
    per_atom_violations: Tensor;
    /** `[N, 14]` */
    per_atom_num_clash: Tensor;
  };
  /** `[N]` 1 where the residue has any violation. */
  total_per_residue_violations_mask: Tensor;
}

/** Positions `[N−1, 3]` of atom slot `slot` in residues `from..from+N−1`. */
function atomAt(pos: Tensor, slot: number, from: 0 | 1): Tensor {
  const n = pos.shape[0];
  return G.select(G.slice(pos, 0, from, from + n - 1), 1, slot);
}

function flag(x: Tensor, dtype: G.DType): Tensor {
  return G.cast(x, dtype);
}

/** `0.5 · (pad_right(x) + pad_left(x))`: a between-residue term shared by both residues. */
function shareWithNeighbours(x: Tensor): Tensor {
  return G.mul(G.add(G.pad(x, [0, 1]), G.pad(x, [1, 0])), 0.5);
}

/**
 * Supplement 1.9.11 eq. 44–45 (OpenFold `between_residue_bond_loss`, eps 1e-6):
 * for each consecutive pair (i, i+1) without a chain break, the flat-bottom
 * errors `relu(sqrt(eps + (x − x_lit)²) − factor·σ)` of the C–N length and the
 * cosines of CA–C–N and C–N–CA. As in OpenFold and AF2, the CA–C–N tolerance
 * uses the C–N *length* stddev (0.014) rather than the angle's.
 */
function betweenResidueBondLoss(
  pos: Tensor,
  exists: Tensor,
  residueIndex: Tensor,
  aatype: Tensor,
  factor: number,
  eps = 1e-6,
) {
  const dt = pos.dtype;
  const g = pos.graph;
  const n = pos.shape[0];
  const thisCa = atomAt(pos, CA_ATOM, 0), thisC = atomAt(pos, C_ATOM, 0);
  const nextN = atomAt(pos, N_ATOM, 1), nextCa = atomAt(pos, CA_ATOM, 1);
  const m = (slot: number, from: 0 | 1) =>
    G.select(G.slice(exists, 0, from, from + n - 1), 1, slot);
  const ri = G.cast(residueIndex, dt);
  const noGap = flag(
    G.equal(G.sub(G.slice(ri, 0, 1, n), G.slice(ri, 0, 0, n - 1)), 1),
    dt,
  );
  const norm = (v: Tensor) => G.sqrt(G.add(squaredNorm(v), eps));
  const flatBottom = (err: Tensor, sd: Tensor | number) => {
    const e = G.sqrt(G.add(G.square(err), eps));
    const tol = typeof sd === "number" ? sd * factor : G.mul(sd, factor);
    return { loss: G.relu(G.sub(e, tol)), violated: G.greater(e, tol) };
  };
  const meanOver = (mask: Tensor, x: Tensor) =>
    G.div(G.sum(G.mul(mask, x), -1), G.add(G.sum(mask, -1), eps));

  // C–N bond length; the bond into proline is slightly longer (ring).
  const cnLen = norm(G.sub(thisC, nextN));
  const nextPro = flag(G.equal(G.slice(aatype, 0, 1, n), g.scalar(PRO, aatype.dtype)), dt);
  const lit = (pair: readonly [number, number]) =>
    G.add(G.mul(G.sub(1, nextPro), pair[0]), G.mul(nextPro, pair[1]));
  const cn = flatBottom(
    G.sub(cnLen, lit(BETWEEN_RES_BOND_LENGTH_C_N)),
    lit(BETWEEN_RES_BOND_LENGTH_STDDEV_C_N),
  );
  const cnMask = G.mul(G.mul(m(C_ATOM, 0), m(N_ATOM, 1)), noGap);

  // Angles from unit vectors.
  const cToCa = G.div(G.sub(thisCa, thisC), G.unsqueeze(norm(G.sub(thisCa, thisC)), -1));
  const cToN = G.div(G.sub(nextN, thisC), G.unsqueeze(cnLen, -1));
  const nToCa = G.div(G.sub(nextCa, nextN), G.unsqueeze(norm(G.sub(nextCa, nextN)), -1));
  const cacn = flatBottom(
    G.sub(G.sum(G.mul(cToCa, cToN), -1), BETWEEN_RES_COS_ANGLES_CA_C_N[0]),
    BETWEEN_RES_BOND_LENGTH_STDDEV_C_N[0],
  );
  const cacnMask = G.mul(G.mul(G.mul(m(CA_ATOM, 0), m(C_ATOM, 0)), m(N_ATOM, 1)), noGap);
  const cnca = flatBottom(
    G.sub(G.sum(G.mul(G.neg(cToN), nToCa), -1), BETWEEN_RES_COS_ANGLES_C_N_CA[0]),
    BETWEEN_RES_COS_ANGLES_C_N_CA[1],
  );
  const cncaMask = G.mul(G.mul(G.mul(m(C_ATOM, 0), m(N_ATOM, 1)), m(CA_ATOM, 1)), noGap);

  const hard = (mask: Tensor, v: Tensor) => G.mul(mask, flag(v, dt));
  const violation = G.maximum(
    G.maximum(hard(cnMask, cn.violated), hard(cacnMask, cacn.violated)),
    hard(cncaMask, cnca.violated),
  );
  return {
    c_n_loss_mean: meanOver(cnMask, cn.loss),
    ca_c_n_loss_mean: meanOver(cacnMask, cacn.loss),
    c_n_ca_loss_mean: meanOver(cncaMask, cnca.loss),
    per_residue_loss_sum: shareWithNeighbours(G.add(G.add(cn.loss, cacn.loss), cnca.loss)),
    per_residue_violation_mask: G.maximum(G.pad(violation, [0, 1]), G.pad(violation, [1, 0])),
  };
}

/**
 * Supplement 1.9.11 eq. 46, different residues (OpenFold
 * `between_residue_clash_loss`, eps 1e-10): every atom pair of residues
 * i < j (by residue number) closer than `r_a + r_b − tolerance` is penalised by
 * the shortfall, except the peptide C–N bond of consecutive residues and
 * atom-slot-5 pairs (CYS SG, disulfide bridges). Computed on the flattened
 * `[N·14, N·14]` atom-pair matrix, so per-atom sums are row plus column sums.
 */
function betweenResidueClashLoss(
  pos: Tensor,
  exists: Tensor,
  radius: Tensor,
  residueIndex: Tensor,
  tolerance: number,
  eps = 1e-10,
) {
  const dt = pos.dtype;
  const g = pos.graph;
  const [n, a] = exists.shape;
  const m = n * a;
  const dists = pairwiseDistances(G.reshape(pos, [m, 3]), eps); // [M, M]
  const col = (x: Tensor) => G.unsqueeze(x, 1);
  const row = (x: Tensor) => G.unsqueeze(x, 0);
  const flat = (x: Tensor) => G.reshape(x, [m]);
  const ex = flat(exists);
  // Residue number of every atom slot.
  const ri = flat(G.expand(G.unsqueeze(G.cast(residueIndex, dt), 1), [n, a]));
  const slot = g.constant(Array.from({ length: m }, (_, k) => k % a), [m], dt);
  const isSlot = (s: number) => flag(G.equal(slot, s), dt);
  const cNBond = G.mul(
    flag(G.equal(G.add(col(ri), 1), row(ri)), dt),
    G.mul(col(isSlot(C_ATOM)), row(isSlot(N_ATOM))),
  );
  const disulfide = G.mul(col(isSlot(CYS_SG)), row(isSlot(CYS_SG)));
  const mask = G.mul(
    G.mul(G.mul(col(ex), row(ex)), flag(G.less(col(ri), row(ri)), dt)),
    G.mul(G.sub(1, cNBond), G.sub(1, disulfide)),
  );
  const r = flat(radius);
  const lower = G.mul(mask, G.add(col(r), row(r)));
  const err = G.mul(mask, G.relu(G.sub(G.sub(lower, tolerance), dists)));
  const clash = G.mul(mask, flag(G.less(dists, G.sub(lower, tolerance)), dt));
  const perAtom = (x: Tensor) => G.reshape(G.add(G.sum(x, 0), G.sum(x, 1)), [n, a]);
  return {
    mean_loss: G.div(G.sum(err), G.add(G.sum(mask), 1e-6)),
    per_atom_loss_sum: perAtom(err),
    per_atom_clash_mask: G.reshape(G.maximum(G.max(clash, 0), G.max(clash, 1)), [n, a]),
    per_atom_num_clash: perAtom(clash),
  };
}

/**
 * Supplement 1.9.11 eq. 46, same residue (OpenFold `within_residue_violations`,
 * eps 1e-10): each atom pair's distance outside `[lower, upper]` is penalised
 * by how far it is outside.
 */
function withinResidueViolations(
  pos: Tensor,
  exists: Tensor,
  lower: Tensor,
  upper: Tensor,
  eps = 1e-10,
) {
  const dt = pos.dtype;
  const a = exists.shape[1];
  const offDiagonal = pos.graph.constant(
    Array.from({ length: a * a }, (_, k) => (Math.floor(k / a) === k % a ? 0 : 1)),
    [a, a],
    dt,
  );
  const mask = G.mul(G.mul(G.unsqueeze(exists, 2), G.unsqueeze(exists, 1)), offDiagonal);
  const dists = pairwiseDistances(pos, eps); // [N, 14, 14]
  const loss = G.mul(mask, G.add(G.relu(G.sub(lower, dists)), G.relu(G.sub(dists, upper))));
  const violated = G.mul(mask, flag(G.or(G.less(dists, lower), G.greater(dists, upper)), dt));
  return {
    per_atom_loss_sum: G.add(G.sum(loss, 1), G.sum(loss, 2)),
    per_atom_violations: G.maximum(G.max(violated, 1), G.max(violated, 2)),
    per_atom_num_clash: G.add(G.sum(violated, 1), G.sum(violated, 2)),
  };
}

/**
 * Every structural violation of predicted atom14 positions (supplement
 * 1.9.11, OpenFold `find_structural_violations`).
 *
 * @param atom14PredPositions `[N, 14, 3]` predicted positions (Å), e.g. the last structure-module layer.
 */
export function findStructuralViolations(
  batch: ViolationBatch,
  atom14PredPositions: Tensor,
  cfg: Pick<ViolationConfig, "violation_tolerance_factor" | "clash_overlap_tolerance">,
): Violations {
  const pos = atom14PredPositions;
  const dt = pos.dtype;
  const g = pos.graph;
  const exists = G.cast(batch.atom14_atom_exists, dt);
  const connections = betweenResidueBondLoss(
    pos,
    exists,
    batch.residue_index,
    batch.aatype,
    cfg.violation_tolerance_factor,
  );
  // van der Waals radius of every atom14 slot, by its element.
  const radii = g.constant([...ATOM37_VAN_DER_WAALS_RADIUS], [37], dt);
  const radius = G.mul(exists, G.gather(radii, batch.residx_atom14_to_atom37, 0));
  const clashes = betweenResidueClashLoss(
    pos,
    exists,
    radius,
    batch.residue_index,
    cfg.clash_overlap_tolerance,
  );
  const bounds = makeAtom14DistsBounds(
    cfg.clash_overlap_tolerance,
    cfg.violation_tolerance_factor,
  );
  const table = (v: Float32Array) =>
    G.gather(g.constant([...v], [21, 14, 14], dt), batch.aatype, 0);
  const within = withinResidueViolations(pos, exists, table(bounds.lower), table(bounds.upper));
  const total = G.maximum(
    G.maximum(connections.per_residue_violation_mask, G.max(clashes.per_atom_clash_mask, -1)),
    G.max(within.per_atom_violations, -1),
  );
  return {
    between_residues: {
      bonds_c_n_loss_mean: connections.c_n_loss_mean,
      angles_ca_c_n_loss_mean: connections.ca_c_n_loss_mean,
      angles_c_n_ca_loss_mean: connections.c_n_ca_loss_mean,
      connections_per_residue_loss_sum: connections.per_residue_loss_sum,
      connections_per_residue_violation_mask: connections.per_residue_violation_mask,
      clashes_mean_loss: clashes.mean_loss,
      clashes_per_atom_loss_sum: clashes.per_atom_loss_sum,
      clashes_per_atom_clash_mask: clashes.per_atom_clash_mask,
      clashes_per_atom_num_clash: clashes.per_atom_num_clash,
    },
    within_residues: within,
    total_per_residue_violations_mask: total,
  };
}

/**
 * Violation metrics for reporting (OpenFold `compute_violation_metrics`):
 * fractions of residues (masked by `seqMask`, OpenFold `masked_mean` eps 1e-4)
 * with bond, clash, within-residue or any violation, and the fraction of
 * consecutive Cα pairs more than 1.5 Å beyond 3.80 Å apart.
 */
export function violationMetrics(
  batch: ViolationBatch & { seq_mask: Tensor },
  atom14PredPositions: Tensor,
  v: Violations,
): Record<string, Tensor> {
  const pos = atom14PredPositions;
  const dt = pos.dtype;
  const n = pos.shape[0];
  const exists = G.cast(batch.atom14_atom_exists, dt);
  const ri = G.cast(batch.residue_index, dt);
  const noGap = G.cast(
    G.equal(G.sub(G.slice(ri, 0, 1, n), G.slice(ri, 0, 0, n - 1)), 1),
    dt,
  );
  const caDist = G.sqrt(
    G.add(squaredNorm(G.sub(atomAt(pos, CA_ATOM, 0), atomAt(pos, CA_ATOM, 1))), 1e-6),
  );
  const extreme = G.cast(G.greater(G.sub(caDist, CA_CA), 1.5), dt);
  const caMask = (from: 0 | 1) => G.select(G.slice(exists, 0, from, from + n - 1), 1, CA_ATOM);
  const pairMask = G.mul(G.mul(caMask(0), caMask(1)), noGap);
  const seq = batch.seq_mask;
  return {
    violations_extreme_ca_ca_distance: maskedMean(pairMask, extreme, -1),
    violations_between_residue_bond: maskedMean(
      seq,
      v.between_residues.connections_per_residue_violation_mask,
      -1,
    ),
    violations_between_residue_clash: maskedMean(
      seq,
      G.max(v.between_residues.clashes_per_atom_clash_mask, -1),
      -1,
    ),
    violations_within_residue: maskedMean(
      seq,
      G.max(v.within_residues.per_atom_violations, -1),
      -1,
    ),
    violations_per_residue: maskedMean(seq, v.total_per_residue_violations_mask, -1),
  };
}

/**
 * The violation loss (supplement 1.9.11 eq. 47, OpenFold `violation_loss`):
 * the three between-residue means plus the per-atom clash and within-residue
 * losses summed over atoms and divided by `eps + Σ atom14_atom_exists`; with
 * `average_clashes` each atom's sum is first divided by its number of
 * violations.
 */
export function violationLoss(
  v: Violations,
  atom14AtomExists: Tensor,
  cfg: Pick<ViolationConfig, "average_clashes" | "eps">,
): Tensor {
  let perAtom = G.add(
    v.between_residues.clashes_per_atom_loss_sum,
    v.within_residues.per_atom_loss_sum,
  );
  if (cfg.average_clashes) {
    const count = G.add(
      v.between_residues.clashes_per_atom_num_clash,
      v.within_residues.per_atom_num_clash,
    );
    perAtom = G.div(perAtom, G.add(count, cfg.eps));
  }
  const numAtoms = G.sum(G.cast(atom14AtomExists, perAtom.dtype));
  const clash = G.div(G.sum(perAtom), G.add(numAtoms, cfg.eps));
  const b = v.between_residues;
  return G.add(
    G.add(G.add(b.bonds_c_n_loss_mean, b.angles_ca_c_n_loss_mean), b.angles_c_n_ca_loss_mean),
    clash,
  );
}
