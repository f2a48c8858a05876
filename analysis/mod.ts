/**
 * Analysis of structures and training runs, plain TypeScript on coordinates:
 * superposition and RMSD, TM-score and GDT, lDDT, contacts, DSSP, principal-
 * axis dimensionality, the learning-dynamics decomposition of a run's
 * snapshots, and the figures and HTML reports built from them. The top-level
 * `mod.ts` re-exports the parts notebooks use; this door adds the helpers
 * underneath (geometry, eigen-decomposition, hydrogen bonds, snapshot writers).
 * The OpenFold parity harness has its own entry, `analysis/parity/run.ts`.
 *
 * @example Superpose a structure on a shifted copy of itself
 * ```ts
 * import { kabschRmsd, superpose } from "./mod.ts";
 *
 * const a = [0, 0, 0, 1.5, 0, 0, 1.5, 1.5, 0, 3, 1.5, 1];
 * const b = a.map((v, i) => i % 3 === 0 ? v + 10 : v);
 * console.log(superpose(b, a).rmsd, kabschRmsd(b, a)); // both ≈ 0
 * ```
 *
 * @module
 */

export * from "./geometry.ts";
export * from "./linalg.ts";
export * from "./superpose.ts";
export * from "./tm_score.ts";
export * from "./lddt.ts";
export * from "./contacts.ts";
export * from "./metrics.ts";
export * from "./protein_coords.ts";
export * from "./dssp.ts";
export * from "./dssp_hbond.ts";
export * from "./dssp_classic.ts";
export * from "./dimensionality.ts";
export * from "./snapshots.ts";
export * from "./run_metrics.ts";
export * from "./milestones.ts";
export * from "./dynamics.ts";
export * from "./seed_spread.ts";
export * from "./stability.ts";
export * from "./dynamics_report.ts";
export * from "./report.ts";
export * from "./figures/plotly_spec.ts";
export * from "./figures/learning_figures.ts";
export * from "./figures/structure_figures.ts";
export * from "./figures/structure_viewer.ts";
export * from "./figures/svg_charts.ts";
// The structure type the functions above take, so this door documents on its own.
export type { Protein } from "../model/protein/protein.ts";
