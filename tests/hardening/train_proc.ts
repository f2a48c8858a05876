/**
 * Helpers for the hardening tests that run `deno task train` as a separate
 * process (signals, kills, locks, disk full): a tiny real-data config in the
 * style of tests/train/resume_kill_test.ts and small polling utilities.
 */
import { listCheckpoints, loadCheckpoint } from "../../model/checkpoint.ts";
import type { TrainState } from "../../model/checkpoint.ts";
import { assert } from "../assert.ts";

/** The train CLI, run as `deno task train` runs it. */
export const TRAIN_CLI = new URL("../../train/cli/train.ts", import.meta.url).pathname;

/** Tiny preset on the bundled sample: a step takes about a second on 2 cores. */
export const TINY = {
  preset: "tiny",
  crop: 32,
  msa_clusters: 4,
  extra_msa: 8,
  max_recycles: 0,
  validate_every: 1000,
  val_chains: 1,
  probes: 0,
  snapshots: { schedule: "every", every: 1000, count: 4 },
  seed: 3,
};

/** Write `config` to `<root>/<name>.json` and return the path. */
export async function writeConfig(
  root: string,
  name: string,
  config: Record<string, unknown>,
): Promise<string> {
  const path = `${root}/${name}.json`;
  await Deno.writeTextFile(path, JSON.stringify({ ...TINY, ...config }));
  return path;
}

/** A `deno task train` command on `dir` with a config file. */
export function trainCommand(dir: string, cfgPath: string, extra: string[] = []): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      TRAIN_CLI,
      "--config",
      cfgPath,
      "--out",
      dir,
      "--quiet",
      "--no-report",
      ...extra,
    ],
    stdout: "piped",
    stderr: "piped",
  });
}

/** Lines of `text` that the train CLI printed as its own (error) messages. */
export function trainLines(text: string): string[] {
  return text.split("\n").filter((l) => l.startsWith("train:"));
}

/** Decode process output. */
export function text(b: Uint8Array): string {
  return new TextDecoder().decode(b);
}

/** Number of lines in `<dir>/metrics.jsonl` (0 if absent). */
export async function stepsLogged(dir: string): Promise<number> {
  try {
    return (await Deno.readTextFile(`${dir}/metrics.jsonl`)).split("\n").filter((l) => l.trim())
      .length;
  } catch {
    return 0;
  }
}

/** Sleep for `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll `cond` every `ms` until it holds or the process `status` settles (returns false then). */
export async function waitFor(
  cond: () => Promise<boolean> | boolean,
  status: Promise<Deno.CommandStatus>,
  ms = 20,
): Promise<boolean> {
  let exited = false;
  status.then(() => exited = true);
  while (!exited) {
    if (await cond()) return true;
    await sleep(ms);
  }
  return await cond();
}

/** Names in `dir` matching `re`. */
export async function filesMatching(dir: string, re: RegExp): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (re.test(e.name)) out.push(e.name);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out.sort();
}

/** Temporaries of unfinished atomic checkpoint writes. */
export const CKPT_TMP = /^\.ckpt-\d{8}\.(json|safetensors)\.tmp-/;

/** The newest checkpoint of `dir`, loaded (throws if there is none). */
export async function newestCheckpoint(dir: string): Promise<{ path: string; state: TrainState }> {
  const all = await listCheckpoints(dir);
  assert(all.length > 0, `no checkpoint in ${dir}`);
  const path = all[all.length - 1];
  return { path, state: (await loadCheckpoint(path)).state };
}

/** True when every float of every parameter, moment and EMA tensor is identical (bitwise). */
export function sameState(a: TrainState, b: TrainState): string | undefined {
  for (const key of ["params", "m", "v", "ema"] as const) {
    if (a[key].size !== b[key].size) return `${key}: ${a[key].size} vs ${b[key].size} tensors`;
    for (const [name, x] of a[key]) {
      const y = b[key].get(name);
      if (!y || y.length !== x.length) return `${key} ${name}: missing or resized`;
      const xa = new Uint32Array(x.buffer, x.byteOffset, x.length);
      const ya = new Uint32Array(y.buffer, y.byteOffset, y.length);
      for (let i = 0; i < xa.length; i++) {
        if (xa[i] !== ya[i]) return `${key} ${name}[${i}]: ${x[i]} vs ${y[i]}`;
      }
    }
  }
  return undefined;
}
