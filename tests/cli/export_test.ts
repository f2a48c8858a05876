/**
 * `deno task export`: the exported ONNX iteration, recycled as docs/export.md
 * says, gives the coordinates, pLDDT and pTM of `predictStructure` (the Deno
 * executor) in a fresh onnxruntime-node session and in the browser page
 * `docs/browser/` (onnxruntime-web, wasm, headless Chromium) — with an MSA
 * whose extra rows are fewer than the graph takes, so the padding rule of the
 * contract is exercised too. Misuse exits 2 with one line.
 */

import * as ort from "onnxruntime-node";
import { assert, assertEquals } from "../assert.ts";
import { initParams } from "../../model/nn/init.ts";
import { modelParamSpecs } from "../../model/params.ts";
import { saveCheckpoint } from "../../model/checkpoint.ts";
import { loadTrainedModel, runModelConfig } from "../../model/trained.ts";
import { initialState } from "../../train/step.ts";
import { Rng } from "../../model/util/rng.ts";
import { readA3m } from "../../model/features/a3m.ts";
import { predictStructure } from "../../model/predict.ts";
import type { ExportContract } from "../../model/export.ts";
import { browserHandler } from "../../docs/browser/serve.ts";
import { runTool } from "../analysis/fixtures.ts";
import { withTools } from "../tools.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const SEQ = "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEV";
const RECYCLES = 2;

