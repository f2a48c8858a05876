/**
 * Reader for mkdssp's classic output format (the `.dssp` files): per residue the
 * residue number, insertion code, chain, amino acid and the SS code column.
 *
 * @module
 */

import { ParseError } from "../model/util/errors.ts";

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
  /** The two N-H-->O bonds: partner serial offset and energy (kcal/mol, 0.1 precision). */
  nho: [number, number][];
  /** The two O-->H-N bonds: partner serial offset and energy. */
  ohn: [number, number][];
  /** Cα virtual-bond angle κ (degrees; 360 when undefined). */
  kappa: number;
  /** φ (degrees; 360 when undefined). */
  phi: number;
  /** ψ (degrees; 360 when undefined). */
  psi: number;
}

/** Fixed columns of the classic format (0-based start, end). */
const COLUMNS = {
  nho1: [39, 50],
  ohn1: [50, 61],
  nho2: [61, 72],
  ohn2: [72, 83],
  kappa: [91, 97],
  phi: [103, 109],
  psi: [109, 115],
} as const;

/**
 * Parse the residue table of a classic DSSP file; break lines ('!') are skipped
 * (their positions are implied by the residues around them).
 *
 * @example
 * ```ts
 * import { parseClassicDssp } from "denofold";
 *
 * const text = await Deno.readTextFile("1ubq.dssp"); // mkdssp --output-format dssp 1ubq.pdb 1ubq.dssp
 * const residues = parseClassicDssp(text, "1ubq.dssp");
 * console.log(residues.map((r) => r.ss).join(""));
 * ```
 */
export function parseClassicDssp(text: string, file: string): ClassicDsspResidue[] {
  const lines = text.split(/\r?\n/);
  const head = lines.findIndex((l) => l.startsWith("  #  RESIDUE"));
  if (head < 0) throw new ParseError({ file }, "no '  #  RESIDUE' table header");
  const out: ClassicDsspResidue[] = [];
  for (let k = head + 1; k < lines.length; k++) {
    const l = lines[k];
    if (l.trim() === "") continue;
    if (l.length < 115) throw new ParseError({ file, line: k + 1 }, "residue line too short");
    if (l[13] === "!") continue;
    const serial = Number(l.slice(0, 5)), resNum = Number(l.slice(5, 10));
    if (!Number.isInteger(serial) || !Number.isInteger(resNum)) {
      throw new ParseError({ file, line: k + 1 }, `bad residue number "${l.slice(0, 10)}"`);
    }
    const ss = l[16];
    if (!/[ HGIEBTSP]/.test(ss)) {
      throw new ParseError({ file, line: k + 1 }, `unknown SS code "${ss}"`);
    }
    const col = (c: keyof typeof COLUMNS) => l.slice(COLUMNS[c][0], COLUMNS[c][1]);
    const num = (c: keyof typeof COLUMNS) => {
      const v = Number(col(c));
      if (col(c).trim() === "" || !Number.isFinite(v)) {
        throw new ParseError({ file, line: k + 1 }, `bad ${c} "${col(c)}"`);
      }
      return v;
    };
    const bond = (c: keyof typeof COLUMNS): [number, number] => {
      const m = /^\s*(-?\d+),\s*(-?\d+\.\d)$/.exec(col(c));
      if (!m) throw new ParseError({ file, line: k + 1 }, `bad H-bond field "${col(c)}"`);
      return [Number(m[1]), Number(m[2])];
    };
    out.push({
      serial,
      resNum,
      insCode: l[10].trim(),
      chain: l[11],
      aa: l[13],
      ss: ss === " " ? "-" : ss,
      nho: [bond("nho1"), bond("nho2")],
      ohn: [bond("ohn1"), bond("ohn2")],
      kappa: num("kappa"),
      phi: num("phi"),
      psi: num("psi"),
    });
  }
  return out;
}
