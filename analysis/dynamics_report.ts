/**
 * The learning-dynamics report of a run: every figure of the decomposition
 * (plotly and static SVG), the 50 % / 90 % milestone table and the text summary,
 * as a {@link Report} for `writeReport`.
 *
 * @module
 */

import type { Probe, Snapshot } from "./snapshots.ts";
import {
  caFromBackbone,
  type CurveName,
  type DynamicsResult,
  MILESTONE_CURVES,
  summarizeDynamics,
} from "./dynamics.ts";
import { contactMap } from "./contacts.ts";
import type { MetricLine } from "./run_metrics.ts";
import type { Report, ReportSection, ReportTable } from "./report.ts";
import {
  contactPrecisionFigure,
  dimensionalityFigure,
  lddtByClassFigure,
  learningCurvesFigure,
  ssFormedFigure,
} from "./figures/learning_figures.ts";
import {
  backboneViewerFigure,
  contactMapFigure,
  traceGalleryFigure,
} from "./figures/structure_figures.ts";
import { contactMapSvg, dimensionalitySvg, lddtByClassSvg } from "./figures/svg_charts.ts";
import { InputError } from "../model/util/errors.ts";

/** Inputs of {@link dynamicsReport}. */
export interface DynamicsReportInput {
  /** The decomposition. */
  dynamics: DynamicsResult;
  /** The run's probes. */
  probes: readonly Probe[];
  /** The run's snapshots. */
  snapshots: readonly Snapshot[];
  /** Lines of metrics.jsonl, when the run has them. */
  metrics?: readonly MetricLine[];
  /** Probe shown in the gallery, viewer and contact map (default the first). */
  probeId?: string;
  /** Report title. */
  title?: string;
  /** Subtitle (e.g. the run directory). */
  subtitle?: string;
}

const CURVE_LABEL: Partial<Record<CurveName, string>> = {
  "lddt": "lDDT-Cα (all residues)",
  "lddt.helix": "lDDT-Cα, true helix",
  "lddt.strand": "lDDT-Cα, true strand",
  "lddt.coil": "lDDT-Cα, true coil",
  "formed.helix": "helix formed (DSSP recall)",
  "formed.strand": "strand formed (DSSP recall)",
  "q3": "Q3 (predicted vs true DSSP)",
  "contacts.short": "contacts short 6–11 (top-L/5)",
  "contacts.medium": "contacts medium 12–23 (top-L/5)",
  "contacts.long": "contacts long ≥24 (top-L/5)",
  "axis1": "principal axis 1 extent / truth",
  "axis2": "principal axis 2 extent / truth",
  "axis3": "principal axis 3 extent / truth",
  "effectiveDimension": "effective dimension",
  "plddt": "mean pLDDT",
};

/**
 * The milestone table: one row per curve.
 *
 * @example
 * ```ts
 * import { learningDynamics, milestoneTable, readSnapshots } from "denofold";
 *
 * const { probes, snapshots } = await readSnapshots("notebooks/study");
 * const table = milestoneTable(learningDynamics(probes, snapshots));
 * console.log(table.columns, table.rows.length);
 * ```
 */
export function milestoneTable(dyn: DynamicsResult): ReportTable {
  const lastStep = dyn.steps[dyn.steps.length - 1];
  return {
    caption:
      `Steps at which each curve reaches 50 % / 90 % of its final value (final = step ${lastStep})`,
    columns: [
      "curve",
      "final",
      "peak (step)",
      "50 %: first",
      "50 %: sustained",
      "90 %: first",
      "90 %: sustained",
      "90 % as fraction of run",
      "monotone",
    ],
    rows: MILESTONE_CURVES.map((c) => {
      const m = dyn.milestones[c]!;
      const at = (f: number) => m.crossings.find((x) => x.fraction === f);
      return [
        CURVE_LABEL[c] ?? c,
        Number.isFinite(m.final) ? m.final : null,
        Number.isFinite(m.peak) ? `${m.peak.toFixed(3)} (${m.peakStep})` : null,
        at(0.5)?.first ?? null,
        at(0.5)?.sustained ?? null,
        at(0.9)?.first ?? null,
        at(0.9)?.sustained ?? null,
        at(0.9)?.fractionOfRun ?? null,
        m.monotone ? "yes" : "no",
      ];
    }),
  };
}

