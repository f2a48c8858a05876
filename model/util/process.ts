/**
 * Whether a process still runs, for the owners named in lock files and
 * temporary-file names.
 *
 * @module
 */

/**
 * Whether process `pid` exists on this machine and is not a zombie (killed,
 * not yet reaped by its parent: it holds nothing). Reads `/proc`; where there
 * is none every process counts as alive, so nothing of a live one is taken.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === Deno.pid) return true;
  // No /proc to ask (another OS, a sandbox): assume the owner lives.
  if (!procAvailable()) return true;
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

let hasProc: boolean | undefined;

function procAvailable(): boolean {
  if (hasProc === undefined) {
    try {
      Deno.statSync("/proc/self/stat");
      hasProc = true;
    } catch {
      hasProc = false;
    }
  }
  return hasProc;
}
