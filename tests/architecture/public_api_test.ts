/**
 * mod.ts is the one public door: every export documented (`deno doc --lint`
 * clean), every function, class and constant with an `@example`, and every
 * example type-checked against the code it shows (`deno check --doc-only` of
 * the files mod.ts re-exports), so a snippet cannot rot silently.
 */

import { assert, assertEquals } from "../assert.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function deno(args: string[]): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

/** The files mod.ts re-exports from, relative to the repository. */
async function reexported(): Promise<string[]> {
  const src = await Deno.readTextFile(ROOT + "mod.ts");
  return [...new Set([...src.matchAll(/from "\.\/([^"]+)"/g)].map((m) => m[1]))].sort();
}

Deno.test("public API: deno doc --lint mod.ts finds nothing", async () => {
  const { code, out } = await deno(["doc", "--lint", "mod.ts"]);
  const problems = out.split("\n").filter((l) => /^error\[|^\s+--> /.test(l));
  assertEquals(code, 0, problems.slice(0, 40).join("\n") || out.slice(-2000));
});

Deno.test("public API: every function, class and constant of mod.ts has an @example", async () => {
  const { code, out } = await deno(["doc", "--json", "mod.ts"]);
  assertEquals(code, 0, out.slice(-2000));
  interface Declaration {
    kind: string;
    location: { filename: string; line: number };
    jsDoc?: { tags?: { kind: string }[] };
  }
  const doc = JSON.parse(out) as {
    nodes: Record<string, { symbols: { name: string; declarations: Declaration[] }[] }>;
  };
  const symbols = Object.values(doc.nodes)[0].symbols;
  const missing: string[] = [];
  let values = 0;
  for (const s of symbols) {
    for (const d of s.declarations) {
      // Types and interfaces are documented field by field instead.
      if (d.kind === "interface" || d.kind === "typeAlias") continue;
      values++;
      if (!d.jsDoc?.tags?.some((t) => t.kind === "example")) {
        missing.push(
          `${s.name} (${d.location.filename.replace(`file://${ROOT}`, "")}:${d.location.line})`,
        );
      }
    }
  }
  assertEquals(missing, []);
  assert(values > 100, `only ${values} value exports found`);
});

Deno.test("public API: the examples of mod.ts and the files behind it type-check", async () => {
  const files = await reexported();
  assert(files.length > 30, `only ${files.length} files re-exported`);
  const { code, out } = await deno(["check", "--doc-only", "mod.ts", ...files]);
  const errors = out.split("\n").filter((l) => /^TS\d+|^\s+at file/.test(l));
  assertEquals(code, 0, errors.slice(0, 40).join("\n") || out.slice(-2000));
});
