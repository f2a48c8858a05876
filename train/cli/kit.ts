/**
 * The one command-line kit. Every entry point (train, predict, analyze, msa,
 * parity, notebooks, figures_png, bench) declares its flags, usage text and
 * zod schema once as a {@link CliSpec} and runs through {@link runCli}, so
 * parsing, `--help`, `--debug`, error lines and exit codes are the same
 * everywhere:
 *
 * - flags are parsed by `node:util` parseArgs (strict) and validated by the
 *   command's one zod schema; a bad command line is a {@link UsageError}
 *   whose one line names the flag and the problem;
 * - `--help`/`-h` prints {@link usageText} and exits 0;
 * - a failure is ONE line on stderr, `<command>: <message>`; `--debug` adds
 *   the stack trace;
 * - exit codes (README "Exit codes"): 0 success; 2 the user's input is
 *   unusable (any {@link InputError}: arguments, missing, unreadable or
 *   malformed files, bad sequences); 1 the run itself failed (anything else).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { z } from "zod";
import { notRegular, readTextBounded } from "../../model/io/bounded.ts";
import {
  exitCodeOf,
  InputError,
  ParseError,
  type ParseLocation,
  UsageError,
} from "../../model/util/errors.ts";

/** One flag of a command. */
export interface FlagSpec {
  /** Placeholder of the flag's value in the usage text ("N", "FILE"); absent for a boolean flag. */
  value?: string;
  /** May be given more than once; the values reach the schema as an array. */
  multiple?: boolean;
  /** A one-letter alias. */
  short?: string;
  /** One line for the usage text. */
  help: string;
}

/** A command: what `--help` prints and what the schema validates. */
export interface CliSpec<S extends z.ZodType = z.ZodType> {
  /** The command as typed after `deno task` ("train", "analyze dynamics"); starts every error line. */
  name: string;
  /** Usage forms, one per line, without the leading "usage:". */
  synopsis: string[];
  /** What the command does, in a few sentences (wrapped by hand). */
  about: string;
  /** Flags by their long (kebab-case) name; `--help` and `--debug` are added to every command. */
  flags: Record<string, FlagSpec>;
  /** Positional arguments are accepted; they reach the schema as `args`. */
  positionals?: boolean;
  /**
   * Validates the command line: an object with the flags' values under their
   * camelCase names (`--max-hits` → `maxHits`; strings, booleans, or arrays of
   * strings for `multiple` flags) and `args` for positional arguments. Its
   * output is what the command's main function receives.
   */
  schema: S;
  /** What exit code 1 means for this command, beyond "the run failed". */
  failure?: string;
}

/** What {@link parseCli} returns for `--help`. */
export const HELP = "help";

const COMMON_FLAGS: Record<string, FlagSpec> = {
  help: { short: "h", help: "print this help and exit" },
  debug: { help: "on failure, print the stack trace after the one-line message" },
};

