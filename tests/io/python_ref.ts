/**
 * Python 3 as an independent reference in tests: find an interpreter that has
 * the needed modules (Debian's /usr/bin/python3 carries numpy, Biopython and
 * gemmi in CI; a python3 on PATH may differ), or say why the check is skipped.
 *
 * @module
 */

const found = new Map<string, string | undefined>();

/** The first interpreter that imports every module, or undefined (reason printed). */
export function pythonWith(modules: string[]): string | undefined {
  const key = modules.join(",");
  if (found.has(key)) return found.get(key);
  let exe: string | undefined;
  for (const candidate of ["/usr/bin/python3", "python3"]) {
    try {
      const r = new Deno.Command(candidate, { args: ["-c", `import ${key}`] }).outputSync();
      if (r.success) {
        exe = candidate;
        break;
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  if (!exe) console.log(`skipped: no python3 with ${key}`);
  found.set(key, exe);
  return exe;
}

/** Run a python script with arguments; returns stdout, throws with stderr on failure. */
export async function runPython(exe: string, script: string, args: string[] = []): Promise<string> {
  const out = await new Deno.Command(exe, { args: ["-c", script, ...args] }).output();
  if (!out.success) throw new Error(`python failed: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}
