/**
 * Crash-safe file replacement: write a temporary file in the same directory,
 * fsync it, then rename it over the target. A reader (or a resumed training
 * run) sees either the old file or the complete new one, never a torn write;
 * a failed write leaves the old file untouched and removes the temporary.
 *
 * Temporaries are named `.<target>.tmp-<pid>-<8 hex>`: a process killed
 * mid-write leaves one behind, and the next write to the same target removes
 * those of processes that no longer exist. Temporary directories made with
 * {@link makeOwnedTempDir} carry the pid the same way.
 *
 * @module
 */

import { processAlive } from "../util/process.ts";

function splitPath(path: string): { dir: string; base: string } {
  const slash = path.lastIndexOf("/");
  return slash < 0
    ? { dir: ".", base: path }
    : { dir: slash === 0 ? "/" : path.slice(0, slash), base: path.slice(slash + 1) };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Remove the temporaries of atomic writes to `dir/base` left by processes
 * that no longer exist (killed mid-write); returns their names.
 */
export async function removeDeadTemporaries(dir: string, base: string): Promise<string[]> {
  const pattern = new RegExp(`^\\.${escapeRegExp(base)}\\.tmp-(\\d+)-[0-9a-f]{8}$`);
  const removed: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      const m = pattern.exec(e.name);
      if (!m || !e.isFile || processAlive(Number(m[1]))) continue;
      await Deno.remove(`${dir}/${e.name}`).then(() => removed.push(e.name), () => {});
    }
  } catch { /* an unreadable directory: the write below reports it */ }
  return removed;
}

/**
 * A fresh temporary directory `<tmp>/<prefix><pid>-<random>`; those of the
 * same prefix whose process no longer exists (killed before it could remove
 * its own) are removed first.
 */
export async function makeOwnedTempDir(prefix: string): Promise<string> {
  const root = Deno.env.get("TMPDIR") || "/tmp";
  const pattern = new RegExp(`^${escapeRegExp(prefix)}(\\d+)-`);
  try {
    for await (const e of Deno.readDir(root)) {
      const m = pattern.exec(e.name);
      if (m && e.isDirectory && !processAlive(Number(m[1]))) {
        await Deno.remove(`${root}/${e.name}`, { recursive: true }).catch(() => {});
      }
    }
  } catch { /* no listing: nothing to tidy */ }
  return await Deno.makeTempDir({ dir: root, prefix: `${prefix}${Deno.pid}-` });
}

/** Write every byte (a single `write` may write fewer). */
export async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) done += await file.write(bytes.subarray(done));
}

/**
 * Replace `path` atomically with whatever `write` puts into the open file.
 * Lets large files (checkpoints) be streamed piece by piece.
 *
 * @example
 * ```ts
 * await writeFileAtomicWith("ckpt.safetensors", async (f) => {
 *   await writeAll(f, header);
 *   for (const t of tensors) await writeAll(f, t);
 * });
 * ```
 */
export async function writeFileAtomicWith(
  path: string,
  write: (file: Deno.FsFile) => Promise<void>,
): Promise<void> {
  const { dir, base } = splitPath(path);
  await removeDeadTemporaries(dir, base);
  // Same directory as the target, so rename() never crosses a filesystem.
  const tmp = `${dir}/.${base}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(tmp, { write: true, createNew: true, mode: 0o644 });
    await write(file);
    await file.sync();
    file.close();
    file = undefined;
    await Deno.rename(tmp, path);
  } catch (err) {
    try {
      file?.close();
    } catch { /* already closed */ }
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
  // Make the rename itself durable; not every platform lets a directory be fsynced.
  try {
    const d = await Deno.open(dir, { read: true });
    try {
      await d.sync();
    } finally {
      d.close();
    }
  } catch { /* best effort */ }
}

/** Replace `path` atomically with `bytes` (temp file + fsync + rename). */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await writeFileAtomicWith(path, (f) => writeAll(f, bytes));
}

/** Replace `path` atomically with UTF-8 `text`. */
export async function writeTextFileAtomic(path: string, text: string): Promise<void> {
  await writeFileAtomic(path, new TextEncoder().encode(text));
}