/** `max-hits` → `maxHits`: flags are kebab-case on the command line, camelCase in TypeScript. */
export function camelCase(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The help text: synopsis, description, every flag with one line, the exit codes. */
export function usageText(spec: CliSpec): string {
  const flags = { ...spec.flags, ...COMMON_FLAGS };
  const left = Object.entries(flags).map(([name, f]) =>
    (f.short ? `-${f.short}, ` : "    ") + `--${name}` + (f.value ? ` ${f.value}` : "") +
    (f.multiple ? " ..." : "")
  );
  const width = Math.max(...left.map((l) => l.length)) + 2;
  const rows = Object.values(flags).map((f, i) => `  ${left[i].padEnd(width)}${f.help}`);
  const [first, ...rest] = spec.synopsis;
  return [
    `usage: ${first}`,
    ...rest.map((l) => `       ${l}`),
    "",
    spec.about.trim(),
    "",
    "flags:",
    ...rows,
    "",
    "exit codes:",
    "  0  success",
    `  1  the run failed${spec.failure ? `: ${spec.failure}` : ""}`,
    "  2  unusable input: arguments, missing, unreadable or malformed files, bad sequences",
  ].join("\n");
}

/** The parseArgs options of a command: its flags plus --help and --debug. */
function parseOptions(spec: CliSpec) {
  const options: Record<
    string,
    { type: "string" | "boolean"; multiple?: boolean; short?: string }
  > = {};
  for (const [name, f] of Object.entries({ ...spec.flags, ...COMMON_FLAGS })) {
    options[name] = { type: f.value ? "string" : "boolean" };
    if (f.multiple) options[name].multiple = true;
    if (f.short) options[name].short = f.short;
  }
  return options;
}

/**
 * Parse and validate a command line (without the program name): the schema's
 * output, or {@link HELP} when `--help`/`-h` was given (then nothing else is
 * validated). Throws {@link UsageError} naming the flag and the problem.
 */
export function parseCli<S extends z.ZodType>(
  spec: CliSpec<S>,
  argv: readonly string[],
): z.output<S> | typeof HELP {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: parseOptions(spec),
      strict: true,
      allowPositionals: spec.positionals ?? false,
    });
  } catch (e) {
    // One line: Node's advice on positionals that start with "-" is dropped (the first
    // sentence says it all), its advice on values that start with "-" is kept.
    const message = (e as Error).message.replace(/\. To specify a positional .*$/s, "");
    throw new UsageError(message.replace(/\s*\n\s*/g, " "));
  }
  const { help, debug: _debug, ...values } = parsed.values as Record<string, unknown>;
  if (help) return HELP;
  const input: Record<string, unknown> = {};
  for (const [flag, v] of Object.entries(values)) input[camelCase(flag)] = v;
  if (spec.positionals) input.args = parsed.positionals;
  const r = spec.schema.safeParse(input);
  if (!r.success) throw new UsageError(issueMessage(r.error.issues[0], input, spec));
  return r.data;
}

/**
 * One line for a schema issue. On a flag: `--flag: problem, got "value"` (the
 * value left out when the message already holds it, or when the schema wrote
 * the whole message itself), or `--flag is required`. Anywhere else
 * (positional arguments, the object as a whole) the schema's message as it is.
 */
function issueMessage(issue: z.core.$ZodIssue, input: Record<string, unknown>, spec: CliSpec) {
  const [key, index] = issue.path;
  const flag = Object.keys(spec.flags).find((f) => camelCase(f) === key);
  if (flag === undefined) return issue.message;
  let value = input[key as string];
  if (typeof index === "number" && Array.isArray(value)) value = value[index];
  if (value === undefined && issue.code === "invalid_type") return `--${flag} is required`;
  const got = typeof value === "string" && issue.code !== "custom" &&
      !issue.message.includes(value)
    ? `, got ${JSON.stringify(value)}`
    : "";
  return `--${flag}: ${issue.message}${got}`;
}

/** The one stderr line of a failed command: `<command>: <first line of the message>`. */
export function errorLine(command: string, e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return `${command}: ${message.split("\n")[0]}`;
}

/**
 * Run a command: parse `argv` with {@link parseCli}, print the usage for
 * `--help`, else call `main` with the validated arguments. Returns the exit
 * code (0, or {@link exitCodeOf} the error main threw, after printing its
 * one line and, with `--debug`, the stack). Commands report a failed run by
 * throwing, never by returning a code, so the code always follows the error.
 */
export async function cliMain<S extends z.ZodType>(
  spec: CliSpec<S>,
  main: (args: z.output<S>) => Promise<void> | void,
  argv: readonly string[],
): Promise<0 | 1 | 2> {
  // Read before parsing: a command line that does not parse still gets its stack.
  const debug = argv.includes("--debug");
  try {
    const args = parseCli(spec, argv);
    if (args === HELP) console.log(usageText(spec));
    else await main(args);
    return 0;
  } catch (e) {
    console.error(errorLine(spec.name, e));
    if (debug) console.error(e);
    return exitCodeOf(e);
  }
}

