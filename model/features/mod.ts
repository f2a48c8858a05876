/**
 * From files to model inputs, plain TypeScript: the alignment formats (FASTA,
 * A3M, Stockholm, HHR), OpenProteinSet-layout alignment directories, MSA
 * sampling and features, crops, templates, the backbone corpus and the
 * feature pipeline that turns one chain into AF2's input tensors. The
 * top-level `mod.ts` re-exports the parts notebooks use; this door adds the
 * steps underneath the pipeline.
 *
 * @example Read a FASTA string
 * ```ts
 * import { parseFasta } from "./mod.ts";
 *
 * const [rec] = parseFasta(">q1 a query\nMKTAYIAK\n");
 * console.log(rec.description, rec.sequence); // "q1 a query" "MKTAYIAK"
 * ```
 *
 * @module
 */

export * from "./msa.ts";
export * from "./fasta.ts";
export * from "./a3m.ts";
export * from "./stockholm.ts";
export * from "./hhr.ts";
export * from "./alignment_dir.ts";
export * from "./backbone_corpus.ts";
export * from "./feature_tensor.ts";
export * from "./msa_features.ts";
export * from "./profile_msa.ts";
export * from "./crop.ts";
export * from "./virtual_cb.ts";
export * from "./structure_to_query.ts";
export * from "./templates.ts";
export * from "./pipeline.ts";
// Types the functions above take from neighbouring folders, so this door documents on its own.
export type { Protein } from "../protein/protein.ts";
export type { Rng } from "../util/rng.ts";
