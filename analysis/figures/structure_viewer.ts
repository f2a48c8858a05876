/**
 * A molecular viewer for reports and notebooks: 3Dmol.js (npm `3dmol`) draws
 * the predicted structure as a cartoon coloured by pLDDT in AlphaFold's bands,
 * superposed on the experimental structure (grey, translucent), with the PAE
 * heatmap (plotly) beside it. 3Dmol.js is inlined from node_modules like
 * plotly.js, so an exported page works offline.
 *
 * @module
 */

import { createRequire } from "node:module";
import type { Protein } from "../../model/protein/protein.ts";
import { formatPdb } from "../../model/protein/pdb.ts";
import {
  ATOM_ORDER,
  ATOM_TYPE_NUM,
  RESTYPE_3,
  RESTYPES,
} from "../../model/protein/residue_constants.ts";
import { ToolError } from "../../model/util/errors.ts";
import type { Coords } from "../geometry.ts";
import { applyTransform, superpose } from "../superpose.ts";
import { paeHeatmapFigure } from "./structure_figures.ts";
import { jsonForScript, scriptSafe } from "./html.ts";
import type { PlotlyFigure } from "./plotly_spec.ts";

/** One molecule of a {@link StructureView}. */
export interface ViewerModel {
  /** Legend label. */
  name: string;
  /** The structure as PDB text. */
  pdb: string;
  /** "plddt": AlphaFold's bands from the B-factor column; otherwise a CSS colour. */
  color: "plddt" | string;
  /**
   * "cartoon" needs the backbone (N, CA, C, O); "trace" is a tube through
   * the Cα atoms, for Cα-only structures (3Dmol draws no cartoon from those).
   */
  style: "cartoon" | "trace";
  /** 0–1 (default 1). */
  opacity?: number;
}

/** A 3D view of one or more molecules, and optionally the PAE beside it. */
export interface StructureView {
  /** Heading above the view. */
  title?: string;
  /** Molecules in drawing order. */
  models: ViewerModel[];
  /** Predicted aligned error `[L, L]` (row-major, Å), drawn as a heatmap beside the molecule. */
  pae?: ArrayLike<number>;
  /** The PAE scale's maximum (default: the largest value). */
  maxPae?: number;
  /** A line under the view (e.g. the superposition's RMSD). */
  caption?: string;
  /** Height in pixels (default 460). */
  height?: number;
}

/**
 * The path of `3Dmol-min.js` in node_modules.
 *
 * @example
 * ```ts
 * import { threeDmolJsPath } from "denofold";
 *
 * console.log(threeDmolJsPath()); // …/node_modules/…/3dmol/build/3Dmol-min.js
 * ```
 */
export function threeDmolJsPath(): string {
  const url = import.meta.resolve("3dmol");
  // The package's main is build/3Dmol.js; the minified build sits beside it.
  if (url.startsWith("file:")) return new URL("3Dmol-min.js", url).pathname;
  try {
    const main = createRequire(import.meta.url).resolve("3dmol");
    return main.slice(0, main.lastIndexOf("/") + 1) + "3Dmol-min.js";
  } catch {
    throw new ToolError(
      `3dmol is not installed in node_modules (resolved to ${url}); run \`deno install\``,
    );
  }
}

let threeDmolCache: string | undefined;

/**
 * The source of 3Dmol.js (`3Dmol-min.js`, 0.5 MB), read once per process.
 *
 * @example
 * ```ts
 * import { threeDmolJsSource } from "denofold";
 *
 * console.log((await threeDmolJsSource()).length > 100_000); // true
 * ```
 */
export async function threeDmolJsSource(): Promise<string> {
  threeDmolCache ??= await Deno.readTextFile(threeDmolJsPath());
  return threeDmolCache;
}

/**
 * 3Dmol.js inlined in a `<script>` element, for self-contained pages and notebook exports.
 *
 * @example
 * ```ts
 * import { threeDmolScriptTag } from "denofold";
 *
 * const tag = await threeDmolScriptTag();
 * console.log(tag.startsWith("<script>")); // true
 * ```
 */
export async function threeDmolScriptTag(): Promise<string> {
  return `<script>${scriptSafe(await threeDmolJsSource())}</script>`;
}

/** AlphaFold's pLDDT bands, as the viewer's legend and colour function use them. */
const BANDS: [number, string, string][] = [
  [50, "#ff7d45", "very low (< 50)"],
  [70, "#ffdb13", "low (50–70)"],
  [90, "#65cbf3", "confident (70–90)"],
  [Infinity, "#0053d6", "very high (≥ 90)"],
];

/**
 * The drawing code of one view, in the page: a 3Dmol viewer per view, each
 * molecule a cartoon (or Cα trace) coloured by pLDDT band or a fixed colour;
 * then the PAE heatmap with the page's plotly.js.
 */
