/**
 * A run directory is owned by one training process at a time: a lock file
 * holding the owner's pid. A second trainer refuses, naming that pid; a lock
 * left by a process that no longer exists is detected as stale and taken over.
 *
 * @module
 */

/** The run directory is locked by a live process. */
export class RunLockedError extends Error {
  constructor(dir: string, pid: number) {
    super(`run directory ${dir} is in use by process ${pid} (lock file ${dir}/LOCK)`);
    this.name = "RunLockedError";
  }
}

function alive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/** Take the lock of `dir` (created if needed); returns a release function. */
export async function lockRun(dir: string): Promise<() => Promise<void>> {
  await Deno.mkdir(dir, { recursive: true });
  const path = `${dir}/LOCK`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      // createNew makes taking the lock atomic: two trainers cannot both succeed.
      await Deno.writeTextFile(path, `${Deno.pid}\n`, { createNew: true });
      return async () => {
        await Deno.remove(path).catch(() => {});
      };
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      const owner = Number((await Deno.readTextFile(path).catch(() => "")).trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== Deno.pid && alive(owner)) {
        throw new RunLockedError(dir, owner);
      }
      console.error(`denofold: removing stale lock of process ${owner || "?"} in ${dir}`);
      await Deno.remove(path).catch(() => {});
    }
  }
  throw new Error(`could not take the lock of ${dir}`);
}
