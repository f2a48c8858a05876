/**
 * Synthetic-but-real training runs for the learning-dynamics tests: real chains
 * of the bundled sample (`data/sample/backbone`) as probes, and "predictions"
 * that are their true backbones corrupted in a controlled way that fades over
 * training on a known schedule, written with the real snapshot writer.
 *
 * - {@link writeSsOrderRun}: per-residue noise that fades for helix residues
 *   first (gone by step 10), then coil (30), then strand (100); on top, rigid
 *   displacements of 24-residue segments that fade last (1000). So local
 *   structure is right early, helices before strands, tertiary packing last.
 * - {@link writeAxisRun}: the true structure squeezed along its principal axes,
 *   released axis by axis (axis 1 by step 30, axis 2 by 300, axis 3 by 2000), so
 *   the relative extent of axis k at step t is exactly {@link axisScale}(k, t).
 *
 * @module
 */

import { type BackboneChain, readBackboneCorpus } from "../../model/features/backbone_corpus.ts";
import {
  logSpacedSteps,
  type Probe,
  writeProbes,
  writeSnapshot,
} from "../../analysis/snapshots.ts";
import { dimensionality } from "../../analysis/dimensionality.ts";
import { caFromBackbone } from "../../analysis/dynamics.ts";
import { seededRng } from "./fixtures.ts";

/** The bundled sample's backbone corpus. */
export const SAMPLE_CORPUS =
  new URL("../../data/sample/backbone/pm3_backbone.jsonl.gz", import.meta.url)
    .pathname;

/** Snapshot steps of the synthetic runs (40 log-spaced steps up to 3000). */
export const RUN_STEPS = logSpacedSteps(3000, 40);

/**
 * The first `count` sample chains of 60–130 residues with ≥ 25 % helix (H) and
 * ≥ 20 % strand (E) in their stored DSSP: real α/β proteins.
 */
export async function alphaBetaChains(count = 3): Promise<BackboneChain[]> {
  const out: BackboneChain[] = [];
  for await (const c of readBackboneCorpus(SAMPLE_CORPUS)) {
    const n = c.seq.length;
    const frac = (s: string) => [...c.dssp].filter((x) => x === s).length / n;
    if (n >= 60 && n <= 130 && frac("H") >= 0.25 && frac("E") >= 0.2) out.push(c);
    if (out.length === count) break;
  }
  return out;
}

/** A corpus chain as a snapshot probe (stored DSSP with '-' for coil). */
export function probeOf(c: BackboneChain): Probe {
  return {
    id: c.id,
    seq: c.seq,
    residue_index: Array.from({ length: c.seq.length }, (_, i) => c.start + i),
    backbone: Array.from(c.backbone),
    mask: new Array(c.seq.length).fill(1),
    dssp: c.dssp.replaceAll("C", "-"),
  };
}

/** 1 at step 1 falling linearly in log(step) to 0 at `end`. */
export function fade(step: number, end: number): number {
  return Math.min(1, Math.max(0, 1 - Math.log(step) / Math.log(end)));
}

/** Steps at which each class's local noise is gone, and the segment displacement's. */
export const FADE_END = { helix: 10, coil: 30, strand: 100, segments: 1000 } as const;
/** Noise scales (Å per axis) of the per-residue noise and the segment displacements. */
export const NOISE = { local: 2.5, segment: 2 } as const;

/**
 * A `metrics.jsonl` in the training loop's format for steps 1..3000: loss terms
 * falling with the corruption schedule, validation lines every 250 steps.
 */
export async function writeRunMetrics(dir: string): Promise<void> {
  const lines: string[] = [];
  for (let step = 1; step <= RUN_STEPS[RUN_STEPS.length - 1]; step++) {
    const fape = 0.2 + 2 * fade(step, FADE_END.segments),
      distogram = 1 + 3 * fade(step, FADE_END.strand);
    const line: Record<string, number> = {
      step,
      lr: 1e-3,
      loss: fape + 0.3 * distogram,
      grad_norm: 1,
      skipped: 0,
      fape,
      distogram,
    };
    if (step % 250 === 0) line.val_lddt_ca = 1 - 0.8 * fade(step, FADE_END.segments);
    lines.push(JSON.stringify(line));
  }
  await Deno.writeTextFile(`${dir}/metrics.jsonl`, lines.join("\n") + "\n");
}

