/**
 * Reader for mkdssp's classic output format (the `.dssp` files): per residue the
 * residue number, insertion code, chain, amino acid and the SS code column.
 *
 * @module
 */

import { ParseError } from "../model/features/parse_error.ts";

/** One residue line of a classic DSSP file. */
export interface ClassicDsspResidue {
  /** DSSP's sequential number (column 1). */
  serial: number;
  /** Author residue number. */
  resNum: number;
  /** Insertion code ("" when none). */
  insCode: string;
  /** Chain identifier (one character in this format). */
  chain: string;
  /** One-letter amino acid (lower case for half-cystines). */
  aa: string;
  /** SS code, with mkdssp's blank written as '-'. */
  ss: string;
}

/**
 * Parse the residue table of a classic DSSP file; break lines ('!') are skipped
 * (their positions are implied by the residues around them).
 */
export function parseClassicDssp(text: string, file: string): ClassicDsspResidue[] {
  const lines = text.split(/\r?\n/);
  const head = lines.findIndex((l) => l.startsWith("  #  RESIDUE"));
  if (head < 0) throw new ParseError({ file }, "no '  #  RESIDUE' table header");
  const out: ClassicDsspResidue[] = [];
  for (let k = head + 1; k < lines.length; k++) {
    const l = lines[k];
    if (l.trim() === "") continue;
    if (l.length < 17) throw new ParseError({ file, line: k + 1 }, "residue line too short");
    if (l[13] === "!") continue;
    const serial = Number(l.slice(0, 5)), resNum = Number(l.slice(5, 10));
    if (!Number.isInteger(serial) || !Number.isInteger(resNum)) {
      throw new ParseError({ file, line: k + 1 }, `bad residue number "${l.slice(0, 10)}"`);
    }
    const ss = l[16];
    if (!/[ HGIEBTSP]/.test(ss)) {
      throw new ParseError({ file, line: k + 1 }, `unknown SS code "${ss}"`);
    }
    out.push({
      serial,
      resNum,
      insCode: l[10].trim(),
      chain: l[11],
      aa: l[13],
      ss: ss === " " ? "-" : ss,
    });
  }
  return out;
}
