/**
 * `deno task predict` as AF2/ColabFold users run it: a two-record FASTA
 * through `--models A,B --out-dir DIR` gives AF2's per-record layout, a
 * ranking_debug.json whose order follows its scores, ranked_0 being the best
 * model's structure, AlphaFold DB-format confidence and PAE files (PAE only
 * for the model whose TM head was trained; numpy and gemmi read them), a
 * rerun of the same request skipped, another run's folder refused unless
 * --overwrite, and a length that does not fit the memory refused up front.
 */

import { assert, assertAlmostEquals, assertEquals } from "../assert.ts";
import { initParams } from "../../model/nn/init.ts";
import { modelParamSpecs } from "../../model/params.ts";
import { saveCheckpoint } from "../../model/checkpoint.ts";
import { runModelConfig, type RunModelFields } from "../../model/trained.ts";
import { initialState } from "../../train/step.ts";
import { Rng } from "../../model/util/rng.ts";
import { readPdb } from "../../model/protein/pdb.ts";
import { parseAfdbPae, type RankingDebug } from "../../model/prediction_files.ts";
import { pythonWith, runPython } from "../io/python_ref.ts";
import { readA3m } from "../../model/features/a3m.ts";

const CLI = new URL("../../train/cli/predict.ts", import.meta.url).pathname;
const ALIGNMENTS = new URL("../../data/sample/msa/openfold", import.meta.url).pathname;

/**
 * A tiny checkpoint with every parameter drawn at random (zero-initialised
 * final layers included), so two models give different confidences.
 */
async function checkpoint(dir: string, run: RunModelFields & { loss?: unknown }, seed: number) {
  const specs = modelParamSpecs(runModelConfig(run));
  const state = initialState(initParams(specs, seed));
  const rng = new Rng(seed);
  for (const v of state.ema.values()) {
    for (let i = 0; i < v.length; i++) v[i] += (rng.float() - 0.5) * 0.2;
  }
  await Deno.mkdir(dir, { recursive: true });
  return await saveCheckpoint(
    dir,
    state,
    { config: run as unknown as Record<string, unknown>, trainer: {}, metrics: {} },
    new Map(specs.map((p) => [p.name, p.shape])),
  );
}

async function predict(args: string[]) {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: r.code, stderr: new TextDecoder().decode(r.stderr) };
}

