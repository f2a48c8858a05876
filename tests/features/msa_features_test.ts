import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../assert.ts";
import {
  blockDeletionKeep,
  deletionValue,
  mergeMsas,
  MSA_FEAT_CHANNELS,
  MSA_GAP,
  MSA_MASK_TOKEN,
  type MsaSamplingTrace,
  msaToken,
  sampleMsaFeatures,
  targetFeat,
} from "../../model/features/msa_features.ts";
import { Rng } from "../../model/util/rng.ts";
import type { Msa } from "../../model/features/msa.ts";
import { sampleOpenfoldMsas } from "./sample_data.ts";
import { readNpz } from "../../model/io/npz.ts";
import { asFloat32 } from "../../model/io/ndarray.ts";
import { SHARED_PARITY } from "../shared_data.ts";
import { AF2_TRAIN, familyMsa, havePythonNumpy, runPython, UBIQUITIN } from "./msa_test_util.ts";
import { toolMissing } from "../tools.ts";

Deno.test("MSA tokens follow AF2's HHblits-to-aatype mapping", () => {
  // AF2: HHBLITS_AA_TO_ID then MAP_HHBLITS_AATYPE_TO_OUR_AATYPE.
  assertEquals([..."ARNDCQEGHILKMFPSTWYV"].map(msaToken), Array.from({ length: 20 }, (_, i) => i));
  assertEquals(["B", "Z", "U", "X", "J", "O", "-"].map(msaToken), [3, 6, 4, 20, 20, 20, 21]);
  assertThrows(() => msaToken("."), Error, "HHblits alphabet");
});

Deno.test("merging keeps database order, drops repeated rows, keeps first deletions", () => {
  const q = "ACDE";
  const d = (...x: number[]) => Int32Array.from(x);
  const uniref: Msa = {
    sequences: [q, "AC-E", "GCDE"],
    deletions: [d(0, 0, 0, 0), d(0, 2, 0, 0), d(0, 0, 0, 1)],
    descriptions: ["q", "u1", "u2"],
  };
  const bfd: Msa = {
    sequences: [q, "AC-E", "ACDW"],
    deletions: [d(0, 0, 0, 0), d(5, 5, 5, 5), d(0, 0, 3, 0)],
    descriptions: ["q", "b1", "b2"],
  };
  const m = mergeMsas(q, [uniref, bfd]);
  assertEquals(m.numRows, 4);
  assertEquals(Array.from(m.tokens.subarray(4, 8)), [0, 4, 21, 6]);
  assertEquals(Array.from(m.deletions.subarray(4, 8)), [0, 2, 0, 0]);
  assertEquals(Array.from(m.tokens.subarray(12, 16)), [0, 4, 3, 17]);
  assertEquals(Array.from(m.deletions.subarray(12, 16)), [0, 0, 3, 0]);
  // No alignment: the query alone (AF2 single-sequence mode).
  assertEquals(mergeMsas(q, []).numRows, 1);
  // mgnify-style truncation applies before deduplication.
  assertEquals(mergeMsas(q, [uniref, bfd], { maxRowsPerMsa: [2, undefined] }).numRows, 3);
  assertThrows(() => mergeMsas("ACD", [uniref]), Error, "columns");
});

Deno.test("block deletion removes at most numBlocks runs of floor(0.3 N) rows, never the query", () => {
  for (let seed = 0; seed < 50; seed++) {
    const n = 20 + seed * 7;
    const keep = blockDeletionKeep(n, AF2_TRAIN.blockDeletion!, new Rng(seed));
    assertEquals(keep[0], 0);
    for (let i = 1; i < keep.length; i++) assert(keep[i] > keep[i - 1], "order kept");
    const kept = new Set(keep);
    // Count maximal runs of deleted rows; each run is a union of blocks.
    let runs = 0;
    for (let i = 1; i < n; i++) if (!kept.has(i) && kept.has(i - 1)) runs++;
    assert(runs >= 1 && runs <= 5, `seed ${seed}: ${runs} deleted runs`);
    const deleted = n - keep.length;
    assert(deleted <= 5 * Math.floor(0.3 * n), `deleted ${deleted} of ${n}`);
    assert(deleted >= Math.floor(0.3 * n) - 1, `a block of ${Math.floor(0.3 * n)} rows`);
  }
  // Reproducible for a seed.
  const a = blockDeletionKeep(500, AF2_TRAIN.blockDeletion!, new Rng(7));
  assertEquals(a, blockDeletionKeep(500, AF2_TRAIN.blockDeletion!, new Rng(7)));
});

