/**
 * The convention that lets a fresh clone (no ../shared beside it) pass: a test
 * that reads the shared data folder is named `shared data: …` and registered
 * with `sharedData.test` (ignored without the folder, failing under
 * DENOFOLD_REQUIRE_SHARED=1), and no other test is.
 */
import { assertEquals } from "../assert.ts";
import { BUNDLED_PARITY, SHARED_PARITY } from "../shared_data.ts";

const TESTS = new URL("../", import.meta.url).pathname;

async function testFiles(dir = TESTS): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isDirectory) out.push(...await testFiles(`${dir}${e.name}/`));
    else if (e.name.endsWith("_test.ts")) out.push(`${dir}${e.name}`);
  }
  return out.sort();
}

/** Registrations: the callee and the test name (a string or template literal first argument or `name:`). */
function registrations(source: string): { callee: string; name: string }[] {
  const re =
    /\b(Deno\.test|sharedData\.test)(?:\.\w+)?\(\s*(?:\{\s*name:\s*)?(["'`])((?:\\.|(?!\2).)*)\2/gs;
  return [...source.matchAll(re)].map((m) => ({ callee: m[1], name: m[3] }));
}

Deno.test("tests that read ../shared are named `shared data: …` and registered with sharedData.test", async () => {
  const problems: string[] = [];
  let shared = 0;
  for (const file of await testFiles()) {
    const source = await Deno.readTextFile(file);
    const rel = file.slice(TESTS.length);
    const regs = registrations(source);
    for (const { callee, name } of regs) {
      const named = name.startsWith("shared data:");
      if (callee === "sharedData.test") shared++;
      if (named !== (callee === "sharedData.test")) problems.push(`${rel}: ${callee}("${name}")`);
    }
    const importsShared = /import \{[^}]*\bSHARED_DATA\b[^}]*\} from "[./]*shared_data\.ts"/;
    if (importsShared.test(source) && !regs.some((r) => r.callee === "sharedData.test")) {
      problems.push(`${rel}: imports SHARED_DATA but registers no sharedData.test`);
    }
  }
  assertEquals(problems, []);
  if (shared < 50) throw new Error(`only ${shared} sharedData.test registrations found`);
});

Deno.test("the parity fixtures come from ../shared/parity when present, else the bundled copy", async () => {
  const bundled = [...Deno.readDirSync(BUNDLED_PARITY)].filter((e) => e.name.endsWith(".npz"));
  if (bundled.length < 50) throw new Error(`only ${bundled.length} bundled fixtures`);
  if (SHARED_PARITY !== BUNDLED_PARITY && !Deno.env.get("DENOFOLD_SHARED_PARITY")) {
    // ../shared is there: the bundled copy must hold the same fixtures (else re-copy it).
    const names = (dir: string) =>
      [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".npz")).sort();
    assertEquals(names(BUNDLED_PARITY), names(SHARED_PARITY), "data/parity vs ../shared/parity");
    for (const n of names(SHARED_PARITY)) {
      const [a, b] = await Promise.all(
        [BUNDLED_PARITY, SHARED_PARITY].map((d) => Deno.readFile(`${d}/${n}`)),
      );
      const same = a.length === b.length && a.every((v, i) => v === b[i]);
      assertEquals(same, true, `data/parity/${n} differs from ../shared/parity: copy it again`);
    }
  }
});
