/**
 * PNG images of the plotly figures of an executed notebook, drawn by headless
 * Chromium (Debian's `chromium`) from plotly.js inlined offline — for READMEs.
 *
 *   deno run -A notebooks/figures_png.ts EXECUTED.ipynb [--out DIR] [--width 900] [--height 520]
 *
 * Each figure becomes `<out>/<notebook>_<k>_<title>.png` (k counts the notebook's
 * figures from 1). Not used in CI; misuse exits 2.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { existsSync } from "node:fs";
import { PLOTLY_MIME } from "./display.ts";
import { parseNotebook, UsageError } from "./run.ts";
import { plotlyJsSource } from "../analysis/report.ts";
import type { PlotlyFigure } from "../analysis/figures/plotly_spec.ts";
import { ToolError } from "../model/util/errors.ts";

/** The plotly figures of a notebook's outputs, in order. */
export function notebookFigures(text: string, file: string): PlotlyFigure[] {
  const nb = parseNotebook(text, file);
  const out: PlotlyFigure[] = [];
  for (const c of nb.cells) {
    for (const o of c.outputs ?? []) {
      const data = (o as { data?: Record<string, unknown> }).data;
      if (data?.[PLOTLY_MIME]) out.push(data[PLOTLY_MIME] as PlotlyFigure);
    }
  }
  return out;
}

/** A file-name slug of a figure's title. */
export function figureSlug(fig: PlotlyFigure): string {
  const t = (fig.layout as { title?: { text?: string } | string }).title;
  const text = typeof t === "string" ? t : t?.text ?? "figure";
  return text.toLowerCase().replace(/<[^>]*>/g, "").replace(/[^a-z0-9]+/g, "_")
    .replace(/^_|_$/g, "").slice(0, 60) || "figure";
}

/** A page that draws one figure at a fixed size with plotly.js inlined. */
export async function figurePage(
  fig: PlotlyFigure,
  width: number,
  height: number,
): Promise<string> {
  const json = JSON.stringify({
    data: fig.data,
    layout: { ...fig.layout, width, height, sliders: undefined, updatemenus: undefined },
  }).replace(/</g, "\\u003c");
  const lib = (await plotlyJsSource()).replace(/<\/(script)/gi, "<\\/$1");
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><script>${lib}</script></head>` +
    `<body style="margin:0;background:#fff"><div id="f"></div><script>` +
    `const f = ${json}; Plotly.newPlot("f", f.data, f.layout, { displayModeBar: false });` +
    `</script></body></html>`;
}

/** Screenshot a page with headless Chromium. */
export async function screenshot(
  htmlPath: string,
  pngPath: string,
  width: number,
  height: number,
  chromium = "chromium",
): Promise<void> {
  const profile = await Deno.makeTempDir({ prefix: "denofold-chromium-" });
  try {
    const r = await new Deno.Command(chromium, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--enable-unsafe-swiftshader",
        "--hide-scrollbars",
        `--user-data-dir=${profile}`,
        "--virtual-time-budget=15000",
        `--window-size=${width},${height}`,
        `--screenshot=${pngPath}`,
        `file://${htmlPath}`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (r.code !== 0 || !existsSync(pngPath)) {
      const err = new TextDecoder().decode(r.stderr).trim().split("\n").slice(-3).join(" | ");
      throw new ToolError(`chromium failed on ${htmlPath} (exit ${r.code}): ${err}`);
    }
  } finally {
    await Deno.remove(profile, { recursive: true });
  }
}

/** Render every plotly figure of an executed notebook to PNG; returns the PNG paths. */
export async function renderNotebookFigures(
  notebook: string,
  outDir: string,
  opts: { width?: number; height?: number; chromium?: string } = {},
): Promise<string[]> {
  const width = opts.width ?? 900, height = opts.height ?? 520;
  const figures = notebookFigures(await Deno.readTextFile(notebook), notebook);
  const stem = notebook.replace(/^.*\//, "").replace(/\.ipynb$/, "");
  await Deno.mkdir(outDir, { recursive: true });
  const tmp = await Deno.makeTempDir({ prefix: "denofold-figures-" });
  const out: string[] = [];
  try {
    for (const [k, fig] of figures.entries()) {
      const html = `${tmp}/figure_${k}.html`;
      await Deno.writeTextFile(html, await figurePage(fig, width, height));
      const png = `${outDir}/${stem}_${k + 1}_${figureSlug(fig)}.png`;
      await screenshot(html, png, width, height, opts.chromium);
      out.push(png);
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
  return out;
}

if (import.meta.main) {
  try {
    const { values, positionals } = (() => {
      try {
        return parseArgs({
          args: Deno.args,
          options: {
            out: { type: "string" },
            width: { type: "string" },
            height: { type: "string" },
          },
          allowPositionals: true,
        });
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    })();
    if (positionals.length !== 1) throw new UsageError("give one executed notebook (.ipynb)");
    if (!existsSync(positionals[0])) throw new UsageError(`no such file ${positionals[0]}`);
    const size = (name: string, v: string | undefined, d: number) => {
      if (v === undefined) return d;
      if (!/^\d+$/.test(v) || Number(v) < 50) {
        throw new UsageError(`--${name} must be an integer ≥ 50, got "${v}"`);
      }
      return Number(v);
    };
    const pngs = await renderNotebookFigures(positionals[0], values.out ?? "figures", {
      width: size("width", values.width, 900),
      height: size("height", values.height, 520),
    });
    for (const p of pngs) console.log(p);
  } catch (e) {
    console.error(`figures_png: ${(e as Error).message}`);
    Deno.exit(e instanceof UsageError ? 2 : 1);
  }
}
