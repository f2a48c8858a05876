/**
 * The multiple sequence alignment record every alignment parser returns and the
 * feature pipeline consumes.
 *
 * @module
 */

/**
 * An alignment in query columns: row 0 is the query; every row has the query's
 * length (insertions relative to the query removed and counted in `deletions`).
 */
export interface Msa {
  /** Aligned rows, upper-case letters and `-`, each of the query's length. */
  sequences: string[];
  /** Per row and column: residues deleted (insertions) just before that column. */
  deletions: Int32Array[];
  /** Per row: the sequence's name/description line. */
  descriptions: string[];
}
