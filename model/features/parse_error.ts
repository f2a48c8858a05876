/**
 * The one error type every parser throws: it names the file, the line (or byte
 * offset) and what is wrong, so a user can fix the input.
 *
 * @module
 */

/** Where in a file a problem is. */
export interface ParseLocation {
  /** Path (or a label such as "<stdin>"). */
  file: string;
  /** 1-based line number, when the format is line-based. */
  line?: number;
  /** 0-based byte offset, when the format is binary. */
  offset?: number;
}

/** A malformed input file: `file:line: message`. */
export class ParseError extends Error {
  /** The file the problem is in. */
  readonly file: string;
  /** 1-based line, if known. */
  readonly line?: number;
  /** 0-based byte offset, if known. */
  readonly offset?: number;
  /** The problem, without the location. */
  readonly problem: string;

  constructor(where: ParseLocation, problem: string) {
    const loc = where.line !== undefined
      ? `${where.file}:${where.line}`
      : where.offset !== undefined
      ? `${where.file}@${where.offset}`
      : where.file;
    super(`${loc}: ${problem}`);
    this.name = "ParseError";
    this.file = where.file;
    this.line = where.line;
    this.offset = where.offset;
    this.problem = problem;
  }
}
