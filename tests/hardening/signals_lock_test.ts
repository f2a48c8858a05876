/**
 * Issue 9: SIGTERM and SIGINT mid-run give a checkpoint at the current step and
 * exit code 0; while a trainer runs, a second `train` on its run directory
 * refuses at once, naming the owner's pid, and leaves the directory alone.
 */
import { loadCheckpoint } from "../../model/checkpoint.ts";
import { assert, assertEquals } from "../assert.ts";
import {
  newestCheckpoint,
  stepsLogged,
  text,
  trainCommand,
  trainLines,
  waitFor,
  writeConfig,
} from "./train_proc.ts";

/** Start a run on `<root>/<signal>`; `interrupt()` sends `signal` once 2 steps are logged. */
function start(root: string, signal: Deno.Signal, cfg: string) {
  const dir = `${root}/${signal}`;
  const child = trainCommand(dir, cfg).spawn();
  const out = child.output();
  return {
    dir,
    child,
    async interrupt() {
      const reached = await waitFor(async () => (await stepsLogged(dir)) >= 2, child.status);
      assert(reached, `${signal}: the run ended before its second step`);
      child.kill(signal);
      return { dir, pid: child.pid, out: await out };
    },
  };
}

async function checkInterrupted(
  r: { dir: string; out: Deno.CommandOutput },
  signal: string,
): Promise<void> {
  const err = text(r.out.stderr);
  assertEquals(r.out.code, 0, `${signal}: ${err}`);
  const m = /interrupted: checkpoint written at step (\d+)/.exec(err);
  assert(m, `${signal}: no checkpoint message in ${err}`);
  const step = Number(m[1]);
  // The checkpoint is of the step the run was at: every logged step, no more.
  assertEquals(await stepsLogged(r.dir), step);
  const { path, state } = await newestCheckpoint(r.dir);
  assertEquals(path, `${r.dir}/ckpt-${String(step).padStart(8, "0")}.json`);
  assertEquals(state.step, step);
  assert((await loadCheckpoint(path)).sidecar.step === step);
  for (const [name, p] of state.params) assert(p.every(Number.isFinite), `${name} not finite`);
  assert(!(await Deno.stat(`${r.dir}/LOCK`).catch(() => null)), `${signal}: lock left behind`);
}

Deno.test("train: SIGTERM and SIGINT mid-run checkpoint the current step and exit 0; a second trainer on a live run refuses with its pid", async () => {
  const root = await Deno.makeTempDir({ prefix: "denofold_signals_" });
  // No periodic checkpoint within the run: the one found must come from the signal.
  const cfg = await writeConfig(root, "config", { steps: 40, checkpoint_every: 1000 });

  const termRun = start(root, "SIGTERM", cfg);
  const intRun = start(root, "SIGINT", cfg);
  const int = intRun.interrupt();

  // The second trainer: start it once the first owns SIGTERM's directory.
  const dir = termRun.dir;
  let owner = 0;
  const locked = await waitFor(async () => {
    owner = Number((await Deno.readTextFile(`${dir}/LOCK`).catch(() => "")).trim());
    return owner > 0;
  }, termRun.child.status);
  assert(locked, "the first trainer ended without taking the lock");
  const config = await Deno.readTextFile(`${dir}/config.json`).catch(() => undefined);
  const second = await trainCommand(dir, cfg, ["--resume"]).output();
  const lines = trainLines(text(second.stderr));
  assert(second.code !== 0, "the second trainer did not refuse");
  assertEquals(lines.length, 1, text(second.stderr));
  assertEquals(
    lines[0],
    `train: run directory ${dir} is in use by process ${owner} (lock file ${dir}/LOCK)`,
  );
  assert(!text(second.stderr).includes("    at "), "a stack trace without --debug");
  // Refused before touching anything: the owner's lock and config are unchanged.
  assertEquals(Number((await Deno.readTextFile(`${dir}/LOCK`)).trim()), owner);
  if (config !== undefined) assertEquals(await Deno.readTextFile(`${dir}/config.json`), config);

  const t = await termRun.interrupt(), i = await int;
  assertEquals(t.pid, owner);
  await checkInterrupted(t, "SIGTERM");
  await checkInterrupted(i, "SIGINT");
  await Deno.remove(root, { recursive: true });
});