/** The whole `if (import.meta.main)` of a command: {@link cliMain}, then exit with its code. */
export async function runCli<S extends z.ZodType>(
  spec: CliSpec<S>,
  main: (args: z.output<S>) => Promise<void> | void,
  argv: readonly string[] = Deno.args,
): Promise<never> {
  Deno.exit(await cliMain(spec, main, argv));
}

// --- Schema pieces shared by the commands ----------------------------------

/** An integer flag (parseArgs gives strings), optionally bounded. */
export function intFlag(bounds: { min?: number; max?: number } = {}) {
  let n = z.number();
  if (bounds.min !== undefined) n = n.min(bounds.min, `must be at least ${bounds.min}`);
  if (bounds.max !== undefined) n = n.max(bounds.max, `must be at most ${bounds.max}`);
  return z.string().regex(/^[+-]?\d+$/, "must be an integer").transform(Number).pipe(n);
}

/** A non-empty string flag. */
export function textFlag() {
  return z.string().min(1, "must not be empty");
}

/** What a path that the command reads is. */
export type PathKind = "file" | "directory" | "file or directory";

/**
 * Why `path` cannot be read as a `kind`, or undefined when it can: missing,
 * the wrong kind (a file is a regular file: a FIFO, device or socket is
 * refused before it is opened, since opening a FIFO blocks until a writer
 * comes), or not readable (permissions, or Deno's `--deny-read`). The message
 * names the path.
 */
export function unreadable(path: string, kind: PathKind): string | undefined {
  try {
    const st = Deno.statSync(path);
    if (kind === "file" && st.isDirectory) return `${path} is a directory, not a file`;
    if (kind === "directory" && !st.isDirectory) return `${path} is not a directory`;
    const special = st.isDirectory ? undefined : notRegular(st);
    if (special) return `${path} is ${special}, not a regular file`;
    // Readable, not just present: a chmod-000 file or directory fails here, not mid-run.
    if (st.isDirectory) { for (const _ of Deno.readDirSync(path)) break; }
    else Deno.openSync(path).close();
    return undefined;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return `no such ${kind} ${path}`;
    if (e instanceof Deno.errors.PermissionDenied || e instanceof Deno.errors.NotCapable) {
      return `cannot read ${path} (permission denied)`;
    }
    return `cannot read ${path} (${(e as Error).message})`;
  }
}

/**
 * Throw an {@link InputError} (exit code 2) when `path` cannot be read as a
 * `kind`; `label` (a flag, "run directory") starts the message.
 */
export function requireReadable(path: string, kind: PathKind, label?: string): void {
  const problem = unreadable(path, kind);
  if (problem) throw new InputError(label ? `${label}: ${problem}` : problem);
}

