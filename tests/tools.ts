/**
 * External programs some tests compare against or drive (Debian packages that
 * `.ci/run` installs): where one is missing, the test is skipped with the reason
 * printed — unless `DENOFOLD_REQUIRE_TOOLS=1` (CI), which makes it fail instead.
 *
 * - {@link withTools}`(…).test`: a whole test needs the programs (ignored without them).
 * - {@link toolMissing}: found missing while the test runs (prints and the test
 *   returns, or throws under `DENOFOLD_REQUIRE_TOOLS=1`).
 *
 * @module
 */

/** `DENOFOLD_REQUIRE_TOOLS=1`: a missing tool fails its tests instead of skipping them. */
export const REQUIRE_TOOLS: boolean = Deno.env.get("DENOFOLD_REQUIRE_TOOLS") === "1";

/** The Debian package that installs each program. */
const PACKAGE: Record<string, string> = {
  chromium: "chromium",
  mkdssp: "dssp",
  TMscore: "tm-align",
  jackhmmer: "hmmer",
  hmmsearch: "hmmer",
  hhblits: "hhsuite",
  hhsearch: "hhsuite",
  jupyter: "jupyter-nbconvert",
  python3: "python3",
};

/** How to install `program` on Debian. */
export function installHint(program: string): string {
  return `apt-get install ${PACKAGE[program] ?? program}`;
}

/** Whether `program` (a name looked up on PATH, or a path) is an executable file. */
export function haveProgram(program: string): boolean {
  const dirs = program.includes("/") ? [""] : (Deno.env.get("PATH") ?? "").split(":");
  for (const dir of dirs) {
    try {
      const st = Deno.statSync(dir ? `${dir}/${program}` : program);
      if (st.isFile && ((st.mode ?? 0o111) & 0o111) !== 0) return true;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound || e instanceof Deno.errors.PermissionDenied)) {
        throw e;
      }
    }
  }
  return false;
}

/**
 * A tool the running test needs is missing (`what`, e.g. "mkdssp is not
 * installed (apt-get install dssp)"): prints `skipped: …` so the caller can
 * return, or throws under `DENOFOLD_REQUIRE_TOOLS=1`.
 */
export function toolMissing(what: string): void {
  if (REQUIRE_TOOLS) throw new Error(`DENOFOLD_REQUIRE_TOOLS=1, but ${what}`);
  console.log(`skipped: ${what}`);
}

type TestFn = (t: Deno.TestContext) => void | Promise<void>;
/** The `Deno.test` forms the tool tests use. */
interface Register {
  (name: string, fn: TestFn): void;
  (def: Deno.TestDefinition): void;
}

/**
 * `const chromium = withTools("chromium"); chromium.test(…)`: `Deno.test` when
 * every program is installed (or under `DENOFOLD_REQUIRE_TOOLS=1`, where the
 * test then fails on the missing one), else `Deno.test.ignore`, with the reason
 * printed once here. (It is `Deno.test` itself, so failures point at the test.)
 */
export function withTools(...programs: string[]): { readonly test: Register } {
  const missing = programs.filter((p) => !haveProgram(p));
  if (missing.length === 0 || REQUIRE_TOOLS) return { test: Deno.test as Register };
  console.log(
    `skipped: the tests that need ${missing.join(", ")}: not installed ` +
      `(${missing.map(installHint).join("; ")}; DENOFOLD_REQUIRE_TOOLS=1 makes them fail)`,
  );
  return { test: Deno.test.ignore as Register };
}
