/**
 * Python 3 as an independent reference in tests: find an interpreter that has
 * the needed modules (Debian's /usr/bin/python3 carries numpy, Biopython and
 * gemmi in CI; a python3 on PATH may differ), or say why the check is skipped
 * (a failure under DENOFOLD_REQUIRE_TOOLS=1).
 *
 * @module
 */

import { toolMissing } from "../tools.ts";

const found = new Map<string, string | undefined>();
const PACKAGE: Record<string, string> = { Bio: "python3-biopython" };

/**
 * The first interpreter that imports every module, or undefined (reason printed;
 * throws instead under DENOFOLD_REQUIRE_TOOLS=1).
 */
export function pythonWith(modules: string[]): string | undefined {
  const key = modules.join(",");
  if (!found.has(key)) found.set(key, locate(key));
  const exe = found.get(key);
  if (!exe) {
    const packages = modules.map((m) => PACKAGE[m] ?? `python3-${m.toLowerCase()}`).join(" ");
    toolMissing(`no python3 with ${key} (apt-get install ${packages})`);
  }
  return exe;
}

function locate(key: string): string | undefined {
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
  return exe;
}

/** Run a python script with arguments; returns stdout, throws with stderr on failure. */
export async function runPython(exe: string, script: string, args: string[] = []): Promise<string> {
  const out = await new Deno.Command(exe, { args: ["-c", script, ...args] }).output();
  if (!out.success) throw new Error(`python failed: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}
