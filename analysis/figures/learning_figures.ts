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
  type PlotlyTrace,
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
 * The families of AF2's loss terms, one panel each in {@link lossPanelsFigure}.
 *
 * @example
 * ```ts
 * import { LOSS_FAMILIES } from "denofold";
 *
 * console.log(LOSS_FAMILIES.map((f) => f.title));
 * ```
 */
export const LOSS_FAMILIES: readonly { title: string; match: RegExp }[] = [
  { title: "total loss", match: /^(loss|unscaled_loss)$/ },
  { title: "FAPE (backbone, side chains)", match: /^fape/ },
  { title: "distogram", match: /^distogram/ },
  { title: "masked MSA", match: /^masked_msa/ },
  { title: "confidence heads (pLDDT, TM, resolved)", match: /plddt|^tm|experimentally/ },
  { title: "side chains and geometry (χ, violations)", match: /chi|violation/ },
];

/**
 * The loss terms of `keys` grouped by {@link LOSS_FAMILIES}, in that order;
 * terms of no family form a last "other terms" group.
 *
 * @example
 * ```ts
 * import { lossFamilies } from "denofold";
 *
 * console.log(lossFamilies(["loss", "fape", "fape_backbone", "distogram", "my_term"]));
 * // [{ title: "total loss", keys: ["loss"] }, { title: "FAPE …", keys: ["fape", "fape_backbone"] }, …]
 * ```
 */
export function lossFamilies(keys: readonly string[]): { title: string; keys: string[] }[] {
  const left = new Set(keys);
  const out: { title: string; keys: string[] }[] = [];
  for (const f of LOSS_FAMILIES) {
    const mine = [...left].filter((k) => f.match.test(k));
    mine.forEach((k) => left.delete(k));
    if (mine.length > 0) out.push({ title: f.title, keys: mine });
  }
  if (left.size > 0) out.push({ title: "other terms", keys: [...left] });
  return out;
}

/**
 * A debiased exponential moving average (TensorBoard's smoothing): each point
 * the weighted mean of the points before it, weights `smoothing^age`,
 * normalised so the first points are not pulled toward zero. Nulls stay gaps
 * and are skipped.
 *
 * @example
 * ```ts
 * import { smoothSeries } from "denofold";
 *
 * console.log(smoothSeries([1, 3, null, 3], 0.5)); // [1, 2.333…, null, 2.714…]
 * ```
 */
export function smoothSeries(y: readonly (number | null)[], smoothing: number): (number | null)[] {
  let acc = 0, weight = 0;
  return y.map((v) => {
    if (v === null || !Number.isFinite(v)) return null;
    acc = acc * smoothing + v;
    weight = weight * smoothing + 1;
    return acc / weight;
  });
}

/** Every k-th point, so a series draws at most `max` points (plus the last). */
function thin<T>(xs: readonly T[], max: number): T[] {
  const k = Math.max(1, Math.ceil(xs.length / max));
  return xs.filter((_, i) => i % k === 0 || i === xs.length - 1);
}

/**
 * A panel's y range: the raw values' 1st to 99.5th percentile, widened to
 * hold the whole smoothed curve, so single-step spikes (a masked-MSA loss of
 * 1e-4 on one crop) do not squash the curves. Log ranges are in log10 units,
 * as plotly takes them.
 */
function panelRange(raw: number[], smooth: number[], log: boolean): [number, number] {
  const sorted = raw.filter(Number.isFinite).sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  let lo = Math.min(q(0.01), ...smooth), hi = Math.max(q(0.995), ...smooth);
  if (log) [lo, hi] = [Math.log10(lo), Math.log10(hi)];
  const pad = (hi - lo) * 0.05 || 0.1;
  return [lo - pad, hi + pad];
}

const PALETTE = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#9467bd",
  "#ff7f0e",
  "#8c564b",
  "#e377c2",
  "#17becf",
  "#bcbd22",
  "#7f7f7f",
];

/**
 * The training loss, one panel per family of terms ({@link lossFamilies}):
 * each term raw (faint) and smoothed ({@link smoothSeries}, over about 1/30
 * of the run), log-scaled where every value is positive — readable at a glance
 * where one panel of a dozen curves spanning four orders of magnitude is not.
 *
 * @example
 * ```ts
 * import { lossPanelsFigure, readRunMetrics } from "denofold";
 *
 * const fig = lossPanelsFigure(await readRunMetrics("notebooks/study/metrics.jsonl"));
 * console.log(fig.layout.grid); // 3 rows, 2 columns: one panel per family
 * ```
 */
export function lossPanelsFigure(
  lines: readonly MetricLine[],
  opts: CurveFigureOptions & { smoothing?: number } = {},
): PlotlyFigure {
  const families = lossFamilies(lossKeys(lines));
  const smoothing = opts.smoothing ?? 1 - 1 / Math.min(500, Math.max(1, lines.length / 30));
  const columns = families.length > 1 ? 2 : 1;
  const rows = Math.ceil(families.length / columns);
  const data: PlotlyTrace[] = [];
  const layout: Record<string, unknown> = {
    title: {
      text: opts.title ?? "Training loss against step, by family of terms (smoothed; raw faint)",
    },
    // Room between rows for each panel's title.
    grid: { rows, columns, pattern: "independent", ygap: 0.45, xgap: 0.15 },
    height: 260 * rows + 120,
    showlegend: true,
    legend: { orientation: "h", y: -0.08 },
    annotations: [] as Record<string, unknown>[],
  };
  let colour = 0; // one colour per term across panels, so the legend names each once
  families.forEach((f, p) => {
    const ax = p === 0 ? "" : String(p + 1);
    let positive = true;
    const all: number[] = [], smoothed: number[] = [];
    f.keys.forEach((k) => {
      const pts = lines.filter((l) => typeof l[k] === "number");
      const x = pts.map((l) => l.step), y = pts.map((l) => l[k] as number);
      if (y.some((v) => !(v > 0))) positive = false;
      const smooth = smoothSeries(y, smoothing);
      all.push(...y);
      for (const v of smooth) if (v !== null) smoothed.push(v);
      const color = PALETTE[colour++ % PALETTE.length];
      const idx = thin(x.map((_, i) => i), 2000);
      const axes = { xaxis: `x${ax}`, yaxis: `y${ax}` };
      data.push(
        lineTrace(k, idx.map((i) => x[i]), idx.map((i) => y[i]), color, {
          mode: "lines",
          line: { color, width: 1 },
          opacity: 0.25,
          showlegend: false,
          legendgroup: k,
          hoverinfo: "skip",
          ...axes,
        }),
        lineTrace(k, idx.map((i) => x[i]), idx.map((i) => smooth[i]), color, {
          mode: "lines",
          line: { color, width: 2 },
          legendgroup: k,
          ...axes,
        }),
      );
    });
    layout[`xaxis${ax}`] = { type: opts.logX ? "log" : "linear" };
    layout[`yaxis${ax}`] = {
      type: positive ? "log" : "linear",
      range: panelRange(all, smoothed, positive),
    };
    (layout.annotations as Record<string, unknown>[]).push({
      text: `<b>${f.title}</b>`,
      xref: `x${ax} domain`,
      yref: `y${ax} domain`,
      x: 0.5,
      y: 1.02,
      yanchor: "bottom",
      showarrow: false,
    });
  });
  return { data, layout };
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
