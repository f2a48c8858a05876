import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../assert.ts";
import {
  buildFeatures,
  FEATURE_PRESETS,
  parseFeatureConfig,
} from "../../model/features/pipeline.ts";
import { backboneToProtein } from "../../model/features/backbone_corpus.ts";
import { ATOM_ORDER, ATOM_TYPE_NUM, RESTYPES } from "../../model/protein/residue_constants.ts";
import { Rng } from "../../model/util/rng.ts";
import { SAMPLE_DATA, sampleBackboneChains, sampleOpenfoldMsas } from "./sample_data.ts";
import { Dataset } from "../../train/data/dataset.ts";
import { listAlignmentChains, readAlignmentDir } from "../../model/features/alignment_dir.ts";
import { lengthBucket } from "../../model/features/crop.ts";
import { SHARED_DATA, sharedData } from "../shared_data.ts";

const SMALL = {
  cropSize: 64,
  maxMsaClusters: 16,
  maxExtraMsa: 32,
  profileMsaDepth: 128,
  spatialCropProb: 0.5,
};

Deno.test("backbone chain + profile: cropped, padded, masks and ground truth consistent", async () => {
  const [long] = await sampleBackboneChains((c) => c.seq.length > 150, 1);
  const { chain, profile } = long;
  const structure = backboneToProtein(chain);
  const input = { id: chain.id, sequence: chain.seq, structure, profile, backboneOnly: true };
  const L = chain.seq.length;
  for (let seed = 0; seed < 6; seed++) {
    const { features: f, meta } = buildFeatures(input, SMALL, new Rng(seed));
    assertEquals(meta.msaSource, "profile");
    assertEquals(meta.numRes, 64);
    assertEquals(meta.paddedLength, 64);
    assert(meta.crop === "spatial" || meta.crop === "contiguous", meta.crop);
    const idx = meta.cropIndices;
    assertEquals(f.aatype.shape, [64]);
    assertEquals(f.target_feat.shape, [64, 22]);
    assertEquals(f.msa_feat.shape, [16, 64, 49]);
    assertEquals(f.extra_msa.shape, [32, 64]);
    assertEquals(f.all_atom_positions!.shape, [64, 37, 3]);
    for (let j = 0; j < 64; j++) {
      const i = idx[j];
      assertEquals(RESTYPES[f.aatype.data[j]], chain.seq[i]);
      assertEquals(f.residue_index.data[j], i, "gap-free chain: index = position");
      assertEquals(f.target_feat.data[j * 22 + 1 + f.aatype.data[j]], 1);
      // Query row of the MSA is the cropped sequence (token or BERT-masked).
      assertEquals(f.true_msa.data[j], f.aatype.data[j]);
      // Ground truth moved with its residue; backbone-only mask.
      for (let a = 0; a < 4; a++) {
        const slot = j * ATOM_TYPE_NUM + ATOM_ORDER[["N", "CA", "C", "O"][a]];
        assertEquals(f.all_atom_mask!.data[slot], 1);
        for (let d = 0; d < 3; d++) {
          assertAlmostEquals(
            f.all_atom_positions!.data[slot * 3 + d],
            chain.backbone[(i * 4 + a) * 3 + d],
            1e-6,
          );
        }
      }
      let maskSum = 0;
      for (let a = 0; a < 37; a++) maskSum += f.all_atom_mask!.data[j * 37 + a];
      assertEquals(maskSum, 4);
    }
    if (meta.crop === "contiguous") assertEquals(idx[63] - idx[0], 63);
    // Ground truth of a backbone-only chain: 4 atom14 atoms, backbone frames, no chi,
    // pseudo-β everywhere (virtual Cβ; CA for glycine).
    assertEquals(f.atom14_gt_positions!.shape, [64, 14, 3]);
    assertEquals(f.rigidgroups_gt_frames!.shape, [64, 8, 4, 4]);
    assertEquals(f.torsion_angles_sin_cos!.shape, [64, 7, 2]);
    for (let j = 0; j < 64; j++) {
      let exists = 0;
      for (let a = 0; a < 14; a++) exists += f.atom14_gt_exists!.data[j * 14 + a];
      assertEquals(exists, 4);
      assertEquals(f.backbone_rigid_mask!.data[j], 1);
      for (let c = 0; c < 4; c++) assertEquals(f.chi_mask!.data[j * 4 + c], 0);
      assertEquals(f.pseudo_beta_mask!.data[j], 1);
      // The backbone frame's origin is the CA.
      for (let d = 0; d < 3; d++) {
        assertAlmostEquals(
          f.backbone_rigid_tensor!.data[j * 16 + d * 4 + 3],
          chain.backbone[(idx[j] * 4 + 1) * 3 + d],
          1e-4,
        );
      }
    }
    // Profile mode: the cluster profile of the first residue is its profile row
    // (renormalised: the stored percentages are rounded and sum to about 1).
    let rowSum = 0;
    for (let a = 0; a < 20; a++) rowSum += profile[idx[0] * 20 + a];
    assert(Math.abs(rowSum - 1) < 0.1, `profile row sums to ${rowSum}`);
    for (let a = 0; a < 20; a++) {
      assertAlmostEquals(f.msa_feat.data[25 + a], profile[idx[0] * 20 + a] / rowSum, 1e-6);
    }
    assert(L > 64);
  }
});