async function run(args: string[]) {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}train/cli/export.ts`, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: r.code,
    stdout: new TextDecoder().decode(r.stdout),
    stderr: new TextDecoder().decode(r.stderr),
  };
}

/** A tiny model with a TM head, every weight random; an A3M of the query and 5 mutants. */
async function fixture(dir: string) {
  const runConfig = { preset: "tiny", model: { heads: { tm: { enabled: true } } } };
  const specs = modelParamSpecs(runModelConfig(runConfig));
  const state = initialState(initParams(specs, 4));
  const rng = new Rng(4);
  for (const v of state.ema.values()) {
    for (let i = 0; i < v.length; i++) v[i] += (rng.float() - 0.5) * 0.2;
  }
  const ckpt = await saveCheckpoint(
    dir,
    state,
    { config: runConfig, trainer: {}, metrics: {} },
    new Map(specs.map((p) => [p.name, p.shape])),
  );
  const aa = "ACDEFGHIKLMNPQRSTVWY";
  const rows = [SEQ];
  for (let r = 0; r < 5; r++) {
    rows.push(
      [...SEQ].map((c) => (rng.float() < 0.3 ? aa[Math.floor(rng.float() * 20)] : c)).join(""),
    );
  }
  await Deno.writeTextFile(`${dir}/q.a3m`, rows.map((s, i) => `>r${i}\n${s}\n`).join(""));
  await Deno.writeTextFile(`${dir}/q.fasta`, `>q\n${SEQ}\n`);
  return ckpt;
}

/** The example's feeds of iteration k, decoded. */
function feedsOf(
  example: { iterations: Record<string, { dtype: string; base64: string }>[] },
  k: number,
) {
  const out: Record<string, Float32Array | Int32Array> = {};
  for (const [name, e] of Object.entries(example.iterations[k])) {
    const bytes = Uint8Array.from(atob(e.base64), (c) => c.charCodeAt(0));
    out[name] = e.dtype === "int32" ? new Int32Array(bytes.buffer) : new Float32Array(bytes.buffer);
  }
  return out;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assertEquals(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const chromium = withTools("chromium");

chromium.test("export: the ONNX iteration gives predict's coordinates in a fresh onnxruntime session and in the browser page", async () => {
  const dir = await Deno.makeTempDir();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    browserHandler(dir),
  );
  try {
    const ckpt = await fixture(dir);
    // 6 MSA rows: 4 cluster centres and 2 extra rows, padded to the graph's 8.
    const r = await run([
      "--checkpoint",
      ckpt,
      "--length",
      String(SEQ.length),
      "--msa-clusters",
      "4",
      "--extra-msa",
      "8",
      "--out",
      `${dir}/model.onnx`,
      "--example",
      `${dir}/q.fasta`,
      "--msa",
      `${dir}/q.a3m`,
      "--recycles",
      String(RECYCLES),
    ]); // deno-fmt-ignore
    assertEquals(r.code, 0, r.stderr);
    const contract: ExportContract = JSON.parse(
      await Deno.readTextFile(`${dir}/model.contract.json`),
    );
    const example = JSON.parse(await Deno.readTextFile(`${dir}/model.example.json`));
    assertEquals(example.iterations.length, RECYCLES + 1);
    assertEquals(contract.dims, { nRes: SEQ.length, nSeq: 4, nExtra: 8 });
    assertEquals(
      contract.outputs.map((o) => o.name).sort(),
      [
        "final_atom_mask",
        "final_atom_positions",
        "next/m1",
        "next/x",
        "next/z",
        "plddt",
        "predicted_aligned_error",
        "ptm_score",
      ],
    );

    // The Deno result: the executor with the same features (seed 0, same rows).
    const m = await loadTrainedModel(ckpt);
    const deno = await predictStructure({
      id: "q",
      sequence: SEQ,
      msas: [await readA3m(`${dir}/q.a3m`)],
      params: m.params,
      config: m.config,
      recycles: RECYCLES,
      msaClusters: 4,
      extraMsa: 8,
      seed: 0,
    });

    // A fresh onnxruntime-node session on the file, recycled by hand.
    const session = await ort.InferenceSession.create(`${dir}/model.onnx`);
    let prev: Record<string, Float32Array> = {};
    for (const s of contract.inputs) {
      if (s.name.startsWith("prev_")) {
        prev[s.name] = new Float32Array(s.shape.reduce((a, b) => a * b, 1));
      }
    }
    let out: Record<string, ort.Tensor> = {};
    for (let k = 0; k <= RECYCLES; k++) {
      const feeds: Record<string, ort.Tensor> = {};
      const f = feedsOf(example, k);
      for (const s of contract.inputs) {
        feeds[s.name] = new ort.Tensor(s.dtype, prev[s.name] ?? f[s.name], s.shape);
      }
      out = await session.run(feeds);
      prev = {};
      for (const [from, to] of Object.entries(contract.recycle)) {
        prev[to] = out[from].data as Float32Array;
      }
    }
    await session.release();
    const pos = out.final_atom_positions.data as Float32Array;
    const dPos = maxDiff(pos, deno.protein.atomPositions);
    const dPlddt = maxDiff(out.plddt.data as Float32Array, deno.plddt);
    const dPtm = Math.abs((out.ptm_score.data as Float32Array)[0] - deno.ptm!);
    console.log(`onnxruntime-node vs Deno: ${dPos} Å, pLDDT ${dPlddt}, pTM ${dPtm}`);
    assert(dPos < 1e-3 && dPlddt < 1e-2 && dPtm < 1e-4, `${dPos} ${dPlddt} ${dPtm}`);
    // Random weights that still fold differently per residue: a meaningful comparison.
    assert(Math.max(...deno.plddt) - Math.min(...deno.plddt) > 0.1, "flat pLDDT");

    // The browser page on onnxruntime-web (wasm).
    const { port } = server.addr as Deno.NetAddr;
    const dom = await runTool("chromium", [
      "--headless",
      "--no-sandbox",
      `--user-data-dir=${dir}/profile`,
      "--virtual-time-budget=120000",
      "--dump-dom",
      `http://127.0.0.1:${port}/?model=model/model`,
    ]);
    if (dom === null) return;
    assert(dom.includes('data-status="done"'), dom.slice(0, 3000));
    const json = /<pre id="result">([^<]*)<\/pre>/.exec(dom)![1].replaceAll("&quot;", '"');
    const web = JSON.parse(json);
    const wPos = maxDiff(web.final_atom_positions, deno.protein.atomPositions);
    const wPlddt = maxDiff(web.plddt, deno.plddt);
    console.log(`onnxruntime-web (wasm) vs Deno: ${wPos} Å, pLDDT ${wPlddt}`);
    assert(wPos < 1e-3 && wPlddt < 1e-2 && Math.abs(web.ptm - deno.ptm!) < 1e-4, `${wPos}`);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("export: misuse exits 2 with one line; files beside --out are not another's", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ckpt = await fixture(dir);
    const help = await run(["--help"]);
    assertEquals(help.code, 0);
    assert(help.stdout.startsWith("usage: deno task export"), help.stdout);
    await Deno.writeTextFile(`${dir}/model.contract.json`, '{"mine": true}\n');
    const cases: [string[], string][] = [
      [
        ["--checkpoint", ckpt, "--length", "0", "--out", `${dir}/m.onnx`],
        "--length: must be at least 1",
      ],
      [
        ["--checkpoint", ckpt, "--length", "8", "--out", `${dir}/m.txt`],
        "--out: must end in .onnx",
      ],
      [
        ["--checkpoint", `${dir}/q.a3m`, "--length", "8", "--out", `${dir}/m.onnx`],
        "--checkpoint: must be a sidecar .json",
      ],
      [[
        "--checkpoint",
        ckpt,
        "--length",
        "8",
        "--out",
        `${dir}/m.onnx`,
        "--example",
        `${dir}/q.fasta`,
      ], `q.fasta:1: ${SEQ.length} residues; --length is 8`],
      [
        ["--checkpoint", ckpt, "--length", "8", "--out", `${dir}/model.onnx`],
        "model.contract.json exists and is not an earlier export's",
      ],
      [
        ["--checkpoint", ckpt, "--length", "8", "--out", `${dir}/none/m.onnx`],
        `--out: no such directory ${dir}/none`,
      ],
    ]; // deno-fmt-ignore
    for (const [args, want] of cases) {
      const r = await run(args);
      const lines = r.stderr.trim().split("\n");
      assertEquals(r.code, 2, `${args}: ${r.stderr}`);
      assert(lines.length === 1 && lines[0].startsWith("export: ") && lines[0].includes(want), r.stderr);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