Deno.test("predict --models A,B --out-dir: AF2's layout per record, ranked by the scores it writes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const a = await checkpoint(`${dir}/runA`, { preset: "tiny" }, 1);
    // B's run trains the TM head (the pTM models' fine-tuning): its PAE and pTM are written.
    const b = await checkpoint(`${dir}/runB`, {
      preset: "tiny",
      model: { heads: { tm: { enabled: true } } },
      loss: { tm: { weight: 0.1 } },
    }, 2);
    await Deno.writeTextFile(
      `${dir}/q.fasta`,
      ">first query one\nMKTAYIAKQRQISFVKSHFSRQ\n>second\nGSHMLEDPVDAFQ\n",
    );
    const common = ["--fasta", `${dir}/q.fasta`, "--models", `${a},${b}`, "--recycles", "1"];
    const r = await predict([...common, "--out-dir", `${dir}/out`]);
    assertEquals(r.code, 0, r.stderr);
    // Not a terminal: one line per stage, each with the ETA.
    assert(/recycle 2 of 2 \(.*ETA/.test(r.stderr), r.stderr);
    const names = ["runA_ckpt-00000000", "runB_ckpt-00000000"];
    for (const [id, seq] of [["first", "MKTAYIAKQRQISFVKSHFSRQ"], ["second", "GSHMLEDPVDAFQ"]]) {
      const rec = `${dir}/out/${id}`;
      const files = [...Deno.readDirSync(rec)].map((e) => e.name).sort();
      assertEquals(files, [
        ...names.map((n) => `confidence_${n}.json`),
        `pae_${names[1]}.json`,
        "ranked_0.cif",
        "ranked_0.pdb",
        "ranked_1.cif",
        "ranked_1.pdb",
        "ranking_debug.json",
        "request.json",
        "timings.json",
      ]);
      const ranking: RankingDebug = JSON.parse(
        await Deno.readTextFile(`${rec}/ranking_debug.json`),
      );
      assertEquals([...ranking.order].sort(), names);
      const scores = ranking.order.map((n) => ranking.plddts[n]);
      assert(scores[0] > scores[1], `order ${ranking.order} against pLDDTs ${scores}`);
      assertEquals(ranking.ptms, undefined, "pTM of a model without a trained TM head");
      // ranked_i is order[i]: its B-factors are that model's confidence file.
      for (const [i, n] of ranking.order.entries()) {
        const conf = JSON.parse(await Deno.readTextFile(`${rec}/confidence_${n}.json`));
        assertEquals(conf.residueNumber.length, seq.length);
        const mean = conf.confidenceScore.reduce((s: number, v: number) => s + v, 0) /
          seq.length;
        assertAlmostEquals(mean, ranking.plddts[n], 0.01);
        const p = await readPdb(`${rec}/ranked_${i}.pdb`);
        assertEquals(p.aatype.length, seq.length);
        assertAlmostEquals(p.bFactors[37 + 1], conf.confidenceScore[1], 0.01);
        const cat = (s: number) => (s < 50 ? "D" : s < 70 ? "L" : s < 90 ? "M" : "H");
        assertEquals(conf.confidenceCategory, conf.confidenceScore.map(cat));
      }
      // The PAE file in the AlphaFold DB's format: ours and numpy read an L×L matrix.
      const paeFile = `${rec}/pae_${names[1]}.json`;
      const pae = parseAfdbPae(await Deno.readTextFile(paeFile), paeFile);
      assertEquals(pae.length, seq.length);
      assertEquals(pae.max, 31.75);
      const py = pythonWith(["numpy", "gemmi"]);
      if (py) {
        const out = await runPython(
          py,
          `import json, sys, numpy as np, gemmi
entry = json.load(open(sys.argv[1]))[0]
m = np.array(entry["predicted_aligned_error"], dtype=float)
assert m.ndim == 2 and m.shape[0] == m.shape[1], m.shape
assert 0 <= m.min() and m.max() <= entry["max_predicted_aligned_error"]
st = gemmi.read_structure(sys.argv[2])
print(m.shape[0], len(st[0][0]), st[0][0][1]["CA"][0].b_iso)`,
          [paeFile, `${rec}/ranked_0.cif`],
        );
        const [n, residues, b] = out.trim().split(" ").map(Number);
        assertEquals([n, residues], [seq.length, seq.length]);
        const conf = JSON.parse(
          await Deno.readTextFile(`${rec}/confidence_${ranking.order[0]}.json`),
        );
        assertAlmostEquals(b, conf.confidenceScore[1], 0.01);
      }
      const timings = JSON.parse(await Deno.readTextFile(`${rec}/timings.json`));
      assert(timings.features >= 0 && timings[`predict_and_compile_${names[0]}`] > 0, timings);
    }

    // The same request again: the finished folders are skipped, nothing rewritten.
    const before = Deno.statSync(`${dir}/out/first/ranked_0.pdb`).mtime;
    const again = await predict([...common, "--out-dir", `${dir}/out`]);
    assertEquals(again.code, 0, again.stderr);
    assert(again.stderr.includes("first: already predicted"), again.stderr);
    assertEquals(Deno.statSync(`${dir}/out/first/ranked_0.pdb`).mtime, before);
    // Another run's results are not written over without --overwrite.
    const other = await predict([...common, "--recycles", "0", "--out-dir", `${dir}/out`]);
    assertEquals(other.code, 2, other.stderr);
    assert(other.stderr.includes("already holds another run's results"), other.stderr);
    assertEquals(Deno.statSync(`${dir}/out/first/ranked_0.pdb`).mtime, before);
    await Deno.mkdir(`${dir}/foreign/first`, { recursive: true });
    await Deno.writeTextFile(`${dir}/foreign/first/notes.txt`, "mine\n");
    const foreign = await predict([...common, "--out-dir", `${dir}/foreign`]);
    assertEquals(foreign.code, 2, foreign.stderr);
    assert(foreign.stderr.includes("files of something else"), foreign.stderr);
    const forced = await predict([
      ...common,
      "--recycles",
      "0",
      "--out-dir",
      `${dir}/out`,
      "--overwrite",
      "--rank",
      "plddt",
    ]);
    assertEquals(forced.code, 0, forced.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("predict: pTM ranking needs trained TM heads; memory that does not fit is refused up front", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const a = await checkpoint(`${dir}/a`, { preset: "tiny" }, 1);
    await Deno.writeTextFile(`${dir}/q.fasta`, ">q\nMKTAYIAKQRQISFVKSHFSRQ\n");
    const base = ["--fasta", `${dir}/q.fasta`, "--models", a, "--out-dir", `${dir}/out`];
    const ptm = await predict([...base, "--rank", "ptm"]);
    assertEquals(ptm.code, 2, ptm.stderr);
    assert(ptm.stderr.trim().split("\n").length === 1, ptm.stderr);
    assert(ptm.stderr.includes("pTM is not available for ckpt-00000000"), ptm.stderr);
    const small = await predict([...base, "--memory", "0.01"]);
    assertEquals(small.code, 2, small.stderr);
    assert(
      /q: 22 residues need about [\d.]+ MiB .*10\.2 MiB is available/.test(small.stderr),
      small.stderr,
    );
    assertEquals([...Deno.readDirSync(dir)].some((e) => e.name === "out"), false);
    // --out takes one record.
    await Deno.writeTextFile(`${dir}/two.fasta`, ">x\nMKV\n>y\nGSH\n");
    const one = await predict(["--fasta", `${dir}/two.fasta`, "--out", `${dir}/o.pdb`]);
    assertEquals(one.code, 2);
    assert(one.stderr.includes("--out writes one structure but --fasta holds 2 records"));
    await Deno.writeTextFile(`${dir}/dup.fasta`, ">x a\nMKV\n>x b\nGSH\n");
    const d = await predict(["--fasta", `${dir}/dup.fasta`, "--out-dir", `${dir}/o`]);
    assertEquals(d.code, 2);
    assert(d.stderr.includes(`dup.fasta:3: record id "x" is also the id of`), d.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("predict --msa-dir: a record with alignments in DIR/<id>/ uses them, one without is single sequence", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const a = await checkpoint(`${dir}/a`, { preset: "tiny" }, 1);
    const query = (await readA3m(`${ALIGNMENTS}/2crb_A/bfd_uniclust_hits.a3m.gz`)).sequences[0];
    await Deno.writeTextFile(`${dir}/q.fasta`, `>2crb_A\n${query}\n>lonely\nMKTAYIAKQRQ\n`);
    const r = await predict([
      "--fasta",
      dir, // a directory of FASTA files
      "--msa-dir",
      ALIGNMENTS,
      "--models",
      a,
      "--recycles",
      "0",
      "--msa-clusters",
      "4",
      "--extra-msa",
      "8",
      "--out-dir",
      `${dir}/out`,
    ]);
    assertEquals(r.code, 0, r.stderr);
    assert(
      r.stderr.includes(`no alignments in ${ALIGNMENTS} for lonely: single sequence`),
      r.stderr,
    );
    const request = (id: string) =>
      JSON.parse(Deno.readTextFileSync(`${dir}/out/${id}/request.json`));
    const rows = request("2crb_A").msa_rows as number[];
    assert(rows.length === 3 && rows.every((n) => n > 1), `${rows}`);
    assertEquals(request("lonely").msa_rows, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
