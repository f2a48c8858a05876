/**
 * One training step's gradients: the tiny model (two recycling passes, the
 * gradient through the last) plus AlphaFoldLoss, differentiated with `G.grad`,
 * against OpenFold's d loss / d param for every parameter of fixture 14z.
 *
 * Tolerance: per tensor, max |g − g_ref| / (max |g_ref| + 1e-3 · global max |g_ref|)
 * <= 1e-4, the fixture's own error measure; its float32-vs-float64 noise in
 * that measure is up to ~1.6e-5 (meta.grad_fp32_vs_fp64_worst), so 1e-4 is
 * about six times the noise of float32 itself. Some gradients are
 * mathematically zero (LayerNorm biases feeding a per-head constant bias) and
 * are judged by the global term.
 */
import { arrayOf, loadCase } from "../../analysis/parity/harness.ts";
import { tinyModelLossAndGradients } from "../../analysis/parity/runners_losses.ts";
import { SHARED_PARITY } from "../shared_data.ts";
import { assert, assertAlmostEquals } from "../assert.ts";

Deno.test("tiny model + AlphaFoldLoss gradients match OpenFold's (14z), every parameter", async () => {
  const c = await loadCase(`${SHARED_PARITY}/14z_alphafold_loss_tiny_model.npz`);
  const ours = await tinyModelLossAndGradients(c);
  const ref = (k: string) => Float64Array.from(arrayOf(c, k).data as ArrayLike<number>, Number);
  assertAlmostEquals(ours.loss.data[0], ref("out/loss")[0], 1e-4 * ref("out/loss")[0]);

  const keys = [...c.arrays.keys()].filter((k) => k.startsWith("grad/"));
  assert(keys.length > 400, `only ${keys.length} gradient tensors in the fixture`);
  let globalMax = 0;
  for (const k of keys) for (const v of ref(k)) globalMax = Math.max(globalMax, Math.abs(v));
  let worst = { key: "", ratio: 0, err: 0 };
  for (const k of keys) {
    const mine = ours[k];
    assert(mine !== undefined, `no gradient for ${k}`);
    const want = ref(k);
    let err = 0, scale = 0;
    for (let j = 0; j < want.length; j++) {
      err = Math.max(err, Math.abs(mine.data[j] - want[j]));
      scale = Math.max(scale, Math.abs(want[j]));
    }
    const ratio = err / (scale + 1e-3 * globalMax);
    if (ratio > worst.ratio) worst = { key: k, ratio, err };
  }
  console.log(
    `${keys.length} gradient tensors (global max |grad| ${
      globalMax.toFixed(2)
    }): worst ${worst.key} ` +
      `max |err| ${worst.err.toExponential(2)}, normalised ${worst.ratio.toExponential(2)}`,
  );
  assert(worst.ratio <= 1e-4, `${worst.key}: normalised error ${worst.ratio}`);
});
