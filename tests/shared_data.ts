/**
 * Where the tests' real data is, and how tests that need the shared data folder
 * are registered.
 *
 * - `SHARED_DATA`: `../shared/data` beside the clone (`DENOFOLD_SHARED_DATA`
 *   moves it). CI always has it; a fresh clone does not. Tests that read it are
 *   named `shared data: …` and registered with {@link sharedData}`.test`:
 *   without the folder they are ignored (one line says why, once per run),
 *   unless `DENOFOLD_REQUIRE_SHARED=1` (CI), which makes them fail, with one
 *   more failing test that names the missing folder.
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

/** Set once the skip notice was printed (one environment for every test module of a run). */
const NOTICE_ENV = "DENOFOLD_SHARED_NOTICE_DONE";

type TestFn = (t: Deno.TestContext) => void | Promise<void>;
/** The `Deno.test` forms the shared-data tests use. */
interface Register {
  (name: string, fn: TestFn): void;
  (def: Deno.TestDefinition): void;
}

/**
 * `sharedData.test(…)` registers a test that reads {@link SHARED_DATA} (its
 * name starts with `shared data:`): `Deno.test` when the folder is there,
 * `Deno.test.ignore` when it is missing, and `Deno.test` again under
 * `DENOFOLD_REQUIRE_SHARED=1`, where the test then fails on the missing files.
 * (It is `Deno.test` itself, not a wrapper, so failures point at the test.)
 */
export const sharedData: { readonly test: Register } = {
  test: (HAVE_SHARED_DATA || REQUIRE_SHARED ? Deno.test : Deno.test.ignore) as Register,
};

if (!HAVE_SHARED_DATA && !Deno.env.get(NOTICE_ENV)) {
  Deno.env.set(NOTICE_ENV, "1");
  if (REQUIRE_SHARED) {
    Deno.test("shared data: DENOFOLD_REQUIRE_SHARED=1 and the shared data folder is there", () => {
      throw new Error(
        `DENOFOLD_REQUIRE_SHARED=1, but the shared data folder is missing: ${SHARED_DATA}`,
      );
    });
  } else {
    console.log(
      `skipped: every "shared data: …" test, because ${SHARED_DATA} is missing ` +
        `(place ../shared beside the clone or set DENOFOLD_SHARED_DATA; ` +
        `DENOFOLD_REQUIRE_SHARED=1 makes them fail instead)`,
    );
  }
}
