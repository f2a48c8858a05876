/**
 * A run directory is owned by one training process at a time: a lock file
 * holding the owner's pid. A second trainer refuses, naming that pid; a lock
 * left by a process that no longer exists is detected as stale and taken over.
 * Within one process the lock is re-entrant (the CLI takes it before setup, the
 * loop again around the steps); the file goes when the last holder releases.
 *
 * @module
 */

import { RunError } from "../model/util/errors.ts";

/**
 * The run directory is locked by a live process: a run failure (exit code 1),
 * since the same command succeeds once the other trainer ends.
 */
export class RunLockedError extends RunError {
  /** The run directory `dir` is held by process `pid`. */
  constructor(dir: string, pid: number) {
    super(`run directory ${dir} is in use by process ${pid} (lock file ${dir}/LOCK)`);
  }
}

function alive(pid: number): boolean {
  try {
    // A zombie (killed, not yet reaped by its parent) holds nothing: state "Z".
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Lock files this process holds, with how many holders each. */
const held = new Map<string, number>();

function holder(path: string): () => Promise<void> {
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    const n = (held.get(path) ?? 1) - 1;
    if (n > 0) return void held.set(path, n);
    held.delete(path);
    await Deno.remove(path).catch(() => {});
  };
}

/** Take the lock of `dir` (created if needed); returns a release function. */
export async function lockRun(dir: string): Promise<() => Promise<void>> {
  await Deno.mkdir(dir, { recursive: true });
  const path = `${dir}/LOCK`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      // createNew makes taking the lock atomic: two trainers cannot both succeed.
      await Deno.writeTextFile(path, `${Deno.pid}\n`, { createNew: true });
      held.set(path, 1);
      return holder(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      const owner = Number((await Deno.readTextFile(path).catch(() => "")).trim());
      if (owner === Deno.pid && held.has(path)) {
        held.set(path, held.get(path)! + 1);
        return holder(path);
      }
      if (Number.isInteger(owner) && owner > 0 && owner !== Deno.pid && alive(owner)) {
        throw new RunLockedError(dir, owner);
      }
      console.error(`denofold: removing stale lock of process ${owner || "?"} in ${dir}`);
      await Deno.remove(path).catch(() => {});
    }
  }
  throw new RunError(`could not take the lock of ${dir} (${dir}/LOCK kept reappearing)`);
}
