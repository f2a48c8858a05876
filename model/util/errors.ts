/**
 * The error types of denofold, in one place. Two families decide a command's
 * exit code (docs/ARCHITECTURE.md, README "Exit codes"):
 *
 * - {@link InputError}: the user's input is unusable — flags, missing or
 *   unreadable files, malformed files ({@link ParseError}), bad sequences.
 *   Fixed by changing what is passed; exit code 2.
 * - everything else ({@link RunError} and its kin): the run itself failed;
 *   exit code 1.
 *
 * Every message says what is wrong and where (a file and line, a parameter or
 * tensor name), so one line on stderr is enough to act on.
 *
 * Subclasses exist only where a caller tells them apart: `GraphError`
 * (model/graph/tensor.ts, a bad graph: a bug, RunError), `ParamStoreError`
 * (model/params.ts, parameters that do not fit the model, InputError),
 * `CudaUnavailableError` (model/graph/runtime.ts, ToolError) and
 * `RunLockedError` (train/run_lock.ts, RunError).
 * tests/architecture/errors_test.ts keeps throws of a bare `Error` out of
 * product code.
 *
 * @module
 */

/**
 * The base of every error denofold throws on purpose.
 *
 * @example
 * ```ts
 * import { DenofoldError, readStructure } from "denofold";
 *
 * await Deno.writeTextFile("broken.pdb", "ATOM      1  CA  GLY A   x\n");
 * try {
 *   await readStructure("broken.pdb");
 * } catch (e) {
 *   if (!(e instanceof DenofoldError)) throw e; // not ours: a bug or the OS
 *   console.error(e.message);
 * }
 * ```
 */
export class DenofoldError extends Error {
  /** An error with `message` (what is wrong and where); `options.cause` keeps the error underneath. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The user's input is unusable (exit code 2): what was passed must change.
 *
 * @example
 * ```ts
 * import { InputError, modelConfig } from "denofold";
 *
 * try {
 *   modelConfig("huge");
 * } catch (e) {
 *   console.log(e instanceof InputError, (e as Error).message); // true, names the presets
 * }
 * ```
 */
export class InputError extends DenofoldError {}

/**
 * A bad command line: unknown flag, bad value, missing argument (exit code 2).
 *
 * @example
 * ```ts
 * import { UsageError } from "denofold";
 *
 * function steps(flag: string): number {
 *   const n = Number(flag);
 *   if (!Number.isInteger(n) || n < 1) {
 *     throw new UsageError(`--steps ${flag}: not a positive integer`);
 *   }
 *   return n;
 * }
 * console.log(steps("100"));
 * ```
 */
export class UsageError extends InputError {}

/**
 * The run itself failed (exit code 1): not something the user's input can fix.
 *
 * @example
 * ```ts
 * import { exitCodeOf, RunError } from "denofold";
 *
 * console.log(exitCodeOf(new RunError("training diverged at step 120"))); // 1
 * ```
 */
export class RunError extends DenofoldError {}

/**
 * A program or library denofold needs is missing or failed (exit code 1).
 *
 * @example
 * ```ts
 * import { ToolError } from "denofold";
 *
 * const mkdssp = new Deno.Command("mkdssp", { args: ["--version"] });
 * const r = await mkdssp.output().catch(() => undefined);
 * if (!r?.success) throw new ToolError("mkdssp is not installed (apt-get install dssp)");
 * ```
 */
export class ToolError extends RunError {}

/**
 * The exit code of a command that stopped with `e`: 2 for unusable input, else 1.
 *
 * @example A script's main: one line on stderr, exit 2 for bad input, 1 otherwise
 * ```ts
 * import { exitCodeOf, readStructure } from "denofold";
 *
 * try {
 *   console.log((await readStructure(Deno.args[0])).aatype.length);
 * } catch (e) {
 *   console.error((e as Error).message);
 *   Deno.exit(exitCodeOf(e));
 * }
 * ```
 */
export function exitCodeOf(e: unknown): 1 | 2 {
  return e instanceof InputError ? 2 : 1;
}

/** Where in a file a problem is. */
export interface ParseLocation {
  /** Path (or a label such as "<stdin>"). */
  file: string;
  /** 1-based line number, when the format is line-based. */
  line?: number;
  /** 0-based byte offset, when the format is binary. */
  offset?: number;
}

/**
 * A malformed input file: `file:line: message` (an {@link InputError}).
 *
 * @example
 * ```ts
 * import { ParseError, parsePdb } from "denofold";
 *
 * try {
 *   parsePdb("ATOM      1  CA  GLY A   x      11.104   6.134  -6.504\n", { file: "bad.pdb" });
 * } catch (e) {
 *   if (e instanceof ParseError) console.log(e.file, e.line, e.problem);
 * }
 * ```
 */
export class ParseError extends InputError {
  /** The file the problem is in. */
  readonly file: string;
  /** 1-based line, if known. */
  readonly line?: number;
  /** 0-based byte offset, if known. */
  readonly offset?: number;
  /** The problem, without the location. */
  readonly problem: string;

  /** A problem at `where`; the message reads `file:line: problem` (or `file@offset: problem`). */
  constructor(where: ParseLocation, problem: string) {
    const loc = where.line !== undefined
      ? `${where.file}:${where.line}`
      : where.offset !== undefined
      ? `${where.file}@${where.offset}`
      : where.file;
    super(`${loc}: ${problem}`);
    this.file = where.file;
    this.line = where.line;
    this.offset = where.offset;
    this.problem = problem;
  }
}
