/**
 * Issue 9: every CLI (train, predict, analyze, msa, parity, notebooks,
 * figures_png, bench, readme_table; all on train/cli/kit.ts) answers misuse —
 * unknown flags, wrong types, missing files, unreadable directories, lengths
 * above the maximum, sequences with non-amino-acid letters — with ONE line on
 * stderr naming the problem and exit code 2, without a stack trace; `--debug`
 * adds the stack. A failed run is one line and exit code 1; `--help` is a
 * clean usage text and exit code 0.
 *
 * Unreadable directories: the tests run as root here, where chmod 000 does not
 * stop reads. As root the directory is made unreadable with Deno's own
 * sandbox (`--deny-read=DIR`, the same failure path: the read throws before
 * any data arrives); as another user it is chmod 000.
 */
import { assert, assertEquals } from "../assert.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const CLIS = {
  train: `${ROOT}train/cli/train.ts`,
  predict: `${ROOT}train/cli/predict.ts`,
  analyze: `${ROOT}train/cli/analyze.ts`,
  msa: `${ROOT}train/cli/msa.ts`,
  parity: `${ROOT}train/cli/parity.ts`,
  notebooks: `${ROOT}notebooks/run.ts`,
  figures_png: `${ROOT}notebooks/figures_png.ts`,
  bench: `${ROOT}bench/run.ts`,
  readme_table: `${ROOT}bench/readme_table.ts`,
} as const;
type Cli = keyof typeof CLIS;

const AS_ROOT = Deno.uid() === 0;

interface Case {
  cli: Cli;
  what: string;
  args: string[];
  /** The one stderr line must contain this. */
  want: string | RegExp;
  /** A directory to make unreadable for this run. */
  unreadable?: string;
}

async function run(c: Case, debug = false, env?: Record<string, string>) {
  const deny = c.unreadable && AS_ROOT ? [`--deny-read=${c.unreadable}`] : [];
  if (c.unreadable && !AS_ROOT) await Deno.chmod(c.unreadable, 0o000);
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", ...deny, CLIS[c.cli], ...c.args, ...(debug ? ["--debug"] : [])],
      stdout: "piped",
      stderr: "piped",
      cwd: ROOT,
      env,
    }).output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } finally {
    if (c.unreadable && !AS_ROOT) await Deno.chmod(c.unreadable, 0o755);
  }
}

/** Run cases two at a time (2 cores); each process only parses and refuses. */
async function runAll(cases: Case[], debug = false) {
  const results: { code: number; stdout: string; stderr: string }[] = new Array(cases.length);
  let next = 0;
  await Promise.all([0, 1].map(async () => {
    while (next < cases.length) {
      const i = next++;
      results[i] = await run(cases[i], debug);
    }
  }));
  return results;
}

async function fixtures() {
  const dir = await Deno.makeTempDir({ prefix: "denofold_misuse_" });
  await Deno.writeTextFile(`${dir}/ok.fasta`, ">q1\nMKVLAAGIVGLLLAG\n");
  await Deno.writeTextFile(`${dir}/bad_letter.fasta`, ">q1\nMKVLAJGIV\n");
  await Deno.writeTextFile(`${dir}/long.fasta`, `>q1\n${"A".repeat(4001)}\n`);
  await Deno.writeTextFile(`${dir}/very_long.fasta`, `>q1\n${"A".repeat(10_001)}\n`);
  await Deno.writeTextFile(`${dir}/db.fasta`, ">d1\nMKVLAAGIVG\n");
  await Deno.writeTextFile(`${dir}/unknown_key.json`, JSON.stringify({ stepz: 3 }));
  await Deno.writeTextFile(`${dir}/wrong_type.json`, JSON.stringify({ steps: "many" }));
  await Deno.writeTextFile(`${dir}/not_json.json`, "{ steps: 3");
  await Deno.writeTextFile(`${dir}/notes.txt`, "not a fixture\n");
  const locked = `${dir}/locked`;
  await Deno.mkdir(locked);
  await Deno.writeTextFile(`${locked}/q.fasta`, ">q1\nMKVLAAGIVG\n");
  await Deno.writeTextFile(`${locked}/x.pdb`, "ATOM\n");
  await Deno.writeTextFile(`${dir}/nb.ipynb`, executedNotebook());
  return { dir, locked };
}

