/**
 * Plotly figures as plain JSON: the `{data, layout, frames}` object that
 * `Plotly.newPlot(div, figure)` takes and that Jupyter renders from the
 * `application/vnd.plotly.v1+json` MIME type. Building one needs no plotly import.
 *
 * @module
 */

/** One plotly trace (`{type: "scatter", x, y, ...}`). */
export type PlotlyTrace = Record<string, unknown>;

/** A plotly figure spec. */
export interface PlotlyFigure {
  /** Traces. */
  data: PlotlyTrace[];
  /** Layout (titles, axes, sliders, ...). */
  layout: Record<string, unknown>;
  /** Animation frames (`{name, data}`), when the figure has a slider. */
  frames?: { name: string; data: PlotlyTrace[] }[];
}

/** Common options of the curve figures. */
export interface CurveFigureOptions {
  /** Logarithmic step axis (training steps are usually log-spaced). Default true. */
  logX?: boolean;
  /** Figure title (each builder has a default). */
  title?: string;
}

/**
 * Colours per SS class, used by every figure so helix/strand/coil look the same everywhere.
 *
 * @example
 * ```ts
 * import { lineTrace, SS_COLORS } from "denofold";
 *
 * const helix = lineTrace("helix", [1, 10, 100], [0.1, 0.3, 0.5], SS_COLORS.helix);
 * console.log(helix);
 * ```
 */
export const SS_COLORS = { helix: "#d62728", strand: "#1f77b4", coil: "#7f7f7f" } as const;
/**
 * Colours per separation range.
 *
 * @example
 * ```ts
 * import { lineTrace, RANGE_COLORS } from "denofold";
 *
 * const long = lineTrace("long range", [1, 10, 100], [0, 0.05, 0.2], RANGE_COLORS.long);
 * console.log(long);
 * ```
 */
export const RANGE_COLORS = { short: "#2ca02c", medium: "#ff7f0e", long: "#9467bd" } as const;
/**
 * Colours of the principal axes 1, 2, 3.
 *
 * @example
 * ```ts
 * import { AXIS_COLORS, lineTrace } from "denofold";
 *
 * const axes = [[0.2, 0.9], [0.1, 0.7], [0.1, 0.6]].map((y, k) =>
 *   lineTrace(`axis ${k + 1}`, [1, 100], y, AXIS_COLORS[k])
 * );
 * console.log(axes.length);
 * ```
 */
export const AXIS_COLORS = ["#1b9e77", "#d95f02", "#7570b3"] as const;

/**
 * A step axis (log by default).
 *
 * @example
 * ```ts
 * import { lineTrace, type PlotlyFigure, stepAxis } from "denofold";
 *
 * const fig: PlotlyFigure = {
 *   data: [lineTrace("loss", [1, 10, 100], [60, 50, 45])],
 *   layout: { xaxis: stepAxis(), yaxis: { title: { text: "loss" } } },
 * };
 * console.log(fig.layout.xaxis); // a log "training step" axis
 * ```
 */
export function stepAxis(logX = true): Record<string, unknown> {
  return { title: { text: "training step" }, type: logX ? "log" : "linear" };
}

/**
 * A line trace of `y` over `x`; nulls are gaps.
 *
 * @example
 * ```ts
 * import { lineTrace } from "denofold";
 *
 * const trace = lineTrace("lDDT-Cα", [1, 10, 100], [0.1, null, 0.4]); // null: a gap
 * console.log(trace.type, trace.mode);
 * ```
 */
export function lineTrace(
  name: string,
  x: readonly number[],
  y: readonly (number | null)[],
  color?: string,
  extra: Record<string, unknown> = {},
): PlotlyTrace {
  const mode = (extra.mode as string | undefined) ?? "lines+markers";
  return {
    type: "scatter",
    mode,
    name,
    x: [...x],
    y: [...y],
    line: color ? { color } : {},
    // Plotly ignores (and its validator flags) marker settings of a trace without markers.
    ...(mode.includes("markers") ? { marker: color ? { size: 4, color } : { size: 4 } } : {}),
    ...extra,
  };
}
