/**
 * Issue 19: one owner per run directory. Eight processes try to take the lock
 * of one run directory at the same moment, twenty rounds: against no lock,
 * against a stale lock (a dead pid), against a lock of garbage, and against a
 * live process's lock. Each round with no live owner ends with exactly one
 * owner and seven refusals naming it; a live owner's lock is left
 * byte-identical with no new owner. No temporary of the lock is left behind.
 * From the command line: a live owner is exit 1 in one line, a LOCK that is a
 * FIFO or a directory is exit 2 in one line (never opened: a FIFO would block),
 * a stale lock is taken over; the run's files stay byte-identical.
 */
import { assert, assertEquals } from "../assert.ts";
import {
  assertOneLine,
  assertUnchanged,
  mkfifo,
  pool,
  runCli,
  snapshot,
} from "./reliability_harness.ts";

const WORKER = new URL("./lock_worker.ts", import.meta.url).pathname;
const WORKERS = 8;
const ROUNDS = 20;

/** One worker process and a line reader of its answers. */
function spawnWorker(dir: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", WORKER, dir],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let rest = "";
  return {
    pid: child.pid,
    send: (line: string) => writer.write(new TextEncoder().encode(line + "\n")),
    async answer(): Promise<string> {
      for (;;) {
        const nl = rest.indexOf("\n");
        if (nl >= 0) {
          const line = rest.slice(0, nl);
          rest = rest.slice(nl + 1);
          return line;
        }
        const { done, value } = await reader.read();
        if (done) throw new Error(`worker ${child.pid} ended`);
        rest += value;
      }
    },
    async close() {
      await writer.write(new TextEncoder().encode("exit\n")).catch(() => {});
      await writer.close().catch(() => {});
      await reader.cancel().catch(() => {});
      await child.status;
    },
  };
}

type Setup = "none" | "stale" | "garbage" | "live";

Deno.test("run lock: 8 processes at once, 20 rounds (none, stale, garbage, live lock): exactly one owner each time", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denofold_lockrace_" });
  const workers = Array.from({ length: WORKERS }, () => spawnWorker(dir));
  try {
    const setups: Setup[] = ["stale", "none", "garbage", "stale", "live"];
    for (let round = 0; round < ROUNDS; round++) {
      const setup = setups[round % setups.length];
      const lock = `${dir}/LOCK`;
      if (setup === "stale") await Deno.writeTextFile(lock, "999999999\n");
      if (setup === "garbage") await Deno.writeTextFile(lock, "not a pid\n");
      // pid 1 (init) is alive in every container and is none of the workers.
      if (setup === "live") await Deno.writeTextFile(lock, "1\n");
      const before = await Deno.readFile(lock).catch(() => undefined);
      // All at once: the commands go out together, the answers are read after.
      await Promise.all(workers.map((w) => w.send("go")));
      const answers = await Promise.all(workers.map((w) => w.answer()));
      const owners = workers.filter((_, i) => answers[i] === "owner");
      const where = `round ${round} (${setup}): ${answers.join(" | ")}`;
      if (setup === "live") {
        assertEquals(owners.length, 0, where);
        assertEquals(await Deno.readFile(lock), before, where);
        for (const a of answers) assert(a.includes("in use by process 1 "), where);
        await Deno.remove(lock);
        continue;
      }
      assertEquals(owners.length, 1, where);
      const owner = owners[0];
      assertEquals((await Deno.readTextFile(lock)).trim(), String(owner.pid), where);
      for (const [i, a] of answers.entries()) {
        if (workers[i] === owner) continue;
        assert(a.startsWith("refused ") && a.includes(`in use by process ${owner.pid} `), where);
      }
      await owner.send("release");
      assertEquals(await owner.answer(), "released", where);
      assert(!(await Deno.stat(lock).catch(() => undefined)), `${where}: LOCK left after release`);
      const left = [...Deno.readDirSync(dir)].map((e) => e.name);
      assertEquals(left, [], `${where}: files left in the run directory`);
    }
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run lock from the command line: live owner exit 1, a FIFO or directory LOCK exit 2 without hanging, a stale lock taken over; files byte-identical", async () => {
  const root = await Deno.makeTempDir({ prefix: "denofold_lockcli_" });
  try {
    await Deno.mkdir(`${root}/data`);
    const run = async (name: string, lock: "live" | "fifo" | "dir" | "stale") => {
      const dir = `${root}/${name}`;
      await Deno.mkdir(dir);
      // An earlier run that never checkpointed: whoever gets the lock must refuse it.
      await Deno.writeTextFile(`${dir}/config.json`, '{"preset": "tiny"}\n');
      await Deno.writeTextFile(`${dir}/metrics.jsonl`, '{"step": 1}\n');
      if (lock === "live") await Deno.writeTextFile(`${dir}/LOCK`, "1\n");
      if (lock === "fifo") await mkfifo(`${dir}/LOCK`);
      if (lock === "dir") await Deno.mkdir(`${dir}/LOCK`);
      if (lock === "stale") await Deno.writeTextFile(`${dir}/LOCK`, "999999999\n");
      return dir;
    };
    const live = await run("live", "live"), fifo = await run("fifo", "fifo");
    const dirLock = await run("dirlock", "dir"), stale = await run("stale", "stale");
    const args = (out: string) => ["--data", `${root}/data`, "--out", out, "--quiet"];
    const before = await snapshot(root);
    const [rLive, rFifo, rDir, rStale] = await pool([
      () => runCli("train", args(live), { timeoutMs: 30_000 }),
      () => runCli("train", args(fifo), { timeoutMs: 30_000 }),
      () => runCli("train", args(dirLock), { timeoutMs: 30_000 }),
      () => runCli("train", args(stale), { timeoutMs: 30_000 }),
    ]);
    assertOneLine(
      rLive,
      1,
      `train: run directory ${live} is in use by process 1 (lock file ${live}/LOCK)`,
      "a live owner",
    );
    assertOneLine(
      rFifo,
      2,
      `train: ${fifo}/LOCK is a FIFO (named pipe), not a lock file: remove it if no trainer`,
      "a FIFO lock",
    );
    assertOneLine(
      rDir,
      2,
      `train: ${dirLock}/LOCK is a directory, not a lock file`,
      "a directory lock",
    );
    // The stale lock: taken over (one note), then the run refused as it would be unlocked.
    assert(!rStale.timedOut && rStale.code === 2, rStale.stderr);
    assertEquals(rStale.lines, [
      `denofold: removing stale lock of process 999999999 in ${stale}`,
      `train: ${stale} holds config.json and metrics.jsonl but no checkpoint; train into ` +
      "another --out, or remove them to start over",
    ]);
    before.delete("stale/LOCK");
    assertUnchanged(before, await snapshot(root), "the run directories");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
