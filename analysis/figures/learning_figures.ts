/**
 * Plotly figures of a run's learning curves and of its learning-dynamics
 * decomposition (`analysis/dynamics.ts`): loss terms and validation metrics,
 * lDDT-Cα by true SS class, SS formed, contact precision by separation range,
 * and the growth of each principal axis.
 *
 * @module
 */

import type { DynamicsResult } from "../dynamics.ts";
import { lossKeys, type MetricLine, validationKeys } from "../run_metrics.ts";
import {
  AXIS_COLORS,
  type CurveFigureOptions,
  lineTrace,
  type PlotlyFigure,
  RANGE_COLORS,
  SS_COLORS,
  stepAxis,
} from "./plotly_spec.ts";

/**
 * Training loss and its terms (left axis, logarithmic when all are positive) and
 * validation metrics (right axis) against step, from the lines of `metrics.jsonl`.
 *
 * @example
 * ```ts
 * import { learningCurvesFigure, readRunMetrics, writeReport } from "denofold";
 *
 * const fig = learningCurvesFigure(await readRunMetrics("notebooks/study/metrics.jsonl"));
 * await writeReport("curves.html", { title: "Study run", sections: [{ title: "Loss", figures: [fig] }] });
 * ```
 */
export function learningCurvesFigure(
  lines: readonly MetricLine[],
  opts: CurveFigureOptions = {},
): PlotlyFigure {
  const series = (key: string) => {
    const pts = lines.filter((l) => l[key] !== undefined && l[key] !== null);
    return { x: pts.map((l) => l.step), y: pts.map((l) => l[key] as number) };
  };
  // Loss terms span orders of magnitude (a weighted total next to a 0.005 chi loss):
  // a log axis whenever every value is positive.
  const positive = lossKeys(lines).every((k) => series(k).y.every((v) => v > 0));
  const data = [
    ...lossKeys(lines).map((k) => {
      const s = series(k);
      return lineTrace(k, s.x, s.y, undefined, {
        mode: "lines",
        line: { width: k === "loss" ? 2.5 : 1 },
      });
    }),
    ...validationKeys(lines).map((k) => {
      const s = series(k);
      return lineTrace(k, s.x, s.y, undefined, { yaxis: "y2", line: { dash: "dot" } });
    }),
  ];
  return {
    data,
    layout: {
      title: { text: opts.title ?? "Learning curves" },
      xaxis: stepAxis(opts.logX ?? true),
      yaxis: { title: { text: "training loss" }, type: positive ? "log" : "linear" },
      yaxis2: { title: { text: "validation" }, overlaying: "y", side: "right", range: [0, 1] },
      legend: { orientation: "h", y: -0.2 },
    },
  };
}

/**
 * lDDT-Cα (global and per true SS class) against step.
 *
 * @example
 * ```ts
 * import { lddtByClassFigure, learningDynamics, readSnapshots } from "denofold";
 *
 * const { probes, snapshots } = await readSnapshots("notebooks/study");
 * const fig = lddtByClassFigure(learningDynamics(probes, snapshots), { logX: true });
 * console.log(fig.data.length, "traces");
 * ```
 */
export function lddtByClassFigure(
  dyn: DynamicsResult,
  opts: CurveFigureOptions = {},
): PlotlyFigure {
  const s = dyn.steps;
  return {
    data: [
      lineTrace("all residues", s, dyn.curves.lddt, "#000000", {
        line: { color: "#000", dash: "dot" },
      }),
      lineTrace("helix", s, dyn.curves["lddt.helix"], SS_COLORS.helix),
      lineTrace("strand", s, dyn.curves["lddt.strand"], SS_COLORS.strand),
      lineTrace("coil", s, dyn.curves["lddt.coil"], SS_COLORS.coil),
    ],
    layout: {
      title: { text: opts.title ?? "lDDT-Cα by secondary structure of the true structure" },
      xaxis: stepAxis(opts.logX ?? true),
      yaxis: { title: { text: "lDDT-Cα" }, range: [0, 1] },
    },
  };
}

/**
 * SS formed: the fraction of truly helical (strand) residues that the
 * prediction's own DSSP calls helix (strand), the predicted composition against
 * the true composition (dashed horizontal lines), and the fraction of collapsed
 * predicted residues (see `dynamics.ts`).
 *
 * @example
 * ```ts
 * import { learningDynamics, readSnapshots, ssFormedFigure } from "denofold";
 *
 * const { probes, snapshots } = await readSnapshots("notebooks/study");
 * const fig = ssFormedFigure(learningDynamics(probes, snapshots));
 * console.log(fig.data.length, "traces");
 * ```
 */