/** Write the SS-order run (snapshots and metrics.jsonl) into `dir`; returns the probes. */
export async function writeSsOrderRun(dir: string, chains: BackboneChain[]): Promise<Probe[]> {
  const probes = chains.map(probeOf);
  await writeProbes(dir, probes);
  await writeRunMetrics(dir);
  const rng = seededRng(7);
  const noise = probes.map((p) => {
    const n = p.seq.length;
    const nSeg = Math.ceil(n / 24);
    // Fixed noise vectors, scaled down over training: the curves move one way only.
    return {
      local: Float64Array.from({ length: 3 * n }, () => NOISE.local * rng.normal()),
      segment: Float64Array.from({ length: 3 * nSeg }, () => NOISE.segment * rng.normal()),
    };
  });
  for (const step of RUN_STEPS) {
    await writeSnapshot(dir, {
      step,
      probes: probes.map((p, k) => {
        const n = p.seq.length;
        const ss = p.dssp;
        const bb = p.backbone.slice();
        const plddt: number[] = [];
        const a = fade(step, FADE_END.segments);
        for (let i = 0; i < n; i++) {
          const cls = "HGI".includes(ss[i]) ? "helix" : "EB".includes(ss[i]) ? "strand" : "coil";
          const w = fade(step, FADE_END[cls]);
          const seg = Math.floor(i / 24);
          for (let atom = 0; atom < 4; atom++) {
            for (let d = 0; d < 3; d++) {
              bb[12 * i + 3 * atom + d] += w * noise[k].local[3 * i + d] +
                a * noise[k].segment[3 * seg + d];
            }
          }
          plddt.push(100 * (1 - w) * (1 - 0.5 * a));
        }
        return { id: p.id, backbone: bb, plddt };
      }),
    });
  }
  return probes;
}

/** Windows (in steps) over which axis k is released from 5 % to 100 % of its extent. */
export const AXIS_WINDOWS: [number, number][] = [[1, 30], [10, 300], [100, 2000]];

/** The scale applied to principal axis k (0-based) at `step`. */
export function axisScale(k: number, step: number): number {
  const [a, b] = AXIS_WINDOWS[k];
  const g = Math.min(1, Math.max(0, Math.log(step / a) / Math.log(b / a)));
  return 0.05 + 0.95 * g;
}

/** Write the axis-by-axis run into `dir`; returns the probes. */
export async function writeAxisRun(dir: string, chains: BackboneChain[]): Promise<Probe[]> {
  const probes = chains.map(probeOf);
  await writeProbes(dir, probes);
  for (const step of RUN_STEPS) {
    await writeSnapshot(dir, {
      step,
      probes: probes.map((p) => {
        const ca = caFromBackbone(p.backbone);
        const { axes } = dimensionality(ca);
        const n = ca.length / 3;
        const c = [0, 1, 2].map((d) => {
          let s = 0;
          for (let i = 0; i < n; i++) s += ca[3 * i + d];
          return s / n;
        });
        const bb = p.backbone.slice();
        for (let a = 0; a < bb.length / 3; a++) {
          const x = [0, 1, 2].map((d) => p.backbone[3 * a + d] - c[d]);
          for (let d = 0; d < 3; d++) {
            let v = c[d];
            for (let k = 0; k < 3; k++) {
              const proj = x[0] * axes[k][0] + x[1] * axes[k][1] + x[2] * axes[k][2];
              v += axisScale(k, step) * proj * axes[k][d];
            }
            bb[3 * a + d] = v;
          }
        }
        return { id: p.id, backbone: bb, plddt: new Array(p.seq.length).fill(50) };
      }),
    });
  }
  return probes;
}

/**
 * A collapsed prediction like an untrained AF2's: every residue's Cα within
 * ~0.3 Å of the origin, each residue's N, C, O at their true distances from it but
 * turned by a random rotation (the residues' frames are still random).
 */
export function collapsedBackbone(p: Probe, seed: number): number[] {
  const rng = seededRng(seed);
  const n = p.mask.length, bb = new Array<number>(12 * n).fill(0);
  for (let i = 0; i < n; i++) {
    // A uniformly random rotation from a random unit quaternion (a, b, c, d).
    const q = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
    const m = Math.hypot(...q);
    const [a, b, c, d] = q.map((v) => v / m);
    const r = [
      [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
      [2 * (b * c + a * d), a * a - b * b + c * c - d * d, 2 * (c * d - a * b)],
      [2 * (b * d - a * c), 2 * (c * d + a * b), a * a - b * b - c * c + d * d],
    ];
    const jitter = [0, 1, 2].map(() => 0.2 * rng.normal());
    for (let atom = 0; atom < 4; atom++) {
      const rel = [0, 1, 2].map((k) =>
        p.backbone[12 * i + 3 * atom + k] - p.backbone[12 * i + 3 + k]
      );
      for (let k = 0; k < 3; k++) {
        bb[12 * i + 3 * atom + k] = jitter[k] + r[k][0] * rel[0] + r[k][1] * rel[1] +
          r[k][2] * rel[2];
      }
    }
  }
  return bb;
}
