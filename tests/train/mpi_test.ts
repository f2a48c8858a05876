/**
 * train/dist/mpi.ts: collectives over Debian's MPICH, checked by real 2-rank
 * jobs (`mpirun -np 2 deno run -A tests/train/mpi_rank.ts MODE`), and the
 * failure policy: a rank that throws, exits early or is SIGKILLed ends the
 * whole job with a non-zero exit code within seconds. Without mpirun the
 * 2-rank tests are skipped with one printed reason, unless
 * DENOFOLD_REQUIRE_TOOLS=1 (then they fail).
 */

import { detectLaunch } from "../../train/dist/mpi.ts";
import { RunError } from "../../model/util/errors.ts";
import { assert, assertEquals, assertThrows } from "../assert.ts";

const SCRIPT = new URL("./mpi_rank.ts", import.meta.url).pathname;
const LAUNCH_VARS = /^(PMI_|PMIX_|SLURM_|OMPI_|HYDRA_|MPI_LOCAL|DENOFOLD_MPI_)/;

/** This environment without anything a launcher sets. */
function plainEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(Deno.env.toObject()).filter(([k]) => !LAUNCH_VARS.test(k)),
  );
}

async function mpirunMissing(): Promise<string> {
  try {
    const out = await new Deno.Command("mpirun", {
      args: ["--version"],
      stdout: "piped",
      stderr: "piped",
    })
      .output();
    const text = new TextDecoder().decode(out.stdout);
    if (!out.success) return "mpirun --version failed";
    if (!/HYDRA/i.test(text)) return "mpirun is not MPICH's Hydra (install mpich)";
    return "";
  } catch {
    return "mpirun is not installed (apt-get install mpich)";
  }
}

interface Job {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run a command to its end, or kill it after `timeoutMs` (then the test fails). */
async function run(cmd: string, args: string[], env: Record<string, string>, timeoutMs: number) {
  const t0 = performance.now();
  const child = new Deno.Command(cmd, {
    args,
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  })
    .spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGTERM");
  }, timeoutMs);
  const out = await child.output();
  clearTimeout(timer);
  const job: Job = {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
    ms: performance.now() - t0,
  };
  if (timedOut) {
    throw new Error(`${cmd} ${args.join(" ")}: no end after ${timeoutMs} ms (hang)\n${job.stderr}`);
  }
  return job;
}

/** `mpirun -np N` (default 2) of one mode of mpi_rank.ts. */
function mpirun(mode: string, np = 2, timeoutMs = 60_000): Promise<Job> {
  return run(
    "mpirun",
    ["-np", String(np), Deno.execPath(), "run", "-A", SCRIPT, mode],
    plainEnv(),
    timeoutMs,
  );
}

const missing = await mpirunMissing();
const require = Deno.env.get("DENOFOLD_REQUIRE_TOOLS") === "1";
if (missing && !require) console.log(`skipping the 2-rank MPI tests: ${missing}`);
const ignore = missing !== "" && !require;

function mpiTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name: `mpi: ${name}`,
    ignore,
    fn: async () => {
      if (missing) throw new Error(`DENOFOLD_REQUIRE_TOOLS=1 but ${missing}`);
      await fn();
    },
  });
}

mpiTest(
  "2 ranks: size and rank, allreduce sum/max/min, broadcast, chunking, same bits everywhere",
  async () => {
    const job = await mpirun("collectives");
    assertEquals(job.code, 0, job.stderr);
    for (const r of [0, 1]) {
      assert(job.stdout.includes(`rank ${r} of 2 kind mpi`), job.stdout);
      assert(job.stdout.includes(`rank ${r} ok collectives`), job.stdout);
    }
  },
);

mpiTest(
  "3 ranks (not a power of two): the same collectives, the same bits on every rank",
  async () => {
    const job = await mpirun("collectives", 3);
    assertEquals(job.code, 0, job.stderr);
    for (const r of [0, 1, 2]) assert(job.stdout.includes(`rank ${r} ok collectives`), job.stdout);
  },
);

