/**
 * Issue 19, "resume never destroys": `train --resume` checks the settings it is
 * given against the run before anything is written — a different model
 * (preset, model override) than the checkpoints hold, --steps below the step
 * reached, an unusable --data, checkpoints none of which is complete — and a
 * fresh run refuses a directory holding an earlier run's files. Each case
 * asserts exit code 2, the one line and that config.json, metrics.jsonl and
 * the checkpoints are byte-identical. In the library, checkpoints are checked
 * against the model's own parameter shapes, and the loop refuses checkpoints
 * none of which loads instead of starting over.
 */
import { assertEquals, assertRejects } from "../assert.ts";
import { checkCheckpoint, latestCheckpoint, loadCheckpoint } from "../../model/checkpoint.ts";
import { InputError, ParseError } from "../../model/util/errors.ts";
import { trainLoop, type TrainTask } from "../../train/loop.ts";
import {
  assertOneLine,
  assertUnchanged,
  mkfifo,
  pool,
  ROOT,
  runCli,
  snapshot,
  tinyCheckpoint,
} from "./reliability_harness.ts";

const RUN = {
  preset: "tiny",
  data: `${ROOT}data/sample`,
  steps: 10,
  crop: 32,
  msa_clusters: 4,
  extra_msa: 4,
  max_recycles: 0,
  probes: 0,
  val_chains: 1,
  seed: 3,
};

/** A run directory at step 5: config.json, metrics.jsonl and one checkpoint. */
async function runDir(dir: string): Promise<string> {
  const ckpt = await tinyCheckpoint(dir, 5, RUN);
  await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(RUN, null, 2) + "\n");
  await Deno.writeTextFile(
    `${dir}/metrics.jsonl`,
    [1, 2, 3, 4, 5].map((step) => JSON.stringify({ step, loss: 10 - step })).join("\n") + "\n",
  );
  return ckpt;
}

Deno.test("resume never destroys: changed settings are refused before anything is written (exit 2, one line, the run byte-identical)", async () => {
  const root = await Deno.makeTempDir({ prefix: "denofold_resume_" });
  try {
    const run = `${root}/run`;
    await runDir(run);
    // A run whose only checkpoint's tensor file was cut short.
    const torn = `${root}/torn`;
    const tornCkpt = await runDir(torn);
    const st = tornCkpt.replace(/json$/, "safetensors");
    await Deno.truncate(st, (await Deno.stat(st)).size - 1000);
    // A run whose metrics.jsonl is a FIFO (resume truncates it: reading would block).
    const fifo = `${root}/fifo`;
    await runDir(fifo);
    await Deno.remove(`${fifo}/metrics.jsonl`);
    await mkfifo(`${fifo}/metrics.jsonl`);
    // A run killed before its first checkpoint.
    await Deno.mkdir(`${root}/early`);
    await Deno.writeTextFile(`${root}/early/config.json`, JSON.stringify(RUN));
    await Deno.writeTextFile(`${root}/early/metrics.jsonl`, '{"step": 1}\n');
    await Deno.writeTextFile(
      `${root}/wider.json`,
      JSON.stringify({ ...RUN, model: { c_z: 24 } }),
    );
    const resume = (dir: string, ...extra: string[]) => [
      "--resume",
      "--out",
      dir,
      "--quiet",
      "--no-report",
      ...extra,
    ];
    const cases: { what: string; args: string[]; want: string }[] = [
      {
        what: "another preset",
        args: resume(run, "--preset", "small"),
        want: `train: --resume: the settings describe another model than ` +
          `${run}/ckpt-00000005.json (preset small, the run's tiny): `,
      },
      {
        what: "a model override that changes the shapes",
        args: resume(run, "--config", `${root}/wider.json`),
        want: `train: --resume: the settings describe another model than ` +
          `${run}/ckpt-00000005.json (preset tiny, the run's tiny): `,
      },
      {
        what: "--steps below the step reached",
        args: resume(run, "--steps", "3"),
        want: `train: --resume: --steps 3 is below the step the run has reached (5, ` +
          `${run}/ckpt-00000005.json)`,
      },
      {
        what: "a --data that is not there",
        args: resume(run, "--data", `${root}/nowhere`),
        want: `train: --data: no such directory ${root}/nowhere`,
      },
      {
        what: "a batch size of 0",
        args: resume(run, "--batch-size", "0"),
        want: "train: config field batch_size:",
      },
      {
        what: "a checkpoint whose tensors were cut short",
        args: resume(torn),
        want: `train: --resume: none of the 1 checkpoint(s) in ${torn} is usable (newest: ` +
          `${torn}/ckpt-00000005.safetensors@`,
      },
      {
        what: "a metrics.jsonl that is a FIFO",
        args: resume(fifo),
        want: `train: ${fifo}/metrics.jsonl is a FIFO (named pipe), not a regular file`,
      },
      {
        what: "--resume of a run without a checkpoint",
        args: resume(`${root}/early`),
        want: `train: --resume: ${root}/early holds config.json and metrics.jsonl but no ` +
          "checkpoint to resume from",
      },
      {
        what: "a new run into a run with checkpoints",
        args: ["--out", run, "--quiet", "--no-report"],
        want: `train: ${run} already has checkpoints: pass --resume to continue it`,
      },
    ];
    const before = await snapshot(root);
    // One at a time: most share one run directory, whose lock admits one trainer.
    const results = await pool(cases.map((c) => () => runCli("train", c.args)), 1);
    for (const [i, c] of cases.entries()) assertOneLine(results[i], 2, c.want, c.what);
    assertUnchanged(before, await snapshot(root), "the runs");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("resume never destroys: checkpoints are checked against the model's own shapes; the loop refuses to start over", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denofold_resume_lib_" });
  try {
    const ckpt = await runDir(dir);
    const other = new Map([["w", [2, 3]]]);
    await assertRejects(
      () => loadCheckpoint(ckpt, { shapes: other }),
      ParseError,
      "not a checkpoint of this model: ",
    );
    await assertRejects(
      () => checkCheckpoint(ckpt, { shapes: other }),
      ParseError,
      "not a checkpoint of this model: ",
    );
    assertEquals(await latestCheckpoint(dir, { shapes: other }), undefined);
    // The loop of a model the run's checkpoint does not hold: refused, not restarted at step 0
    // (which would truncate metrics.jsonl and prune the checkpoint).
    const before = await snapshot(dir);
    const task = { step: { params: [{ name: "w", shape: [2, 3] }] } } as unknown as TrainTask;
    await assertRejects(
      () =>
        trainLoop(task, () => {
          throw new Error("must not start over");
        }, {
          dir,
          steps: 10,
          seed: 0,
          schedule: {
            base_lr: 1e-3,
            warmup_steps: 1,
            decay_after: 100,
            decay_every: 100,
            decay_factor: 1,
          },
          checkpointEvery: 1,
          keepLast: 1,
          validateEvery: 100,
          snapshotSteps: new Set(),
          maxConsecutiveSkips: 3,
          config: {},
          log: () => {},
        }),
      InputError,
      `none of the 1 checkpoint(s) in ${dir} loads for this model`,
    );
    assertUnchanged(before, await snapshot(dir), "the run");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
