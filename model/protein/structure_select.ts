/**
 * The selection rules shared by the PDB and mmCIF readers: which atom records
 * become which residues and atoms of a {@link Protein}.
 *
 * Both readers turn their files into the same flat {@link AtomRecord} list and
 * hand it here, so the policies below are written (and tested) once:
 *
 * - **Model**: the first model in the file unless `model` names one; readers
 *   also offer every model (one Protein each).
 * - **Chains**: all chains, or those listed in `chains`.
 * - **Residues** are keyed by (chain, residue number, insertion code), in file
 *   order of first appearance. Insertion codes make separate residues; gaps in
 *   the numbering stay gaps in `residueIndex`.
 * - **Altlocs**: per atom, the record with the highest occupancy wins; ties go
 *   to the first in the file (Biopython's `DisorderedAtom` rule, which OpenFold
 *   inherits). Exact duplicates follow the same rule.
 * - **Microheterogeneity** (two residue types at one position, e.g. PRO/SER):
 *   the type of the highest-occupancy alternate-location record is kept (ties:
 *   first); atoms of the other type are dropped, except backbone atoms
 *   (N, CA, C, O, OXT) without an altloc, which both types share.
 * - **HETATM** (`hetatm: "modified"`, the default): a HETATM residue is kept
 *   when it is a standard amino acid or a modified residue with a standard
 *   parent (MSE always; others from MODRES / `_pdbx_struct_mod_residue` /
 *   `_chem_comp.mon_nstd_parent_comp_id`); ligands are dropped. `"none"` drops
 *   every HETATM record. Water and nucleotides (DNA/RNA, also modified ones)
 *   are always dropped: a Protein holds amino acids only, as OpenFold's mmCIF
 *   pipeline keeps only peptide chains.
 * - **MSE → MET**, its SE atom stored in MET's SD slot. Other modified residues
 *   take their parent's `aatype` and keep the atoms whose names are atom37 names.
 * - **Unknown residues** (ATOM records of a non-standard type) become UNK
 *   (`aatype` 20) with whatever atom37-named atoms they have, as OpenFold does.
 * - Atoms whose names are not atom37 names (hydrogens, ligand atoms) are skipped.
 *
 * @module
 */

import { InputError, ParseError } from "../util/errors.ts";
import { ATOM_ORDER, ATOM_TYPE_NUM, RESTYPE_3, UNK_AATYPE } from "./residue_constants.ts";
import type { Protein } from "./protein.ts";

/** One ATOM/HETATM record, as both readers deliver it. */
export interface AtomRecord {
  /** Model number (1 when the file has no models). */
  model: number;
  /** Chain identifier (PDB column 22, mmCIF `auth_asym_id`). */
  chain: string;
  /** Author residue number. */
  resSeq: number;
  /** Insertion code, "" when none. */
  iCode: string;
  /** Three-letter residue name as written. */
  resName: string;
  /** Atom name as written (trimmed). */
  atomName: string;
  /** Alternate location id, "" when none. */
  altLoc: string;
  /** Occupancy (1 when absent). */
  occupancy: number;
  /** Isotropic B-factor (0 when absent). */
  bFactor: number;
  /** x coordinate (Å). */
  x: number;
  /** y coordinate (Å). */
  y: number;
  /** z coordinate (Å). */
  z: number;
  /** True for HETATM records. */
  hetatm: boolean;
  /** 1-based line of the record, for error messages. */
  line: number;
}

/** Options common to both readers. */
export interface StructureOptions {
  /** Model number to read; default: the first model in the file. */
  model?: number;
  /** Chains to keep (all when absent). Order of residues stays file order. */
  chains?: readonly string[];
  /** HETATM policy: keep modified residues with a standard parent (default) or none. */
  hetatm?: "modified" | "none";
}

/** Residue names that are water, dropped whatever the record type. */
const WATER = new Set(["HOH", "WAT", "DOD", "H2O", "D2O", "TIP", "TIP3", "SOL"]);
/** RNA and DNA nucleotides: polymer residues, but not protein; dropped. */
const NUCLEIC = new Set([
  "A",
  "C",
  "G",
  "U",
  "T",
  "I",
  "N",
  "DA",
  "DC",
  "DG",
  "DT",
  "DU",
  "DI",
  "DN",
]);