export function ssFormedFigure(dyn: DynamicsResult, opts: CurveFigureOptions = {}): PlotlyFigure {
  const s = dyn.steps;
  const hline = (y: number | null, color: string) => ({
    type: "line",
    xref: "paper",
    x0: 0,
    x1: 1,
    y0: y ?? 0,
    y1: y ?? 0,
    line: { color, dash: "dash", width: 1 },
  });
  return {
    data: [
      lineTrace("helix formed (recall)", s, dyn.curves["formed.helix"], SS_COLORS.helix),
      lineTrace("strand formed (recall)", s, dyn.curves["formed.strand"], SS_COLORS.strand),
      lineTrace("predicted helix fraction", s, dyn.curves["composition.helix"], SS_COLORS.helix, {
        mode: "lines",
        line: { color: SS_COLORS.helix, dash: "dot" },
      }),
      lineTrace(
        "predicted strand fraction",
        s,
        dyn.curves["composition.strand"],
        SS_COLORS.strand,
        {
          mode: "lines",
          line: { color: SS_COLORS.strand, dash: "dot" },
        },
      ),
      lineTrace("collapsed residues (counted as coil)", s, dyn.curves.collapsed, "#999999", {
        mode: "lines",
        line: { color: "#999999", dash: "dash" },
      }),
    ],
    layout: {
      title: { text: opts.title ?? "Secondary structure formed (DSSP of the predictions)" },
      xaxis: stepAxis(opts.logX ?? true),
      yaxis: { title: { text: "fraction" }, range: [0, 1] },
      shapes: [
        hline(dyn.truthComposition.helix, SS_COLORS.helix),
        hline(dyn.truthComposition.strand, SS_COLORS.strand),
      ],
    },
  };
}

/**
 * Top-L/5 contact precision at short, medium and long separation against step.
 *
 * @example
 * ```ts
 * import { contactPrecisionFigure, learningDynamics, readSnapshots } from "denofold";
 *
 * const { probes, snapshots } = await readSnapshots("notebooks/study");
 * const fig = contactPrecisionFigure(learningDynamics(probes, snapshots));
 * console.log(fig.data.length, "traces"); // short, medium, long
 * ```
 */
export function contactPrecisionFigure(
  dyn: DynamicsResult,
  opts: CurveFigureOptions = {},
): PlotlyFigure {
  const s = dyn.steps;
  return {
    data: (["short", "medium", "long"] as const).map((r) =>
      lineTrace(
        { short: "short (6–11)", medium: "medium (12–23)", long: "long (≥24)" }[r],
        s,
        dyn.curves[`contacts.${r}`],
        RANGE_COLORS[r],
      )
    ),
    layout: {
      title: { text: opts.title ?? "Contact precision (top-L/5, Cα < 8 Å)" },
      xaxis: stepAxis(opts.logX ?? true),
      yaxis: { title: { text: "precision" }, range: [0, 1.05] },
    },
  };
}

/**
 * Extent of each principal axis of the predictions relative to the truth's
 * (left axis) and the effective dimension (right axis) against step.
 *
 * @example
 * ```ts
 * import { dimensionalityFigure, learningDynamics, readSnapshots } from "denofold";
 *
 * const { probes, snapshots } = await readSnapshots("notebooks/study");
 * const fig = dimensionalityFigure(learningDynamics(probes, snapshots), { title: "Axes" });
 * console.log(fig.data.length, "traces");
 * ```
 */
export function dimensionalityFigure(
  dyn: DynamicsResult,
  opts: CurveFigureOptions = {},
): PlotlyFigure {
  const s = dyn.steps;
  return {
    data: [
      ...[0, 1, 2].map((k) =>
        lineTrace(`axis ${k + 1}`, s, dyn.curves[`axis${k + 1}` as "axis1"], AXIS_COLORS[k])
      ),
      lineTrace("effective dimension", s, dyn.curves.effectiveDimension, "#444", {
        yaxis: "y2",
        mode: "lines",
        line: { color: "#444", dash: "dot" },
      }),
    ],
    layout: {
      title: { text: opts.title ?? "Dimensionality: principal-axis extent vs the truth's" },
      xaxis: stepAxis(opts.logX ?? true),
      yaxis: { title: { text: "extent / true extent" }, rangemode: "tozero" },
      yaxis2: {
        title: { text: "effective dimension" },
        overlaying: "y",
        side: "right",
        range: [1, 3],
      },
    },
  };
}