/** A path flag or argument that must name a readable `kind`, checked while validating. */
export function inputPath(kind: PathKind = "file") {
  return textFlag().superRefine((path, ctx) => {
    const problem = unreadable(path, kind);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
}

/**
 * Read a JSON file the user named: a missing or unreadable file is an
 * {@link InputError} and text that is not JSON a {@link ParseError} with its
 * line, both naming the file.
 */
export async function readJsonFile(path: string, label?: string): Promise<unknown> {
  requireReadable(path, "file", label);
  const text = await readTextBounded(path, "config");
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const line = /\bline (\d+)/.exec(message)?.[1];
    throw new ParseError(
      { file: path, line: line ? Number(line) : undefined },
      `not JSON: ${message}`,
    );
  }
}

/**
 * A query sequence given to a command must be protein: the 20 amino acids and
 * X (either case), at most `max` residues. Throws a {@link ParseError} at `at`
 * (the record's header line); `prefix` (a chain id and ": ") starts the problem.
 */
export function checkQuery(sequence: string, at: ParseLocation, max: number, prefix = ""): void {
  const bad = /[^ACDEFGHIKLMNPQRSTVWYX]/i.exec(sequence);
  if (bad) {
    throw new ParseError(
      at,
      `${prefix}'${bad[0]}' at residue ${bad.index + 1} is not an amino acid`,
    );
  }
  if (sequence.length > max) {
    throw new ParseError(at, `${prefix}${sequence.length} residues is above the maximum ${max}`);
  }
}

// --- Outputs: checked before any work ------------------------------------------

/** A path a command writes: a file, or a directory it writes files into (made if missing). */
export interface OutputPath {
  /** The path as given (or derived from what was given). */
  path: string;
  /** Where it comes from, for the message: "--out", "--json", "--out (chains.csv)". */
  label: string;
  /** A file the command writes, or a directory it writes into. */
  kind: "file" | "directory";
}

/** A path a command reads, which no output may replace. */
export interface InputPath {
  /** The path as given. */
  path: string;
  /** Where it comes from: "--fasta", "RUN_DIR". */
  label: string;
}

/**
 * A directory whose own files no output may replace, though other files may
 * be written into it: a run directory (a report beside the run is fine, over
 * its metrics.jsonl is not).
 */
export interface ProtectedDir {
  /** The directory. */
  dir: string;
  /** What it is, for the message: "the run directory". */
  what: string;
  /** Whether a path relative to `dir` ("metrics.jsonl", "snapshots/x") is one of its own files. */
  owns: (relative: string) => boolean;
}

/** The files a training run keeps in its run directory (relative paths). */
export function isRunFile(relative: string): boolean {
  return /^(config\.json|metrics\.jsonl|report\.html|LOCK|ckpt-\d{8}\.(json|safetensors)|snapshots(\/.*)?)$/
    .test(relative);
}

/** Whether `dir` holds a training run: a config.json with metrics.jsonl or a checkpoint. */
function isRunDirectory(dir: string): boolean {
  if (!statOrUndefined(`${dir}/config.json`)?.isFile) return false;
  if (statOrUndefined(`${dir}/metrics.jsonl`)) return true;
  try {
    for (const e of Deno.readDirSync(dir)) if (/^ckpt-\d{8}\.json$/.test(e.name)) return true;
  } catch { /* unreadable: not one we can tell */ }
  return false;
}

/**
 * The training run whose own file `path` would be (a file of the run directory
 * itself or of its snapshots/), or undefined.
 */
function runFileAt(path: string): { dir: string; rel: string } | undefined {
  const parts = canonicalPath(path).split("/");
  for (const up of [1, 2]) {
    if (parts.length <= up + 1) break;
    const dir = parts.slice(0, -up).join("/") || "/";
    const rel = parts.slice(-up).join("/");
    if (isRunFile(rel) && isRunDirectory(dir)) return { dir, rel };
  }
  return undefined;
}

/** Absolute, with `.` and `..` resolved lexically and repeated slashes gone. */
function absolute(path: string): string {
  const parts: string[] = [];
  for (const p of (path.startsWith("/") ? path : `${Deno.cwd()}/${path}`).split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") parts.pop();
    else parts.push(p);
  }
  return "/" + parts.join("/");
}

/**
 * Where `path` is, as the file system sees it: its real path when it exists,
 * else the real path of its nearest existing ancestor joined with the rest.
 * Two spellings of one file (`a/../b`, a symbolic link) give one answer.
 */
export function canonicalPath(path: string): string {
  let head = absolute(path);
  const tail: string[] = [];
  for (;;) {
    try {
      const real = Deno.realPathSync(head);
      return tail.length ? `${real === "/" ? "" : real}/${tail.reverse().join("/")}` : real;
    } catch {
      if (head === "/") return "/" + tail.reverse().join("/");
      tail.push(head.slice(head.lastIndexOf("/") + 1));
      head = head.slice(0, head.lastIndexOf("/")) || "/";
    }
  }
}

function statOrUndefined(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.statSync(path);
  } catch {
    return undefined;
  }
}

/** The same file: one canonical path, or one inode (a hard link). */
function sameFile(a: string, b: string): boolean {
  if (canonicalPath(a) === canonicalPath(b)) return true;
  const sa = statOrUndefined(a), sb = statOrUndefined(b);
  return sa !== undefined && sb !== undefined && sa.ino !== null && sa.dev === sb.dev &&
    sa.ino === sb.ino;
}

