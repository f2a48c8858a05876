/**
 * A run directory is owned by one training process at a time: a lock file
 * `LOCK` holding the owner's pid. A second trainer refuses, naming that pid; a
 * lock left by a process that no longer exists is detected as stale and taken
 * over. Within one process the lock is re-entrant (the CLI takes it before
 * setup, the loop again around the steps); the file goes when the last holder
 * releases.
 *
 * Atomic under races, stale locks included:
 *
 * - the lock is created complete or not at all: the pid is written to a
 *   private temporary file which is then hard-linked to `LOCK` (link fails
 *   when `LOCK` exists), so no reader ever sees a half-written lock and of
 *   several processes linking at once exactly one succeeds;
 * - a stale lock is removed only under an exclusive `flock` of the run
 *   directory, and only when it is still the very file found stale (same inode,
 *   same dead pid): of several processes that found the same stale lock, one
 *   removes it and the others, re-reading under the flock, find the new owner's
 *   lock (alive: refused) or none (try again). The kernel drops the flock of a
 *   process that dies, so the guard itself can never go stale.
 *
 * @module
 */

import { InputError, RunError } from "../model/util/errors.ts";
import { notRegular } from "../model/io/bounded.ts";
import { processAlive } from "../model/util/process.ts";

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

/** Lock files this process holds, with how many holders each. */
const held = new Map<string, number>();

/** The lock file as found: its owner's pid (0 when unreadable) and inode. */
interface Found {
  pid: number;
  ino: number | null;
}

/** What `path` holds now, or undefined when there is no lock file. */
async function readLock(path: string): Promise<Found | undefined> {
  try {
    // Never open what is not a regular file: a FIFO named LOCK would block the open.
    const what = notRegular(await Deno.lstat(path));
    if (what) {
      throw new InputError(
        `${path} is ${what}, not a lock file: remove it if no trainer is running`,
      );
    }
    const file = await Deno.open(path, { read: true });
    try {
      const { ino } = await file.stat();
      const buf = new Uint8Array(64);
      const n = (await file.read(buf)) ?? 0;
      const text = new TextDecoder().decode(buf.subarray(0, n)).trim();
      const pid = /^\d+$/.test(text) ? Number(text) : 0;
      return { pid, ino };
    } finally {
      file.close();
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** Create `path` holding this pid, atomically; false when it exists. */
async function createLock(path: string): Promise<boolean> {
  const dir = path.slice(0, path.lastIndexOf("/"));
  // Named like an atomic write's temporary, so a process killed right here leaves
  // nothing the run's tidy-up (removeStaleTemporaries) does not remove.
  const tmp = `${dir}/.LOCK.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  await Deno.writeTextFile(tmp, `${Deno.pid}\n`, { createNew: true });
  try {
    await Deno.link(tmp, path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return false;
    throw e;
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
}

/** Remove the stale lock `seen`, under the directory's flock, if it is still that file. */
async function removeStale(dir: string, path: string, seen: Found): Promise<void> {
  const guard = await Deno.open(dir, { read: true });
  try {
    await guard.lock(true);
    const now = await readLock(path);
    if (now && now.ino === seen.ino && now.pid === seen.pid) {
      console.error(`denofold: removing stale lock of process ${seen.pid || "?"} in ${dir}`);
      await Deno.remove(path);
    }
  } finally {
    guard.close(); // releases the flock
  }
}

function holder(path: string): () => Promise<void> {
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    const n = (held.get(path) ?? 1) - 1;
    if (n > 0) return void held.set(path, n);
    held.delete(path);
    // Only our own lock: never a file another process holds.
    const now = await readLock(path).catch(() => undefined);
    if (now?.pid === Deno.pid) await Deno.remove(path).catch(() => {});
  };
}

/** Take the lock of `dir` (created if needed); returns a release function. */
export async function lockRun(dir: string): Promise<() => Promise<void>> {
  await Deno.mkdir(dir, { recursive: true });
  const path = `${dir}/LOCK`;
  for (let attempt = 0; attempt < 8; attempt++) {
    if (await createLock(path)) {
      held.set(path, 1);
      return holder(path);
    }
    const found = await readLock(path);
    if (found === undefined) continue; // released in between: try again
    if (found.pid === Deno.pid && held.has(path)) {
      held.set(path, held.get(path)! + 1);
      return holder(path);
    }
    if (found.pid !== Deno.pid && processAlive(found.pid)) {
      throw new RunLockedError(dir, found.pid);
    }
    await removeStale(dir, path, found);
  }
  throw new RunError(`could not take the lock of ${dir} (${dir}/LOCK kept reappearing)`);
}
