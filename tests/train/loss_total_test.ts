/**
 * The total AlphaFold loss: on OpenFold's recorded tiny-model outputs (14z
 * `in/model_out/*`) every breakdown term, the scaled total and the violation
 * dict match OpenFold's AlphaFoldLoss; the stage configs, the
 * sqrt(min(seq_length, crop)) scaling and zero-weight handling behave as
 * documented; the gradient w.r.t. every model output is finite.
 */
import * as G from "../../model/graph/mod.ts";
import type { Tensor, TypedArray } from "../../model/graph/mod.ts";
import { compareOutputs, loadCase } from "../../analysis/parity/harness.ts";
import {
  alphafoldLossOnRecordedOutputs,
  lossBatchOf,
  lossConfigOf,
} from "../../analysis/parity/runners_losses.ts";
import { alphafoldLoss, type LossModelOutputs } from "../../model/losses/total.ts";
import { type LossConfig, lossConfig } from "../../model/losses/config.ts";
import { lossBatchInputs } from "../../model/losses/inputs.ts";
import { SHARED_PARITY } from "../shared_data.ts";
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../assert.ts";

const Z = `${SHARED_PARITY}/14z_alphafold_loss_tiny_model.npz`;

Deno.test("AlphaFoldLoss on OpenFold's recorded tiny-model outputs matches 14z", async () => {
  const c = await loadCase(Z);
  // OpenFold's `model_config("finetuning").loss` is our finetune stage.
  assertEquals(lossConfigOf(c), lossConfig("finetune"));
  const errors = compareOutputs(c, await alphafoldLossOnRecordedOutputs(c));
  const worst = errors.reduce((a, b) => (b.rel > a.rel ? b : a));
  console.log(
    `14z loss: ${errors.length} outputs, worst ${worst.key} rel ${worst.rel.toExponential(2)}`,
  );
  assert(errors.length >= 23, `only ${errors.length} outputs compared`);
  for (const e of errors) assert(e.pass, `${e.key}: max abs ${e.maxAbs}, rel ${e.rel}`);
});

Deno.test("loss config: stages, overrides and validation", () => {
  const initial = lossConfig("initial"), finetune = lossConfig("finetune");
  assertEquals([initial.violation.weight, initial.experimentally_resolved.weight], [0, 0]);
  assertEquals([finetune.violation.weight, finetune.experimentally_resolved.weight], [1, 0.01]);
  assertEquals(
    [finetune.fape.weight, finetune.distogram.weight, finetune.masked_msa.weight],
    [1, 0.3, 2],
  );
  const ptm = lossConfig("initial", { tm: { enabled: true, weight: 0.1 } });
  assertEquals([ptm.tm.enabled, ptm.tm.weight, ptm.tm.no_bins], [true, 0.1, 64]);
  assertThrows(() => lossConfig("initial", { distogram: { weight: -1 } }));
  assertThrows(() => lossConfig("initial", { masked_msa: { num_classes: 1.5 } }));
  // @ts-expect-error: an unknown stage is a typed error at the call site and a runtime error.
  assertThrows(() => lossConfig("warmup"));
});

/** 14z's model outputs and batch as graph inputs; `seq_length` fed separately. */
async function lossGraph(cfg: LossConfig, opts: { skipZeroWeight?: boolean } = {}) {
  const c = await loadCase(Z);
  const g = new G.Graph();
  const inputs: Record<string, Tensor> = {};
  const feeds: Record<string, TypedArray> = {};
  for (const [k, a] of c.arrays) {
    if (!k.startsWith("in/")) continue;
    const name = k.slice(3);
    const float = name === "seq_length" || !(a.data instanceof Int32Array);
    inputs[name] = g.input(name, a.shape, float ? "float32" : "int32");
    feeds[name] = float
      ? Float32Array.from(a.data as ArrayLike<number>, Number)
      : a.data as TypedArray;
  }
  const o = (k: string) => inputs[`model_out/${k}`];
  const out: LossModelOutputs = {
    sm: {
      frames: o("sm/frames"),
      sidechain_frames: o("sm/sidechain_frames"),
      angles: o("sm/angles"),
      unnormalized_angles: o("sm/unnormalized_angles"),
      positions: o("sm/positions"),
    },
    final_atom_positions: o("final_atom_positions"),
    lddt_logits: o("lddt_logits"),
    distogram_logits: o("distogram_logits"),
    masked_msa_logits: o("masked_msa_logits"),
    experimentally_resolved_logits: o("experimentally_resolved_logits"),
  };
  const r = alphafoldLoss(out, lossBatchOf(inputs), cfg, opts);
  return { c, g, out, feeds, r, crop: inputs.aatype.shape[0] };
}

async function runWith(
  outs: Record<string, Tensor>,
  feeds: Record<string, TypedArray>,
): Promise<Record<string, number[]>> {
  const compiled = await G.compile(outs);
  const used = Object.fromEntries([...compiled.inputs.keys()].map((n) => [n, feeds[n]]));
  const r = await compiled.run(used);
  return Object.fromEntries(
    Object.entries(r).map(([k, v]) => [k, Array.from(v.data as ArrayLike<number>, Number)]),
  );
}