Deno.test("sampled features have AF2's shapes, value ranges and channel layout", () => {
  const msa = mergeMsas(UBIQUITIN, [familyMsa(UBIQUITIN, 600, 1)]);
  const cfg = { ...AF2_TRAIN, maxMsaClusters: 64, maxExtraMsa: 100 };
  let trace: MsaSamplingTrace | undefined;
  const f = sampleMsaFeatures(msa, cfg, new Rng(3), { trace: (t) => trace = t });
  const L = UBIQUITIN.length;
  assertEquals(f.msa_feat.shape, [64, L, MSA_FEAT_CHANNELS]);
  for (const k of ["msa_mask", "true_msa", "bert_mask"] as const) assertEquals(f[k].shape, [64, L]);
  // Five blocks of 30 % of the rows go (AF2 config), so fewer extra rows may remain than asked.
  const kept = trace!.keptRows.length;
  const nExtra = Math.min(100, kept - 64);
  assert(nExtra > 0 && kept < 600, `kept ${kept}`);
  const extraKeys = ["extra_msa", "extra_has_deletion", "extra_deletion_value", "extra_msa_mask"];
  for (const k of extraKeys as (keyof typeof f)[]) assertEquals(f[k].shape, [nExtra, L]);
  // Query is the first centre and true_msa row 0 is the query.
  assertEquals(trace!.clusterRows[0], 0);
  assertEquals(Array.from(f.true_msa.data.subarray(0, L)), [...UBIQUITIN].map(msaToken));
  const x = f.msa_feat.data;
  for (let i = 0; i < 64 * L; i++) {
    const o = i * 49;
    let oneHot = 0, prof = 0;
    for (let k = 0; k < 23; k++) oneHot += x[o + k];
    for (let k = 25; k < 48; k++) prof += x[o + k];
    assertEquals(oneHot, 1);
    assertAlmostEquals(prof, 1, 1e-5);
    assert(x[o + 23] === 0 || x[o + 23] === 1);
    for (let k = 0; k < 49; k++) assert(x[o + k] >= 0 && x[o + k] < 1 + 1e-6, `channel ${k}`);
    // The mask token appears only where BERT masking selected the position.
    if (x[o + MSA_MASK_TOKEN] === 1) assertEquals(f.bert_mask.data[i], 1);
  }
  for (const t of f.extra_msa.data) assert(t >= 0 && t <= MSA_GAP);
  assertAlmostEquals(deletionValue(3), 0.5, 1e-12);
});

Deno.test("sampling is reproducible for a seed and differs between seeds", () => {
  const msa = mergeMsas(UBIQUITIN, [familyMsa(UBIQUITIN, 200, 2)]);
  const cfg = { ...AF2_TRAIN, maxMsaClusters: 32, maxExtraMsa: 64 };
  const a = sampleMsaFeatures(msa, cfg, new Rng(11));
  const b = sampleMsaFeatures(msa, cfg, new Rng(11));
  const c = sampleMsaFeatures(msa, cfg, new Rng(12));
  assertEquals(a.msa_feat.data, b.msa_feat.data);
  assertEquals(a.extra_msa.data, b.extra_msa.data);
  assert(!a.msa_feat.data.every((v, i) => v === c.msa_feat.data[i]), "seeds 11 and 12 agree");
});

Deno.test("BERT masking selects 15 % of positions and follows the 10/10/10/70 mix", () => {
  const msa = mergeMsas(UBIQUITIN, [familyMsa(UBIQUITIN, 700, 5)]);
  const cfg = { ...AF2_TRAIN, blockDeletion: null, maxMsaClusters: 512, maxExtraMsa: 0 };
  const f = sampleMsaFeatures(msa, cfg, new Rng(9));
  const L = UBIQUITIN.length;
  let selected = 0, maskTok = 0, same = 0, outsideChanged = 0;
  for (let i = 0; i < 512 * L; i++) {
    let tok = 0;
    while (f.msa_feat.data[i * 49 + tok] !== 1) tok++;
    if (f.bert_mask.data[i] === 1) {
      selected++;
      if (tok === MSA_MASK_TOKEN) maskTok++;
      if (tok === f.true_msa.data[i]) same++;
    } else if (tok !== f.true_msa.data[i]) outsideChanged++;
  }
  const n = 512 * L;
  assertEquals(outsideChanged, 0);
  // Binomial standard errors: 0.15 of 38,912 -> ±0.0018; 0.7 of ~5,800 -> ±0.006.
  assertAlmostEquals(selected / n, 0.15, 0.008);
  assertAlmostEquals(maskTok / selected, 0.7, 0.025);
  // "same" = 0.1 plus the uniform and profile draws that hit the true token: > 0.1.
  assert(same / selected > 0.1 && same / selected < 0.25, `same ${same / selected}`);
});