Deno.test("cropping takes the same columns of every MSA feature as the uncropped run", async () => {
  const [{ chain, profile }] = await sampleBackboneChains((c) => c.seq.length > 120, 1);
  const input = { id: chain.id, sequence: chain.seq, structure: backboneToProtein(chain), profile };
  const full = buildFeatures(input, { ...SMALL, crop: false, pad: false }, new Rng(5));
  const crop = buildFeatures(input, SMALL, new Rng(5));
  const L = chain.seq.length;
  assertEquals(full.features.msa_feat.shape, [16, L, 49]);
  const idx = crop.meta.cropIndices;
  for (let m = 0; m < 16; m++) {
    for (let j = 0; j < 64; j++) {
      const a = (m * 64 + j) * 49, b = (m * L + idx[j]) * 49;
      for (let k = 0; k < 49; k++) {
        assertEquals(crop.features.msa_feat.data[a + k], full.features.msa_feat.data[b + k]);
      }
      assertEquals(
        crop.features.bert_mask.data[m * 64 + j],
        full.features.bert_mask.data[m * L + idx[j]],
      );
    }
  }
  for (let e = 0; e < 32; e++) {
    for (let j = 0; j < 64; j++) {
      assertEquals(
        crop.features.extra_msa.data[e * 64 + j],
        full.features.extra_msa.data[e * L + idx[j]],
      );
    }
  }
});

Deno.test("short chain with a real MSA: padded to its bucket with zero masks on padding", async () => {
  const msas = await sampleOpenfoldMsas("3zee_A");
  const seq = msas[0].sequences[0];
  const L = seq.length; // 84 -> bucket 96
  const cfg = { ...SMALL, cropSize: 256, maxMsaClusters: 64, maxExtraMsa: 1024 };
  const { features: f, meta } = buildFeatures(
    { id: "3zee_A", sequence: seq, msas },
    cfg,
    new Rng(1),
  );
  assertEquals(meta.msaSource, "alignment");
  assertEquals(meta.crop, "none");
  assertEquals(meta.paddedLength, 96);
  assertEquals(f.seq_mask.data.reduce((s, v) => s + v, 0), L);
  for (let j = L; j < 96; j++) assertEquals(f.seq_mask.data[j], 0);
  const n = f.msa_mask.shape[0];
  assertEquals(f.msa_mask.shape, [64, 96]);
  assertEquals(f.extra_msa_mask.shape, [1024, 96]);
  let msaMaskSum = 0, extraMaskSum = 0;
  f.msa_mask.data.forEach((v) => msaMaskSum += v);
  f.extra_msa_mask.data.forEach((v) => extraMaskSum += v);
  assertEquals(msaMaskSum, 64 * L, "64 real rows x L real columns");
  assert(extraMaskSum % L === 0 && extraMaskSum > 0, `extra mask ${extraMaskSum}`);
  // Everything in padded columns is zero.
  for (let m = 0; m < n; m++) {
    for (let j = L; j < 96; j++) {
      for (let k = 0; k < 49; k++) assertEquals(f.msa_feat.data[(m * 96 + j) * 49 + k], 0);
    }
  }
  assertEquals(f.all_atom_positions, undefined);
  assert(f.use_clamped_fape.data[0] === 0 || f.use_clamped_fape.data[0] === 1);
});

Deno.test("single-sequence mode and reproducibility", async () => {
  const [{ chain }] = await sampleBackboneChains((c) => c.seq.length < 60, 1);
  const a = buildFeatures({ id: chain.id, sequence: chain.seq }, SMALL, new Rng(3));
  const b = buildFeatures({ id: chain.id, sequence: chain.seq }, SMALL, new Rng(3));
  assertEquals(a.meta.msaSource, "single_sequence");
  assertEquals(a.meta.msaDepth, 1);
  assertEquals(a.features.msa_feat.data, b.features.msa_feat.data);
  assertEquals(a.features.msa_mask.data.reduce((s, v) => s + v, 0), chain.seq.length);
  assertEquals(a.features.extra_msa.shape, [32, 64]);
  assert(a.features.extra_msa_mask.data.every((v) => v === 0), "no extra rows");
});

