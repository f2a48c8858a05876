/**
 * Invariant point attention is invariant: moving every backbone frame by one
 * global rigid motion must leave its output unchanged (AF2 supplement 1.8.2,
 * the property Algorithm 22 is built for). Checked with OpenFold's random IPA
 * weights and inputs (fixture 10a), for motions up to 100 Å away.
 */
import * as G from "../../model/graph/mod.ts";
import type { TypedArray } from "../../model/graph/mod.ts";
import { ModelBuilder } from "../../model/nn/scope.ts";
import { invariantPointAttention } from "../../model/af2/invariant_point_attention.ts";
import { fromTensor4x4 } from "../../model/af2/rigid.ts";
import {
  composeRigids,
  normalizeQuat,
  quatToRot,
  rigidFromMat4,
  rigidToMat4,
} from "../../model/protein/rigid.ts";
import { arrayOf, feedOf, loadCase } from "../../analysis/parity/harness.ts";
import { SHARED_PARITY } from "../shared_data.ts";
import { rng } from "../graph/fd.ts";
import { assert } from "../assert.ts";

Deno.test("IPA output is invariant to a global rigid motion of all frames", async () => {
  const c = await loadCase(`${SHARED_PARITY}/10a_invariant_point_attention.npz`);
  const ctor = c.meta.ctor as Record<string, number>;
  const b = new ModelBuilder();
  const input = (k: string) => b.g.input(k, arrayOf(c, `in/${k}`).shape);
  const out = invariantPointAttention(
    b.scope(),
    input("s"),
    input("z"),
    fromTensor4x4(input("rigid_4x4")),
    input("mask"),
    {
      cHidden: ctor.c_hidden,
      heads: ctor.no_heads,
      qkPoints: ctor.no_qk_points,
      vPoints: ctor.no_v_points,
      inf: ctor.inf,
      eps: ctor.eps,
    },
  );
  const run = await G.compile({ out });
  const feeds: Record<string, TypedArray> = {};
  for (const k of ["s", "z", "mask", "rigid_4x4"]) feeds[k] = feedOf(arrayOf(c, `in/${k}`));
  for (const p of b.params) feeds[p.name] = feedOf(arrayOf(c, `param/${p.name}`));
  const ref = (await run.run(feeds)).out.data as Float32Array;
  const mask = feeds.mask as Float32Array;
  const width = ref.length / mask.length;
  const scale = Math.max(...ref.map(Math.abs));

  const frames = feeds.rigid_4x4 as Float32Array;
  const n = frames.length / 16;
  const rand = rng(17);
  // Global motions: random rotation, translation of 0, 3 and 10 units (the
  // structure module works in 10 Å units).
  for (const shift of [0, 3, 10]) {
    const global = {
      rot: quatToRot(normalizeQuat([rand() - 0.5, rand() - 0.5, rand() - 0.5, rand() - 0.5])),
      trans: Float64Array.from([shift, -shift / 2, shift / 3]),
    };
    const moved = new Float32Array(frames.length);
    for (let i = 0; i < n; i++) {
      moved.set(rigidToMat4(composeRigids(global, rigidFromMat4(frames, i * 16))), i * 16);
    }
    const got = (await run.run({ ...feeds, rigid_4x4: moved })).out.data as Float32Array;
    let worst = 0;
    for (let k = 0; k < got.length; k++) {
      // Masked residues see logits − 1e5 everywhere: float32 noise, not a property.
      if (mask[Math.floor(k / width)]) worst = Math.max(worst, Math.abs(got[k] - ref[k]));
    }
    console.log(
      `shift ${shift}: max |Δ| ${worst.toExponential(2)} (output scale ${scale.toFixed(2)})`,
    );
    assert(worst <= 1e-5 * scale, `IPA changed by ${worst} under a global motion (shift ${shift})`);
  }
});
