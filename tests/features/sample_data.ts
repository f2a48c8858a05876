/**
 * Paths into the bundled sample `data/sample` (in the repository, so tests that
 * use it do not need ../shared).
 *
 * @module
 */

import type { Msa } from "../../model/features/msa.ts";
import { readAlignmentDir } from "../../model/features/alignment_dir.ts";
import {
  type BackboneChain,
  readBackboneCorpus,
  readProfiles,
} from "../../model/features/backbone_corpus.ts";

/** Root of the bundled sample (same layout as ../shared/data). */
export const SAMPLE_DATA: string = new URL("../../data/sample", import.meta.url).pathname;

/** The monomer MSAs of one OpenFold chain of the sample, in AF2 merge order. */
export async function sampleOpenfoldMsas(chain: string): Promise<Msa[]> {
  return (await readAlignmentDir(`${SAMPLE_DATA}/msa/openfold`, chain)).msas.map((d) => d.msa);
}

/** Sample backbone chains (with their profiles) accepted by `keep`. */
export async function sampleBackboneChains(
  keep: (c: BackboneChain) => boolean,
  limit = Infinity,
): Promise<{ chain: BackboneChain; profile: Float32Array }[]> {
  const chains: BackboneChain[] = [];
  for await (const c of readBackboneCorpus(`${SAMPLE_DATA}/backbone/pm3_backbone.jsonl.gz`)) {
    if (keep(c)) chains.push(c);
    if (chains.length >= limit) break;
  }
  const ids = new Set(chains.map((c) => c.id));
  const profiles = new Map<string, Float32Array>();
  for await (const p of readProfiles(`${SAMPLE_DATA}/backbone/pm3_profiles.jsonl.gz`, { ids })) {
    profiles.set(p.id, p.profile);
  }
  return chains.map((chain) => ({ chain, profile: profiles.get(chain.id)! }));
}
