/**
 * The training report (`RUN_DIR/report.html`): a summary of the run, the
 * loss smoothed with one panel per family of terms, validation lDDT-Cα against
 * the extended-chain baseline, one held-out protein's prediction superposed on
 * its true structure in the 3D viewer (3Dmol.js), and, when the run took
 * snapshots, the learning-dynamics analyses. Self-contained (plotly.js and
 * 3Dmol.js embedded), so it opens offline.
 *
 * @module
 */

import { readRunMetrics } from "../analysis/run_metrics.ts";
import { lossPanelsFigure } from "../analysis/figures/learning_figures.ts";
import { lineTrace, type PlotlyFigure, stepAxis } from "../analysis/figures/plotly_spec.ts";
import { caTraceView } from "../analysis/figures/structure_viewer.ts";
import { applyTransform, superpose } from "../analysis/superpose.ts";
import { lddt } from "../analysis/lddt.ts";
import { tmScore } from "../analysis/tm_score.ts";
import { type ReportSection, writeReport } from "../analysis/report.ts";
import { learningDynamics } from "../analysis/dynamics.ts";
import { dynamicsReport } from "../analysis/dynamics_report.ts";
import { readSnapshots } from "../analysis/snapshots.ts";
import type { Af2Training } from "./af2_task.ts";
import type { TrainState } from "../model/checkpoint.ts";
import type { RunConfig } from "./config.ts";

/** Run facts the report prints. */
export interface ReportInfo {
  config: RunConfig;
  /** Wall-clock seconds of the run (this process). */
  seconds: number;
  /** Number of parameters. */
  parameters: number;
}

function validationFigure(lines: Awaited<ReturnType<typeof readRunMetrics>>): PlotlyFigure {
  const pts = lines.filter((l) => typeof l.val_lddt_ca === "number");
  const x = pts.map((l) => l.step);
  const y = (k: string) => pts.map((l) => (l[k] as number | null) ?? null);
  return {
    data: [
      lineTrace("val lDDT-Cα", x, y("val_lddt_ca"), "#d62728"),
      lineTrace("extended-chain baseline", x, y("val_lddt_ca_extended_baseline"), "#7f7f7f", {
        line: { dash: "dash", color: "#7f7f7f" },
      }),
      lineTrace("val TM-score", x, y("val_tm_score"), "#1f77b4"),
    ],
    layout: {
      title: { text: "Validation on held-out clusters" },
      xaxis: stepAxis(false),
      yaxis: { title: { text: "score" }, range: [0, 1] },
    },
  };
}

/** Write the run's report; returns its path. */
export async function writeTrainingReport(
  dir: string,
  af2: Af2Training,
  state: TrainState,
  info: ReportInfo,
): Promise<string> {
  const lines = await readRunMetrics(`${dir}/metrics.jsonl`);
  const last = lines[lines.length - 1] ?? { step: 0 };
  const firstLoss = lines.slice(0, 20).reduce((s, l) => s + (l.loss ?? 0), 0) /
    Math.min(20, lines.length || 1);
  const lastLoss = lines.slice(-20).reduce((s, l) => s + (l.loss ?? 0), 0) /
    Math.min(20, lines.length || 1);
  const vals = lines.filter((l) => typeof l.val_lddt_ca === "number");
  const lastVal = vals[vals.length - 1];
  const c = info.config;

  const p = await af2.predictVal(state, 0);
  const fit = superpose(p.pred, p.truth, p.mask);
  const tm = tmScore(applyTransform(fit, p.pred), p.truth);
  const structure = caTraceView(p.pred, p.plddt, {
    truth: p.truth,
    mask: p.mask,
    title: `${p.id}: the prediction (Cα, coloured by pLDDT) on the true structure (grey)`,
  });
  const sections: ReportSection[] = [
    {
      title: "Run",
      tables: [{
        columns: ["setting", "value"],
        rows: [
          ["preset", c.preset],
          ["parameters", info.parameters],
          ["data", c.data],
          ["steps", `${state.step} of ${c.steps}`],
          ["crop / MSA clusters / extra MSA", `${c.crop} / ${c.msa_clusters} / ${c.extra_msa}`],
          ["recycles (sampled per step)", `0..${c.max_recycles}`],
          ["wall clock (this process)", `${info.seconds.toFixed(0)} s`],
          [
            "loss, first 20 steps → last 20 steps",
            `${firstLoss.toFixed(3)} → ${lastLoss.toFixed(3)}`,
          ],
          ["val lDDT-Cα, whole chains (last)", lastVal?.val_lddt_ca ?? null],
          ["extended-chain baseline lDDT-Cα", lastVal?.val_lddt_ca_extended_baseline ?? null],
          ["val TM-score (last)", lastVal?.val_tm_score ?? null],
          [
            `${p.id}: lDDT-Cα / TM-score of the shown prediction`,
            `${lddt(p.pred, p.truth, p.mask).global.toFixed(3)} / ${tm.tmScore.toFixed(3)}`,
          ],
        ], // deno-fmt-ignore
      }],
      text: [
        `Validation is on WHOLE chains: the first ${c.val_chains} chains of held-out 30 % identity ` +
        `clusters at most ${c.val_max_length} residues long, predicted with ${c.max_recycles} recycles ` +
        `from the ${c.eval_params === "ema" ? "EMA" : "raw"} parameters. ` +
        "The baseline is an ideal extended chain (Cα every 3.8 Å on a line).",
        `Last logged step: ${last.step}.`,
      ],
    },
    { title: "Learning curves", figures: [lossPanelsFigure(lines), validationFigure(lines)] },
    { title: "One held-out protein", structures: [structure] },
  ];
  try {
    const { probes, snapshots } = await readSnapshots(dir);
    if (snapshots.length >= 2) {
      const dyn = learningDynamics(probes, snapshots);
      const rep = dynamicsReport({ dynamics: dyn, probes, snapshots, metrics: lines });
      sections.push(...rep.sections.map((s) => ({ ...s, title: `Learning dynamics: ${s.title}` })));
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const path = `${dir}/report.html`;
  await writeReport(path, {
    title: `denofold training run (${c.preset})`,
    subtitle: `${dir} · ${new Date().toISOString()}`,
    sections,
  });
  return path;
}