const DRAW_JS = `function denofoldDrawStructure(id, spec) {
  var el = document.getElementById(id);
  var viewer = $3Dmol.createViewer(el, { backgroundColor: "white" });
  var bands = ${JSON.stringify(BANDS.map(([at, colour]) => [at === Infinity ? 1e9 : at, colour]))};
  var band = function (atom) {
    for (var k = 0; k < bands.length; k++) if (atom.b < bands[k][0]) return bands[k][1];
    return bands[bands.length - 1][1];
  };
  spec.models.forEach(function (m) {
    var model = viewer.addModel(m.pdb, "pdb");
    var cartoon = { opacity: m.opacity === undefined ? 1 : m.opacity };
    if (m.style === "trace") cartoon.style = "trace";
    if (m.color === "plddt") cartoon.colorfunc = band; else cartoon.color = m.color;
    model.setStyle({}, { cartoon: cartoon });
  });
  viewer.zoomTo();
  viewer.render();
  if (spec.pae) Plotly.newPlot(id + "-pae", spec.pae.data, spec.pae.layout, { responsive: true });
}`;

function escape(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

let viewCounter = 0;

/**
 * One view as an HTML fragment: the 3D viewer, the PAE heatmap beside it, a
 * legend, and the script that draws them with the page's `$3Dmol` (see
 * {@link threeDmolScriptTag}) and `Plotly` (for the PAE). For reports, notebooks'
 * `text/html` output and pages built by hand.
 *
 * @example A page with ubiquitin coloured by its B-factors as if they were pLDDT
 * ```ts
 * import { plotlyScriptTag, readStructure, structureViewHtml, threeDmolScriptTag } from "denofold";
 * import { formatPdb } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const view = { models: [{ name: "1UBI", pdb: formatPdb(p), color: "plddt", style: "cartoon" as const }] };
 * const head = (await threeDmolScriptTag()) + (await plotlyScriptTag());
 * await Deno.writeTextFile("view.html", `<html><head>${head}</head><body>${structureViewHtml(view)}</body></html>`);
 * ```
 */
export function structureViewHtml(
  view: StructureView,
  id = `denofold-structure-${++viewCounter}`,
): string {
  const h = view.height ?? 460;
  const pae: PlotlyFigure | undefined = view.pae
    ? paeHeatmapFigure(view.pae, { maxPae: view.maxPae, title: "Predicted aligned error" })
    : undefined;
  if (pae) pae.layout.height = h;
  const legend = view.models.map((m) =>
    m.color === "plddt"
      ? `${escape(m.name)}: ` +
        BANDS.map(([, colour, label]) =>
          `<span style="display:inline-block;width:0.9em;height:0.9em;background:${colour};` +
          `vertical-align:middle"></span> ${label}`
        ).join(" ")
      : `<span style="display:inline-block;width:0.9em;height:0.9em;background:${
        escape(m.color)
      };vertical-align:middle"></span> ${escape(m.name)}`
  ).join(" &nbsp;·&nbsp; ");
  const spec = { models: view.models, pae };
  return [
    `<div class="structure-view" id="${escape(id)}-box">`,
    view.title ? `<h3>${escape(view.title)}</h3>` : "",
    `<div style="display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start">`,
    `<div class="structure-3d" id="${escape(id)}" ` +
    `style="position:relative;flex:1 1 420px;min-width:320px;height:${h}px"></div>`,
    pae
      ? `<div class="plotly-figure structure-pae" id="${escape(id)}-pae" ` +
        `style="flex:1 1 420px;min-width:320px;height:${h}px"></div>`
      : "",
    `</div>`,
    `<p class="structure-legend" style="font-size:0.9em">${legend}</p>`,
    view.caption ? `<p class="structure-caption">${escape(view.caption)}</p>` : "",
    `<script>${DRAW_JS}\ndenofoldDrawStructure(${jsonForScript(id)}, ${
      jsonForScript(spec)
    });</script>`,
    `</div>`,
  ].join("\n");
}

/** Cα positions of a protein and which are present. */
function caOf(p: Protein): { xyz: Float64Array; mask: Float64Array } {
  const n = p.aatype.length;
  const xyz = new Float64Array(3 * n), mask = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const at = i * ATOM_TYPE_NUM + ATOM_ORDER.CA;
    mask[i] = p.atomMask[at] > 0 ? 1 : 0;
    for (let d = 0; d < 3; d++) xyz[3 * i + d] = p.atomPositions[3 * at + d];
  }
  return { xyz, mask };
}

/** Options of {@link predictionView}. */
export interface PredictionViewOptions {
  /** The experimental structure, residue i ↔ residue i of the prediction. */
  truth?: Protein;
  /** Predicted aligned error `[L, L]` (Å). */
  pae?: ArrayLike<number>;
  /** The PAE scale's maximum. */
  maxPae?: number;
  /** Heading above the view. */
  title?: string;
  /** The prediction's legend label (default "predicted"). */
  name?: string;
}

