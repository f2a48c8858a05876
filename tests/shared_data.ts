/**
 * Where the tests' real data is, and how tests that need the shared data folder
 * are registered.
 *
 * - `SHARED_DATA`: `../shared/data` beside the clone (`DENOFOLD_SHARED_DATA`
 *   moves it). CI always has it; a fresh clone does not. Tests that read it are
 *   named `shared data: …` and registered with {@link sharedDataTest}: without
 *   the folder they are ignored (one line says why, once per run), unless
 *   `DENOFOLD_REQUIRE_SHARED=1` (CI), which makes each of them fail naming the
 *   missing path.
 * - `SHARED_PARITY`: OpenFold's parity fixtures: `../shared/parity` when present
 *   (`DENOFOLD_SHARED_PARITY` moves it), else the copy bundled in `data/parity`.
 * - `TEST_DATA`: `data/testdata`, single real files some tests read, copied
 *   verbatim from `../shared/data` at the same relative paths (always bundled).
 *
 * @module
 */

const here = (rel: string) => new URL(rel, import.meta.url).pathname;

function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** Where the shared real-data folder is (CI always has it beside the clone). */
export const SHARED_DATA: string = Deno.env.get("DENOFOLD_SHARED_DATA") ??
  here("../../shared/data");

/** The parity fixtures bundled in the repository. */
export const BUNDLED_PARITY: string = here("../data/parity");

/** Where OpenFold's parity fixtures are: ../shared/parity when present, else the bundled copy. */
export const SHARED_PARITY: string = Deno.env.get("DENOFOLD_SHARED_PARITY") ??
  (isDirectory(here("../../shared/parity")) ? here("../../shared/parity") : BUNDLED_PARITY);

/** Single real files bundled for tests (same relative paths as in ../shared/data). */
export const TEST_DATA: string = here("../data/testdata");

/** Whether the shared data folder is there. */
export const HAVE_SHARED_DATA: boolean = isDirectory(SHARED_DATA);

/** `DENOFOLD_REQUIRE_SHARED=1`: a missing shared data folder fails its tests instead of skipping them. */
export const REQUIRE_SHARED: boolean = Deno.env.get("DENOFOLD_REQUIRE_SHARED") === "1";

const PREFIX = "shared data:";
/** Set once the skip reason was printed (the environment is shared by every test module of a run). */
const NOTICE_ENV = "DENOFOLD_SHARED_SKIP_NOTICE_PRINTED";

type TestFn = (t: Deno.TestContext) => void | Promise<void>;

/**
 * `Deno.test` for a test that reads {@link SHARED_DATA}; its name must start
 * with `shared data:`. Registered as is when the folder is there; otherwise
 * ignored, or, under `DENOFOLD_REQUIRE_SHARED=1`, failing with the missing path.
 */
export function sharedDataTest(name: string, fn: TestFn): void;
export function sharedDataTest(def: Deno.TestDefinition): void;
export function sharedDataTest(a: string | Deno.TestDefinition, fn?: TestFn): void {
  const def: Deno.TestDefinition = typeof a === "string" ? { name: a, fn: fn! } : a;
  if (!def.name.startsWith(PREFIX)) {
    throw new Error(`a test that reads the shared data must be named "${PREFIX} …": ${def.name}`);
  }
  if (HAVE_SHARED_DATA) {
    Deno.test(def);
  } else if (REQUIRE_SHARED) {
    Deno.test({
      ...def,
      fn: () => {
        throw new Error(
          `DENOFOLD_REQUIRE_SHARED=1, but the shared data folder is missing: ${SHARED_DATA}`,
        );
      },
    });
  } else {
    if (!Deno.env.get(NOTICE_ENV)) {
      Deno.env.set(NOTICE_ENV, "1");
      console.log(
        `skipped: every "${PREFIX} …" test, because ${SHARED_DATA} is missing ` +
          `(place ../shared beside the clone or set DENOFOLD_SHARED_DATA; ` +
          `DENOFOLD_REQUIRE_SHARED=1 makes them fail instead)`,
      );
    }
    Deno.test({ ...def, ignore: true });
  }
}