mpiTest("2 ranks: allreduceSum of 10M floats equals the JS sum exactly", async () => {
  const job = await mpirun("large");
  assertEquals(job.code, 0, job.stderr);
  for (const r of [0, 1]) assert(job.stdout.includes(`rank ${r} ok large 10000000`), job.stdout);
  const ms = Number(job.stdout.match(/allreduce (\d+(?:\.\d+)?) ms/)?.[1]);
  assert(ms < 5000, `10M-float allreduce took ${ms} ms`);
});

mpiTest("2 ranks: onnxruntime and libmpich in one process", async () => {
  const job = await mpirun("ort");
  assertEquals(job.code, 0, job.stderr);
  for (const r of [0, 1]) assert(job.stdout.includes(`rank ${r} ok ort`), job.stdout);
});

/** The job ended quickly with exit code != 0, and rank 0 never got past the allreduce. */
function failedFast(job: Job): void {
  assert(job.code !== 0, `exit code 0\n${job.stdout}\n${job.stderr}`);
  assert(!job.stdout.includes("passed the allreduce"), job.stdout);
  assert(job.ms < 15_000, `the job took ${job.ms.toFixed(0)} ms to end`);
}

mpiTest("a rank that throws aborts the job: exit code 1, one line naming the rank", async () => {
  const job = await mpirun("throw");
  failedFast(job);
  assertEquals(job.code, 1);
  assert(job.stderr.includes("denofold: rank 1 of 2: RunError: boom on purpose"), job.stderr);
});

mpiTest("an uncaught error outside the awaited chain (a timer) aborts the job", async () => {
  const job = await mpirun("stray");
  failedFast(job);
  assertEquals(job.code, 1);
  assert(job.stderr.includes("denofold: rank 1 of 2: uncaught TypeError: stray boom"), job.stderr);
});

mpiTest(
  "a rank that exits 0 before finalize() fails the job instead of passing for success",
  async () => {
    const job = await mpirun("exit0");
    failedFast(job);
    assert(job.stderr.includes("rank 1 of 2: exited (code 0) without finalize()"), job.stderr);
  },
);

mpiTest("a SIGKILLed rank ends the job (Hydra kills the others), no hang", async () => {
  const job = await mpirun("kill");
  failedFast(job);
  assertEquals(job.code, 9); // Hydra exits with the signal number; its banner goes to stdout
  assert(job.stdout.includes("Killed (signal 9)"), job.stdout);
});

mpiTest("ranks that disagree on a buffer length get a RunError, not a hang", async () => {
  const job = await mpirun("mismatch");
  failedFast(job);
  assert(job.stderr.includes("ranks passed different lengths"), job.stderr);
});

Deno.test("mpi: without a launcher the LocalCommunicator runs and libmpich is not loaded", async () => {
  const job = await run(Deno.execPath(), ["run", "-A", SCRIPT, "local"], plainEnv(), 60_000);
  assertEquals(job.code, 0, job.stderr);
  assert(job.stdout.includes("rank 0 of 1 kind local libmpich loaded false"), job.stdout);
});

Deno.test("mpi: a launcher without libmpich: one line (install MPICH), exit code 1", async () => {
  const env = {
    ...plainEnv(),
    PMI_RANK: "0",
    PMI_SIZE: "1",
    PMI_FD: "99",
    DENOFOLD_MPI_LIBRARY: "/nonexistent/libmpich.so.12",
  };
  const job = await run(Deno.execPath(), ["run", "-A", SCRIPT, "collectives"], env, 60_000);
  assertEquals(job.code, 1, job.stderr);
  const lines = job.stderr.trim().split("\n");
  assertEquals(lines.length, 1, job.stderr);
  assert(lines[0].includes("cannot load /nonexistent/libmpich.so.12"), lines[0]);
  assert(lines[0].includes("install MPICH"), lines[0]);
});

