/**
 * Shared pieces of the issue 19 reliability tests: run a CLI as its own
 * process with a timeout, read its one stderr line, and snapshot a directory
 * tree so a test can say that every pre-existing file is byte-identical
 * afterwards (and which new paths, if any, the command was asked to write).
 */
import { initialState } from "../../train/step.ts";
import { saveCheckpoint } from "../../model/checkpoint.ts";
import { modelParamSpecs } from "../../model/params.ts";
import { initParams } from "../../model/nn/init.ts";
import { runModelConfig } from "../../model/trained.ts";
import { assert, assertEquals } from "../assert.ts";

export const ROOT = new URL("../../", import.meta.url).pathname;

/** Every command line entry point, by the name its error lines start with. */
export const CLIS = {
  train: `${ROOT}train/cli/train.ts`,
  predict: `${ROOT}train/cli/predict.ts`,
  eval: `${ROOT}train/cli/eval.ts`,
  analyze: `${ROOT}train/cli/analyze.ts`,
  msa: `${ROOT}train/cli/msa.ts`,
  parity: `${ROOT}train/cli/parity.ts`,
  notebooks: `${ROOT}notebooks/run.ts`,
  figures_png: `${ROOT}notebooks/figures_png.ts`,
  bench: `${ROOT}bench/run.ts`,
  readme_table: `${ROOT}bench/readme_table.ts`,
} as const;

/** A CLI name. */
export type Cli = keyof typeof CLIS;

/** What a CLI run gave. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The stderr lines that are the command's own (deno's download notes left out). */
  lines: string[];
  /** Killed at the timeout. */
  timedOut: boolean;
  seconds: number;
}

/** Run `cli args` as `deno task` would, killed (SIGKILL) after `timeoutMs`. */
export async function runCli(
  cli: Cli,
  args: string[],
  opts: { timeoutMs?: number; env?: Record<string, string>; cwd?: string; stdin?: boolean } = {},
): Promise<CliResult> {
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLIS[cli], ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    cwd: opts.cwd ?? ROOT,
    env: opts.env,
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, opts.timeoutMs ?? 60_000);
  const out = await child.output();
  clearTimeout(timer);
  const dec = new TextDecoder();
  const stderr = dec.decode(out.stderr);
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr,
    lines: stderr.split("\n").filter((l) => l.trim() && !/^(Download|Warning|Initialize) /.test(l)),
    timedOut,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** A file tree's content: relative path → what it is and its bytes (files) or kind. */
export type Tree = Map<string, string>;

async function digest(bytes: Uint8Array): Promise<string> {
  const h = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(h), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Snapshot `dir` recursively: regular files by content digest (those above
 * 64 MiB, the sparse test files, by size, mtime and inode), directories,
 * FIFOs, devices and symbolic links by kind (never opened: a FIFO would block).
 */
export async function snapshot(dir: string): Promise<Tree> {
  const tree: Tree = new Map();
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(rel ? `${dir}/${rel}` : dir)) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const full = `${dir}/${r}`;
      const st = await Deno.lstat(full);
      if (st.isSymlink) tree.set(r, `link -> ${await Deno.readLink(full)}`);
      else if (st.isDirectory) {
        tree.set(r, "dir");
        await walk(r);
      } else if (st.isFile && st.size > 64 << 20) {
        // Big (sparse) test files: their size, modification time and inode stand for them.
        tree.set(r, `big file ${st.size} ${st.mtime?.getTime()} ${st.ino}`);
      } else if (st.isFile) tree.set(r, `file ${await digest(await Deno.readFile(full))}`);
      else tree.set(r, st.isFifo ? "fifo" : "special");
    }
  };
  await walk("");
  return tree;
}

/**
 * Every path of `before` is in `after` unchanged; new paths only where
 * `mayCreate` allows (none by default).
 */
export function assertUnchanged(
  before: Tree,
  after: Tree,
  what: string,
  mayCreate: (path: string) => boolean = () => false,
): void {
  const changed = [...before].filter(([p, v]) => after.get(p) !== v).map(([p]) => p);
  const created = [...after.keys()].filter((p) => !before.has(p) && !mayCreate(p));
  assertEquals({ changed, created }, { changed: [], created: [] }, what);
}

/** The one error line of a refused run: exit `code`, one line, starting `prefix`, containing `want`. */
export function assertOneLine(
  r: CliResult,
  code: number,
  want: string | RegExp,
  what: string,
): void {
  const ctx = `${what}: exit ${r.code}${r.timedOut ? " (timed out)" : ""}\n${r.stderr}`;
  assert(!r.timedOut, `${what}: hung (killed at the timeout)`);
  assertEquals(r.code, code, ctx);
  assertEquals(r.lines.length, 1, ctx);
  const line = r.lines[0];
  assert(typeof want === "string" ? line.includes(want) : want.test(line), ctx);
  assert(!r.stderr.includes("    at "), `${what}: a stack trace without --debug`);
}

/**
 * A checkpoint of a randomly initialised model of `run` (tiny by default) at
 * `step` in `dir`: what eval, predict and train --resume read.
 */
export async function tinyCheckpoint(
  dir: string,
  step = 5,
  run: Record<string, unknown> = { preset: "tiny", max_recycles: 0, msa_clusters: 4, extra_msa: 4 },
): Promise<string> {
  const specs = modelParamSpecs(runModelConfig(run as { preset: string }));
  const state = initialState(initParams(specs, 2));
  state.step = step;
  await Deno.mkdir(dir, { recursive: true });
  return await saveCheckpoint(
    dir,
    state,
    { config: run, trainer: {}, metrics: { loss: 1 } },
    new Map(specs.map((p) => [p.name, p.shape])),
  );
}

/** Make a FIFO (named pipe) at `path`. */
export async function mkfifo(path: string): Promise<void> {
  const r = await new Deno.Command("mkfifo", { args: [path] }).output();
  assert(r.success, `mkfifo ${path} failed`);
}

/** Run `tasks` at most `n` at a time (the machine has 2 cores). */
export async function pool<T>(tasks: (() => Promise<T>)[], n = 2): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]();
    }
  }));
  return out;
}
