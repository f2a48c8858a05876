/**
 * The memory estimate against what the af2 memory probes measured
 * (bench/results/latest.json, peak RSS of one af2 iteration: 128 cluster and
 * 1,024 extra rows), and the chunking decision taken from it.
 */

import { assert, assertEquals, assertThrows } from "../assert.ts";
import { modelConfig } from "../../model/af2/config.ts";
import { CHUNK_BUDGETS, estimateInferenceMemory, planMemory } from "../../model/memory.ts";
import { InputError } from "../../model/util/errors.ts";

const GIB = 2 ** 30;
const AF2 = modelConfig("af2");
const AF2_PARAMS = 93_229_082;
const dims = (nRes: number) => ({ nRes, nSeq: 128, nExtra: 1024 });

Deno.test("memory: the estimate is within -2 % and +20 % of every measured af2 peak", () => {
  // [residues, chunk budget, measured peak RSS GiB] (af2_memprobe_*).
  const measured: [number, number | undefined, number][] = [
    [256, 2 ** 25, 3.13],
    [512, 2 ** 25, 5.28],
    [1024, 2 ** 25, 10.95],
    [256, undefined, 10.40],
    [1024, 2 ** 26, 12.69],
  ];
  for (const [n, budget, gib] of measured) {
    const e = estimateInferenceMemory(AF2, dims(n), AF2_PARAMS, budget).bytes / GIB;
    assert(e >= gib * 0.98 && e <= gib * 1.2, `${n} residues, budget ${budget}: ${e} vs ${gib}`);
  }
  // The budget bounds the largest intermediate, never below one row of an op.
  const small = estimateInferenceMemory(AF2, dims(1024), AF2_PARAMS, 1);
  assert(small.intermediate >= 4 * 8 * 1024 * 1024, "an attention row is the least");
});

Deno.test("memory: unchunked when it fits, else the largest budget that fits, else refused with the estimate", () => {
  const fits = planMemory("q", AF2, dims(64), AF2_PARAMS, 64 * GIB);
  assertEquals(fits.chunkBudget, undefined);
  const plan = planMemory("q", AF2, dims(1024), AF2_PARAMS, 16 * GIB);
  assert(plan.unchunked !== undefined && plan.unchunked.bytes > 16 * GIB);
  assert(plan.estimate.bytes * 1.1 <= 16 * GIB);
  const bigger = CHUNK_BUDGETS.filter((b) => b > plan.chunkBudget!);
  for (const b of bigger) {
    const e = estimateInferenceMemory(AF2, dims(1024), AF2_PARAMS, b).bytes;
    assert(e * 1.1 > 16 * GIB, `${b}`);
  }
  const e = assertThrows(
    () => planMemory("T1044", AF2, dims(4000), AF2_PARAMS, 16 * GIB),
    InputError,
  );
  assert(
    /^T1044: 4000 residues need about [\d.]+ GiB unchunked and [\d.]+ GiB at the smallest/
      .test(e.message),
    e.message,
  );
  assertThrows(
    () => planMemory("q", AF2, dims(1024), AF2_PARAMS, 8 * GIB, 2 ** 27),
    InputError,
    "with --chunk-budget 2^27",
  );
});