Deno.test("mpi: detectLaunch reads Hydra's and srun's PMI variables and refuses launches MPICH cannot join", () => {
  assertEquals(detectLaunch({}), undefined);
  assertEquals(detectLaunch({ PMI_RANK: "1", PMI_SIZE: "4", PMI_FD: "6" }), {
    launcher: "mpirun",
    rank: 1,
    size: 4,
  });
  assertEquals(detectLaunch({ PMI_RANK: "0", PMI_SIZE: "2", PMI_PORT: "host:1234" }), {
    launcher: "mpirun",
    rank: 0,
    size: 2,
  });
  const srun = {
    PMI_RANK: "3",
    PMI_SIZE: "8",
    PMI_FD: "5",
    PMI_JOBID: "77.0",
    SLURM_PROCID: "3",
    SLURM_STEP_NUM_TASKS: "8",
  };
  assertEquals(detectLaunch(srun), { launcher: "srun", rank: 3, size: 8 });
  // A Slurm batch script or a 1-task step: a plain process.
  assertEquals(
    detectLaunch({ SLURM_JOB_ID: "77", SLURM_NTASKS: "8", SLURM_PROCID: "0" }),
    undefined,
  );
  assertEquals(detectLaunch({ SLURM_PROCID: "0", SLURM_STEP_NUM_TASKS: "1" }), undefined);
  assertThrows(
    () => detectLaunch({ SLURM_PROCID: "1", SLURM_STEP_NUM_TASKS: "4" }),
    RunError,
    "use srun --mpi=pmi2",
  );
  assertThrows(() => detectLaunch({ PMIX_RANK: "0", PMIX_NAMESPACE: "x" }), RunError, "--mpi=pmi2");
  assertThrows(
    () => detectLaunch({ OMPI_COMM_WORLD_SIZE: "2", OMPI_COMM_WORLD_RANK: "0" }),
    RunError,
    "Open MPI",
  );
});

mpiTest(
  "train: mpirun -np 2 with batch 2 (interrupted after 2 steps, resumed to 3) equals one process with batch 2, bit for bit; rank 0 alone writes",
  async () => {
    const cli = new URL("../../train/cli/train.ts", import.meta.url).pathname;
    const root = await Deno.makeTempDir({ prefix: "denofold-mpi-train-" });
    const config = {
      preset: "tiny",
      steps: 3,
      batch_size: 2,
      crop: 32,
      msa_clusters: 4,
      extra_msa: 8,
      checkpoint_every: 1,
      validate_every: 1000,
      val_chains: 1,
      val_max_length: 64,
      probes: 0,
      seed: 4,
    };
    await Deno.writeTextFile(`${root}/config.json`, JSON.stringify(config));
    const args = (dir: string, extra: string[] = []) =>
      ["run", "-A", cli, "--config", `${root}/config.json`, "--out", dir, "--quiet", "--no-report"]
        .concat(extra);
    // One thread, as each of the two ranks on this node: the same float summation order.
    const one = await run(
      Deno.execPath(),
      args(`${root}/one`, ["--threads", "1"]),
      plainEnv(),
      300_000,
    );
    assertEquals(one.code, 0, one.stderr);
    const mpi = (extra: string[]) =>
      run(
        "mpirun",
        ["-np", "2", Deno.execPath(), ...args(`${root}/two`, extra)],
        plainEnv(),
        300_000,
      );
    const first = await mpi(["--steps", "2"]);
    assertEquals(first.code, 0, first.stderr);
    assert(first.stderr.includes("2 processes"), first.stderr);
    const second = await mpi(["--resume", "--steps", "3"]);
    assertEquals(second.code, 0, second.stderr);
    const { listCheckpoints, loadCheckpoint } = await import("../../model/checkpoint.ts");
    const last = async (dir: string) =>
      (await loadCheckpoint((await listCheckpoints(dir)).at(-1)!)).state;
    const [a, b] = [await last(`${root}/one`), await last(`${root}/two`)];
    assertEquals(b.step, 3);
    for (const [k, v] of a.params) assertEquals(b.params.get(k), v, k);
    for (const [k, v] of a.ema) assertEquals(b.ema.get(k), v, k);
    // One metrics line per step: rank 1 wrote nothing.
    const lines = (await Deno.readTextFile(`${root}/two/metrics.jsonl`)).trim().split("\n");
    assertEquals(lines.map((l) => JSON.parse(l).step), [1, 2, 3]);
    // A batch that does not split over the ranks is refused, in one line per job.
    const odd = await mpi(["--resume", "--steps", "4", "--batch-size", "3"]);
    assert(odd.code === 2, `exit ${odd.code}: ${odd.stderr}`);
    assert(odd.stderr.includes("batch_size 3 does not split over 2 processes"), odd.stderr);
    await Deno.remove(root, { recursive: true });
  },
);

