/**
 * Place a structure's observed residues onto the full query sequence of its
 * alignments (the SEQRES-like sequence an MSA was built for), as AF2 does with
 * mmCIF SEQRES: residues absent from the structure stay in the sequence with
 * atom mask 0.
 *
 * The mapping is a global alignment of the observed sequence against the query
 * that maximises identities (match +1, mismatch -1, a structure residue left
 * unplaced -3, query residues skipped 0.01 each between placed residues and free
 * at the ends), solved by dynamic programming.
 *
 * @module
 */

import type { Protein } from "../protein/protein.ts";
import { ATOM_TYPE_NUM, RESTYPES } from "../protein/residue_constants.ts";

/**
 * For each structure residue, its query position (or -1 when it could not be
 * placed).
 */
export function alignToQuery(structSeq: string, query: string): Int32Array {
  const n = structSeq.length, m = query.length;
  const UNPLACED = -3, MISMATCH = -1, INTERIOR_SKIP = 0.01;
  // score[i][j]: best score of structSeq[0..i) against query[0..j).
  const score = new Float64Array((n + 1) * (m + 1));
  const move = new Uint8Array((n + 1) * (m + 1)); // 1 diag, 2 skip query, 3 skip structure
  for (let i = 1; i <= n; i++) {
    score[i * (m + 1)] = i * UNPLACED;
    move[i * (m + 1)] = 3;
  }
  for (let j = 1; j <= m; j++) move[j] = 2;
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      const a = structSeq[i - 1], b = query[j - 1];
      const diag = score[(i - 1) * (m + 1) + j - 1] + (a === b ? 1 : MISMATCH);
      // Skipping query residues costs a little inside the placed region (so a
      // contiguous placement wins over an equally good scattered one) and nothing
      // before the first or after the last structure residue.
      const skipQ = score[i * (m + 1) + j - 1] - (i === n ? 0 : INTERIOR_SKIP);
      const skipS = score[(i - 1) * (m + 1) + j] + UNPLACED;
      let best = diag, mv = 1;
      if (skipQ > best) best = skipQ, mv = 2;
      if (skipS > best) best = skipS, mv = 3;
      score[i * (m + 1) + j] = best;
      move[i * (m + 1) + j] = mv;
    }
  }
  const out = new Int32Array(n).fill(-1);
  let i = n, j = m;
  while (i > 0 && j >= 0) {
    const mv = move[i * (m + 1) + j];
    if (mv === 1) out[--i] = --j;
    else if (mv === 2) j--;
    else i--;
  }
  return out;
}

/**
 * The structure re-indexed onto `query`: `aatype` from the query, atoms of each
 * placed residue copied, every other residue with mask 0, `residueIndex` 0..L-1.
 * Also returns how many structure residues were placed and how many of those
 * disagree with the query residue.
 */
export function structureOnQuery(
  p: Protein,
  query: string,
): { protein: Protein; placed: number; mismatches: number } {
  const structSeq = Array.from(p.aatype, (a) => a < 20 ? RESTYPES[a] : "X").join("");
  const map = alignToQuery(structSeq, query);
  const L = query.length;
  const atomPositions = new Float32Array(L * ATOM_TYPE_NUM * 3);
  const atomMask = new Float32Array(L * ATOM_TYPE_NUM);
  const bFactors = new Float32Array(L * ATOM_TYPE_NUM);
  let placed = 0, mismatches = 0;
  map.forEach((q, i) => {
    if (q < 0) return;
    placed++;
    if (structSeq[i] !== query[q]) mismatches++;
    atomPositions.set(
      p.atomPositions.subarray(i * ATOM_TYPE_NUM * 3, (i + 1) * ATOM_TYPE_NUM * 3),
      q * ATOM_TYPE_NUM * 3,
    );
    atomMask.set(
      p.atomMask.subarray(i * ATOM_TYPE_NUM, (i + 1) * ATOM_TYPE_NUM),
      q * ATOM_TYPE_NUM,
    );
    bFactors.set(
      p.bFactors.subarray(i * ATOM_TYPE_NUM, (i + 1) * ATOM_TYPE_NUM),
      q * ATOM_TYPE_NUM,
    );
  });
  const chain = p.chainIds[0] ?? "A";
  return {
    protein: {
      aatype: Int32Array.from(query, (c) => {
        const k = RESTYPES.indexOf(c);
        return k >= 0 ? k : 20;
      }),
      atomPositions,
      atomMask,
      residueIndex: Int32Array.from({ length: L }, (_, i) => i),
      chainIds: new Array(L).fill(chain),
      bFactors,
    },
    placed,
    mismatches,
  };
}

/**
 * Whether a structure's observed sequence fits an alignment query: at least 90 %
 * of its residues placed, at most 5 % of them mismatched, in at most
 * `3 + n/25` contiguous blocks (missing loops split blocks; a chance placement of
 * an unrelated chain scatters into many).
 */
export function fitsQuery(seq: string, query: string): boolean {
  if (seq.length > query.length * 1.05) return false;
  const map = alignToQuery(seq, query);
  let placed = 0, mismatches = 0, blocks = 0, prev = -2;
  map.forEach((q, i) => {
    if (q < 0) return;
    placed++;
    if (query[q] !== seq[i]) mismatches++;
    if (q !== prev + 1) blocks++;
    prev = q;
  });
  return placed >= 0.9 * seq.length && mismatches <= 0.05 * seq.length &&
    blocks <= 3 + seq.length / 25;
}
