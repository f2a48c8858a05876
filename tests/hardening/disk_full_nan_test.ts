/**
 * Issue 9: a disk that fills up while a checkpoint is written (a real 28 MB
 * tmpfs holding the run directory: room for two checkpoints of the tiny
 * model, not three) stops the run with one clear line while the previous
 * checkpoint stays complete and loadable; and non-finite steps (an honest
 * trigger: a learning rate of 1e30 blows the parameters up after one step) are
 * skipped, counted in metrics.jsonl, and after k of them in a row the run stops
 * with the last good parameters in its checkpoint.
 */
import { listCheckpoints, loadCheckpoint } from "../../model/checkpoint.ts";
import { assert, assertEquals } from "../assert.ts";
import {
  CKPT_TMP,
  filesMatching,
  newestCheckpoint,
  sameState,
  text,
  trainCommand,
  trainLines,
  writeConfig,
} from "./train_proc.ts";

/** Mount a tmpfs of `size` at a new directory; undefined when mounting is not permitted. */
async function smallTmpfs(size: string): Promise<string | undefined> {
  const dir = await Deno.makeTempDir({ prefix: "denofold_tmpfs_" });
  const r = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir],
    stderr: "piped",
  }).output().catch(() => undefined);
  if (!r?.success) {
    console.log(`cannot mount a tmpfs here (${r ? text(r.stderr).trim() : "no mount"})`);
    return undefined;
  }
  return dir;
}

const canMount = Deno.uid() === 0;

Deno.test({
  name: "train: disk full while checkpointing (28 MB tmpfs) keeps the previous checkpoint loadable",
  ignore: !canMount, // mounting needs root; the atomic-write test covers the rest
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "denofold_diskfull_" });
    const mnt = await smallTmpfs("28m");
    assert(mnt, "mount failed although running as root");
    try {
      // Each checkpoint of the tiny model is ~10.7 MB: steps 1 and 2 fit, step 3 cannot.
      const cfg = await writeConfig(root, "config", {
        steps: 6,
        checkpoint_every: 1,
        keep_last: 2,
      });
      const dir = `${mnt}/run`;
      const r = await trainCommand(dir, cfg).output();
      const err = text(r.stderr);
      assertEquals(r.code, 1, err);
      const lines = trainLines(err);
      assertEquals(lines.length, 1, err);
      assert(!err.includes("    at "), "a stack trace without --debug");
      assert(
        lines[0].startsWith("train: checkpoint at step 3 not written (No space left on device") &&
          lines[0].endsWith(`last complete checkpoint: ${dir}/ckpt-00000002.json`),
        lines[0],
      );
      assertEquals(await filesMatching(dir, CKPT_TMP), [], "a torn temporary was left");
      const all = await listCheckpoints(dir);
      assertEquals(all.map((p) => p.slice(dir.length + 1)), [
        "ckpt-00000001.json",
        "ckpt-00000002.json",
      ]);
      const { state } = await loadCheckpoint(all[1]);
      assertEquals(state.step, 2);
      for (const [name, p] of state.params) assert(p.every(Number.isFinite), name);
      // The run resumes from it once there is room again (here: a bigger disk).
      await Deno.mkdir(`${root}/moved`);
      for await (const e of Deno.readDir(dir)) {
        await Deno.copyFile(`${dir}/${e.name}`, `${root}/moved/${e.name}`);
      }
      await Deno.remove(`${root}/moved/LOCK`).catch(() => {});
      const resumed = await trainCommand(`${root}/moved`, cfg, ["--resume"]).output();
      assertEquals(resumed.code, 0, text(resumed.stderr));
      assert(text(resumed.stderr).includes("resuming from step 2"), text(resumed.stderr));
      await Deno.remove(root, { recursive: true });
    } finally {
      await new Deno.Command("umount", { args: ["-l", mnt!] }).output();
      await Deno.remove(mnt!).catch(() => {});
    }
  },
});

Deno.test("train: non-finite steps (lr 1e30) are skipped and counted; after 3 in a row the run stops with the last good checkpoint", async () => {
  const root = await Deno.makeTempDir({ prefix: "denofold_nan_" });
  const cfg = await writeConfig(root, "config", {
    steps: 10,
    checkpoint_every: 1,
    keep_last: 10,
    max_consecutive_skips: 3,
    schedule: {
      base_lr: 1e30,
      warmup_steps: 1,
      decay_after: 1_000_000,
      decay_every: 50_000,
      decay_factor: 0.95,
    },
  });
  const dir = `${root}/run`;
  const r = await trainCommand(dir, cfg).output();
  const err = text(r.stderr);
  // Exit code 1 documents "stopped on non-finite steps" (train/cli/train.ts).
  assertEquals(r.code, 1, err);
  assert(err.includes("3 consecutive skipped steps: stopping with the last good checkpoint"), err);
  const metrics = (await Deno.readTextFile(`${dir}/metrics.jsonl`)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  // Step 1 is finite (and throws the parameters to ~1e28); 2..4 overflow and are skipped.
  assertEquals(metrics.map((m) => [m.step, m.skipped]), [[1, 0], [2, 1], [3, 1], [4, 1]]);
  assert(Number.isFinite(metrics[0].loss));
  assert(metrics.slice(1).every((m) => !Number.isFinite(m.grad_norm) || m.grad_norm === null));
  for (let s = 2; s <= 4; s++) assert(err.includes(`step ${s}: non-finite loss or gradient`));
  // Checkpoints written after skipped steps still load (their NaN metrics are nulls).
  const all = await listCheckpoints(dir);
  assertEquals(all.length, 3);
  for (const p of all) await loadCheckpoint(p);
  // The newest checkpoint holds the parameters of the last good step, bit for bit.
  const newest = await newestCheckpoint(dir);
  const good = await loadCheckpoint(`${dir}/ckpt-00000001.json`);
  assert(newest.state.step >= 1 && newest.state.step <= 4);
  for (const [name, p] of newest.state.params) assert(p.every(Number.isFinite), name);
  // Parameters, Adam moments and EMA: a skipped step leaves all of them as they were.
  const same = sameState(good.state, newest.state);
  assert(same === undefined, `skipped steps changed the state: ${same}`);
  await Deno.remove(root, { recursive: true });
});
