/**
 * Reader for the backbone corpus of ../shared/data/backbone (ProMod3 structure
 * database): chains with N/CA/C/O coordinates, 8-state DSSP, identity clusters
 * and HHblits-derived sequence profiles.
 *
 * @module
 */

import { z } from "zod";
import { ParseError } from "../util/errors.ts";
import { readLines } from "../io/text.ts";
import { aatypeOf, ATOM_ORDER, ATOM_TYPE_NUM } from "../protein/residue_constants.ts";
import type { Protein } from "../protein/protein.ts";

/** Backbone atoms stored per residue, in this order. */
export const BACKBONE_ATOMS = ["N", "CA", "C", "O"] as const;

const chainLine = z.object({
  id: z.string().min(1),
  pdb: z.string(),
  chain: z.string(),
  start: z.number().int(),
  len: z.number().int().positive(),
  seq: z.string().regex(/^[A-Z]+$/),
  dssp: z.string(),
  clu30: z.string(),
  clu50: z.string(),
  bb_delta: z.array(z.number().int()),
});

const profileLine = z.object({ id: z.string().min(1), freq100: z.array(z.number()) });

/** One chain of the backbone corpus. */
export interface BackboneChain {
  /** `PDBID_chain`. */
  id: string;
  /** PDB entry. */
  pdb: string;
  /** Chain identifier. */
  chain: string;
  /** Residue number of the first residue. */
  start: number;
  /** Sequence (20 standard amino acids). */
  seq: string;
  /** 8-state DSSP as stored by ProMod3 (H/E/C/T/S/G/B/I). */
  dssp: string;
  /** Representative of the 30 % identity cluster. */
  clu30: string;
  /** Representative of the 50 % identity cluster. */
  clu50: string;
  /** N, CA, C, O coordinates in Å, flattened `[L, 4, 3]`. */
  backbone: Float32Array;
}

/** Decode one JSON line of `pm3_backbone.jsonl(.gz)`; throws {@link ParseError}. */
export function parseBackboneLine(text: string, file: string, line: number): BackboneChain {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ParseError({ file, line }, `invalid JSON: ${(e as Error).message}`);
  }
  const r = chainLine.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ParseError({ file, line }, `field ${issue.path.join(".")}: ${issue.message}`);
  }
  const c = r.data;
  const n = c.len;
  if (c.seq.length !== n || c.dssp.length !== n) {
    throw new ParseError({ file, line }, `seq/dssp length differs from len ${n}`);
  }
  if (c.bb_delta.length !== 12 * n) {
    throw new ParseError(
      { file, line },
      `bb_delta has ${c.bb_delta.length} values, want ${12 * n}`,
    );
  }
  // Coordinates are a running sum of xyz triples in units of 0.01 Å.
  const backbone = new Float32Array(12 * n);
  let x = 0, y = 0, zc = 0;
  for (let i = 0; i < 4 * n; i++) {
    x += c.bb_delta[3 * i];
    y += c.bb_delta[3 * i + 1];
    zc += c.bb_delta[3 * i + 2];
    backbone[3 * i] = x / 100;
    backbone[3 * i + 1] = y / 100;
    backbone[3 * i + 2] = zc / 100;
  }
  return {
    id: c.id,
    pdb: c.pdb,
    chain: c.chain,
    start: c.start,
    seq: c.seq,
    dssp: c.dssp,
    clu30: c.clu30,
    clu50: c.clu50,
    backbone,
  };
}

/** Options for {@link readBackboneCorpus}. */
export interface CorpusReadOptions {
  /** Only these chain ids. */
  ids?: ReadonlySet<string>;
  /** Stop after this many chains. */
  limit?: number;
}

/**
 * Stream the chains of `pm3_backbone.jsonl(.gz)`.
 *
 * @example
 * ```ts
 * import { readBackboneCorpus } from "denofold";
 *
 * const path = "data/sample/backbone/pm3_backbone.jsonl.gz";
 * for await (const c of readBackboneCorpus(path, { limit: 3 })) {
 *   console.log(c.id, c.seq.length, c.dssp);
 * }
 * ```
 */
