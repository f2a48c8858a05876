/**
 * Issue 19, "long sequences": a prediction's peak memory is estimated before
 * anything is allocated (model/memory.ts). A request that would not fit is
 * refused at once with the estimate, or — without a chunk budget — chunked to
 * fit; eval does so for the longest chain it would predict. The estimate
 * against the measured af2 peaks: tests/predict/memory_test.ts.
 */
import { assert, assertEquals, assertThrows } from "../assert.ts";
import { modelConfig } from "../../model/af2/config.ts";
import { availableMemory, estimateInferenceMemory, planMemory } from "../../model/memory.ts";
import { InputError } from "../../model/util/errors.ts";
import {
  assertOneLine,
  assertUnchanged,
  pool,
  ROOT,
  runCli,
  snapshot,
  tinyCheckpoint,
} from "./reliability_harness.ts";

const GiB = 2 ** 30;
const small = modelConfig("small");
const SMALL_PARAMS = 4e6;

Deno.test("memory: a prediction that does not fit is refused with the estimate, or chunked to fit", () => {
  const dims = { nRes: 4000, nSeq: 128, nExtra: 1024 };
  // The case: 4,000 residues grew past 8 GiB within seconds.
  const e = assertThrows(
    () => planMemory("a 4,000-residue sequence", small, dims, SMALL_PARAMS, 8 * GiB),
    InputError,
  );
  assert(
    /^a 4,000-residue sequence: 4000 residues need about .* at the smallest chunk budget .* 8 GiB is available/
      .test(e.message),
    e.message,
  );
  // Unchunked too big, chunked fits: the largest budget that fits is chosen.
  const mid = { nRes: 700, nSeq: 128, nExtra: 1024 };
  const unchunked = estimateInferenceMemory(small, mid, SMALL_PARAMS).bytes;
  const at = (budget: number) => estimateInferenceMemory(small, mid, SMALL_PARAMS, budget).bytes;
  const avail = 1.1 * (at(2 ** 25) + at(2 ** 24)) / 2;
  assert(unchunked * 1.1 > avail);
  const fit = planMemory("mid", small, mid, SMALL_PARAMS, avail);
  assertEquals(fit.chunkBudget, 2 ** 24);
  assert(fit.estimate.bytes * 1.1 <= avail && at(2 ** 25) * 1.1 > avail);
  // A budget given that does not fit: the message names one that does.
  const k = Math.log2(fit.chunkBudget!);
  assertThrows(
    () => planMemory("mid", small, mid, SMALL_PARAMS, avail, 2 ** 26),
    InputError,
    `--chunk-budget 2^${k} fits`,
  );
  // What fits is left alone.
  assertEquals(
    planMemory("short", small, { ...mid, nRes: 50 }, SMALL_PARAMS, 64 * GiB).chunkBudget,
    undefined,
  );
});

Deno.test("memory: DENOFOLD_MEMORY_LIMIT overrides the available memory", () => {
  const was = Deno.env.get("DENOFOLD_MEMORY_LIMIT");
  try {
    Deno.env.set("DENOFOLD_MEMORY_LIMIT", "3G");
    assertEquals(availableMemory(), 3 * GiB);
    Deno.env.set("DENOFOLD_MEMORY_LIMIT", "1500000");
    assertEquals(availableMemory(), 1_500_000);
    Deno.env.set("DENOFOLD_MEMORY_LIMIT", "lots");
    assertThrows(() => availableMemory(), InputError, "DENOFOLD_MEMORY_LIMIT=lots is not a size");
  } finally {
    if (was === undefined) Deno.env.delete("DENOFOLD_MEMORY_LIMIT");
    else Deno.env.set("DENOFOLD_MEMORY_LIMIT", was);
  }
  assert(availableMemory() > 0);
});

Deno.test("memory: eval refuses a split whose longest chain does not fit, before predicting or writing (exit 2, one line)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denofold_memory_" });
  try {
    const ckpt = await tinyCheckpoint(`${dir}/run`);
    const evalArgs = (...extra: string[]) => [
      "--checkpoint",
      ckpt,
      "--data",
      `${ROOT}data/sample`,
      "--split",
      "val",
      "--out",
      `${dir}/eval`,
      ...extra,
    ];
    const cases: [string, string[], Record<string, string>, string | RegExp][] = [
      [
        "64 MiB for the whole split",
        evalArgs(),
        { DENOFOLD_MEMORY_LIMIT: "64M" },
        /^eval: the longest chain of split val \(--max-length skips longer\): \d+ residues need about .* at the smallest chunk budget .* 64 MiB is available/,
      ],
      [
        "a chunk budget that does not fit",
        evalArgs("--chunk-budget", "1073741824", "--memory", "0.1"),
        {},
        /^eval: the longest chain .* with --chunk-budget 2\^30; 102\.4 MiB is available/,
      ],
      [
        "a limit that is not a size",
        evalArgs(),
        { DENOFOLD_MEMORY_LIMIT: "plenty" },
        "eval: DENOFOLD_MEMORY_LIMIT=plenty is not a size",
      ],
    ];
    const before = await snapshot(dir);
    const results = await pool(cases.map(([, args, env]) => () => runCli("eval", args, { env })));
    cases.forEach(([what, , , want], i) => assertOneLine(results[i], 2, want, what));
    assertUnchanged(before, await snapshot(dir), "eval");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
