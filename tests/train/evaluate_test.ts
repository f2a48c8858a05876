/**
 * Whole-chain evaluation: its scores of a known structure pair equal
 * analysis/'s lDDT and Debian's TMscore; `deno task eval` writes what the
 * evaluator computes; trained models load their EMA parameters by default, in
 * predict too.
 */

import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../assert.ts";
import { Dataset } from "../../train/data/dataset.ts";
import {
  chainsCsv,
  extendedChain,
  parseChainsCsv,
  scoreChain,
  summarize,
} from "../../train/evaluate.ts";
import { ParseError } from "../../model/util/errors.ts";
import { lddt } from "../../analysis/lddt.ts";
import type { Protein } from "../../model/protein/protein.ts";
import { ATOM_ORDER, ATOM_TYPE_NUM, RESTYPES } from "../../model/protein/residue_constants.ts";
import { initParams } from "../../model/nn/init.ts";
import { modelParamSpecs } from "../../model/params.ts";
import { saveCheckpoint } from "../../model/checkpoint.ts";
import { loadTrainedModel, runModelConfig } from "../../model/trained.ts";
import { initialState } from "../../train/step.ts";
import { Rng } from "../../model/util/rng.ts";
import { backbonePdb, runTool } from "../analysis/fixtures.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const SAMPLE = `${ROOT}data/sample`;

/** A bundled held-out chain and a model of it: Cα jittered, a loop moved by 6 Å. */
async function knownPair(): Promise<{ truth: Protein; model: Protein; seq: string; id: string }> {
  const ds = await Dataset.open(SAMPLE);
  const entry = ds.split("val").find((e) => e.source === "backbone" && e.length >= 60)!;
  const input = await ds.loadInput(entry);
  const truth = input.structure!;
  const rng = new Rng(3);
  const n = truth.aatype.length;
  const pos = Float32Array.from(truth.atomPositions);
  for (let i = 0; i < n; i++) {
    const at = (i * ATOM_TYPE_NUM + ATOM_ORDER.CA) * 3;
    for (let d = 0; d < 3; d++) {
      pos[at + d] += (rng.float() - 0.5) * 2 + (i > n / 2 && i < n / 2 + 12 ? 6 : 0);
    }
  }
  const model: Protein = {
    ...truth,
    atomPositions: pos,
    atomMask: truth.atomMask.map((v, k) => (k % ATOM_TYPE_NUM === ATOM_ORDER.CA ? v : 0)),
  };
  const seq = Array.from(truth.aatype, (a) => RESTYPES[a] ?? "A").join("");
  return { truth, model, seq, id: entry.id };
}

function caArray(p: Protein): { xyz: Float64Array; mask: Float64Array } {
  const n = p.aatype.length;
  const xyz = new Float64Array(3 * n), mask = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const at = i * ATOM_TYPE_NUM + ATOM_ORDER.CA;
    mask[i] = p.atomMask[at];
    for (let d = 0; d < 3; d++) xyz[3 * i + d] = p.atomPositions[3 * at + d];
  }
  return { xyz, mask };
}

