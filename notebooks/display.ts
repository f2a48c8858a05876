/**
 * Rich output for notebooks on the Deno Jupyter kernel: plotly figures, HTML,
 * Markdown and tables, each sent as ONE display message.
 *
 * Why a helper: the deno 2.9 kernel can drop output sent at the very end of a
 * cell, so every call here awaits the display and then yields to the event loop
 * for a moment ({@link flush}); cells that only `console.log` end with
 * `await flush()`. Outside the kernel (scripts, tests) the text/plain part is
 * printed instead.
 *
 * Plotly figures carry both the plotly MIME type (rendered by JupyterLab's plotly
 * extension) and a `text/html` fallback that draws the figure with plotly.js; the
 * first figure of a kernel session inlines plotly.js itself from the npm package
 * `plotly.js-dist-min`, so exported HTML works offline.
 *
 * @example
 * ```ts
 * import { show } from "./display.ts";
 * await show({ data: [{ type: "scatter", x: [1, 2], y: [3, 4] }], layout: {} });
 * ```
 *
 * @module
 */

import { figureHtml, htmlEscape, plotlyScriptTag } from "../analysis/report.ts";
import type { PlotlyFigure } from "../analysis/figures/plotly_spec.ts";
import {
  type StructureView,
  structureViewHtml,
  threeDmolScriptTag,
} from "../analysis/figures/structure_viewer.ts";

/** A MIME bundle: MIME type → content. */
export type MimeBundle = Record<string, unknown>;

/** The plotly MIME type JupyterLab's plotly renderer reads. */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** How long to yield after a display so the kernel sends it before the cell ends. */
const FLUSH_MS = 200;

/**
 * Extra flush time per byte of a message: 1 ms per 2 kB (2.5 s for the first
 * figure's ~5 MB). At 1 ms per 10 kB the first figure's output was dropped now
 * and then on a loaded machine.
 */
const BYTES_PER_MS = 2_000;

/** Yield to the event loop briefly so pending output reaches the notebook. */
export function flush(ms = FLUSH_MS): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True inside `deno jupyter` (where `Deno.jupyter` exists). */
export function inKernel(): boolean {
  try {
    return typeof Deno.jupyter?.display === "function";
  } catch {
    // Outside the kernel the getter throws.
    return false;
  }
}

/** Send a raw MIME bundle and flush; outside the kernel print its text/plain part. */
export async function display(bundle: MimeBundle): Promise<void> {
  if (!inKernel()) {
    console.log(String(bundle["text/plain"] ?? Object.keys(bundle).join(", ")));
    return;
  }
  await Deno.jupyter.display(bundle, { raw: true });
  // Large messages (the first figure carries plotly.js, ~5 MB) need longer to leave.
  let bytes = 0;
  for (const v of Object.values(bundle)) bytes += typeof v === "string" ? v.length : 0;
  await flush(FLUSH_MS + bytes / BYTES_PER_MS);
}

/**
 * Set by `deno task notebooks` for its kernels: the libraries (plotly.js
 * ~4.6 MB, 3Dmol.js) are not sent through the kernel but left as a marker the
 * runner replaces in the executed notebook ({@link inlineLibraries}). A
 * several-MB display message was now and then lost between the kernel and
 * nbconvert on a loaded machine (the first figure missing); markers are bytes.
 */
export const DEFER_ENV = "DENOFOLD_NOTEBOOK_DEFER_LIBRARIES";

/** The marker standing for a library's script tag in deferred mode. */
export function libraryMarker(lib: "plotly" | "3dmol"): string {
  return `<!-- denofold:inline ${lib} -->`;
}

function deferred(): boolean {
  try {
    return Deno.env.get(DEFER_ENV) === "1";
  } catch {
    return false; // no --allow-env: inline as usual
  }
}

function scriptTag(lib: "plotly" | "3dmol"): Promise<string> {
  return lib === "plotly" ? plotlyScriptTag() : threeDmolScriptTag();
}

async function libraryTag(lib: "plotly" | "3dmol"): Promise<string> {
  return deferred() ? libraryMarker(lib) : await scriptTag(lib);
}

/**
 * HTML with every library marker replaced by the library's script tag (what
 * the runner does to an executed notebook's `text/html` outputs).
 */
export async function inlineLibraries(html: string): Promise<string> {
  for (const lib of ["plotly", "3dmol"] as const) {
    const marker = libraryMarker(lib);
    if (html.includes(marker)) html = html.split(marker).join(await scriptTag(lib));
  }
  return html;
}

let plotlyInlined = false;