/** Water, or a (possibly modified) nucleotide: never part of a Protein. */
function isNonProtein(resName: string, modified: ReadonlyMap<string, string>): boolean {
  return WATER.has(resName) || NUCLEIC.has(resName) || NUCLEIC.has(modified.get(resName) ?? "");
}

/** Atoms every amino acid has: shared by the types of a microheterogeneous position. */
const BACKBONE = new Set(["N", "CA", "C", "O", "OXT"]);

const STANDARD_INDEX: ReadonlyMap<string, number> = new Map(
  RESTYPE_3.slice(0, UNK_AATYPE).map((name, i) => [name, i]),
);

/** The standard parent of a residue name, given the file's modified-residue table. */
function parentOf(resName: string, modified: ReadonlyMap<string, string>): string | undefined {
  if (STANDARD_INDEX.has(resName)) return resName;
  if (resName === "MSE") return "MET";
  const parent = modified.get(resName);
  return parent !== undefined && STANDARD_INDEX.has(parent) ? parent : undefined;
}

/** Distinct model numbers of the records, in file order. */
export function modelNumbers(records: readonly AtomRecord[]): number[] {
  const seen: number[] = [];
  let last = NaN;
  for (const r of records) {
    if (r.model !== last && !seen.includes(r.model)) seen.push(r.model);
    last = r.model;
  }
  return seen;
}

interface ResidueGroup {
  chain: string;
  resSeq: number;
  iCode: string;
  records: AtomRecord[];
}

/** The residue name kept at a position holding one or several types. */
function chooseResidueName(records: readonly AtomRecord[]): string {
  let best = records[0];
  let bestOcc = -Infinity;
  for (const r of records) {
    if (r.altLoc !== "" && r.occupancy > bestOcc) {
      best = r;
      bestOcc = r.occupancy;
    }
  }
  return best.resName;
}

/**
 * Build one {@link Protein} from the records of one model, applying the
 * policies of this module.
 *
 * @param records ATOM/HETATM records of the file, all models.
 * @param model the model number to take.
 * @param options chain and HETATM selection.
 * @param modified modified-residue name → standard parent name, from the file.
 * @param file the file name for errors.
 * @throws {ParseError} when no residue is selected.
 */
export function recordsToProtein(
  records: readonly AtomRecord[],
  model: number,
  options: StructureOptions,
  modified: ReadonlyMap<string, string>,
  file: string,
): Protein {
  const chains = options.chains ? new Set(options.chains) : undefined;
  const keepHet = (options.hetatm ?? "modified") === "modified";
  const groups = new Map<string, ResidueGroup>();
  for (const r of records) {
    if (r.model !== model || isNonProtein(r.resName, modified)) continue;
    if (chains && !chains.has(r.chain)) continue;
    if (r.hetatm && !(keepHet && parentOf(r.resName, modified) !== undefined)) continue;
    const key = `${r.chain}\u0000${r.resSeq}\u0000${r.iCode}`;
    let g = groups.get(key);
    if (!g) {
      g = { chain: r.chain, resSeq: r.resSeq, iCode: r.iCode, records: [] };
      groups.set(key, g);
    }
    g.records.push(r);
  }
  if (groups.size === 0) {
    const which = chains ? ` in chain(s) ${[...chains].join(",")}` : "";
    throw new ParseError({ file }, `no protein residues in model ${model}${which}`);
  }
  const n = groups.size;
  const aatype = new Int32Array(n);
  const atomPositions = new Float32Array(n * ATOM_TYPE_NUM * 3);
  const atomMask = new Float32Array(n * ATOM_TYPE_NUM);
  const bFactors = new Float32Array(n * ATOM_TYPE_NUM);
  const residueIndex = new Int32Array(n);
  const insertionCodes: string[] = [];
  const chainIds: string[] = [];
  const bestOcc = new Float64Array(ATOM_TYPE_NUM);
  let i = 0;
  for (const g of groups.values()) {
    const resName = chooseResidueName(g.records);
    const parent = parentOf(resName, modified);
    aatype[i] = parent !== undefined ? STANDARD_INDEX.get(parent)! : UNK_AATYPE;
    residueIndex[i] = g.resSeq;
    insertionCodes.push(g.iCode);
    chainIds.push(g.chain);
    bestOcc.fill(-Infinity);
    for (const r of g.records) {
      if (r.resName !== resName && (r.altLoc !== "" || !BACKBONE.has(r.atomName))) continue;
      const name = r.resName === "MSE" && r.atomName === "SE" ? "SD" : r.atomName;
      const slot = ATOM_ORDER[name];
      if (slot === undefined || !(r.occupancy > bestOcc[slot])) continue;
      bestOcc[slot] = r.occupancy;
      const a = i * ATOM_TYPE_NUM + slot;
      atomPositions[a * 3] = r.x;
      atomPositions[a * 3 + 1] = r.y;
      atomPositions[a * 3 + 2] = r.z;
      atomMask[a] = 1;
      bFactors[a] = r.bFactor;
    }
    i++;
  }
  return { aatype, atomPositions, atomMask, residueIndex, insertionCodes, chainIds, bFactors };
}