Deno.test("config is validated with zod: defaults are AF2's, bad values rejected", () => {
  const c = parseFeatureConfig({});
  assertEquals([c.cropSize, c.maxMsaClusters, c.maxExtraMsa], [256, 128, 1024]);
  assertEquals(c.maskedMsa.replaceFraction, 0.15);
  assertEquals(c.blockDeletion, {
    msaFractionPerBlock: 0.3,
    numBlocks: 5,
    randomizeNumBlocks: false,
  });
  assertThrows(() => parseFeatureConfig({ cropSize: -1 }));
  assertThrows(() => parseFeatureConfig({ spatialCropProb: 2 }));
  assertThrows(() =>
    parseFeatureConfig({
      maskedMsa: { uniformProb: 0.5, profileProb: 0.4, sameProb: 0.2, replaceFraction: 0.15 },
    })
  );
  assertThrows(() => buildFeatures({ id: "x", sequence: "ACD" }, { maxExtraMsa: -3 }, new Rng(1)));
});

Deno.test("fullatom chain with its OpenFold MSAs (bundled 3u8v_A): unobserved residues masked", async () => {
  const ds = await Dataset.open(SAMPLE_DATA);
  const entry = ds.entries.find((e) => e.id === "3u8v_A")!;
  const input = await ds.loadInput(entry);
  assertEquals(input.msas!.length, 3);
  const cfg = { ...SMALL, crop: false, maxMsaClusters: 32, maxExtraMsa: 64 };
  const { features: f, meta } = buildFeatures(input, cfg, new Rng(2));
  assertEquals(meta.msaSource, "alignment");
  assertEquals([meta.numRes, meta.paddedLength], [93, 96]);
  const CA = ATOM_ORDER["CA"], CB = ATOM_ORDER["CB"];
  let withCa = 0, chi = 0;
  for (let j = 0; j < 93; j++) {
    const ca = f.all_atom_mask!.data[j * 37 + CA];
    withCa += ca;
    // A residue absent from the structure has no atoms, frames, or pseudo-β.
    if (ca === 0) {
      assertEquals(
        f.atom14_gt_exists!.data.subarray(j * 14, j * 14 + 14).reduce((a, b) => a + b, 0),
        0,
      );
      assertEquals(f.backbone_rigid_mask!.data[j], 0);
      assertEquals(f.pseudo_beta_mask!.data[j], 0);
    }
    for (let c = 0; c < 4; c++) chi += f.chi_mask!.data[j * 4 + c];
    // Fullatom: pseudo-β is the observed CB (no virtual Cβ).
    if (RESTYPES[f.aatype.data[j]] !== "G" && f.all_atom_mask!.data[j * 37 + CB] > 0) {
      for (let d = 0; d < 3; d++) {
        assertEquals(
          f.pseudo_beta!.data[j * 3 + d],
          f.all_atom_positions!.data[(j * 37 + CB) * 3 + d],
        );
      }
    }
  }
  // 83 observed residues (manifest) on the 93-residue alignment query.
  assertEquals(withCa, 83);
  assert(chi > 100, `${chi} chi angles`);
  for (let j = 93; j < 96; j++) assertEquals(f.seq_mask.data[j], 0);
});

/** Every value finite and inside [lo, hi]. */
function inRange(data: ArrayLike<number>, lo: number, hi: number): boolean {
  for (let i = 0; i < data.length; i++) if (!(data[i] >= lo && data[i] <= hi)) return false;
  return true;
}

sharedData.test("shared data: features for all 9 OpenFold chains (alignment_dir) have AF2 shapes and ranges", async () => {
  const root = `${SHARED_DATA}/msa/openfold`;
  const chains = await listAlignmentChains(root);
  assertEquals(chains.length, 9);
  const cfg = { crop: true, cropSize: 256, maxMsaClusters: 128, maxExtraMsa: 1024 };
  for (const chain of chains) {
    const a = await readAlignmentDir(root, chain);
    const { features: f, meta } = buildFeatures(
      { id: chain, sequence: a.query, msas: a.msas.map((d) => d.msa) },
      cfg,
      new Rng(0),
    );
    const L = meta.paddedLength;
    assertEquals(L, lengthBucket(Math.min(a.query.length, 256)));
    assertEquals(f.target_feat.shape, [L, 22]);
    assertEquals(f.msa_feat.shape, [128, L, 49]);
    assertEquals(f.extra_msa.shape, [1024, L]);
    assert(inRange(f.msa_feat.data, 0, 1 + 1e-6), `${chain} msa_feat range`);
    assert(inRange(f.true_msa.data, 0, 21), `${chain} true_msa tokens`);
    assert(inRange(f.extra_msa.data, 0, 21), `${chain} extra tokens`);
    assert(inRange(f.extra_deletion_value.data, 0, 1), `${chain} deletion values`);
    assert(inRange(f.bert_mask.data, 0, 1) && inRange(f.msa_mask.data, 0, 1), `${chain} masks`);
    // target_feat channel 0 (between-segment) is 0 for a single chain.
    for (let i = 0; i < L; i++) assertEquals(f.target_feat.data[i * 22], 0);
    console.log(
      `${chain}: L=${a.query.length}, ${meta.msaDepth} merged rows (${a.msas.length} databases)`,
    );
  }
});

