/**
 * A real training example at bench-tiny sizes (issue 8): the bundled chain
 * 3u8v_A with its OpenFold alignments, cropped to 64 residues, 16 MSA cluster
 * rows, 32 extra rows, and ONE template built from the same crop's
 * experimental coordinates (torsions and pseudo-β by OpenFold's transforms),
 * so every feed holds real-looking values.
 *
 * @module
 */

import { lossBatchInputs } from "../model/losses/inputs.ts";
import type { Tensor, TypedArray } from "../model/graph/mod.ts";
import type { Graph } from "../model/graph/mod.ts";
import { type GraphDims } from "../model/af2/alphafold.ts";
import { buildFeatures, type FeatureExample } from "../model/features/pipeline.ts";
import { Rng } from "../model/util/rng.ts";
import { templateGtFeatures } from "../model/protein/gt_transforms.ts";
import { Dataset } from "../train/data/dataset.ts";
import type { LossBatch } from "../model/losses/total.ts";

const SAMPLE = new URL("../data/sample", import.meta.url).pathname;

/** The batch keys the loss reads beyond the model features (OpenFold names). */

/** A featurised example with feeds for every model and loss input. */
export interface BenchExample {
  dims: GraphDims;
  /** Feeds by OpenFold batch name (templates included). */
  feeds: Record<string, TypedArray>;
  /** Shape of each feed. */
  shapes: Record<string, number[]>;
  example: FeatureExample;
}

type AnyTensor = { data: Float32Array | Int32Array; shape: readonly number[] };

/**
 * The bench example: `nRes` residues of chain `id` (default 3u8v_A, 83 long, a
 * contiguous crop; a shorter chain is padded to its length bucket, as training
 * pads crops), `nSeq` cluster rows, `nExtra` extra rows, `nTempl` copies of
 * the self-template.
 */
export async function benchExample(
  nRes = 64,
  nSeq = 16,
  nExtra = 32,
  { id = "3u8v_A", nTempl = 1 }: { id?: string; nTempl?: number } = {},
): Promise<BenchExample> {
  const ds = await Dataset.open(SAMPLE);
  const entry = ds.entries.find((e) => e.id === id);
  if (!entry) throw new Error(`${id} is not in data/sample`);
  const ex = buildFeatures(await ds.loadInput(entry), {
    cropSize: nRes,
    spatialCropProb: 0,
    maxMsaClusters: nSeq,
    maxExtraMsa: nExtra,
  }, new Rng(8));
  const f = ex.features as unknown as Record<string, AnyTensor>;
  const feeds: Record<string, TypedArray> = {};
  const shapes: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(f)) {
    feeds[k] = t.data;
    shapes[k] = [...t.shape];
  }
  const n = ex.meta.paddedLength;
  const aatype = f.aatype.data as Int32Array;
  const pos = f.all_atom_positions.data as Float32Array;
  const mask = f.all_atom_mask.data as Float32Array;
  const tg = templateGtFeatures(aatype, pos, mask, 1) as unknown as Record<string, AnyTensor>;
  const templ: Record<string, AnyTensor> = {
    template_aatype: { data: aatype, shape: [1, n] },
    template_all_atom_positions: { data: pos, shape: [1, n, 37, 3] },
    template_all_atom_mask: { data: mask, shape: [1, n, 37] },
    template_mask: { data: new Float32Array([1]), shape: [1] },
    ...tg,
  };
  for (const [k, t] of Object.entries(templ)) {
    // The template axis is the first: nTempl copies.
    const data = new (t.data.constructor as Float32ArrayConstructor)(t.data.length * nTempl);
    for (let c = 0; c < nTempl; c++) data.set(t.data as Float32Array, c * t.data.length);
    feeds[k] = data;
    shapes[k] = [nTempl, ...t.shape.slice(1)];
  }
  feeds.seq_length = new Int32Array([ex.meta.chainLength]);
  feeds.resolution = new Float32Array([2.0]);
  shapes.seq_length = shapes.resolution = [];
  return { dims: { nRes: n, nSeq, nExtra, nTempl }, feeds, shapes, example: ex };
}

/**
 * Graph inputs for the loss's batch tensors (model/losses/inputs.ts: one list of
 * them) with the residue and MSA dimensions of `dims` (default: the example's own).
 */
export function lossInputs(
  g: Graph,
  ex: BenchExample,
  model: { aatype: Tensor; residue_index: Tensor; seq_mask: Tensor },
  dims: GraphDims = ex.dims,
): LossBatch {
  return lossBatchInputs(g, { nRes: dims.nRes, nSeq: dims.nSeq }, model);
}