export async function* readBackboneCorpus(
  path: string,
  opts: CorpusReadOptions = {},
): AsyncGenerator<BackboneChain> {
  let count = 0;
  for await (const { line, lineNo } of readLines(path, "corpus")) {
    if (line.trim() === "") continue;
    if (opts.ids) {
      // Cheap pre-filter on the id before decoding the coordinates.
      const m = /"id"\s*:\s*"([^"]+)"/.exec(line);
      if (m && !opts.ids.has(m[1])) continue;
    }
    yield parseBackboneLine(line, path, lineNo);
    if (opts.limit !== undefined && ++count >= opts.limit) return;
  }
}

/** The profile alphabet of `pm3_profiles.jsonl` (alphabetical one-letter order). */
export const PROFILE_ALPHABET = "ACDEFGHIKLMNPQRSTVWY";

/**
 * Decode one line of `pm3_profiles.jsonl(.gz)` into frequencies `[L, 20]` in AF2
 * `aatype` order (ARNDC...), each row summing to about 1.
 */
export function parseProfileLine(
  text: string,
  file: string,
  line: number,
): { id: string; profile: Float32Array } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ParseError({ file, line }, `invalid JSON: ${(e as Error).message}`);
  }
  const r = profileLine.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ParseError({ file, line }, `field ${issue.path.join(".")}: ${issue.message}`);
  }
  const f = r.data.freq100;
  if (f.length % 20 !== 0) {
    throw new ParseError({ file, line }, `freq100 has ${f.length} values, not a multiple of 20`);
  }
  const n = f.length / 20;
  const profile = new Float32Array(n * 20);
  const perm = [...PROFILE_ALPHABET].map((a) => aatypeOf(a));
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 20; k++) profile[i * 20 + perm[k]] = f[i * 20 + k] / 100;
  }
  return { id: r.data.id, profile };
}

/**
 * Stream the profiles of `pm3_profiles.jsonl(.gz)`, optionally only some ids.
 *
 * @example
 * ```ts
 * import { readProfiles } from "denofold";
 *
 * for await (const p of readProfiles("data/sample/backbone/pm3_profiles.jsonl.gz", { limit: 1 })) {
 *   console.log(p.id, p.profile.length / 20, "residues");
 * }
 * ```
 */
export async function* readProfiles(
  path: string,
  opts: CorpusReadOptions = {},
): AsyncGenerator<{ id: string; profile: Float32Array }> {
  let count = 0;
  for await (const { line, lineNo } of readLines(path, "corpus")) {
    if (line.trim() === "") continue;
    if (opts.ids) {
      const m = /"id"\s*:\s*"([^"]+)"/.exec(line);
      if (m && !opts.ids.has(m[1])) continue;
    }
    yield parseProfileLine(line, path, lineNo);
    if (opts.limit !== undefined && ++count >= opts.limit) return;
  }
}

/**
 * A backbone chain as an atom37 {@link Protein} (only N, CA, C, O present).
 *
 * @example
 * ```ts
 * import { backboneToProtein, dsspProtein, readBackboneCorpus } from "denofold";
 *
 * const path = "data/sample/backbone/pm3_backbone.jsonl.gz";
 * for await (const c of readBackboneCorpus(path, { limit: 1 })) {
 *   console.log(dsspProtein(backboneToProtein(c)).ss);
 * }
 * ```
 */
export function backboneToProtein(c: BackboneChain): Protein {
  const n = c.seq.length;
  const atomPositions = new Float32Array(n * ATOM_TYPE_NUM * 3);
  const atomMask = new Float32Array(n * ATOM_TYPE_NUM);
  for (let i = 0; i < n; i++) {
    BACKBONE_ATOMS.forEach((name, a) => {
      const slot = i * ATOM_TYPE_NUM + ATOM_ORDER[name];
      atomMask[slot] = 1;
      for (let d = 0; d < 3; d++) atomPositions[slot * 3 + d] = c.backbone[(i * 4 + a) * 3 + d];
    });
  }
  return {
    aatype: Int32Array.from(c.seq, aatypeOf),
    atomPositions,
    atomMask,
    residueIndex: Int32Array.from({ length: n }, (_, i) => c.start + i),
    chainIds: new Array(n).fill(c.chain),
    bFactors: new Float32Array(n * ATOM_TYPE_NUM),
  };
}