Deno.test("evaluate: a known structure pair scores as analysis' lDDT-Cα and Debian's TMscore", async () => {
  const { truth, model, seq, id } = await knownPair();
  const plddt = new Float32Array(truth.aatype.length).fill(70);
  const m = scoreChain(id, model, truth, plddt);
  const t = caArray(truth), p = caArray(model);
  // lDDT-Cα over the observed residues, as analysis/lddt.ts computes it.
  const obs = [...t.mask.keys()].filter((i) => t.mask[i] > 0);
  const pick = (xyz: Float64Array) =>
    Float64Array.from(obs.flatMap((i) => [0, 1, 2].map((d) => xyz[3 * i + d])));
  assertAlmostEquals(m.lddt_ca, lddt(pick(p.xyz), pick(t.xyz)).global, 1e-9);
  assertAlmostEquals(
    m.baseline_lddt_ca,
    lddt(extendedChain(t.mask.length), t.xyz, t.mask).global,
    1e-9,
  );
  assertAlmostEquals(m.plddt_mean, 0.7, 1e-6);
  assert(m.lddt_ca > 0.3 && m.lddt_ca < 0.99, `a perturbed model: lDDT-Cα ${m.lddt_ca}`);
  assertEquals(m.helix + m.strand + m.coil, 1);
  // TM-score, GDT-TS, RMSD as Debian's TMscore computes them (observed residues).
  const dir = await Deno.makeTempDir();
  try {
    const obsSeq = obs.map((i) => seq[i]).join("");
    await Deno.writeTextFile(`${dir}/model.pdb`, backbonePdb(pick(p.xyz), obsSeq, ["CA"]));
    await Deno.writeTextFile(`${dir}/ref.pdb`, backbonePdb(pick(t.xyz), obsSeq, ["CA"]));
    const out = await runTool("TMscore", [`${dir}/model.pdb`, `${dir}/ref.pdb`]);
    if (out === null) return;
    const num = (re: RegExp) => Number(re.exec(out)![1]);
    assertAlmostEquals(m.tm_score, num(/TM-score\s*=\s*([\d.]+)/), 2e-3, "TM-score");
    assertAlmostEquals(m.gdt_ts, num(/GDT-TS-score=\s*([\d.]+)/), 2e-3, "GDT-TS");
    assertAlmostEquals(m.rmsd_ca, num(/RMSD of {2}the common residues=\s*([\d.]+)/), 2e-3, "RMSD");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const s = summarize([m, { ...m, lddt_ca: 0.1 }]);
  assertEquals(s.n, 2);
  assertAlmostEquals(s.lddt_ca_mean, (m.lddt_ca + 0.1) / 2, 1e-12);
  assertEquals(chainsCsv([m]).split("\n")[0].split(",")[3], "lddt_ca");
});

Deno.test("evaluate: a checkpoint's EMA parameters are what eval and predict load by default", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const run = { preset: "tiny", seed: 1 };
    const specs = modelParamSpecs(runModelConfig(run));
    const state = initialState(initParams(specs, 1));
    state.step = 7;
    // EMA unlike the raw weights, so which one was loaded shows.
    for (const v of state.ema.values()) for (let i = 0; i < v.length; i++) v[i] = v[i] * 0.5 + 0.01;
    const path = await saveCheckpoint(
      dir,
      state,
      { config: run, trainer: {}, metrics: {} },
      new Map(specs.map((p) => [p.name, p.shape])),
    );
    const ema = await loadTrainedModel(path);
    const raw = await loadTrainedModel(path, { params: "raw" });
    assertEquals(ema.kind, "ema");
    for (const p of specs.slice(0, 20)) {
      assertEquals(ema.params.get(p.name), state.ema.get(p.name), p.name);
      assertEquals(raw.params.get(p.name), state.params.get(p.name), p.name);
    }
    // predict: the default output is the --params ema one, not the raw one.
    await Deno.writeTextFile(`${dir}/q.fasta`, ">q\nMKTAYIAKQRQISFVKSHFSRQ\n");
    const predict = async (out: string, extra: string[]) => {
      const r = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          `${ROOT}train/cli/predict.ts`,
          "--fasta",
          `${dir}/q.fasta`,
          "--checkpoint",
          path,
          "--recycles",
          "0",
          "--msa-clusters",
          "4",
          "--extra-msa",
          "4",
          "--out",
          `${dir}/${out}.pdb`,
          ...extra,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
      return await Deno.readTextFile(`${dir}/${out}.pdb`);
    };
    const byDefault = await predict("default", []);
    assertEquals(byDefault, await predict("ema", ["--params", "ema"]));
    assert(
      byDefault !== await predict("raw", ["--params", "raw"]),
      "raw weights predict otherwise",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("evaluate: deno task eval writes chains.csv and summary.json of whole chains, refuses unknown ids", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const run = { preset: "tiny", max_recycles: 0, msa_clusters: 4, extra_msa: 4 };
    const specs = modelParamSpecs(runModelConfig(run));
    const state = initialState(initParams(specs, 2));
    const path = await saveCheckpoint(
      dir,
      state,
      { config: run, trainer: {}, metrics: {} },
      new Map(specs.map((p) => [p.name, p.shape])),
    );
    const ds = await Dataset.open(SAMPLE);
    const ids = ds.split("val").filter((e) => e.length <= 130).slice(0, 2).map((e) => e.id);
    assertEquals(ids.length, 2);
    await Deno.writeTextFile(`${dir}/ids.txt`, ids.join("\n") + "\n");
    const evalCli = (extra: string[]) =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          `${ROOT}train/cli/eval.ts`,
          "--checkpoint",
          path,
          "--split",
          "val",
          ...extra,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
    const r = await evalCli(["--ids", `${dir}/ids.txt`, "--out", `${dir}/eval`]);
    assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
    const line = new TextDecoder().decode(r.stdout);
    assert(/val: 2 whole chains .* lDDT-Cα 0\.\d{3}/.test(line), line);
    const rows = (await Deno.readTextFile(`${dir}/eval/chains.csv`)).trim().split("\n");
    assertEquals(rows.length, 3);
    assertEquals(rows.slice(1).map((l) => l.split(",")[0]).sort(), [...ids].sort());
    const summary = JSON.parse(await Deno.readTextFile(`${dir}/eval/summary.json`));
    assertEquals(summary.n, 2);
    for (
      const k of [
        "lddt_ca_mean",
        "tm_score_mean",
        "gdt_ts_mean",
        "baseline_lddt_ca_mean",
        "lddt_ca_median",
      ]
    ) {
      assert(summary[k] >= 0 && summary[k] <= 1, `${k} ${summary[k]}`);
    }
    await Deno.writeTextFile(`${dir}/bad.txt`, "NOPE_X\n");
    const bad = await evalCli(["--ids", `${dir}/bad.txt`]);
    assertEquals(bad.code, 2);
    assert(new TextDecoder().decode(bad.stderr).includes("NOPE_X"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("chains.csv reads back: a hand-written file, and errors naming the file and line", () => {
  const text = [
    "id,length,observed,lddt_ca,tm_score,gdt_ts,rmsd_ca,plddt_mean,baseline_lddt_ca,helix,strand,coil",
    "1ABC_A,120,118,0.4123,0.3310,0.2900,9.5000,0.5500,0.0950,0.6000,0.1000,0.3000",
    "2XYZ_B,64,64,0.2000,0.1500,0.1200,14.2500,0.3300,0.1000,0,0.5000,0.5000",
    "",
  ].join("\n");
  const rows = parseChainsCsv(text, "t.csv");
  assertEquals(rows.length, 2);
  assertEquals([rows[0].id, rows[0].length, rows[0].lddt_ca, rows[1].helix], [
    "1ABC_A",
    120,
    0.4123,
    0,
  ]);
  // What chainsCsv writes, parseChainsCsv reads (to chainsCsv's 4 decimals).
  assertEquals(chainsCsv(rows), text);
  assertThrows(() => parseChainsCsv("id,length\n", "t.csv"), ParseError, "t.csv:1:");
  assertThrows(
    () => parseChainsCsv(text.replace("0.2000,0.1500", "0.2000,x"), "t.csv"),
    ParseError,
    't.csv:3: tm_score is not a number ("x")',
  );
  assertThrows(() => parseChainsCsv(text + "3Q_A,1\n", "t.csv"), ParseError, "t.csv:4: 2 fields");
});
