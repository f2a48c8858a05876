/**
 * The AF2 / AlphaFold DB file formats: confidence bands at their borders,
 * PAE written and read back (and an AFDB-style file with whole numbers read),
 * a malformed PAE file named in one line, and model ranking.
 */

import { assertEquals, assertThrows } from "../assert.ts";
import {
  confidenceJson,
  maxPredictedAlignedError,
  paeJson,
  parseAfdbPae,
  rankModels,
} from "../../model/prediction_files.ts";
import { modelConfig } from "../../model/af2/config.ts";
import { ParseError } from "../../model/util/errors.ts";

Deno.test("prediction files: AFDB confidence bands D < 50 <= L < 70 <= M < 90 <= H", () => {
  const c = confidenceJson([49.994, 50, 69.99, 70, 89.996, 90, 100]);
  assertEquals(c.residueNumber, [1, 2, 3, 4, 5, 6, 7]);
  assertEquals(c.confidenceScore, [49.99, 50, 69.99, 70, 90, 90, 100]);
  assertEquals(c.confidenceCategory, ["D", "L", "L", "M", "H", "H", "H"]);
});

Deno.test("prediction files: PAE in AFDB's format reads back; AFDB's own files read; bad ones named", () => {
  const max = maxPredictedAlignedError(modelConfig("af2_ptm"));
  assertEquals(max, 31.75);
  const pae = Float32Array.of(0.21, 5.06, 7.44, 0.3);
  const text = JSON.stringify(paeJson(pae, 2, max));
  assertEquals(
    text,
    '[{"predicted_aligned_error":[[0.2,5.1],[7.4,0.3]],"max_predicted_aligned_error":31.75}]',
  );
  const back = parseAfdbPae(text);
  assertEquals([back.length, back.max, Array.from(back.pae, (v) => Math.round(v * 10) / 10)], [
    2,
    31.75,
    [0.2, 5.1, 7.4, 0.3],
  ]);
  // The AlphaFold DB writes whole numbers, with whitespace.
  const afdb = parseAfdbPae(
    '[ {"predicted_aligned_error": [[0, 2, 9], [3, 0, 4], [8, 5, 0]],\n "max_predicted_aligned_error": 31.75} ]',
  );
  assertEquals(afdb.length, 3);
  const bad = assertThrows(
    () =>
      parseAfdbPae(
        '[{"predicted_aligned_error":[[0,1],[2]],"max_predicted_aligned_error":31.75}]',
        "x.json",
      ),
    ParseError,
  );
  assertEquals(bad.message.split("\n").length, 1);
  assertEquals(bad.message.startsWith("x.json: not an AlphaFold DB PAE file"), true, bad.message);
  assertThrows(() => parseAfdbPae('{"pae": []}', "y.json"), ParseError, "y.json");
});

Deno.test("prediction files: ranking by pLDDT or pTM, highest first, ties in the given order", () => {
  const scores = [
    { name: "m1", plddt: 70, ptm: 0.5 },
    { name: "m2", plddt: 80, ptm: 0.4 },
    { name: "m3", plddt: 70, ptm: 0.6 },
  ];
  assertEquals(rankModels(scores, "plddt").order, ["m2", "m1", "m3"]);
  const byPtm = rankModels(scores, "ptm");
  assertEquals(byPtm.order, ["m3", "m1", "m2"]);
  assertEquals(byPtm.ptms, { m1: 0.5, m2: 0.4, m3: 0.6 });
  const noPtm = rankModels([{ name: "a", plddt: 1 }], "plddt");
  assertEquals("ptms" in noPtm, false);
  assertThrows(() => rankModels([{ name: "a", plddt: 1 }], "ptm"), RangeError);
});
