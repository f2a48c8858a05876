/**
 * PNG images of the plotly figures of an executed notebook, drawn by headless
 * Chromium (Debian's `chromium`) from plotly.js inlined offline — for READMEs.
 * Not used in CI. {@link FIGURES_PNG_CLI} is its usage.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { z } from "zod";
import { PLOTLY_MIME } from "./display.ts";
import { parseNotebook } from "./run.ts";
import { plotlyJsSource } from "../analysis/report.ts";
import type { PlotlyFigure } from "../analysis/figures/plotly_spec.ts";
import { ToolError } from "../model/util/errors.ts";
import { readText } from "../model/io/text.ts";
import { makeOwnedTempDir } from "../model/io/atomic.ts";
import {
  checkOutputs,
  type CliSpec,
  inputPath,
  intFlag,
  runCli,
  textFlag,
} from "../train/cli/kit.ts";

/** The command's flags, usage and schema. */
export const FIGURES_PNG_CLI = {
  name: "figures_png",
  synopsis: [
    "deno run -A notebooks/figures_png.ts EXECUTED.ipynb [--out DIR] [--width N] [--height N]",
  ],
  about: `Draws each plotly figure of an executed notebook to <out>/<notebook>_<k>_<title>.png
(k counts the notebook's figures from 1).`,
  flags: {
    out: { value: "DIR", help: "where the PNG files go (default figures)" },
    width: { value: "N", help: "image width in pixels, at least 50 (default 900)" },
    height: { value: "N", help: "image height in pixels, at least 50 (default 520)" },
  },
  positionals: true,
  schema: z.object({
    args: z.array(z.string()).length(1, "give one executed notebook (.ipynb)")
      .pipe(z.tuple([inputPath("file")])),
    out: textFlag().default("figures"),
    width: intFlag({ min: 50 }).default(900),
    height: intFlag({ min: 50 }).default(520),
  }),
  failure: "Chromium is missing or failed",
} satisfies CliSpec;

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
  const profile = await makeOwnedTempDir("denofold-chromium-");
  try {
    const args = [
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
    ];
    let r: Deno.CommandOutput;
    try {
      r = await new Deno.Command(chromium, { args, stdout: "piped", stderr: "piped" }).output();
    } catch (e) {
      // Spawning throws at once (not through the promise) when the program is missing.
      if (e instanceof Deno.errors.NotFound) {
        throw new ToolError(`${chromium} not found (Debian: apt-get install chromium)`);
      }
      throw e;
    }
    if (r.code !== 0 || !existsSync(pngPath)) {
      const err = new TextDecoder().decode(r.stderr).trim().split("\n").slice(-3).join(" | ");
      throw new ToolError(`${chromium} failed on ${htmlPath} (exit ${r.code}): ${err}`);
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
  const figures = notebookFigures(await readText(notebook, "notebook"), notebook);
  const stem = notebook.replace(/^.*\//, "").replace(/\.ipynb$/, "");
  const pngs = figures.map((fig, k) => `${outDir}/${stem}_${k + 1}_${figureSlug(fig)}.png`);
  // Where the images go, before Chromium starts: never over the notebook.
  checkOutputs(
    [
      { path: outDir, label: "--out", kind: "directory" },
      ...pngs.map((path) => ({ path, label: "--out", kind: "file" as const })),
    ],
    [{ path: notebook, label: "EXECUTED.ipynb" }],
  );
  await Deno.mkdir(outDir, { recursive: true });
  const tmp = await makeOwnedTempDir("denofold-figures-");
  const out: string[] = [];
  try {
    for (const [k, fig] of figures.entries()) {
      const html = `${tmp}/figure_${k}.html`;
      await Deno.writeTextFile(html, await figurePage(fig, width, height));
      const png = pngs[k];
      await screenshot(html, png, width, height, opts.chromium);
      out.push(png);
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
  return out;
}

async function figuresPng(a: z.output<typeof FIGURES_PNG_CLI.schema>): Promise<void> {
  const pngs = await renderNotebookFigures(a.args[0], a.out, { width: a.width, height: a.height });
  for (const p of pngs) console.log(p);
}

if (import.meta.main) await runCli(FIGURES_PNG_CLI, figuresPng);