Deno.test("cluster assignment and profiles match an independent numpy reference", async () => {
  if (!havePythonNumpy()) {
    return toolMissing("python3 with numpy is not installed (apt-get install python3-numpy)");
  }
  const msa = mergeMsas(UBIQUITIN, [familyMsa(UBIQUITIN, 160, 4, 0.5)]);
  for (const gapWeight of [0, 1]) {
    const cfg = {
      ...AF2_TRAIN,
      maxMsaClusters: 24,
      maxExtraMsa: 50,
      gapAgreementWeight: gapWeight,
    };
    let t: MsaSamplingTrace | undefined;
    const f = sampleMsaFeatures(msa, cfg, new Rng(21), { trace: (x) => t = x });
    const ref = await runPython("./msa_features_ref.py", {
      L: msa.length,
      tokens: Array.from(msa.tokens),
      deletions: Array.from(msa.deletions),
      centres: Array.from(t!.clusterRows),
      masked: Array.from(t!.maskedTokens),
      extras: Array.from(t!.extraRows),
      extra_kept: Array.from(t!.extraKept),
      gap_weight: gapWeight,
    }) as Record<string, number[]>;
    assertEquals(Array.from(t!.extraClusterAssignment), ref.assignment);
    let maxErr = 0;
    f.msa_feat.data.forEach((v, i) => maxErr = Math.max(maxErr, Math.abs(v - ref.msa_feat[i])));
    assert(maxErr < 1e-6, `msa_feat max error ${maxErr}`);
    assertEquals(Array.from(f.extra_msa.data), ref.extra_msa);
    f.extra_deletion_value.data.forEach((v, i) =>
      assertAlmostEquals(v, ref.extra_deletion_value[i], 1e-6)
    );
    assertEquals(Array.from(f.extra_has_deletion.data), ref.extra_has_deletion);
  }
});

Deno.test("target_feat is [has_break, one-hot(aatype, 21)]", () => {
  const tf = targetFeat(Int32Array.from([0, 19, 20]));
  assertEquals(Array.from(tf.subarray(0, 22)), [0, 1, ...new Array(20).fill(0)]);
  assertEquals(tf[22 + 20], 1);
  assertEquals(tf[44 + 21], 1);
  assertEquals(tf.reduce((a, b) => a + b, 0), 3);
});

Deno.test("real OpenFold MSAs (bundled 3u8v_A, 3zee_A): AF2 shapes, ranges, numpy reference", async () => {
  for (const chain of ["3u8v_A", "3zee_A"]) {
    const msas = await sampleOpenfoldMsas(chain);
    assertEquals(msas.length, 3);
    const query = msas[0].sequences[0];
    const merged = mergeMsas(query, msas);
    const L = query.length;
    // Query first; each kept row distinct; deduplication removed the repeated queries.
    assertEquals(Array.from(merged.tokens.subarray(0, L)), [...query].map(msaToken));
    const total = msas.reduce((s, m) => s + m.sequences.length, 0);
    assert(merged.numRows <= total - 2, `${merged.numRows} rows of ${total}`);
    const rows = new Set<string>();
    for (let i = 0; i < merged.numRows; i++) {
      rows.add(merged.tokens.subarray(i * L, (i + 1) * L).join(","));
    }
    assertEquals(rows.size, merged.numRows);
    assert(merged.deletions.some((d) => d > 0), "real alignments have insertions");

    const cfg = { ...AF2_TRAIN, maxMsaClusters: 128, maxExtraMsa: 1024 };
    let t: MsaSamplingTrace | undefined;
    const f = sampleMsaFeatures(merged, cfg, new Rng(1), { trace: (x) => t = x });
    const nClust = Math.min(128, t!.keptRows.length);
    assertEquals(f.msa_feat.shape, [nClust, L, 49]);
    assertEquals(f.extra_msa.shape[1], L);
    const x = f.msa_feat.data;
    let hasDel = 0;
    for (let i = 0; i < nClust * L; i++) {
      for (let k = 0; k < 49; k++) assert(x[i * 49 + k] >= 0 && x[i * 49 + k] <= 1 + 1e-6);
      hasDel += x[i * 49 + 23];
    }
    assert(hasDel > 0, "has_deletion set somewhere");
    if (!havePythonNumpy()) {
      toolMissing(
        "numpy reference: python3 with numpy is not installed (apt-get install python3-numpy)",
      );
      continue;
    }
    const ref = await runPython("./msa_features_ref.py", {
      L,
      tokens: Array.from(merged.tokens),
      deletions: Array.from(merged.deletions),
      centres: Array.from(t!.clusterRows),
      masked: Array.from(t!.maskedTokens),
      extras: Array.from(t!.extraRows),
      extra_kept: Array.from(t!.extraKept),
      gap_weight: 0,
    }) as Record<string, number[]>;
    assertEquals(Array.from(t!.extraClusterAssignment), ref.assignment);
    let maxErr = 0;
    x.forEach((v, i) => maxErr = Math.max(maxErr, Math.abs(v - ref.msa_feat[i])));
    assert(maxErr < 1e-6, `${chain}: msa_feat max error ${maxErr}`);
    console.log(
      `${chain}: L=${L}, ${merged.numRows} merged rows, ${t!.extraRows.length} extra, ` +
        `msa_feat max |Δ| vs numpy ${maxErr.toExponential(2)}`,
    );
  }
});

Deno.test("target_feat equals OpenFold's in the full-model parity fixture (15a)", async () => {
  const npz = await readNpz(`${SHARED_PARITY}/15a_alphafold_tiny.npz`);
  const aatype = npz.get("in/aatype")!, expected = npz.get("in/target_feat")!;
  assertEquals(expected.shape, [11, 22]);
  const tf = targetFeat(Int32Array.from(asFloat32(aatype)));
  assertEquals(Array.from(tf), Array.from(asFloat32(expected)));
});