/** The pid of the rank-`rank` process whose command line mentions `marker`, if any. */
async function rankPid(rank: number, marker: string): Promise<number | undefined> {
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const cmd = await Deno.readTextFile(`/proc/${e.name}/cmdline`);
      if (!cmd.includes(marker) || cmd.startsWith("mpirun")) continue;
      const env = await Deno.readTextFile(`/proc/${e.name}/environ`);
      if (env.split("\0").includes(`PMI_RANK=${rank}`)) return Number(e.name);
    } catch { /* gone, or not ours */ }
  }
  return undefined;
}

mpiTest(
  "train: a rank SIGKILLed mid-run ends the whole job within seconds, non-zero; --resume continues from the last checkpoint",
  async () => {
    const cli = new URL("../../train/cli/train.ts", import.meta.url).pathname;
    const root = await Deno.makeTempDir({ prefix: "denofold-mpi-kill-" });
    const config = {
      preset: "tiny",
      steps: 400,
      batch_size: 2,
      crop: 32,
      msa_clusters: 4,
      extra_msa: 8,
      checkpoint_every: 1,
      validate_every: 1000,
      val_chains: 1,
      val_max_length: 64,
      probes: 0,
    };
    await Deno.writeTextFile(`${root}/config.json`, JSON.stringify(config));
    const dir = `${root}/run`;
    const args = ["run", "-A", cli, "--config", `${root}/config.json`, "--out", dir, "--quiet"];
    const job = new Deno.Command("mpirun", {
      args: ["-np", "2", Deno.execPath(), ...args, "--no-report"],
      env: plainEnv(),
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const output = job.output();
    const logged = async () =>
      (await Deno.readTextFile(`${dir}/metrics.jsonl`).catch(() => "")).trim().split("\n")
        .filter((l) => l).length;
    const t0 = performance.now();
    while ((await logged()) < 2 && performance.now() - t0 < 240_000) {
      await new Promise((r) => setTimeout(r, 200));
    }
    const pid = await rankPid(1, dir);
    assert(pid !== undefined, "rank 1 not found");
    const killedAt = performance.now();
    Deno.kill(pid, "SIGKILL");
    const timer = setTimeout(() => job.kill("SIGKILL"), 60_000);
    const out = await output;
    clearTimeout(timer);
    const ended = (performance.now() - killedAt) / 1000;
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert(out.code !== 0, `the job ended with ${out.code}`);
    assert(ended < 30, `the job took ${ended.toFixed(1)} s to end after the kill`);
    assert(
      /Killed|signal 9|BAD TERMINATION/.test(text),
      `no message naming the killed rank: ${text}`,
    );
    // Resume from the last checkpoint, one process this time, a few steps further.
    const { listCheckpoints } = await import("../../model/checkpoint.ts");
    const ckpts = await listCheckpoints(dir);
    assert(ckpts.length > 0, "no checkpoint written before the kill");
    const at = Number(/ckpt-(\d+)\.json$/.exec(ckpts.at(-1)!)![1]);
    const resumed = await run(
      Deno.execPath(),
      [...args, "--resume", "--steps", String(at + 2), "--no-report"],
      plainEnv(),
      300_000,
    );
    assertEquals(resumed.code, 0, resumed.stderr);
    assert(resumed.stderr.includes(`resuming from step ${at}`), resumed.stderr);
    await Deno.remove(root, { recursive: true }).catch(() => {});
  },
);
