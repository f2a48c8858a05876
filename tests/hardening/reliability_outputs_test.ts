/**
 * Issue 19, "no output ever replaces something the user did not name": every
 * command checks where it will write before any work — an output that is an
 * input (by path, symbolic link or hard link), two outputs that are one file,
 * a report over a run's own files, a file where a directory goes and the
 * reverse, a parent that is a file, an empty path, a fresh training run into a
 * directory holding an earlier run's files. Each case asserts the exit code
 * (2), the one line, and that every pre-existing file is byte-identical.
 */
import {
  assertOneLine,
  assertUnchanged,
  pool,
  ROOT,
  runCli,
  snapshot,
  tinyCheckpoint,
} from "./reliability_harness.ts";
import type { Cli } from "./reliability_harness.ts";

interface Case {
  what: string;
  cli: Cli;
  args: string[];
  want: string | RegExp;
  /** Directories (besides the fixture) that must stay byte-identical. */
  also?: string[];
}

async function fixture(dir: string) {
  const run = `${dir}/run`;
  const ckpt = await tinyCheckpoint(run);
  await Deno.writeTextFile(`${run}/config.json`, '{"preset": "tiny"}\n');
  await Deno.writeTextFile(`${run}/metrics.jsonl`, '{"step": 1, "loss": 3}\n');
  await Deno.writeTextFile(`${run}/report.html`, "<html>the run's report</html>\n");
  await Deno.mkdir(`${run}/snapshots`);
  await Deno.writeTextFile(`${run}/snapshots/probes.json`, '{"probes": []}\n');
  await Deno.writeTextFile(`${dir}/notes.txt`, "a file where a directory goes\n");
  await Deno.symlink(`${run}/metrics.jsonl`, `${dir}/alias.html`);
  await Deno.link(`${run}/metrics.jsonl`, `${dir}/hard.html`);
  // A checkpoint whose sidecar is named like eval's summary: eval --out over it.
  await tinyCheckpoint(`${dir}/evalrun`);
  await Deno.rename(`${dir}/evalrun/ckpt-00000005.json`, `${dir}/evalrun/summary.json`);
  // An earlier run that never reached its first checkpoint.
  await Deno.mkdir(`${dir}/killed`);
  await Deno.writeTextFile(`${dir}/killed/config.json`, '{"preset": "tiny", "steps": 40}\n');
  await Deno.writeTextFile(`${dir}/killed/metrics.jsonl`, '{"step": 1}\n{"step": 2}\n');
  await Deno.mkdir(`${dir}/data`);
  await Deno.writeTextFile(`${dir}/q.fasta`, ">q1\nMKVLAAGIVG\n");
  await Deno.mkdir(`${dir}/aln/q1`, { recursive: true });
  await Deno.writeTextFile(`${dir}/aln/q1/uniref90_hits.sto`, ">d1\nMKVLAAGIVG\n");
  await Deno.writeTextFile(
    `${dir}/nb.ipynb`,
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [{
        cell_type: "code",
        metadata: {},
        source: "1",
        outputs: [{
          output_type: "display_data",
          metadata: {},
          data: { "application/vnd.plotly.v1+json": { data: [], layout: { title: "t" } } },
        }],
      }],
    }),
  );
  return { run, ckpt };
}

