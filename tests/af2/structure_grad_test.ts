/**
 * The structure module's graph differentiates: `G.grad` of a scalar of its final
 * atom positions, checked against central finite differences (float32), and the
 * rotation gradient is cut between layers exactly as AF2 / OpenFold cut it.
 */
import * as G from "../../model/graph/mod.ts";
import type { Tensor, TypedArray } from "../../model/graph/mod.ts";
import { ModelBuilder } from "../../model/nn/scope.ts";
import { modelConfigSchema } from "../../model/af2/config.ts";
import {
  structureModule,
  type StructureModuleConfig,
  structureModuleInit,
  type StructureModuleInputs,
  structureModuleLayer,
} from "../../model/af2/structure_module.ts";
import { stopRotationGradient } from "../../model/af2/rigid.ts";
import { arrayOf, feedOf, loadCase, type ParityCase } from "../../analysis/parity/harness.ts";
import { SHARED_PARITY } from "../shared_data.ts";
import { rng } from "../graph/fd.ts";
import { assert } from "../assert.ts";

const INPUTS = ["single", "pair", "aatype", "mask"] as const;

/** Fixture 11 (OpenFold's random weights and inputs) with `layers` structure-module layers. */
async function fixture(layers: number) {
  const c = await loadCase(`${SHARED_PARITY}/11_structure_module.npz`);
  const schema = modelConfigSchema.shape.structure_module;
  const ctor = c.meta.ctor as Record<string, unknown>;
  const cfg: StructureModuleConfig = schema.parse({
    ...Object.fromEntries(Object.keys(schema.shape).map((k) => [k, ctor[k]])),
    no_blocks: layers,
  });
  const feeds: Record<string, TypedArray> = {};
  for (const name of INPUTS) feeds[name] = feedOf(arrayOf(c, `in/${name}`));
  return { c, cfg, feeds };
}

function graphInputs(c: ParityCase, b: ModelBuilder): StructureModuleInputs {
  const input = (k: string) => {
    const a = arrayOf(c, `in/${k}`);
    return b.g.input(k, a.shape, a.dtype === "int32" ? "int32" : "float32");
  };
  return {
    single: input("single"),
    pair: input("pair"),
    aatype: input("aatype"),
    mask: input("mask"),
  };
}

/**
 * A random linear functional of the atom14 positions `[N, 14, 3]` of present
 * residues, mean-scaled so the float32 loss is O(0.05). A masked residue's own IPA
 * row sees logits − 1e5 for every key, which float32 rounds in steps of ~0.008:
 * its forward is not smooth, so (as every AF2 loss does) it is left out.
 */
function positionsLoss(pos: Tensor, mask: Float32Array): Tensor {
  const rand = rng(7);
  const perResidue = pos.shape[1] * pos.shape[2];
  const w = pos.graph.constant(
    Array.from({ length: pos.size }, (_, i) => (rand() - 0.5) * mask[Math.floor(i / perResidue)]),
    pos.shape,
  );
  return G.div(G.sum(G.mul(pos, w)), pos.size);
}

/** Central difference of a compiled scalar `loss` along one entry of feed `name`. */
async function centralDifference(
  run: G.Compiled,
  feeds: Record<string, TypedArray>,
  name: string,
  entry: number,
  h: number,
): Promise<number> {
  const at = async (delta: number) => {
    const v = Float32Array.from(feeds[name] as Float32Array);
    v[entry] += delta;
    return (await run.run({ ...feeds, [name]: v })).loss.data[0] as number;
  };
  return ((await at(h)) - (await at(-h))) / (2 * h);
}

// h = 1e-3 on an O(0.05) float32 loss summed from ~460 terms: its accumulated
// rounding (1e-8..1e-7) puts an FD noise floor near 1e-5..5e-5 on every entry
// (truncation, h² f''', is far below). Tolerance: that floor, plus 2e-3 of the
// tensor's largest gradient entry, plus 2 % of the entry itself.
const H = 1e-3;
const tolerance = (an: Float32Array, fd: number) =>
  5e-5 + 2e-3 * Math.max(...an.map(Math.abs)) + 2e-2 * Math.abs(fd);

/** The three largest gradient entries (where an error would show) and one random entry. */
function picks(an: Float32Array, rand: () => number): number[] {
  const order = [...an.keys()].sort((x, y) => Math.abs(an[y]) - Math.abs(an[x]));
  return [...new Set([...order.slice(0, 3), order[Math.floor(rand() * order.length)]])];
}

