/**
 * Self-contained HTML reports: sections of text, plotly figures, SVG figures and
 * small tables in ONE file that opens offline, because plotly.js itself is
 * embedded inline from the npm package `plotly.js-dist-min` (read from
 * node_modules at run time; deno.json's `"nodeModulesDir": "auto"` puts it there).
 * Used by `analyze dynamics` and by the training job's run report.
 *
 * @module
 */

import { createRequire } from "node:module";
import { writeTextFileAtomic } from "../model/io/atomic.ts";
import type { PlotlyFigure } from "./figures/plotly_spec.ts";
import { ToolError } from "../model/util/errors.ts";
import { jsonForScript, scriptSafe } from "./figures/html.ts";
import {
  type StructureView,
  structureViewHtml,
  threeDmolJsSource,
} from "./figures/structure_viewer.ts";

/** A small table. */
export interface ReportTable {
  /** Caption above the table. */
  caption?: string;
  /** Column headers. */
  columns: string[];
  /** Rows of cells (null prints as "–"; numbers print with up to 4 decimals). */
  rows: (string | number | null)[][];
}

/** One section of a report. */
export interface ReportSection {
  /** Heading. */
  title: string;
  /** Paragraphs (plain text, escaped). */
  text?: string[];
  /** Preformatted text (e.g. a command's summary output). */
  preformatted?: string;
  /** Plotly figures, each rendered into its own div. */
  figures?: PlotlyFigure[];
  /** SVG documents, inlined. */
  svgs?: string[];
  /** Tables. */
  tables?: ReportTable[];
  /** Molecules in the 3D viewer (3Dmol.js), each with its PAE beside it when given. */
  structures?: StructureView[];
}

/** A report. */
export interface Report {
  /** Page title and top heading. */
  title: string;
  /** A line under the title (e.g. the run directory and date). */
  subtitle?: string;
  /** Sections in order. */
  sections: ReportSection[];
}

/**
 * Escape text for HTML.
 *
 * @example
 * ```ts
 * import { htmlEscape } from "denofold";
 *
 * console.log(htmlEscape("<b>1ubq & 1ubi</b>")); // &lt;b&gt;1ubq &amp; 1ubi&lt;/b&gt;
 * ```
 */