/**
 * A prediction (full atom) as a cartoon coloured by `plddt`, superposed on
 * the experimental structure by its Cα atoms (Kabsch, `analysis/superpose.ts`;
 * the prediction moves), with the PAE beside it when given.
 *
 * @example
 * ```ts
 * import { predictionView, readStructure, structureViewHtml } from "denofold";
 *
 * const truth = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const plddt = new Float32Array(truth.aatype.length).fill(80);
 * const view = predictionView(truth, plddt, { truth, title: "1UBI on itself" });
 * console.log(view.caption); // "Cα RMSD 0.00 Å over 76 residues after superposition"
 * const html = structureViewHtml(view);
 * ```
 */
export function predictionView(
  predicted: Protein,
  plddt: ArrayLike<number>,
  opts: PredictionViewOptions = {},
): StructureView {
  let moved = predicted;
  let caption: string | undefined;
  if (opts.truth) {
    if (opts.truth.aatype.length !== predicted.aatype.length) {
      throw new RangeError(
        `predictionView: ${predicted.aatype.length} predicted residues, ` +
          `${opts.truth.aatype.length} experimental`,
      );
    }
    const p = caOf(predicted), t = caOf(opts.truth);
    const mask = p.mask.map((v, i) => v * t.mask[i]);
    const fit = superpose(p.xyz, t.xyz, mask);
    moved = {
      ...predicted,
      atomPositions: Float32Array.from(applyTransform(fit, predicted.atomPositions)),
    };
    caption = `Cα RMSD ${fit.rmsd.toFixed(2)} Å over ${fit.count} residues after superposition`;
  }
  const models: ViewerModel[] = [];
  if (opts.truth) {
    models.push({
      name: "experimental",
      pdb: formatPdb(opts.truth),
      color: "#9a9a9a",
      style: "cartoon",
      opacity: 0.55,
    });
  }
  models.push({
    name: opts.name ?? "predicted",
    pdb: formatPdb(moved, { plddt }),
    color: "plddt",
    style: "cartoon",
  });
  return { title: opts.title, models, pae: opts.pae, maxPae: opts.maxPae, caption };
}

/**
 * Cα-only PDB text: one CA atom per present residue, `bFactor` in its column.
 *
 * @example
 * ```ts
 * import { caPdb } from "denofold";
 *
 * console.log(caPdb(Float64Array.of(0, 0, 0, 3.8, 0, 0), { sequence: "MK", bFactor: [90, 40] }));
 * ```
 */
export function caPdb(
  ca: Coords,
  opts: { sequence?: string; bFactor?: ArrayLike<number>; mask?: ArrayLike<number> } = {},
): string {
  const n = ca.length / 3;
  const lines: string[] = [];
  let serial = 0;
  const f = (v: number, w: number, d: number) => v.toFixed(d).padStart(w);
  for (let i = 0; i < n; i++) {
    if (opts.mask && !(opts.mask[i] > 0)) continue;
    const one = opts.sequence?.[i] ?? "A";
    const res = RESTYPE_3[RESTYPES.indexOf(one)] ?? "UNK";
    serial++;
    lines.push(
      `ATOM  ${String(serial).padStart(5)}  CA  ${res} A${String(i + 1).padStart(4)}    ` +
        f(ca[3 * i], 8, 3) + f(ca[3 * i + 1], 8, 3) + f(ca[3 * i + 2], 8, 3) +
        "  1.00" + f(opts.bFactor?.[i] ?? 0, 6, 2) + "           C",
    );
  }
  lines.push("END");
  return lines.join("\n") + "\n";
}

/**
 * A Cα-only prediction `[L, 3]` (what training's validation keeps) as a tube
 * through its Cα atoms coloured by `plddt`, superposed on the true Cα trace.
 *
 * @example
 * ```ts
 * import { caCoords, caTraceView, readStructure } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const { xyz, mask } = caCoords(p);
 * const view = caTraceView(xyz, new Float32Array(mask.length).fill(60), { truth: xyz, mask });
 * console.log(view.models.map((m) => m.style)); // ["trace", "trace"]
 * ```
 */
export function caTraceView(
  predicted: Coords,
  plddt: ArrayLike<number>,
  opts: { truth?: Coords; mask?: ArrayLike<number>; sequence?: string; title?: string } = {},
): StructureView {
  let moved: Coords = predicted;
  let caption: string | undefined;
  const models: ViewerModel[] = [];
  if (opts.truth) {
    const fit = superpose(predicted, opts.truth, opts.mask);
    moved = applyTransform(fit, predicted);
    caption = `Cα RMSD ${fit.rmsd.toFixed(2)} Å over ${fit.count} residues after superposition`;
    models.push({
      name: "experimental Cα",
      pdb: caPdb(opts.truth, { sequence: opts.sequence, mask: opts.mask }),
      color: "#9a9a9a",
      style: "trace",
      opacity: 0.6,
    });
  }
  models.push({
    name: "predicted Cα",
    pdb: caPdb(moved, { sequence: opts.sequence, bFactor: plddt, mask: opts.mask }),
    color: "plddt",
    style: "trace",
  });
  return { title: opts.title, models, caption };
}