Deno.test(
  "structure module grad of final positions matches central differences (float32)",
  async () => {
    // One layer: no StopGradient sits on any path, so grad must equal the derivative.
    const { c, cfg, feeds } = await fixture(1);
    const b = new ModelBuilder();
    const out = structureModule(b.scope(), cfg, graphInputs(c, b));
    const loss = positionsLoss(G.select(out.positions, 0, -1), feeds.mask as Float32Array);
    // Paths into the positions: backbone update, IPA point weights and point
    // projections, pair bias, torsion head, the first LayerNorm.
    const checked = [
      "bb_update.linear.weight",
      "ipa.head_weights",
      "ipa.linear_q_points.linear.weight",
      "ipa.linear_b.weight",
      "angle_resnet.linear_out.weight",
      "layer_norm_s.weight",
    ];
    const params = b.paramTensors();
    const grads = G.grad(loss, checked.map((n) => params.get(n)!));
    const withGrads = await G.compile({
      loss,
      ...Object.fromEntries(grads.map((g, i) => [`g${i}`, g])),
    });
    const lossOnly = await G.compile({ loss });
    for (const p of b.params) feeds[p.name] = feedOf(arrayOf(c, `param/${p.name}`));
    const base = await withGrads.run(feeds);

    const rand = rng(11);
    let n = 0, worst = 0;
    for (const [k, name] of checked.entries()) {
      const an = base[`g${k}`].data as Float32Array;
      for (const e of picks(an, rand)) {
        const fd = await centralDifference(lossOnly, feeds, name, e, H);
        const tol = tolerance(an, fd);
        const err = Math.abs(fd - an[e]);
        worst = Math.max(worst, err / tol);

        n++;
        assert(err <= tol, `${name}[${e}]: grad ${an[e]} vs central difference ${fd} (tol ${tol})`);
      }
    }
    console.log(`${n} entries checked, worst error ${worst.toFixed(3)} of tolerance`);
  },
);

Deno.test(
  "two layers: grad = derivative with layer-1 rotations held constant (stop_rot_gradient)",
  async () => {
    const { c, cfg, feeds } = await fixture(2);
    // Graph A: the module's own two-layer wiring (stopRotationGradient between layers).
    const a = new ModelBuilder();
    const inA = graphInputs(c, a);
    const initA = structureModuleInit(a.scope(), inA);
    const l1 = structureModuleLayer(a.scope(), cfg, initA.context, initA.state);
    const stopped = { x: l1.state.x, frames: stopRotationGradient(l1.state.frames) };
    const l2A = structureModuleLayer(a.scope(), cfg, initA.context, stopped);
    const lossA = positionsLoss(l2A.outputs.positions, feeds.mask as Float32Array);
    // Cross-check the wiring against structureModule itself.
    const full = structureModule(a.scope(), cfg, inA);

    // Graph B: the same function with layer 1's quaternions replaced by a fed constant.
    const b = new ModelBuilder();
    const initB = structureModuleInit(b.scope(), graphInputs(c, b));
    const m1 = structureModuleLayer(b.scope(), cfg, initB.context, initB.state);
    const frozenQuat = b.g.input("frozen_quat", m1.state.frames.quat.shape);
    const frozen = { x: m1.state.x, frames: { quat: frozenQuat, trans: m1.state.frames.trans } };
    const l2B = structureModuleLayer(b.scope(), cfg, initB.context, frozen);
    const lossB = positionsLoss(l2B.outputs.positions, feeds.mask as Float32Array);

    // Rotation rows (b, c, d) of the backbone update and IPA's query points reach the
    // layer-2 positions through layer 1's rotation as well as directly.
    const checked = ["bb_update.linear.weight", "ipa.linear_q_points.linear.weight"];
    const pa = a.paramTensors();
    const grads = G.grad(lossA, checked.map((n) => pa.get(n)!));
    const runA = await G.compile({
      loss: lossA,
      quat: l1.state.frames.quat,
      fullPositions: G.select(full.positions, 0, -1),
      positions: l2A.outputs.positions,
      ...Object.fromEntries(grads.map((g, i) => [`g${i}`, g])),
    });
    const lossOnlyA = await G.compile({ loss: lossA });
    const runB = await G.compile({ loss: lossB });
    for (const p of a.params) feeds[p.name] = feedOf(arrayOf(c, `param/${p.name}`));
    const base = await runA.run(feeds);
    const fullPos = base.fullPositions.data as Float32Array;
    const pos = base.positions.data as Float32Array;
    assert(
      fullPos.every((v, i) => v === pos[i]),
      "layer-by-layer wiring differs from structureModule",
    );
    const feedsB = { ...feeds, frozen_quat: base.quat.data as Float32Array };
    assert((await runB.run(feedsB)).loss.data[0] === base.loss.data[0], "frozen graph differs");

    const rand = rng(13);
    let n = 0, worst = 0, unfrozenWorst = 0;
    for (const [k, name] of checked.entries()) {
      const an = base[`g${k}`].data as Float32Array;
      for (const e of picks(an, rand)) {
        const fd = await centralDifference(runB, feedsB, name, e, H);
        const tol = tolerance(an, fd);
        const err = Math.abs(fd - an[e]);
        worst = Math.max(worst, err / tol);
        n++;
        assert(err <= tol, `${name}[${e}]: grad ${an[e]} vs frozen-rotation FD ${fd} (tol ${tol})`);
        // The full derivative (rotation not frozen) must differ somewhere, or this
        // test could not tell a missing stop from a present one.
        const fdFull = await centralDifference(lossOnlyA, feeds, name, e, H);
        unfrozenWorst = Math.max(unfrozenWorst, Math.abs(fdFull - an[e]) / tol);
      }
    }
    console.log(
      `${n} entries: worst error ${worst.toFixed(3)} of tolerance vs the frozen-rotation ` +
        `derivative, ${unfrozenWorst.toFixed(1)}x tolerance vs the full derivative`,
    );
    assert(unfrozenWorst > 10, "the stop gradient made no measurable difference");
  },
);
