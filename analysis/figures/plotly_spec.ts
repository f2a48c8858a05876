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

/** Colours per SS class, used by every figure so helix/strand/coil look the same everywhere. */
export const SS_COLORS = { helix: "#d62728", strand: "#1f77b4", coil: "#7f7f7f" } as const;
/** Colours per separation range. */
export const RANGE_COLORS = { short: "#2ca02c", medium: "#ff7f0e", long: "#9467bd" } as const;
/** Colours of the principal axes 1, 2, 3. */
export const AXIS_COLORS = ["#1b9e77", "#d95f02", "#7570b3"] as const;

/** A step axis (log by default). */
export function stepAxis(logX = true): Record<string, unknown> {
  return { title: { text: "training step" }, type: logX ? "log" : "linear" };
}

/** A line trace of `y` over `x`; nulls are gaps. */
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