export function htmlEscape(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

/**
 * The path of `plotly.min.js` in node_modules.
 *
 * @example
 * ```ts
 * import { plotlyJsPath } from "denofold";
 *
 * console.log(plotlyJsPath()); // …/node_modules/…/plotly.js-dist-min/plotly.min.js
 * ```
 */
export function plotlyJsPath(): string {
  const url = import.meta.resolve("plotly.js-dist-min");
  if (url.startsWith("file:")) return new URL(url).pathname;
  // Without a node_modules directory the specifier stays "npm:…"; ask Node's resolver.
  try {
    return createRequire(import.meta.url).resolve("plotly.js-dist-min");
  } catch {
    throw new ToolError(
      `plotly.js-dist-min is not installed in node_modules (resolved to ${url}); run \`deno install\``,
    );
  }
}

let plotlyCache: string | undefined;

/**
 * The source of plotly.js (`plotly.js-dist-min`), read once per process.
 *
 * @example
 * ```ts
 * import { plotlyJsSource } from "denofold";
 *
 * const js = await plotlyJsSource();
 * console.log(`${(js.length / 1e6).toFixed(1)} MB of plotly.js`);
 * ```
 */
export async function plotlyJsSource(): Promise<string> {
  plotlyCache ??= await Deno.readTextFile(plotlyJsPath());
  return plotlyCache;
}

function cell(v: string | number | null): string {
  if (v === null) return "–";
  if (typeof v === "number") {
    return Number.isInteger(v) ? String(v) : String(Math.round(v * 1e4) / 1e4);
  }
  return htmlEscape(v);
}

function tableHtml(t: ReportTable): string {
  const head = t.columns.map((c) => `<th>${htmlEscape(c)}</th>`).join("");
  const body = t.rows.map((r) => `<tr>${r.map((v) => `<td>${cell(v)}</td>`).join("")}</tr>`).join(
    "\n",
  );
  return `<table>${t.caption ? `<caption>${htmlEscape(t.caption)}</caption>` : ""}` +
    `<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** The figure's own `layout.height` (px) when it sets one, else 480. */
function figureHeight(fig: PlotlyFigure): number {
  const h = fig.layout.height;
  return typeof h === "number" && h > 0 ? Math.round(h) : 480;
}

let figureCounter = 0;

/**
 * One figure as an HTML fragment: a div and a script that draws it with the page's
 * global `Plotly` (see {@link plotlyScriptTag}). For notebooks' `text/html` output
 * next to the plotly MIME type, and for pages built by hand.
 *
 * @example A page with one figure, drawn by plotly.js inlined once
 * ```ts
 * import { figureHtml, lineTrace, plotlyScriptTag } from "denofold";
 *
 * const fig = { data: [lineTrace("loss", [1, 2, 3], [3, 2, 1])], layout: {} };
 * const page = `<html><head>${await plotlyScriptTag()}</head><body>${figureHtml(fig)}</body></html>`;
 * await Deno.writeTextFile("figure.html", page);
 * ```
 */
export function figureHtml(fig: PlotlyFigure, id = `denofold-figure-${++figureCounter}`): string {
  const safeId = htmlEscape(id);
  return `<div id="${safeId}" style="width:100%;height:${figureHeight(fig)}px"></div>\n` +
    `<script>Plotly.newPlot(` +
    `${jsonForScript(id)}, { ...${jsonForScript(fig)}, config: { responsive: true } });</script>`;
}

/**
 * plotly.js inlined in a `<script>` element, for self-contained pages and notebook exports.
 *
 * @example
 * ```ts
 * import { plotlyScriptTag } from "denofold";
 *
 * const tag = await plotlyScriptTag();
 * console.log(tag.startsWith("<script>"), tag.endsWith("</script>")); // true true
 * ```
 */
export async function plotlyScriptTag(): Promise<string> {
  return `<script>${scriptSafe(await plotlyJsSource())}</script>`;
}

/**
 * The report as one HTML string, with `plotlyJs` (the library source) inlined,
 * and `threeDmolJs` (3Dmol.js) when a section has structures. Figures are
 * drawn by a script at the end of the page, each structure by its own.
 *
 * @example
 * ```ts
 * import { plotlyJsSource, renderReport } from "denofold";
 *
 * const html = renderReport({
 *   title: "Run 7",
 *   sections: [{ title: "Summary", tables: [{ columns: ["step", "loss"], rows: [[100, 52.1]] }] }],
 * }, await plotlyJsSource());
 * console.log(html.length);
 * ```
 */
export function renderReport(report: Report, plotlyJs: string, threeDmolJs?: string): string {
  const hasStructures = report.sections.some((s) => (s.structures?.length ?? 0) > 0);
  if (hasStructures && threeDmolJs === undefined) {
    throw new RangeError("renderReport: the report has structures; pass 3Dmol.js's source");
  }
  const figures: PlotlyFigure[] = [];
  let structures = 0;
  const body: string[] = [`<h1>${htmlEscape(report.title)}</h1>`];
  if (report.subtitle) body.push(`<p class="subtitle">${htmlEscape(report.subtitle)}</p>`);
  for (const s of report.sections) {
    body.push(`<section>`, `<h2>${htmlEscape(s.title)}</h2>`);
    for (const p of s.text ?? []) body.push(`<p>${htmlEscape(p)}</p>`);
    if (s.preformatted) body.push(`<pre>${htmlEscape(s.preformatted)}</pre>`);
    for (const t of s.tables ?? []) body.push(tableHtml(t));
    for (const v of s.structures ?? []) {
      body.push(structureViewHtml(v, `structure-${structures++}`));
    }
    for (const f of s.figures ?? []) {
      body.push(
        `<div class="plotly-figure" id="fig-${figures.length}" style="height:${
          figureHeight(f)
        }px">` +
          `</div>`,
      );
      figures.push(f);
    }
    for (const svg of s.svgs ?? []) {
      body.push(`<div class="svg-figure">${svg.replace(/^<\?xml[^>]*>\s*/, "")}</div>`);
    }
    body.push(`</section>`);
  }
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${htmlEscape(report.title)}</title>
<style>
body { font-family: sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
.subtitle { color: #666; }
.plotly-figure { width: 100%; margin: 1em 0; }
.svg-figure { margin: 1em 0; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
caption { text-align: left; font-weight: bold; margin-bottom: 0.3em; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; }
</style>
<script>${scriptSafe(plotlyJs)}</script>
${hasStructures ? `<script>${scriptSafe(threeDmolJs!)}</script>\n` : ""}</head>
<body>
${body.join("\n")}
<script>
const figures = ${jsonForScript(figures)};
figures.forEach((f, k) => Plotly.newPlot("fig-" + k, { ...f, config: { responsive: true } }));
</script>
</body>
</html>
`;
}

/**
 * Write the report to `path` atomically (temp file + rename), with plotly.js
 * (and 3Dmol.js, for structures) embedded so the file works offline.
 *
 * @example
 * ```ts
 * import { learningCurvesFigure, readRunMetrics, writeReport } from "denofold";
 *
 * const fig = learningCurvesFigure(await readRunMetrics("notebooks/study/metrics.jsonl"));
 * await writeReport("report.html", { title: "Run", sections: [{ title: "Curves", figures: [fig] }] });
 * ```
 */
export async function writeReport(path: string, report: Report): Promise<void> {
  const structures = report.sections.some((s) => (s.structures?.length ?? 0) > 0);
  const threeDmol = structures ? await threeDmolJsSource() : undefined;
  await writeTextFileAtomic(path, renderReport(report, await plotlyJsSource(), threeDmol));
}
