/**
 * Issue 9: a training process SIGKILLed at 10 random moments, half of them
 * while a checkpoint is being written, resumes each time and ends with
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
  sleep,
  stepsLogged,
  text,
  trainCommand,
  waitFor,
  writeConfig,
} from "./train_proc.ts";

const STEPS = 16;
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
  for (let k = 0; k < KILLS; k++) {
    const child = trainCommand(dir, cfg, ["--resume"]).spawn();
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
    let reached: boolean;
    let phase: string;
    // Few steps left for the kills still to come: kill at the next write (no progress).
    const tight = STEPS - before <= KILLS - k + 1;
    if (k % 2 === 0 || tight) {
      // During a checkpoint write: after 0-2 further steps, at the first temporary seen.
      const skip = tight ? 0 : Math.floor(Math.random() * 3);
      await waitFor(async () => (await stepsLogged(dir)) >= before + skip, status);
      reached = await waitFor(
        async () => (await filesMatching(dir, CKPT_TMP)).length > 0,
        status,
        1,
      );
      phase = `during a checkpoint write after ${skip} more step(s)`;
    } else {
      // Anywhere in a step: a random delay after this process's first step.
      const delay = Math.floor(Math.random() * 1200);
      reached = await waitFor(async () => (await stepsLogged(dir)) > before, status);
      await sleep(delay);
      phase = `${delay} ms after its first step`;
    }
    let killed = false;
    try {
      child.kill("SIGKILL");
      killed = true;
    } catch { /* already exited */ }
    const st = await status;
    await drained;
    const err = text(new Uint8Array(chunks.flatMap((c) => [...c])));
    if (deadPid) {
      assert(
        err.includes(`removing stale lock of process ${deadPid}`),
        `run ${k} did not report the stale lock of ${deadPid}: ${err}`,
      );
    }
    const leftovers = await filesMatching(dir, CKPT_TMP);
    if (leftovers.length > 0) midWrite++;
    events.push(
      `kill ${k + 1}: ${killed && st.signal === "SIGKILL" ? "killed" : `exited ${st.code}`} ` +
        `${
          reached ? phase : "(process ended first)"
        }; steps logged ${before} -> ${await stepsLogged(
          dir,
        )}` + (leftovers.length ? `; torn write left ${leftovers.join(", ")}` : ""),
    );
    deadPid = killed && st.signal === "SIGKILL" ? child.pid : 0;
    if (!killed || st.code === 0) break; // finished before the kill: nothing left to interrupt
  }
  const last = await trainCommand(dir, cfg, ["--resume"]).output();
  assertEquals(last.code, 0, text(last.stderr));
  if (deadPid) assert(text(last.stderr).includes(`removing stale lock of process ${deadPid}`));
  const whole = await wholeRun;
  assertEquals(whole.code, 0, text(whole.stderr));
  console.log(events.join("\n"));

  assert(midWrite >= 1, `no kill landed inside a checkpoint write:\n${events.join("\n")}`);
  assertEquals((await filesMatching(dir, CKPT_TMP)).length, 0, "temporaries left after resume");
  assertEquals((await filesMatching(dir, /^LOCK$/)).length, 0, "lock left after a clean exit");
  const a = await newestCheckpoint(`${root}/whole`), b = await newestCheckpoint(dir);
  assertEquals(a.state.step, STEPS);
  assertEquals(b.state.step, STEPS);
  const diff = sameState(a.state, b.state);
  assert(diff === undefined, `resumed run differs: ${diff}`);
  const lines = (await Deno.readTextFile(`${dir}/metrics.jsonl`)).trim().split("\n");
  assertEquals(lines.map((l) => JSON.parse(l).step), [...Array(STEPS).keys()].map((i) => i + 1));
});
