/**
 * Helpers for the feature tests: a hand-built alignment family (a real sequence
 * with seeded substitutions, gaps and insertions) and the python3/numpy runner
 * for the independent references.
 *
 * @module
 */

import type { Msa } from "../../model/features/msa.ts";
import { Rng } from "../../model/util/rng.ts";
import type { MsaSamplingConfig } from "../../model/features/msa_features.ts";

/** Human ubiquitin (UniProt P0CG48, residues 1-76). */
export const UBIQUITIN =
  "MQIFVKTLTGKTITLEVEPSDTIENVKAKIQDKEGIPPDQQRLIFAGKQLEDGRTLSDYNIQKESTLHLVLRLRGG";

/**
 * An alignment of `rows` homologues of `query`: row 0 the query; other rows with
 * about `mutRate` substitutions, 5 % gaps and occasional insertions (deletions).
 */
export function familyMsa(query: string, rows: number, seed: number, mutRate = 0.3): Msa {
  const rng = new Rng(seed);
  const aa = "ARNDCQEGHILKMFPSTWYV";
  const sequences = [query];
  const deletions = [new Int32Array(query.length)];
  const descriptions = ["query"];
  for (let i = 1; i < rows; i++) {
    let s = "";
    const del = new Int32Array(query.length);
    for (let r = 0; r < query.length; r++) {
      const u = rng.float();
      s += u < 0.05 ? "-" : u < 0.05 + mutRate ? aa[rng.int(20)] : query[r];
      if (rng.float() < 0.03) del[r] = 1 + rng.int(12);
    }
    sequences.push(s);
    deletions.push(del);
    descriptions.push(`hom${i}`);
  }
  return { sequences, deletions, descriptions };
}

/** Whether python3 with numpy is available (the independent references need it). */
export function havePythonNumpy(): boolean {
  try {
    const r = new Deno.Command("python3", { args: ["-c", "import numpy"] }).outputSync();
    return r.success;
  } catch {
    return false;
  }
}

/** Run a python3 reference script with a JSON input, return its JSON output. */
export async function runPython(script: string, input: unknown): Promise<unknown> {
  const child = new Deno.Command("python3", {
    args: [new URL(script, import.meta.url).pathname],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(JSON.stringify(input)));
  await w.close();
  const out = await child.output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** AF2's training settings (config.py `masked_msa`, `block_delete_msa`, initial training sizes). */
export const AF2_TRAIN: MsaSamplingConfig = {
  maxMsaClusters: 128,
  maxExtraMsa: 1024,
  maskedMsa: { uniformProb: 0.1, profileProb: 0.1, sameProb: 0.1, replaceFraction: 0.15 },
  blockDeletion: { msaFractionPerBlock: 0.3, numBlocks: 5, randomizeNumBlocks: false },
  gapAgreementWeight: 0,
};
