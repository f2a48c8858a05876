/**
 * Feature-pipeline throughput: examples per second for 256-residue crops with
 * 512 MSA rows (AF2 initial-training settings: 128 cluster centres, up to 1024
 * extra rows, block deletion and BERT masking on), in the two evolutionary modes
 * the dataset uses:
 *
 * - `alignment`: a 512-row alignment through merge → block deletion → cluster
 *   sampling → masking → nearest-cluster assignment → profiles → crop → pad;
 * - `profile`: a 512-row pseudo-MSA drawn from a real profile (backbone corpus).
 *
 * Input is real: two chains of the bundled sample joined to 330 residues with
 * their profiles and backbone coordinates; the 512 alignment rows are drawn from
 * those profiles. Single-threaded, so the figure is per training data worker.
 *
 * Run alone: `deno run -A bench/features_bench.ts` (prints JSON to stdout).
 *
 * @module
 */

import {
  backboneToProtein,
  readBackboneCorpus,
  readProfiles,
} from "../model/features/backbone_corpus.ts";
import type { Msa } from "../model/features/msa.ts";
import { buildFeatures } from "../model/features/pipeline.ts";
import { profilePseudoMsa } from "../model/features/profile_msa.ts";
import { Rng } from "../model/util/rng.ts";
import type { Protein } from "../model/protein/protein.ts";
import { RESTYPES } from "../model/protein/residue_constants.ts";

const SAMPLE = new URL("../data/sample/backbone", import.meta.url).pathname;

/** Two real sample chains joined into one 330-residue input (sequence, profile, backbone). */
async function benchInput(): Promise<{ seq: string; profile: Float32Array; structure: Protein }> {
  const picked: { seq: string; protein: Protein; id: string }[] = [];
  for await (const c of readBackboneCorpus(`${SAMPLE}/pm3_backbone.jsonl.gz`)) {
    if (c.seq.length >= 150 && c.seq.length <= 200) {
      picked.push({ seq: c.seq, protein: backboneToProtein(c), id: c.id });
    }
    if (picked.length === 2) break;
  }
  const ids = new Set(picked.map((p) => p.id));
  const profiles = new Map<string, Float32Array>();
  for await (const p of readProfiles(`${SAMPLE}/pm3_profiles.jsonl.gz`, { ids })) {
    profiles.set(p.id, p.profile);
  }
  const seq = picked.map((p) => p.seq).join("").slice(0, 330);
  const L = seq.length;
  const cat = (
    f: (p: (typeof picked)[number]) => ArrayLike<number>,
    per: number,
    T: Float32ArrayConstructor | Int32ArrayConstructor,
  ) => {
    const out = new T(L * per);
    let off = 0;
    for (const p of picked) {
      const src = f(p);
      const n = Math.min(src.length, out.length - off);
      for (let i = 0; i < n; i++) out[off + i] = src[i];
      off += n;
    }
    return out;
  };
  const profile = cat((p) => profiles.get(p.id)!, 20, Float32Array) as Float32Array;
  const structure: Protein = {
    aatype: cat((p) => p.protein.aatype, 1, Int32Array) as Int32Array,
    atomPositions: cat((p) => p.protein.atomPositions, 37 * 3, Float32Array) as Float32Array,
    atomMask: cat((p) => p.protein.atomMask, 37, Float32Array) as Float32Array,
    residueIndex: Int32Array.from({ length: L }, (_, i) => i),
    chainIds: new Array(L).fill("A"),
    bFactors: new Float32Array(L * 37),
  };
  return { seq, profile, structure };
}

/** A 512-row alignment drawn from the profile, with gaps and insertions as real ones have. */
function alignmentFrom(seq: string, profile: Float32Array, rows: number): Msa {
  const rng = new Rng(99);
  const enc = profilePseudoMsa(seq, profile, rows, rng);
  const L = seq.length;
  const sequences: string[] = [], deletions: Int32Array[] = [];
  for (let i = 0; i < rows; i++) {
    let s = "";
    const del = new Int32Array(L);
    for (let r = 0; r < L; r++) {
      s += i > 0 && rng.float() < 0.1 ? "-" : RESTYPES[enc.tokens[i * L + r]] ?? "X";
      if (i > 0 && rng.float() < 0.02) del[r] = 1 + rng.int(8);
    }
    sequences.push(s);
    deletions.push(del);
  }
  return { sequences, deletions, descriptions: sequences.map((_, i) => `row${i}`) };
}

/** Examples per second of `build` over at least `minSeconds` (after one warm-up call). */
function rate(build: (k: number) => unknown, minSeconds: number): number {
  build(-1);
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < minSeconds * 1000) build(n++);
  return n / ((performance.now() - t0) / 1000);
}

/**
 * Feature-pipeline throughput figures (examples/s) for 256-residue crops with 512
 * MSA rows; the bench runner section.
 */
export async function featuresBench(minSeconds = 3): Promise<Record<string, number>> {
  const { seq, profile, structure } = await benchInput();
  const cfg = {
    cropSize: 256,
    maxMsaClusters: 128,
    maxExtraMsa: 1024,
    profileMsaDepth: 512,
    spatialCropProb: 0.5,
  };
  const msas = [alignmentFrom(seq, profile, 512)];
  const alignment = rate(
    (k) => buildFeatures({ id: "bench", sequence: seq, structure, msas }, cfg, new Rng(k)),
    minSeconds,
  );
  const fromProfile = rate(
    (k) => buildFeatures({ id: "bench", sequence: seq, structure, profile }, cfg, new Rng(k)),
    minSeconds,
  );
  return {
    features_per_s_alignment_crop256_msa512: alignment,
    features_per_s_profile_crop256_msa512: fromProfile,
  };
}

if (import.meta.main) {
  console.log(JSON.stringify(await featuresBench()));
}