/** Why the directory `dir` (existing, or to be made) cannot be written into, or undefined. */
function unwritableDir(dir: string): string | undefined {
  let head = absolute(dir);
  // The nearest existing ancestor must be a directory we can create files in.
  for (;;) {
    const st = statOrUndefined(head);
    if (st) {
      if (!st.isDirectory) return `${head} is not a directory`;
      break;
    }
    head = head.slice(0, head.lastIndexOf("/")) || "/";
  }
  try {
    const probe = Deno.makeTempFileSync({ dir: head, prefix: ".denofold-write-probe-" });
    Deno.removeSync(probe);
    return undefined;
  } catch (e) {
    if (e instanceof Deno.errors.PermissionDenied || e instanceof Deno.errors.NotCapable) {
      return `cannot write in ${head} (permission denied)`;
    }
    return `cannot write in ${head} (${(e as Error).message.split("\n")[0]})`;
  }
}

/**
 * Check where a command will write, before it does any work: every output's
 * place exists or can be made and is writable; a file output is not a
 * directory, FIFO or device; a directory output is not a file; no output is
 * the same file as an input or as another output; none replaces the own files
 * of a training run (any directory holding one) or of a protected directory.
 * Throws a {@link UsageError} (exit code 2) naming the flag and the path.
 *
 * @example
 * ```ts
 * import { checkOutputs } from "./kit.ts";
 *
 * // deno task eval --checkpoint run/ckpt-00000100.json --out run/eval
 * checkOutputs(
 *   [{ path: "run/eval", label: "--out", kind: "directory" },
 *    { path: "run/eval/summary.json", label: "--out", kind: "file" }],
 *   [{ path: "run/ckpt-00000100.json", label: "--checkpoint" }],
 * );
 * ```
 */
export function checkOutputs(
  outputs: readonly OutputPath[],
  inputs: readonly InputPath[] = [],
  protect: readonly ProtectedDir[] = [],
): void {
  const fail = (o: OutputPath, problem: string) => {
    throw new UsageError(`${o.label}: ${problem}`);
  };
  outputs.forEach((o, k) => {
    if (o.path.trim() === "") fail(o, "an empty path");
    const st = statOrUndefined(o.path);
    if (o.kind === "file" && st) {
      if (st.isDirectory) fail(o, `${o.path} is a directory, not a file`);
      const special = notRegular(st);
      if (special) fail(o, `${o.path} is ${special}, not a regular file to replace`);
    }
    if (o.kind === "directory" && st && !st.isDirectory) {
      fail(o, `${o.path} is a file, not a directory`);
    }
    const parent = o.kind === "directory"
      ? o.path
      : absolute(o.path).replace(/\/[^/]*$/, "") || "/";
    const problem = unwritableDir(parent);
    if (problem) fail(o, problem);
    for (const i of inputs) {
      if (sameFile(o.path, i.path)) {
        fail(o, `${o.path} is the input ${i.label}; name another ${o.kind}`);
      }
    }
    for (const other of outputs.slice(0, k)) {
      if (sameFile(o.path, other.path)) fail(o, `${o.path} is also ${other.label}`);
    }
    // Any training run's own files (or snapshots/), the run named or not.
    const run = runFileAt(o.path);
    if (run) fail(o, `${o.path} is the run ${run.dir}'s own ${run.rel}; name another ${o.kind}`);
    if (o.kind === "file") {
      const at = canonicalPath(o.path);
      for (const p of protect) {
        const root = canonicalPath(p.dir);
        if (!at.startsWith(root + "/")) continue;
        const rel = at.slice(root.length + 1);
        if (p.owns(rel)) {
          fail(o, `${o.path} is ${p.what}'s own ${rel}; name another file`);
        }
      }
    }
  });
}

/**
 * Make the missing parent directories of output files (checked by
 * {@link checkOutputs}), just before they are written: `--out a/b/report.html`
 * writes into a new `a/b/`.
 */
export async function makeParents(paths: readonly string[]): Promise<void> {
  for (const p of paths) {
    const parent = absolute(p).replace(/\/[^/]*$/, "") || "/";
    await Deno.mkdir(parent, { recursive: true });
  }
}
