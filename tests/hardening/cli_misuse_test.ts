/**
 * Issue 9: every CLI (train, predict, analyze, msa, parity, notebooks) answers
 * misuse — unknown flags, wrong types, missing files, unreadable directories,
 * lengths above the maximum, sequences with non-amino-acid letters — with ONE
 * line on stderr naming the problem and exit code 2, without a stack trace;
 * `--debug` adds the stack.
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

async function run(c: Case, debug = false) {
  const deny = c.unreadable && AS_ROOT ? [`--deny-read=${c.unreadable}`] : [];
  if (c.unreadable && !AS_ROOT) await Deno.chmod(c.unreadable, 0o000);
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", ...deny, CLIS[c.cli], ...c.args, ...(debug ? ["--debug"] : [])],
      stdout: "piped",
      stderr: "piped",
      cwd: ROOT,
    }).output();
    return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
  } finally {
    if (c.unreadable && !AS_ROOT) await Deno.chmod(c.unreadable, 0o755);
  }
}

/** Run cases two at a time (2 cores); each process only parses and refuses. */
async function runAll(cases: Case[], debug = false) {
  const results: { code: number; stderr: string }[] = new Array(cases.length);
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
  return { dir, locked };
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
      want: "--steps must be an integer",
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
      want: `--config ${dir}/not_json.json`,
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
      want: `--data: cannot read directory ${locked}`,
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
      want: `no such file: ${dir}/none.fasta`,
    },
    {
      cli: "predict",
      what: "missing MSA file",
      args: ["--fasta", `${dir}/ok.fasta`, "--msa", `${dir}/none.a3m`, "--out", out],
      want: `no such file: ${dir}/none.a3m`,
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
      want: "--chain applies to dssp only",
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
      want: `run directory ${dir}/norun not found`,
    },
    // msa
    { cli: "msa", what: "unknown flag", args: ["--bogus"], want: "'--bogus'" },
    {
      cli: "msa",
      what: "wrong type",
      args: ["--fasta", `${dir}/ok.fasta`, "--db", `${dir}/db.fasta`, "--out", dir, "--cpu", "x"],
      want: '--cpu "x"',
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
      want: `--fasta: cannot read ${dir}/none.fasta`,
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
      want: `no such file or directory: ${dir}/none.npz`,
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
      want: '--timeout must be a positive integer (seconds), got "abc"',
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
  const cases: Case[] = (["train", "predict", "analyze", "msa", "parity", "notebooks"] as Cli[])
    .map((
      cli,
    ) => ({ cli, what: "unknown flag", args: ["--no-such-flag"], want: "--no-such-flag" }));
  const results = await runAll(cases, true);
  cases.forEach((c, i) => {
    assertEquals(results[i].code, 2, `${c.cli}: ${results[i].stderr}`);
    assert(/\n\s+at /.test(results[i].stderr), `${c.cli}: no stack with --debug`);
  });
});
