/**
 * Seeded mutations of real structure files for the PDB and mmCIF fuzz tests, and
 * the check that a parser's outcome is either a well-formed Protein or a ParseError.
 *
 * @module
 */

import { Rng } from "../../model/util/rng.ts";
import { ParseError } from "../../model/util/errors.ts";
import { ATOM_TYPE_NUM } from "../../model/protein/residue_constants.ts";
import type { Protein } from "../../model/protein/protein.ts";

const HUGE = [
  "1e308",
  "1e999",
  "-1e999",
  "99999999999999999999",
  "2147483648",
  "-2147483649",
  "NaN",
  "Infinity",
  "0x1F",
  "1e-400",
  "123456789.123",
  "",
];

/** Junk lines: record-like prefixes of both formats followed by noise. */
const PREFIXES = [
  "ATOM  ",
  "HETATM",
  "MODEL ",
  "ENDMDL",
  "MODRES",
  "TER   ",
  "END",
  "loop_",
  "_atom_site.Cartn_x",
  "_atom_site.",
  "data_",
  ";",
  "'",
  '"',
  "#",
  "",
];

function noise(rng: Rng, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(32 + rng.int(95));
  return s;
}

/** The kinds of mutation, each a function of the text. */
const MUTATIONS: ((text: string, rng: Rng) => string)[] = [
  // truncation at any byte
  (t, rng) => t.slice(0, rng.int(t.length + 1)),
  // random bytes: overwrite 1-8 characters with any byte value (re-decoded as UTF-8)
  (t, rng) => {
    const bytes = new TextEncoder().encode(t);
    for (let k = 1 + rng.int(8); k > 0; k--) bytes[rng.int(bytes.length)] = rng.int(256);
    return new TextDecoder().decode(bytes);
  },
  // a number replaced by a huge, malformed or empty one
  (t, rng) => {
    const numbers = [...t.matchAll(/-?\d+\.?\d*/g)];
    if (numbers.length === 0) return t;
    const m = numbers[rng.int(numbers.length)];
    const huge = HUGE[rng.int(HUGE.length)];
    return t.slice(0, m.index) + huge + t.slice(m.index! + m[0].length);
  },
  // wrong columns: a line gains or loses characters, shifting its fields
  (t, rng) => {
    const lines = t.split("\n");
    const i = rng.int(lines.length);
    const at = rng.int(lines[i].length + 1);
    const cut = rng.int(4);
    lines[i] = lines[i].slice(0, at) + " ".repeat(rng.int(4)) + lines[i].slice(at + cut);
    return lines.join("\n");
  },
  // inserted junk line
  (t, rng) => {
    const lines = t.split("\n");
    const junk = PREFIXES[rng.int(PREFIXES.length)] + noise(rng, rng.int(90));
    lines.splice(rng.int(lines.length + 1), 0, junk);
    return lines.join("\n");
  },
  // deleted, duplicated or swapped lines
  (t, rng) => {
    const lines = t.split("\n");
    const i = rng.int(lines.length), j = rng.int(lines.length);
    const op = rng.int(3);
    if (op === 0) lines.splice(i, 1);
    else if (op === 1) lines.splice(i, 0, lines[j]);
    else [lines[i], lines[j]] = [lines[j], lines[i]];
    return lines.join("\n");
  },
];

/** `count` mutants of the base texts: each applies 1-3 random mutations. */
export function* mutants(bases: string[], count: number, seed: number): Generator<string> {
  const rng = new Rng(seed);
  for (let n = 0; n < count; n++) {
    let t = bases[n % bases.length];
    for (let k = 1 + rng.int(3); k > 0; k--) t = MUTATIONS[rng.int(MUTATIONS.length)](t, rng);
    yield t;
  }
}

/** Fail unless `p` is internally consistent: shapes, ranges, finite coordinates. */
export function checkProtein(p: Protein): void {
  const n = p.aatype.length;
  const ok = n > 0 &&
    p.atomPositions.length === n * ATOM_TYPE_NUM * 3 &&
    p.atomMask.length === n * ATOM_TYPE_NUM &&
    p.bFactors.length === n * ATOM_TYPE_NUM &&
    p.residueIndex.length === n &&
    p.chainIds.length === n &&
    p.insertionCodes?.length === n &&
    p.aatype.every((a) => a >= 0 && a <= 20) &&
    p.atomMask.every((m) => m === 0 || m === 1) &&
    p.atomPositions.every(Number.isFinite) &&
    p.bFactors.every(Number.isFinite);
  if (!ok) throw new Error("parser returned an inconsistent Protein");
}

/** Outcome counts of a fuzz run. */
export interface FuzzOutcome {
  proteins: number;
  parseErrors: number;
}

/**
 * Run `parse` on every mutant: each must return a consistent Protein or throw a
 * ParseError naming `file`; anything else fails with the mutant's number.
 */
export function fuzz(
  inputs: Iterable<string>,
  parse: (text: string) => Protein | Protein[],
  file: string,
): FuzzOutcome {
  const outcome = { proteins: 0, parseErrors: 0 };
  let n = 0;
  for (const text of inputs) {
    n++;
    try {
      const result = parse(text);
      for (const p of Array.isArray(result) ? result : [result]) checkProtein(p);
      outcome.proteins++;
    } catch (e) {
      if (!(e instanceof ParseError) || !e.message.startsWith(file)) {
        throw new Error(`mutant ${n}: ${(e as Error)?.name}: ${(e as Error)?.message}`, {
          cause: e,
        });
      }
      outcome.parseErrors++;
    }
  }
  return outcome;
}