sharedData.test("shared data: 300 backbone-corpus chains featurise in profile mode without a bad value", async () => {
  // Chains up to 90 residues keep the corpus load short (the reader validates every coordinate).
  const ds = await Dataset.open(SHARED_DATA, { fullatom: false, maxLength: 90 });
  const { chains, sampler } = ds.sampler("train", 3);
  const cfg = { cropSize: 64, maxMsaClusters: 16, maxExtraMsa: 32, profileMsaDepth: 96 };
  for (let k = 0; k < 300; k++) {
    const d = sampler.at(k);
    const input = await ds.loadInput(chains[d.index]);
    const { features: f } = buildFeatures(input, cfg, new Rng(d.seed));
    assert(inRange(f.msa_feat.data, 0, 1 + 1e-6), `${input.id} msa_feat`);
    assert(inRange(f.pseudo_beta!.data, -1e4, 1e4), `${input.id} pseudo_beta`);
    assert(inRange(f.rigidgroups_gt_frames!.data, -1e4, 1e4), `${input.id} frames`);
    assertEquals(f.seq_mask.data.reduce((s, v) => s + v, 0), Math.min(input.sequence!.length, 64));
  }
});

Deno.test("MSA resampling for recycling: new samples, same crop and layout", async () => {
  const msas = await sampleOpenfoldMsas("3zee_A");
  const seq = msas[0].sequences[0];
  const cfg = { ...SMALL, cropSize: 48, maxMsaClusters: 16, maxExtraMsa: 32, msaSamples: 3 };
  const { features: f, msaSamples, meta } = buildFeatures(
    { id: "3zee_A", sequence: seq, msas },
    cfg,
    new Rng(4),
  );
  assertEquals(msaSamples.length, 3);
  assert(msaSamples[0].msa_feat === f.msa_feat, "sample 0 is the main one");
  for (const m of msaSamples.slice(1)) {
    assertEquals(m.msa_feat.shape, f.msa_feat.shape);
    assertEquals(m.extra_msa_mask.shape, f.extra_msa_mask.shape);
    // Row 0 is the cropped query in every sample (its true tokens).
    assertEquals(m.true_msa.data.subarray(0, 48), f.true_msa.data.subarray(0, 48));
    assertEquals(
      Array.from(m.true_msa.data.subarray(0, 48)),
      Array.from(f.aatype.data.subarray(0, 48)),
    );
    assert(!m.msa_feat.data.every((v, i) => v === f.msa_feat.data[i]), "resampled");
  }
  assertEquals(meta.numRes, 48);
});

Deno.test("profile mode draws N_clust + N_extra rows and uses them all (no block deletion)", async () => {
  const [{ chain, profile }] = await sampleBackboneChains((c) => c.seq.length < 100, 1);
  const cfg = { cropSize: 128, maxMsaClusters: 16, maxExtraMsa: 40 };
  const { features: f, meta } = buildFeatures(
    { id: chain.id, sequence: chain.seq, profile },
    cfg,
    new Rng(6),
  );
  assertEquals(meta.msaDepth, 56);
  const L = chain.seq.length, Lp = meta.paddedLength;
  let extraRows = 0;
  for (let e = 0; e < 40; e++) extraRows += f.extra_msa_mask.data[e * Lp];
  assertEquals(extraRows, 40);
  assertEquals(f.msa_mask.data.reduce((s, v) => s + v, 0), 16 * L);
});

Deno.test("AF2 presets: initial training, fine-tuning, inference", () => {
  const { af2Initial, af2Finetune, inference } = FEATURE_PRESETS;
  assertEquals([af2Initial.cropSize, af2Initial.maxMsaClusters, af2Initial.maxExtraMsa], [
    256,
    128,
    1024,
  ]);
  assertEquals([af2Finetune.cropSize, af2Finetune.maxMsaClusters, af2Finetune.maxExtraMsa], [
    384,
    512,
    5120,
  ]);
  assertEquals([inference.crop, inference.blockDeletion], [false, null]);
  assertEquals(inference.maskedMsa.replaceFraction, 0.15);
});