/** An executed notebook with one plotly figure (what figures_png draws). */
function executedNotebook(): string {
  const figure = { data: [{ type: "scatter", x: [1, 2], y: [3, 4] }], layout: {} };
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "deno" } },
    cells: [{
      cell_type: "code",
      metadata: {},
      source: "await show(f);",
      outputs: [{
        output_type: "display_data",
        metadata: {},
        data: { "application/vnd.plotly.v1+json": figure },
      }],
    }],
  });
}

Deno.test("every CLI: misuse is one line naming the problem, exit code 2, no stack trace", async () => {
  const { dir, locked } = await fixtures();
  const out = `${dir}/o.pdb`;
  const cases: Case[] = [
    // train
    { cli: "train", what: "unknown flag", args: ["--bogus"], want: "Unknown option '--bogus'" },
    {
      cli: "train",
      what: "wrong type",
      args: ["--steps", "ten"],
      want: '--steps: must be an integer, got "ten"',
    },
    { cli: "train", what: "out of range", args: ["--crop", "0"], want: "config field crop" },
    {
      cli: "train",
      what: "missing config file",
      args: ["--config", `${dir}/none.json`],
      want: `--config: no such file ${dir}/none.json`,
    },
    {
      cli: "train",
      what: "config: unknown field",
      args: ["--config", `${dir}/unknown_key.json`],
      want: /config field .*stepz/,
    },
    {
      cli: "train",
      what: "config: wrong type",
      args: ["--config", `${dir}/wrong_type.json`],
      want: "config field steps",
    },
    {
      cli: "train",
      what: "config: not JSON",
      args: ["--config", `${dir}/not_json.json`],
      want: `${dir}/not_json.json:1: not JSON`,
    },
    {
      cli: "train",
      what: "unknown preset",
      args: ["--preset", "huge"],
      want: 'unknown preset "huge"',
    },
    {
      cli: "train",
      what: "missing data directory",
      args: ["--data", `${dir}/nodata`],
      want: `--data: no such directory ${dir}/nodata`,
    },
    {
      cli: "train",
      what: "unreadable data directory",
      args: ["--data", locked],
      want: `--data: cannot read ${locked}`,
      unreadable: locked,
    },
    // predict
    { cli: "predict", what: "unknown flag", args: ["--wat"], want: "Unknown option '--wat'" },
    {
      cli: "predict",
      what: "wrong type",
      args: ["--fasta", `${dir}/ok.fasta`, "--out", out, "--recycles", "three"],
      want: "--recycles",
    },
    { cli: "predict", what: "missing --fasta", args: ["--out", out], want: "--fasta" },
    {
      cli: "predict",
      what: "missing file",
      args: ["--fasta", `${dir}/none.fasta`, "--out", out],
      want: `--fasta: no such file or directory ${dir}/none.fasta`,
    },
    {
      cli: "predict",
      what: "missing MSA file",
      args: ["--fasta", `${dir}/ok.fasta`, "--msa", `${dir}/none.a3m`, "--out", out],
      want: `--msa: no such file ${dir}/none.a3m`,
    },
    {
      cli: "predict",
      what: "unreadable directory",
      args: ["--fasta", `${locked}/q.fasta`, "--out", out],
      want: `cannot read ${locked}/q.fasta`,
      unreadable: locked,
    },
    {
      cli: "predict",
      what: "non-amino-acid letter",
      args: ["--fasta", `${dir}/bad_letter.fasta`, "--out", out],
      want: "'J' at residue 6 is not an amino acid",
    },
    {
      cli: "predict",
      what: "length above the maximum",
      args: ["--fasta", `${dir}/long.fasta`, "--out", out],
      want: "4001 residues is above the maximum 4000",
    },
    {
      cli: "predict",
      what: "bad output name",
      args: ["--fasta", `${dir}/ok.fasta`, "--out", `${dir}/o.txt`],
      want: "--out: must end in .pdb or .cif",
    },
    {
      cli: "predict",
      what: "templates without the alignment directories holding the hits",
      args: ["--fasta", `${dir}/ok.fasta`, "--templates", dir, "--out", out],
      want: "--templates needs --msa-dir",
    },
    {
      cli: "predict",
      what: "bad template date",
      args: [
        "--fasta",
        `${dir}/ok.fasta`,
        "--msa-dir",
        dir,
        "--templates",
        dir,
        "--max-template-date",
        "2020-1-1",
        "--out",
        out,
      ],
      want: "--max-template-date: must be YYYY-MM-DD",
    },
    // analyze
    { cli: "analyze", what: "unknown flag", args: ["dssp", "--nope"], want: "'--nope'" },
    { cli: "analyze", what: "no command", args: [], want: "no command given" },
    {
      cli: "analyze",
      what: "unknown command",
      args: ["frobnicate", "x"],
      want: 'unknown command "frobnicate"',
    },
    {
      cli: "analyze",
      what: "wrong arity",
      args: ["tmscore", `${dir}/a.pdb`],
      want: "takes exactly two files",
    },
    {
      cli: "analyze",
      what: "flag of another command",
      args: ["rmsd", "a.pdb", "b.pdb", "--chain", "A"],
      want: "--chain: applies to dssp only",
    },
    {
      cli: "analyze",
      what: "missing file",
      args: ["dssp", `${dir}/none.pdb`],
      want: `${dir}/none.pdb`,
    },
    {
      cli: "analyze",
      what: "unreadable directory",
      args: ["dssp", `${locked}/x.pdb`],
      want: `${locked}/x.pdb`,
      unreadable: locked,
    },
    {
      cli: "analyze",
      what: "dynamics: missing run dir",
      args: ["dynamics", `${dir}/norun`],
      want: `no such directory ${dir}/norun`,
    },
    // msa
    { cli: "msa", what: "unknown flag", args: ["--bogus"], want: "'--bogus'" },
    {
      cli: "msa",
      what: "wrong type",
      args: ["--fasta", `${dir}/ok.fasta`, "--db", `${dir}/db.fasta`, "--out", dir, "--cpu", "x"],
      want: '--cpu: must be an integer, got "x"',
    },
    {
      cli: "msa",
      what: "missing flag",
      args: ["--db", `${dir}/db.fasta`, "--out", dir],
      want: "--fasta is required",
    },
    {
      cli: "msa",
      what: "missing file",
      args: ["--fasta", `${dir}/none.fasta`, "--db", `${dir}/db.fasta`, "--out", dir],
      want: `--fasta: no such file ${dir}/none.fasta`,
    },
    {
      cli: "msa",
      what: "unreadable directory",
      args: ["--fasta", `${locked}/q.fasta`, "--db", `${dir}/db.fasta`, "--out", dir],
      want: `--fasta: cannot read ${locked}/q.fasta`,
      unreadable: locked,
    },
    {
      cli: "msa",
      what: "non-amino-acid letter",
      args: ["--fasta", `${dir}/bad_letter.fasta`, "--db", `${dir}/db.fasta`, "--out", `${dir}/m`],
      want: `${dir}/bad_letter.fasta:1: q1: 'J' at residue 6 is not an amino acid`,
    },
    {
      cli: "msa",
      what: "length above the maximum",
      args: ["--fasta", `${dir}/very_long.fasta`, "--db", `${dir}/db.fasta`, "--out", `${dir}/m`],
      want: "10001 residues is above the maximum 10000",
    },
    // parity
    { cli: "parity", what: "unknown flag", args: ["--fast"], want: "'--fast'" },
    {
      cli: "parity",
      what: "missing file",
      args: [`${dir}/none.npz`],
      want: `no such file or directory ${dir}/none.npz`,
    },
    { cli: "parity", what: "empty path", args: [""], want: "an empty path is not a fixture" },
    {
      cli: "parity",
      what: "unreadable directory",
      args: [locked],
      want: `cannot read ${locked}`,
      unreadable: locked,
    },
    {
      cli: "parity",
      what: "wrong type (a boolean flag given a value)",
      args: ["--help=yes"],
      want: "--help",
    },
    // notebooks
    { cli: "notebooks", what: "unknown flag", args: ["--bogus"], want: "Unknown option '--bogus'" },
    {
      cli: "notebooks",
      what: "wrong type",
      args: ["--timeout", "abc"],
      want: '--timeout: must be an integer, got "abc"',
    },
    {
      cli: "notebooks",
      what: "missing data directory",
      args: ["--data", `${dir}/nodata`],
      want: `--data: no such directory ${dir}/nodata`,
    },
    {
      cli: "notebooks",
      what: "unknown notebook",
      args: ["--only", "nosuch", "--out", `${dir}/nb`],
      want: "--only nosuch: no notebook nosuch.ipynb",
    },
    // figures_png
    { cli: "figures_png", what: "unknown flag", args: ["--bogus"], want: "'--bogus'" },
    {
      cli: "figures_png",
      what: "no notebook",
      args: [],
      want: "give one executed notebook (.ipynb)",
    },
    {
      cli: "figures_png",
      what: "missing file",
      args: [`${dir}/none.ipynb`],
      want: `no such file ${dir}/none.ipynb`,
    },
    {
      cli: "figures_png",
      what: "out of range",
      args: [`${dir}/nb.ipynb`, "--width", "10"],
      want: '--width: must be at least 50, got "10"',
    },
    {
      cli: "figures_png",
      what: "malformed notebook",
      args: [`${dir}/notes.txt`],
      want: `${dir}/notes.txt: not JSON`,
    },
    // bench (refused before any section runs)
    { cli: "bench", what: "unknown flag", args: ["--fast"], want: "Unknown option '--fast'" },
    {
      cli: "bench",
      what: "unknown section",
      args: ["--only", "nosuch"],
      want: '--only: unknown bench section "nosuch"',
    },
    // readme_table
    {
      cli: "readme_table",
      what: "missing file",
      args: [`${dir}/none.json`],
      want: `no such file ${dir}/none.json`,
    },
    {
      cli: "readme_table",
      what: "malformed file",
      args: [`${dir}/not_json.json`],
      want: `${dir}/not_json.json:1: not JSON`,
    },
  ];
  const results = await runAll(cases);
  const failures: string[] = [];
  cases.forEach((c, i) => {
    const { code, stderr } = results[i];
    const lines = stderr.split("\n").filter((l) => l.trim() && !/^(Download|Warning) /.test(l));
    const line = lines[0] ?? "";
    const named = typeof c.want === "string" ? line.includes(c.want) : c.want.test(line);
    const ok = code === 2 && lines.length === 1 && line.startsWith(`${c.cli}`) && named &&
      !stderr.includes("    at ");
    if (!ok) failures.push(`${c.cli} ${c.what}: exit ${code}, stderr:\n${stderr}`);
  });
  assertEquals(failures, [], failures.join("\n---\n"));
  console.log(`${cases.length} misuse cases across ${new Set(cases.map((c) => c.cli)).size} CLIs`);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("every CLI: --debug adds the stack trace to the same exit code 2", async () => {
  const cases: Case[] = (Object.keys(CLIS) as Cli[])
    .map((
      cli,
    ) => ({ cli, what: "unknown flag", args: ["--no-such-flag"], want: "--no-such-flag" }));
  const results = await runAll(cases, true);
  cases.forEach((c, i) => {
    assertEquals(results[i].code, 2, `${c.cli}: ${results[i].stderr}`);
    assert(/\n\s+at /.test(results[i].stderr), `${c.cli}: no stack with --debug`);
    // The one line comes first, as without --debug.
    assert(results[i].stderr.startsWith(`${c.cli}: Unknown option`), results[i].stderr);
  });
});

Deno.test("every CLI: --help and -h print a clean usage text and exit 0", async () => {
  const cases: Case[] = [
    ...(Object.keys(CLIS) as Cli[]).flatMap((cli) => [
      { cli, what: "--help", args: ["--help"], want: "" },
      { cli, what: "-h", args: ["-h"], want: "" },
    ]),
    // Subcommands and other flags: --help wins over missing required flags.
    { cli: "analyze", what: "dynamics --help", args: ["dynamics", "--help"], want: "RUN_DIR" },
    {
      cli: "predict",
      what: "--help without --fasta",
      args: ["--out", "x.pdb", "--help"],
      want: "",
    },
  ];
  const results = await runAll(cases);
  const failures: string[] = [];
  cases.forEach((c, i) => {
    const { code, stdout, stderr } = results[i];
    const problems = [
      code !== 0 && `exit ${code}`,
      stderr.trim() !== "" && "output on stderr",
      !stdout.startsWith("usage: ") && "does not start with usage:",
      !stdout.includes(c.want as string) && `no ${c.want}`,
      !/\nflags:\n[^]*--help[^]*--debug/.test(stdout) && "no flags list with --help and --debug",
      !/\nexit codes:\n {2}0 [^\n]+\n {2}1 [^\n]+\n {2}2 /.test(stdout) && "no exit codes",
      /\*|@module|\/\*\*|\{@link/.test(stdout) && "JSDoc markup",
    ].filter(Boolean);
    if (problems.length) {
      failures.push(`${c.cli} ${c.what}: ${problems.join(", ")}\n${stdout}${stderr}`);
    }
  });
  assertEquals(failures, [], failures.join("\n---\n"));
});

Deno.test("a failed run is one line and exit code 1; --debug adds the stack", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denofold_runfail_" });
  try {
    // A run directory held by a live process (this test): the trainer refuses.
    const runDir = `${dir}/run`;
    await Deno.mkdir(runDir);
    await Deno.writeTextFile(`${runDir}/LOCK`, `${Deno.pid}\n`);
    await Deno.writeTextFile(`${dir}/q.fa`, ">x_A\nMKV\n");
    await Deno.writeTextFile(`${dir}/db.fa`, ">y\nMKV\n");
    await Deno.writeTextFile(`${dir}/nb.ipynb`, executedNotebook());
    // No jupyter and no chromium on this PATH: the tools are missing.
    const noTools = { PATH: `${dir}/empty` };
    const cases: [Case, Record<string, string>?][] = [
      [{
        cli: "train",
        what: "run directory in use",
        args: ["--out", runDir, "--quiet"],
        want: `train: run directory ${runDir} is in use by process ${Deno.pid}`,
      }],
      [{
        cli: "msa",
        what: "hhblits missing",
        args: [
          ...["--fasta", `${dir}/q.fa`, "--db", `${dir}/db.fa`, "--out", `${dir}/o`],
          ...["--hhsuite-db", `${dir}/db`, "--hhblits-binary", `${dir}/none`],
        ],
        want: `msa: hhsuite: ${dir}/none not found`,
      }],
      [{
        cli: "notebooks",
        what: "jupyter missing",
        args: ["--only", "quickstart", "--out", `${dir}/nb`],
        want: "notebooks: jupyter nbconvert not found",
      }, noTools],
      [{
        cli: "figures_png",
        what: "chromium missing",
        args: [`${dir}/nb.ipynb`, "--out", `${dir}/png`],
        want: "figures_png: chromium not found",
      }, noTools],
    ];
    for (const debug of [false, true]) {
      const results: Awaited<ReturnType<typeof run>>[] = [];
      for (const [c, env] of cases) results.push(await run(c, debug, env));
      cases.forEach(([c], i) => {
        const { code, stderr } = results[i];
        const lines = stderr.split("\n").filter((l) => l.trim() && !/^(Download|Warning) /.test(l));
        assertEquals(code, 1, `${c.cli} ${c.what}: ${stderr}`);
        assert(lines[0].startsWith(c.want as string), `${c.cli} ${c.what}: ${stderr}`);
        if (debug) assert(/\n\s+at /.test(stderr), `${c.cli}: no stack with --debug`);
        else assertEquals(lines.length, 1, `${c.cli} ${c.what}: ${stderr}`);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
