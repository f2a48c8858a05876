/**
 * Issue 19, "long sequences": a prediction's peak memory is estimated before
 * anything is allocated (model/memory.ts). A request that would not fit is
 * refused at once with the estimate, or — without a chunk budget — chunked to
 * fit; eval does so for the longest chain it would predict. The estimate is
 * checked against the peaks the README reports as measured.
 */
import { assert, assertEquals, assertThrows } from "../assert.ts";
import { AF2_MODEL_1, modelConfig } from "../../model/af2/config.ts";
import { availableMemory, estimateInference, fitInference } from "../../model/memory.ts";
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

Deno.test("memory: the estimate tracks the measured peaks and grows with the sequence", () => {
  // README measurements of af2 (model_1 dims; 128 cluster rows, 1,024 extra rows).
  const af2 = modelConfig("af2", { template: { enabled: true } } as never);
  const dims = (nRes: number, nTempl = 0) => ({ nRes, nSeq: 128, nExtra: 1024, nTempl });
  const measured: [string, number, number | undefined, number, number][] = [
    ["one block at 256, unchunked", 256, undefined, 0, 10.4],
    ["one block at 256, chunked", 256, 2 ** 25, 0, 3.1],
    ["a whole iteration at 1,024 with 4 templates, chunked", 1024, 2 ** 25, 4, 9.03],
  ];
  for (const [what, L, chunkBudget, nTempl, gib] of measured) {
    const e = estimateInference(af2, dims(L, nTempl), { chunkBudget, paramElements: 93e6 });
    const ratio = e.bytes / GiB / gib;
    assert(ratio > 0.7 && ratio < 1.4, `${what}: estimate ${(e.bytes / GiB).toFixed(1)} GiB`);
  }
  let last = 0;
  for (const L of [64, 128, 256, 512, 1024]) {
    const e = estimateInference(small, dims(L));
    assert(e.bytes > last, `not growing at ${L}`);
    assert(estimateInference(small, dims(L), { chunkBudget: 2 ** 22 }).bytes <= e.bytes);
    last = e.bytes;
  }
  // AF2_MODEL_1 has no TM head; the estimate is of its own outputs.
  assert(estimateInference(AF2_MODEL_1, dims(100)).parts.heads > 0);
});

Deno.test("memory: a prediction that does not fit is refused with the estimate, or chunked to fit", () => {
  const dims = { nRes: 4000, nSeq: 128, nExtra: 1024, nTempl: 0 };
  // The case: 4,000 residues grew past 8 GiB within seconds.
  assertThrows(
    () => fitInference(small, dims, {}, { available: 8 * GiB }),
    InputError,
    "a 4,000-residue prediction needs about ",
  );
  const e = assertThrows(() => fitInference(small, dims, {}, { available: 8 * GiB }), InputError);
  assert(/even chunked .* above the 8\.0 GiB available/.test(e.message), e.message);
  // Unchunked too big, chunked fits: the largest budget that fits is chosen.
  const mid = { nRes: 700, nSeq: 128, nExtra: 1024, nTempl: 0 };
  const unchunked = estimateInference(small, mid).bytes;
  const fit = fitInference(small, mid, {}, { available: unchunked / 2 });
  assert(fit.chunkBudget !== undefined && fit.estimate.bytes <= unchunked / 2);
  assert(
    estimateInference(small, mid, { chunkBudget: fit.chunkBudget! * 2 }).bytes > unchunked / 2,
  );
  // A budget given that does not fit: the message names one that does.
  assertThrows(
    () =>
      fitInference(small, mid, { chunkBudget: fit.chunkBudget! * 4 }, { available: unchunked / 2 }),
    InputError,
    `--chunk-budget ${fit.chunkBudget} fits`,
  );
  // What fits is left alone.
  assertEquals(
    fitInference(small, { ...mid, nRes: 50 }, {}, { available: 64 * GiB }).chunkBudget,
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
        /^eval: the longest chain of split val \(\d+ residues; --max-length skips longer\) needs about .* even chunked .* above the 64 MiB available/,
      ],
      [
        "a chunk budget that does not fit",
        evalArgs("--chunk-budget", "1073741824"),
        { DENOFOLD_MEMORY_LIMIT: "600M" },
        /^eval: the longest chain .* with --chunk-budget 1073741824 /,
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
