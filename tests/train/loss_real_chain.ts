/**
 * A real full-atom chain with its OpenFold ground-truth features, and a graph
 * runner, for the loss tests that need side chains (renaming, side-chain FAPE,
 * violations). Not a test file.
 */
import * as G from "../../model/graph/mod.ts";
import type { Tensor, TypedArray } from "../../model/graph/mod.ts";
import { readStructure } from "../../model/protein/structure_file.ts";
import {
  type GroundTruthFeatures,
  groundTruthFeatures,
} from "../../model/protein/gt_transforms.ts";
import type { Protein } from "../../model/protein/protein.ts";
import { TEST_DATA } from "../shared_data.ts";

/** A 56-residue crystal chain (Docking Benchmark 5, 1CGI ligand) with ASP, GLU, PHE and TYR. */
export const REAL_CHAIN = `${TEST_DATA}/fullatom/github/haddocking_BM5-clean/1CGI_l_u_1.pdb.gz`;

/** The chain and its ground-truth features. */
export async function realChain(): Promise<{ protein: Protein; gt: GroundTruthFeatures }> {
  const protein = await readStructure(REAL_CHAIN, { chains: ["A"] });
  const gt = groundTruthFeatures(protein.aatype, protein.atomPositions, protein.atomMask);
  return { protein, gt };
}

/** A fixed proper rotation (row-major) and translation: the "prediction's" arbitrary global pose. */
export const MOTION = (() => {
  const [a, b, c] = [0.7, -1.1, 2.3];
  const rz = [Math.cos(a), -Math.sin(a), 0, Math.sin(a), Math.cos(a), 0, 0, 0, 1];
  const ry = [Math.cos(b), 0, Math.sin(b), 0, 1, 0, -Math.sin(b), 0, Math.cos(b)];
  const rx = [1, 0, 0, 0, Math.cos(c), -Math.sin(c), 0, Math.sin(c), Math.cos(c)];
  const mul = (p: number[], q: number[]) =>
    Array.from({ length: 9 }, (_, k) => {
      const i = Math.floor(k / 3), j = k % 3;
      return p[i * 3] * q[j] + p[i * 3 + 1] * q[3 + j] + p[i * 3 + 2] * q[6 + j];
    });
  return { rot: mul(rz, mul(ry, rx)), trans: [12.5, -3.25, 40] };
})();

/** Points `[*, 3]` under {@link MOTION}. */
export function movePoints(p: ArrayLike<number>): Float32Array {
  const { rot: r, trans: t } = MOTION;
  const out = new Float32Array(p.length);
  for (let k = 0; k < p.length; k += 3) {
    for (let i = 0; i < 3; i++) {
      out[k + i] = r[i * 3] * p[k] + r[i * 3 + 1] * p[k + 1] + r[i * 3 + 2] * p[k + 2] + t[i];
    }
  }
  return out;
}

/** Homogeneous frames `[*, 4, 4]` left-composed with {@link MOTION}. */
export function moveFrames(m: ArrayLike<number>): Float32Array {
  const { rot: r, trans: t } = MOTION;
  const out = new Float32Array(m.length);
  for (let k = 0; k < m.length; k += 16) {
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 4; j++) {
        let v = 0;
        for (let q = 0; q < 3; q++) v += r[i * 3 + q] * m[k + q * 4 + j];
        out[k + i * 4 + j] = v + (j === 3 ? t[i] : 0);
      }
    }
    out[k + 15] = 1;
  }
  return out;
}

/** Graph inputs made from named arrays; `run` compiles the outputs and feeds them. */
export class Feeder {
  readonly g = new G.Graph();
  private feeds: Record<string, TypedArray> = {};

  /** A float32 (or int32 for Int32Array) input holding `data`. */
  input(name: string, data: Float32Array | Int32Array, shape: number[]): Tensor {
    this.feeds[name] = data;
    return this.g.input(name, shape, data instanceof Int32Array ? "int32" : "float32");
  }

  /** Compile and run `outs`, returning each output's data as numbers. */
  async run(outs: Record<string, Tensor>): Promise<Record<string, number[]>> {
    const compiled = await G.compile(outs);
    const used = Object.fromEntries([...compiled.inputs.keys()].map((n) => [n, this.feeds[n]]));
    const r = await compiled.run(used);
    return Object.fromEntries(
      Object.entries(r).map(([k, v]) => [k, Array.from(v.data as ArrayLike<number>, Number)]),
    );
  }
}