Deno.test("no output replaces what the user did not name: refused before any work, exit 2, one line, every file byte-identical", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denofold_outputs_" });
  try {
    const { run, ckpt } = await fixture(dir);
    const cases: Case[] = [
      {
        what: "dynamics report over the run's metrics.jsonl",
        cli: "analyze",
        args: ["dynamics", run, "--out", `${run}/metrics.jsonl`],
        want: /^analyze dynamics: --out: .*metrics\.jsonl is the input RUN_DIR's metrics\.jsonl/,
      },
      {
        what: "dynamics report over the run's own report.html",
        cli: "analyze",
        args: ["dynamics", run, "--out", `${run}/report.html`],
        want: `--out: ${run}/report.html is the run ${run}'s own report.html; name another file`,
      },
      {
        what: "dynamics JSON over the run's config.json",
        cli: "analyze",
        args: ["dynamics", run, "--json", `${run}/config.json`],
        want: `--json: ${run}/config.json is the run ${run}'s own config.json`,
      },
      {
        what: "dynamics report over a snapshot",
        cli: "analyze",
        args: ["dynamics", run, "--out", `${run}/snapshots/step_00000001.json.gz`],
        want: `is the run ${run}'s own snapshots/step_00000001.json.gz`,
      },
      {
        what: "dynamics of one run writing its JSON over another run's report",
        cli: "analyze",
        args: ["dynamics", `${dir}/killed`, "--json", `${run}/report.html`],
        want: `--json: ${run}/report.html is the run ${run}'s own report.html`,
      },
      {
        what: "dynamics report over another run's checkpoint sidecar",
        cli: "analyze",
        args: ["dynamics", `${dir}/killed`, "--out", ckpt],
        want: `--out: ${ckpt} is the run ${run}'s own ckpt-00000005.json`,
      },
      {
        what: "dynamics report through a symbolic link to metrics.jsonl",
        cli: "analyze",
        args: ["dynamics", run, "--out", `${dir}/alias.html`],
        want: /--out: .*alias\.html is the input RUN_DIR's metrics\.jsonl/,
      },
      {
        what: "dynamics report onto a hard link of metrics.jsonl",
        cli: "analyze",
        args: ["dynamics", run, "--out", `${dir}/hard.html`],
        want: /--out: .*hard\.html is the input RUN_DIR's metrics\.jsonl/,
      },
      {
        what: "dynamics --json the same file as --out",
        cli: "analyze",
        args: ["dynamics", run, "--out", `${dir}/r.html`, "--json", `${dir}/./r.html`],
        want: `--json: ${dir}/./r.html is also --out`,
      },
      {
        what: "dynamics --out a directory",
        cli: "analyze",
        args: ["dynamics", run, "--out", run],
        want: `--out: ${run} is a directory, not a file`,
      },
      {
        what: "dynamics --out under a file",
        cli: "analyze",
        args: ["dynamics", run, "--out", `${dir}/notes.txt/r.html`],
        want: `--out: ${dir}/notes.txt is not a directory`,
      },
      {
        what: "dynamics --out empty",
        cli: "analyze",
        args: ["dynamics", run, "--out", ""],
        want: "analyze dynamics: --out: must not be empty",
      },
      {
        what: "eval --out whose summary.json is the checkpoint",
        cli: "eval",
        args: [
          "--checkpoint",
          `${dir}/evalrun/summary.json`,
          "--data",
          `${dir}/data`,
          "--out",
          `${dir}/evalrun`,
        ],
        want: `eval: --out: ${dir}/evalrun/summary.json is the input --checkpoint`,
      },
      {
        what: "eval --out a file",
        cli: "eval",
        args: ["--checkpoint", ckpt, "--data", `${dir}/data`, "--out", `${dir}/notes.txt`],
        want: `eval: --out: ${dir}/notes.txt is a file, not a directory`,
      },
      {
        what: "eval --out the data root",
        cli: "eval",
        args: ["--checkpoint", ckpt, "--data", `${dir}/data`, "--out", `${dir}/data/`],
        want: `eval: --out: ${dir}/data/ is the input --data; name another directory`,
      },
      {
        what: "train --out a file",
        cli: "train",
        args: ["--out", `${dir}/notes.txt`, "--quiet"],
        want: `train: --out: ${dir}/notes.txt is a file, not a directory`,
      },
      {
        what: "train --out the data root",
        cli: "train",
        args: ["--data", `${dir}/data`, "--out", `${dir}/data`, "--quiet"],
        want: `train: --out: ${dir}/data is the input --data`,
      },
      {
        what: "train --out a run's LOCK (a directory there would block its trainer)",
        cli: "train",
        args: ["--data", `${dir}/data`, "--out", `${run}/LOCK`, "--quiet"],
        want: `train: --out: ${run}/LOCK is the run ${run}'s own LOCK; name another directory`,
      },
      {
        what: "eval --out a run's snapshots directory",
        cli: "eval",
        args: ["--checkpoint", ckpt, "--data", `${dir}/data`, "--out", `${run}/snapshots`],
        want: `eval: --out: ${run}/snapshots is the run ${run}'s own snapshots; name another`,
      },
      {
        what: "train --out blank",
        cli: "train",
        args: ["--out", "  ", "--quiet"],
        want: "train: --out: an empty path",
      },
      {
        what: "a new run into an earlier run's directory without a checkpoint",
        cli: "train",
        args: ["--out", `${dir}/killed`, "--steps", "3", "--quiet"],
        want: `train: ${dir}/killed holds config.json and metrics.jsonl but no checkpoint; ` +
          "train into another --out, or remove them to start over",
      },
      {
        what: "notebooks --out the notebook folder itself",
        cli: "notebooks",
        args: ["--only", "quickstart", "--out", `${ROOT}notebooks`],
        want: `notebooks: --out: ${ROOT}notebooks is the input notebook folder`,
        also: [`${ROOT}notebooks`],
      },
      {
        what: "figures_png --out a file",
        cli: "figures_png",
        args: [`${dir}/nb.ipynb`, "--out", `${dir}/notes.txt`],
        want: `figures_png: --out: ${dir}/notes.txt is a file, not a directory`,
      },
      {
        what: "figures_png --out through the notebook",
        cli: "figures_png",
        args: [`${dir}/nb.ipynb`, "--out", `${dir}/nb.ipynb/x`],
        want: `figures_png: --out: ${dir}/nb.ipynb is not a directory`,
      },
      {
        what: "msa --out whose alignment is the --db",
        cli: "msa",
        args: [
          ...["--fasta", `${dir}/q.fasta`, "--db", `${dir}/aln/q1/uniref90_hits.sto`],
          ...["--out", `${dir}/aln`, "--jackhmmer-binary", `${dir}/none`],
        ],
        want: `msa: --out: ${dir}/aln/q1/uniref90_hits.sto is the input --db`,
      },
      {
        what: "msa --out a file",
        cli: "msa",
        args: [
          ...["--fasta", `${dir}/q.fasta`, "--db", `${dir}/q.fasta`, "--out", `${dir}/notes.txt`],
          ...["--jackhmmer-binary", `${dir}/none`],
        ],
        want: `msa: --out: ${dir}/notes.txt is a file, not a directory`,
      },
    ];
    const before = await snapshot(dir);
    const alsoBefore = new Map<string, Awaited<ReturnType<typeof snapshot>>>();
    for (const c of cases) {
      for (const d of c.also ?? []) alsoBefore.set(d, await snapshot(d));
    }
    const results = await pool(cases.map((c) => () => runCli(c.cli, c.args)));
    for (const [i, c] of cases.entries()) assertOneLine(results[i], 2, c.want, c.what);
    assertUnchanged(before, await snapshot(dir), "the fixture");
    for (const [d, t] of alsoBefore) assertUnchanged(t, await snapshot(d), d);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