Deno.test("the total is sqrt(min(seq_length, crop)) × the weighted sum; zero weights", async () => {
  const { r, feeds, crop } = await lossGraph(lossConfig("initial"));
  const weights = lossConfig("initial");
  for (const seqLength of [5, 1000]) {
    const v = await runWith(r.terms, { ...feeds, seq_length: Float32Array.of(seqLength) });
    const weighted = weights.distogram.weight * v.distogram[0] +
      weights.fape.weight * v.fape[0] + weights.plddt_loss.weight * v.plddt_loss[0] +
      weights.masked_msa.weight * v.masked_msa[0] +
      weights.supervised_chi.weight * v.supervised_chi[0];
    assertAlmostEquals(v.unscaled_loss[0], weighted, 1e-5 * weighted);
    const scale = Math.sqrt(Math.min(seqLength, crop));
    assertAlmostEquals(v.loss[0], weighted * scale, 1e-5 * weighted * scale);
    // Zero-weight terms are still reported (as OpenFold does).
    assert(v.violation[0] > 0 && v.experimentally_resolved[0] > 0, "zero-weight terms missing");
    assertAlmostEquals(
      v.fape[0],
      weights.fape.backbone.weight * v.fape_backbone[0] +
        weights.fape.sidechain.weight * v.fape_sidechain[0],
      1e-6,
    );
  }
  const skipped = await lossGraph(lossConfig("initial"), { skipZeroWeight: true });
  assertEquals("violation" in skipped.r.terms, false);
  assertEquals("experimentally_resolved" in skipped.r.terms, false);
  const a = await runWith({ loss: r.loss }, feeds);
  const b = await runWith({ loss: skipped.r.loss }, skipped.feeds);
  assertEquals(a.loss, b.loss);
});

Deno.test("gradient of the fine-tuning loss w.r.t. every model output is finite", async () => {
  const { r, out, feeds } = await lossGraph(lossConfig("finetune"));
  const wrt: Record<string, Tensor> = {
    ...Object.fromEntries(Object.entries(out.sm).map(([k, t]) => [`sm/${k}`, t])),
    final_atom_positions: out.final_atom_positions,
    lddt_logits: out.lddt_logits,
    distogram_logits: out.distogram_logits,
    masked_msa_logits: out.masked_msa_logits,
    experimentally_resolved_logits: out.experimentally_resolved_logits,
  };
  const names = Object.keys(wrt);
  const grads = G.grad(r.loss, names.map((k) => wrt[k]));
  const v = await runWith({
    ...Object.fromEntries(names.map((k, i) => [k, grads[i]])),
    ...r.extras,
    perResidue: r.violations!.total_per_residue_violations_mask,
  }, feeds);
  // Fine-tuning computes the violations, so their metrics come along as extras:
  // the per-residue fraction is the seq-masked mean (eps 1e-4) of the residue mask.
  const seqMask = Array.from(feeds.seq_mask as Float32Array);
  const flagged = v.perResidue.reduce((a, x, i) => a + x * seqMask[i], 0);
  const real = seqMask.reduce((a, b) => a + b, 0);
  assertAlmostEquals(v.violations_per_residue[0], flagged / (real + 1e-4), 1e-6);
  assertEquals(Object.keys(r.extras).length, 5);
  for (const k of names) {
    assert(v[k].every(Number.isFinite), `non-finite gradient for ${k}`);
  }
  const norm = (k: string) => Math.hypot(...v[k]);
  // The structure is trained through FAPE, chi and violations; final_atom_positions
  // only feeds the (stop-gradient'ed) pLDDT target.
  for (
    const k of ["sm/frames", "sm/positions", "sm/angles", "sm/sidechain_frames", "distogram_logits"]
  ) {
    assert(norm(k) > 1e-4, `no gradient reaches ${k}`);
  }
  assertEquals(norm("final_atom_positions"), 0);
});

Deno.test("lossBatchInputs names, shapes and dtypes are 14z's supervision arrays", async () => {
  const c = await loadCase(Z);
  const g = new G.Graph();
  const n = c.arrays.get("in/aatype")!.shape[0], s = c.arrays.get("in/true_msa")!.shape[0];
  const model = {
    aatype: g.input("aatype", [n], "int32"),
    residue_index: g.input("residue_index", [n], "int32"),
    seq_mask: g.input("seq_mask", [n], "float32"),
  };
  const batch = lossBatchInputs(g, { nRes: n, nSeq: s }, model);
  for (const [name, t] of Object.entries(batch)) {
    const a = c.arrays.get(`in/${name}`);
    assert(a !== undefined, `14z has no in/${name}`);
    assertEquals(t.shape, a.shape, name);
    assertEquals(t.dtype, a.dtype, name);
  }
});