/**
 * The MIME bundle of a plotly figure: the plotly JSON, an HTML fallback (with
 * plotly.js inlined when `inlinePlotly`), and the title as plain text.
 */
export async function plotlyBundle(
  figure: PlotlyFigure,
  inlinePlotly: boolean,
): Promise<MimeBundle> {
  const layout = (figure.layout ?? {}) as { title?: { text?: string } | string };
  const title = typeof layout.title === "string" ? layout.title : layout.title?.text ?? "figure";
  const html = (inlinePlotly ? (await libraryTag("plotly")) + "\n" : "") + figureHtml(figure);
  return {
    // The whole figure: animation frames (the training gallery's slider) included.
    [PLOTLY_MIME]: { ...figure, layout: figure.layout ?? {} },
    "text/html": html,
    "text/plain": `[plotly figure: ${title}]`,
  };
}

/** Show a plotly figure (from the `analysis/figures` builders or built by hand). */
export async function show(figure: PlotlyFigure): Promise<void> {
  const first = !plotlyInlined && inKernel();
  await display(await plotlyBundle(figure, first));
  if (first) plotlyInlined = true;
}

let threeDmolInlined = false;

/**
 * The MIME bundle of a molecular view (3Dmol.js, the PAE beside it): HTML that
 * draws it, with 3Dmol.js (and plotly.js, for the PAE) inlined when asked,
 * so the exported notebook works offline; the title as plain text.
 */
export async function structureBundle(
  view: StructureView,
  inline: { threeDmol: boolean; plotly: boolean },
): Promise<MimeBundle> {
  const libs = (inline.threeDmol ? (await libraryTag("3dmol")) + "\n" : "") +
    (inline.plotly && view.pae ? (await libraryTag("plotly")) + "\n" : "");
  return {
    "text/html": libs + structureViewHtml(view),
    "text/plain": `[structure view: ${view.title ?? view.models.map((m) => m.name).join(", ")}]`,
  };
}

/**
 * Show a molecular view: a prediction coloured by pLDDT on the experimental
 * structure, its PAE beside it (`predictionView`, `caTraceView` in
 * analysis/figures/structure_viewer.ts).
 */
export async function showStructure(view: StructureView): Promise<void> {
  const kernel = inKernel();
  const inline = { threeDmol: kernel && !threeDmolInlined, plotly: kernel && !plotlyInlined };
  await display(await structureBundle(view, inline));
  if (inline.threeDmol) threeDmolInlined = true;
  if (inline.plotly && view.pae) plotlyInlined = true;
}

/** Show an HTML fragment (SVG markup works too). */
export async function showHtml(html: string, text = "[html]"): Promise<void> {
  await display({ "text/html": html, "text/plain": text });
}

/** Show Markdown (rendered by Jupyter and by the HTML export). */
export async function showMarkdown(markdown: string): Promise<void> {
  await display({ "text/markdown": markdown, "text/plain": markdown });
}

/** A table cell: null prints as "–", numbers with up to `digits` decimals. */
function cellText(v: string | number | null, digits: number): string {
  if (v === null) return "–";
  if (typeof v === "number") {
    return Number.isInteger(v) ? String(v) : String(Math.round(v * 10 ** digits) / 10 ** digits);
  }
  return v;
}

/** A table as an HTML bundle with an aligned plain-text fallback. */
export function tableBundle(
  columns: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
  opts: { caption?: string; digits?: number } = {},
): MimeBundle {
  const digits = opts.digits ?? 3;
  const text = rows.map((r) => r.map((v) => cellText(v, digits)));
  const head = columns.map((c) => `<th>${htmlEscape(c)}</th>`).join("");
  const body = text.map((r) => `<tr>${r.map((v) => `<td>${htmlEscape(v)}</td>`).join("")}</tr>`);
  const caption = opts.caption ? `<caption>${htmlEscape(opts.caption)}</caption>` : "";
  const widths = columns.map((c, k) => Math.max(c.length, ...text.map((r) => r[k]?.length ?? 0)));
  const line = (r: readonly string[]) => r.map((v, k) => v.padEnd(widths[k])).join("  ").trimEnd();
  return {
    "text/html": `<table>${caption}<thead><tr>${head}</tr></thead><tbody>${
      body.join("")
    }</tbody></table>`,
    "text/plain": [opts.caption ?? "", line(columns), ...text.map(line)].filter((l) => l)
      .join("\n"),
  };
}

/** Show a table of rows under column headers. */
export async function showTable(
  columns: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
  opts: { caption?: string; digits?: number } = {},
): Promise<void> {
  await display(tableBundle(columns, rows, opts));
}