/**
 * Build the report of a run's learning dynamics.
 *
 * @example The dynamics report of the study run, as one HTML file
 * ```ts
 * import {
 *   dynamicsReport,
 *   learningDynamics,
 *   readRunMetrics,
 *   readSnapshots,
 *   writeReport,
 * } from "denofold";
 *
 * const { probes, snapshots } = await readSnapshots("notebooks/study");
 * const report = dynamicsReport({
 *   dynamics: learningDynamics(probes, snapshots),
 *   probes,
 *   snapshots,
 *   metrics: await readRunMetrics("notebooks/study/metrics.jsonl"),
 *   subtitle: "notebooks/study",
 * });
 * await writeReport("dynamics.html", report);
 * ```
 */
export function dynamicsReport(input: DynamicsReportInput): Report {
  const dyn = input.dynamics;
  const probe = input.probeId === undefined
    ? input.probes[0]
    : input.probes.find((p) => p.id === input.probeId);
  if (probe === undefined) throw new InputError(`no probe "${input.probeId}" in the run`);
  const lastSnap = [...input.snapshots].sort((a, b) => b.step - a.step)[0];
  const lastPred = lastSnap.probes.find((q) => q.id === probe.id)!;
  const trueCa = caFromBackbone(probe.backbone), predCa = caFromBackbone(lastPred.backbone);
  const truthContacts = contactMap(trueCa, probe.mask);
  const predContacts = Float64Array.from(contactMap(predCa), (v) => Math.max(0, v));
  const sections: ReportSection[] = [
    {
      title: "Summary",
      preformatted: summarizeDynamics(dyn),
      text: [
        '"Final" is the value at the last snapshot. "First" is the first snapshot at or above ' +
        'the threshold; "sustained" the first snapshot from which the curve stays at or above it ' +
        "(the two differ when a curve is not monotone).",
        "SS classes are the true structure's 3-state DSSP (H/G/I helix, E/B strand, rest coil). " +
        "Contacts are Cα–Cα < 8 Å in the truth; the prediction's contact score is its Cα–Cα " +
        "distance (closer = more likely).",
      ],
      tables: [milestoneTable(dyn)],
    },
  ];
  if (input.metrics && input.metrics.length > 0) {
    sections.push({ title: "Learning curves", figures: [learningCurvesFigure(input.metrics)] });
  } else {
    sections.push({ title: "Learning curves", text: ["The run has no metrics.jsonl lines."] });
  }
  sections.push(
    {
      title: "lDDT-Cα by secondary-structure class",
      figures: [lddtByClassFigure(dyn)],
      svgs: [lddtByClassSvg(dyn)],
    },
    { title: "Secondary structure formed", figures: [ssFormedFigure(dyn)] },
    {
      title: "Local vs long-range contacts",
      figures: [
        contactPrecisionFigure(dyn),
        contactMapFigure(truthContacts, predContacts, {
          title: `${probe.id} at step ${lastSnap.step}: predicted (upper) vs true (lower) contacts`,
        }),
      ],
      svgs: [contactMapSvg(truthContacts, predContacts)],
    },
    {
      title: "Dimensionality",
      figures: [dimensionalityFigure(dyn)],
      svgs: [dimensionalitySvg(dyn)],
    },
    {
      title: `${probe.id} across training`,
      figures: [
        traceGalleryFigure(probe, input.snapshots),
        backboneViewerFigure(predCa, {
          colorBy: "plddt",
          plddt: lastPred.plddt,
          mask: probe.mask,
          title: `${probe.id}, step ${lastSnap.step}: coloured by pLDDT`,
        }),
        backboneViewerFigure(predCa, {
          colorBy: "ss",
          ss: probe.dssp,
          mask: probe.mask,
          title: `${probe.id}, step ${lastSnap.step}: coloured by true SS`,
        }),
      ],
    },
    {
      title: "Probes",
      tables: [{
        caption: "True structures: stored DSSP classes (lDDT split) and DSSP recomputed on the " +
          "true backbone (reference of SS formed)",
        columns: [
          "probe",
          "residues",
          "observed",
          "helix",
          "strand",
          "coil",
          "helix (recomputed)",
          "strand (recomputed)",
          "effective dim.",
          "long-range contacts",
        ],
        rows: dyn.truth.map((t) => [
          t.id,
          t.length,
          t.observed,
          t.composition.helix,
          t.composition.strand,
          t.composition.coil,
          t.dsspComposition.helix,
          t.dsspComposition.strand,
          t.effectiveDimension,
          t.contacts.long,
        ]),
      }],
    },
  );
  return { title: input.title ?? "Learning dynamics", subtitle: input.subtitle, sections };
}
