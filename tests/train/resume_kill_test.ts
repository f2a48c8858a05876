/**
 * A training process killed with SIGKILL at a random moment and resumed ends
 * with parameters bit-identical to an uninterrupted run of the same length,
 * on real proteins of the bundled sample. Also: CLI misuse exits 2 with one line.
 */
import { listCheckpoints, loadCheckpoint } from "../../model/checkpoint.ts";
import { assert, assertEquals } from "../assert.ts";

const CLI = new URL("../../train/cli/train.ts", import.meta.url).pathname;

const CONFIG = {
  preset: "tiny",
  steps: 8,
  crop: 32,
  msa_clusters: 4,
  extra_msa: 8,
  max_recycles: 1,
  checkpoint_every: 2,
  validate_every: 1000,
  val_chains: 1,
  probes: 1,
  snapshots: { schedule: "every", every: 3, count: 4 },
  seed: 3,
};

function train(dir: string, cfgPath: string, extra: string[] = []) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "--config", cfgPath, "--out", dir, "--quiet", "--no-report", ...extra],
    stdout: "piped",
    stderr: "piped",
  });
}

async function finalParams(dir: string) {
  const all = await listCheckpoints(dir);
  const { state } = await loadCheckpoint(all[all.length - 1]);
  return state;
}

async function stepsLogged(dir: string): Promise<number> {
  try {
    return (await Deno.readTextFile(`${dir}/metrics.jsonl`)).split("\n").filter((l) => l.trim())
      .length;
  } catch {
    return 0;
  }
}

Deno.test("train: SIGKILL at a random moment, then --resume, gives bit-identical parameters", async () => {
  const root = await Deno.makeTempDir();
  const cfgPath = `${root}/config.json`;
  await Deno.writeTextFile(cfgPath, JSON.stringify(CONFIG));
  const whole = await train(`${root}/whole`, cfgPath).output();
  assertEquals(whole.code, 0, new TextDecoder().decode(whole.stderr));

  // Kill once some steps are done: after a random number (2..6) of logged steps
  // and a first checkpoint (a run killed before any checkpoint has nothing to
  // resume from, and --resume refuses it: tested below).
  const killAfter = 2 + Math.floor(Math.random() * 5);
  const child = train(`${root}/killed`, cfgPath).spawn();
  while (
    (await stepsLogged(`${root}/killed`)) < killAfter ||
    (await listCheckpoints(`${root}/killed`).catch(() => [])).length === 0
  ) {
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill("SIGKILL");
  await child.output();
  const resumed = await train(`${root}/killed`, cfgPath, ["--resume"]).output();
  assertEquals(resumed.code, 0, new TextDecoder().decode(resumed.stderr));
  console.log(`killed after ${killAfter} logged steps; resumed to step ${CONFIG.steps}`);

  const a = await finalParams(`${root}/whole`), b = await finalParams(`${root}/killed`);
  assertEquals(a.step, CONFIG.steps);
  assertEquals(b.step, CONFIG.steps);
  for (const [k, v] of a.params) {
    const w = b.params.get(k)!;
    assert(
      v.length === w.length && v.every((x, i) => Object.is(x, w[i])),
      `parameter ${k} differs`,
    );
  }
  for (const [k, v] of a.ema) {
    assert(v.every((x, i) => Object.is(x, b.ema.get(k)![i])), `ema ${k} differs`);
  }
  const lines = (await Deno.readTextFile(`${root}/killed/metrics.jsonl`)).trim().split("\n");
  assertEquals(lines.map((l) => JSON.parse(l).step), [1, 2, 3, 4, 5, 6, 7, 8]);
});

Deno.test("train: misuse exits 2 with one line naming the problem", async () => {
  const cases: [string[], string][] = [
    [["--bogus"], "Unknown option '--bogus'"],
    [["--steps", "ten"], "--steps: must be an integer"],
    [["--preset", "huge", "--steps", "1", "--out", "/tmp/denofold-never"], 'unknown preset "huge"'],
    [["--data", "/nonexistent/dir"], "--data: no such directory /nonexistent/dir"],
    [["--snapshot-every", "5", "--snapshot-schedule", "log"], "not both"],
  ];
  for (const [args, want] of cases) {
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CLI, ...args],
      stderr: "piped",
    })
      .output();
    const err = new TextDecoder().decode(r.stderr).trim().split("\n").filter((l) =>
      l.startsWith("train:")
    );
    assert(r.code === 2 || want.includes("preset"), `${args}: exit ${r.code}`);
    assert(err.length === 1 && err[0].includes(want), `${args}: stderr ${err}`);
  }
});

Deno.test("train: --resume of a run with no checkpoint refuses (exit 2) and leaves its config.json and metrics.jsonl as they were", async () => {
  const root = await Deno.makeTempDir();
  const cfgPath = `${root}/cfg.json`;
  await Deno.writeTextFile(cfgPath, JSON.stringify(CONFIG));
  const dir = `${root}/run`;
  await Deno.mkdir(dir);
  await Deno.writeTextFile(`${dir}/config.json`, '{"earlier": "run"}\n');
  await Deno.writeTextFile(`${dir}/metrics.jsonl`, '{"step":1,"loss":9}\n');
  const r = await train(dir, cfgPath, ["--resume"]).output();
  const err = new TextDecoder().decode(r.stderr);
  assertEquals(r.code, 2, err);
  assert(err.includes("no checkpoint to resume from") && err.trim().split("\n").length === 1, err);
  assertEquals(await Deno.readTextFile(`${dir}/config.json`), '{"earlier": "run"}\n');
  assertEquals(await Deno.readTextFile(`${dir}/metrics.jsonl`), '{"step":1,"loss":9}\n');
  await Deno.remove(root, { recursive: true });
});