/**
 * Apply the model option: one Protein for the requested (or first) model.
 *
 * @throws {ParseError} when the file has no atoms or lacks the requested model.
 */
export function selectModel(
  records: readonly AtomRecord[],
  options: StructureOptions,
  modified: ReadonlyMap<string, string>,
  file: string,
): Protein {
  const models = modelNumbers(records);
  if (models.length === 0) throw new ParseError({ file }, "no ATOM/HETATM records");
  const model = options.model ?? models[0];
  if (!models.includes(model)) {
    throw new ParseError({ file }, `model ${model} not found (models: ${models.join(",")})`);
  }
  return recordsToProtein(records, model, options, modified, file);
}

/**
 * One Protein per model of the file, in file order (`options.model` ignored).
 *
 * @throws {ParseError} when the file has no atoms or a model has no selected residue.
 */
export function selectAllModels(
  records: readonly AtomRecord[],
  options: StructureOptions,
  modified: ReadonlyMap<string, string>,
  file: string,
): Protein[] {
  const models = modelNumbers(records);
  if (models.length === 0) throw new ParseError({ file }, "no ATOM/HETATM records");
  return models.map((m) => recordsToProtein(records, m, options, modified, file));
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;
/** Largest coordinate magnitude accepted (Å); beyond it Float32 storage breaks down. */
const MAX_COORDINATE = 1e7;

/**
 * A decimal number field, strictly: digits with optional sign, point and
 * exponent, nothing else; `undefined` when malformed or out of `[-limit, limit]`.
 */
export function strictDecimal(text: string, limit = MAX_COORDINATE): number | undefined {
  const t = text.trim();
  if (!DECIMAL.test(t)) return undefined;
  const v = Number(t) + 0; // "-0.000" reads as 0, so equal coordinates compare equal
  return Math.abs(v) <= limit ? v : undefined;
}

/** A 32-bit signed integer field, strictly; `undefined` when malformed or out of range. */
export function strictInt(text: string): number | undefined {
  const t = text.trim();
  if (!INTEGER.test(t)) return undefined;
  const v = Number(t);
  return v >= -2147483648 && v <= 2147483647 ? v : undefined;
}

/** Options of the PDB and mmCIF writers. */
export interface StructureWriteOptions {
  /**
   * Per-residue values written to every atom's B-factor column, typically
   * pLDDT (0-100) of a prediction; default: the protein's own `bFactors`.
   */
  plddt?: ArrayLike<number>;
  /** Entry name for HEADER / `data_` (default "DNFD"). */
  name?: string;
}

/** The per-atom B-factor source of a writer: pLDDT per residue or the protein's values. */
export function writerBFactor(
  p: Protein,
  options: StructureWriteOptions,
): (residue: number, atom: number) => number {
  const n = p.aatype.length;
  const plddt = options.plddt;
  if (plddt === undefined) return (i, a) => p.bFactors[i * ATOM_TYPE_NUM + a];
  if (plddt.length !== n) {
    throw new InputError(`plddt has ${plddt.length} values for ${n} residues`);
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(plddt[i])) {
      throw new InputError(`plddt[${i}] is ${plddt[i]}, not a number`);
    }
  }
  return (i) => plddt[i];
}
