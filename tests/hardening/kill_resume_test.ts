/**
 * Issue 9: a training process SIGKILLed at 10 random moments (5 aimed at a
 * checkpoint write, 2 anywhere from start-up on, 3 inside a step), resumes each time and ends with
 * parameters, Adam moments and EMA bit-identical to an uninterrupted run. Each
 * kill leaves a stale lock (the dead pid), which the next run detects and takes
 * over; unfinished checkpoint temporaries are cleaned up.
 */
import { assert, assertEquals } from "../assert.ts";
import {
  CKPT_TMP,
  filesMatching,
  newestCheckpoint,
  sameState,
  stepsLogged,
  text,
  trainCommand,
  waitFor,
  writeConfig,
} from "./train_proc.ts";

const STEPS = 20;
const KILLS = 10;

Deno.test("train: SIGKILL at 10 random moments (5 during checkpoint writes), each resumed, ends bit-identical", async () => {
  const root = await Deno.makeTempDir({ prefix: "denofold_kill_" });
  // Checkpoint every step, so kills land during writes; one recycle keeps the
  // recycling draws in the continuation.
  const cfg = await writeConfig(root, "config", {
    steps: STEPS,
    checkpoint_every: 1,
    keep_last: 2,
    max_recycles: 1,
  });
  const wholeRun = trainCommand(`${root}/whole`, cfg).output();

  const dir = `${root}/killed`;
  const events: string[] = [];
  let midWrite = 0;
  let deadPid = 0;
  let kills = 0;
  for (let k = 0; k < KILLS; k++) {
    // --resume once there is a checkpoint; a run killed before its first is refused
    // (its files would be lost), so it is started anew as the refusal says: its files removed.
    const resume = (await filesMatching(dir, /^ckpt-\d+\.json$/)).length > 0;
    if (!resume) {
      for (const f of ["config.json", "metrics.jsonl", "report.html", "snapshots"]) {
        await Deno.remove(`${dir}/${f}`, { recursive: true }).catch(() => {});
      }
    }
    const child = trainCommand(dir, cfg, resume ? ["--resume"] : []).spawn();
    const status = child.status;
    const stderr = child.stderr.getReader();
    // Keep reading stderr so the child never blocks on a full pipe.
    const chunks: Uint8Array[] = [];
    const drained = (async () => {
      for (;;) {
        const { value, done } = await stderr.read();
        if (done) return;
        chunks.push(value);
      }
    })();
    child.stdout.cancel();
    const before = await stepsLogged(dir);
    // This process's own checkpoint temporaries (an earlier kill's stay until the loop starts).
    const mine = new RegExp(`${CKPT_TMP.source}${child.pid}-`);
    let reached: boolean;
    let phase: string;
    // Each kill may commit at most 2 steps, whatever the machine's speed; with few steps
    // left for the kills still to come, kill at this process's first write (at most 1).
    const tight = STEPS - before <= 2 * (KILLS - k);
    const t0 = Date.now();
    if (k % 2 === 0 || tight) {
      // During a checkpoint write: after 0-1 further steps, at the first temporary seen.
      const skip = tight ? 0 : Math.floor(Math.random() * 2);
      await waitFor(async () => (await stepsLogged(dir)) >= before + skip, status);
      reached = await waitFor(
        async () => (await filesMatching(dir, mine)).length > 0,
        status,
        1,
      );
      phase = `during a checkpoint write after ${skip} more step(s)`;
    } else if (k === 1 || k === 5) {
      // Anywhere from start-up (graph building, the config write) to the first step.
      const delay = 200 + Math.floor(Math.random() * 6000);
      reached = await waitFor(
        async () => Date.now() - t0 >= delay || (await stepsLogged(dir)) > before,
        status,
      );
      phase = `${Date.now() - t0} ms after start (drawn: ${delay} ms or the first step)`;
    } else {
      // Anywhere in a step: a random delay after this process's first step, before its third.
      const delay = Math.floor(Math.random() * 1200);
      await waitFor(async () => (await stepsLogged(dir)) > before, status);
      const t1 = Date.now();
      reached = await waitFor(
        async () => Date.now() - t1 >= delay || (await stepsLogged(dir)) >= before + 2,
        status,
      );
      phase = `${Date.now() - t1} ms after its first step (drawn: ${delay} ms or the second)`;
    }
    let killed = false;
    try {
      child.kill("SIGKILL");
      killed = true;
    } catch { /* already exited */ }
    const st = await status;
    await drained;
    const err = text(new Uint8Array(chunks.flatMap((c) => [...c])));
    // Who holds the lock now: this process (it got that far), or still the dead one.
    const lock = await Deno.readTextFile(`${dir}/LOCK`).catch(() => "");
    const tookLock = Number(lock.trim()) === child.pid || st.code === 0;
    if (deadPid && tookLock) {
      assert(
        err.includes(`removing stale lock of process ${deadPid}`),
        `run ${k} did not report the stale lock of ${deadPid}: ${err}`,
      );
    }
    const leftovers = await filesMatching(dir, mine);
    if (leftovers.length > 0) midWrite++;
    events.push(
      `kill ${k + 1}: ${killed && st.signal === "SIGKILL" ? "killed" : `exited ${st.code}`} ` +
        `${
          reached ? phase : "(process ended first)"
        }; steps logged ${before} -> ${await stepsLogged(
          dir,
        )}` + (leftovers.length ? `; torn write left ${leftovers.join(", ")}` : ""),
    );
    // A kill before the lock was taken leaves the previous dead owner's lock in place.
    if (tookLock) deadPid = killed && st.signal === "SIGKILL" ? child.pid : 0;
    if (!lock.trim()) deadPid = 0; // no lock (or one torn at creation): nothing to report
    if (killed && st.signal === "SIGKILL") kills++;
    if (!killed || st.code === 0) break; // finished before the kill: nothing left to interrupt
  }
  // The last run resumes, or starts anew as above when no kill left a checkpoint.
  const resumable = (await filesMatching(dir, /^ckpt-\d+\.json$/)).length > 0;
  if (!resumable) {
    for (const f of ["config.json", "metrics.jsonl", "report.html", "snapshots"]) {
      await Deno.remove(`${dir}/${f}`, { recursive: true }).catch(() => {});
    }
  }
  const last = await trainCommand(dir, cfg, resumable ? ["--resume"] : []).output();
  assertEquals(last.code, 0, text(last.stderr));
  if (deadPid) assert(text(last.stderr).includes(`removing stale lock of process ${deadPid}`));
  const whole = await wholeRun;
  assertEquals(whole.code, 0, text(whole.stderr));
  console.log(events.join("\n"));

  assertEquals(kills, KILLS, events.join("\n"));
  assert(midWrite >= 1, `no kill landed inside a checkpoint write:\n${events.join("\n")}`);
  assertEquals(await filesMatching(dir, /\.tmp-/), [], "temporaries left after resume");
  assertEquals((await filesMatching(dir, /^LOCK$/)).length, 0, "lock left after a clean exit");
  const a = await newestCheckpoint(`${root}/whole`), b = await newestCheckpoint(dir);
  assertEquals(a.state.step, STEPS);
  assertEquals(b.state.step, STEPS);
  const diff = sameState(a.state, b.state);
  assert(diff === undefined, `resumed run differs: ${diff}`);
  const lines = (await Deno.readTextFile(`${dir}/metrics.jsonl`)).trim().split("\n");
  assertEquals(lines.map((l) => JSON.parse(l).step), [...Array(STEPS).keys()].map((i) => i + 1));
  await Deno.remove(root, { recursive: true });
});
