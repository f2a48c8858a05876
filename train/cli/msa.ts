/**
 * `deno task msa`: builds alignments in the OpenProteinSet layout,
 * `<out>/<chain_id>/uniref90_hits.sto` with Debian's jackhmmer (AF2's settings)
 * and, when HH-suite databases are given, `<out>/<chain_id>/bfd_uniclust_hits.a3m`
 * with hhblits. One chain per FASTA record; the chain id is the header's first word.
 *
 * Exit codes: 0 success, 1 a tool or input file failed, 2 misuse of the command.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { z } from "zod";
import { writeTextFileAtomic } from "../../model/io/atomic.ts";
import { parseA3m } from "../../model/features/a3m.ts";
import { type FastaRecord, formatFasta, readFasta } from "../../model/features/fasta.ts";
import { ParseError } from "../../model/util/errors.ts";
import {
  formatStockholm,
  parseStockholm,
  truncateStockholm,
} from "../../model/features/stockholm.ts";

const USAGE =
  "usage: deno task msa --fasta FILE --db FASTA_DB --out DIR [--cpu N] [--iterations N] " +
  "[--max-hits N] [--hhsuite-db PREFIX]... [--jackhmmer-binary PATH] [--hhblits-binary PATH] " +
  "[--debug]";

/** The command was used wrongly (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A tool failed or is missing (exit code 1). */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ToolError";
  }
}

const positiveInt = (max: number) => z.coerce.number().int().min(1).max(max);

/** The validated options of `deno task msa`. */
export const MsaCliOptionsSchema = z.object({
  fasta: z.string().min(1),
  db: z.string().min(1),
  out: z.string().min(1),
  cpu: positiveInt(256).default(Math.max(1, navigator.hardwareConcurrency ?? 1)),
  // AF2 runs one jackhmmer iteration for uniref90 and MGnify (`n_iter=1`).
  iterations: positiveInt(20).default(1),
  // AF2's `uniref_max_hits`.
  maxHits: positiveInt(10_000_000).default(10_000),
  hhsuiteDb: z.array(z.string().min(1)).default([]),
  jackhmmerBinary: z.string().min(1).default("jackhmmer"),
  hhblitsBinary: z.string().min(1).default("hhblits"),
});

/** Options after validation. */
export type MsaCliOptions = z.infer<typeof MsaCliOptionsSchema>;

/** Parses command-line arguments (strict) and validates them with zod. */
export function parseMsaArgs(args: string[]): MsaCliOptions | "help" {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        fasta: { type: "string" },
        db: { type: "string" },
        out: { type: "string" },
        cpu: { type: "string" },
        iterations: { type: "string" },
        "max-hits": { type: "string" },
        "hhsuite-db": { type: "string", multiple: true },
        "jackhmmer-binary": { type: "string" },
        "hhblits-binary": { type: "string" },
        debug: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return "help";
  const raw: Record<string, unknown> = {
    fasta: values.fasta,
    db: values.db,
    out: values.out,
    cpu: values.cpu,
    iterations: values.iterations,
    maxHits: values["max-hits"],
    hhsuiteDb: values["hhsuite-db"],
    jackhmmerBinary: values["jackhmmer-binary"],
    hhblitsBinary: values["hhblits-binary"],
  };
  const parsed = MsaCliOptionsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0] ?? "");
    const flag = key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
    if (raw[key] === undefined) throw new UsageError(`--${flag} is required`);
    throw new UsageError(`--${flag} ${JSON.stringify(raw[key])}: ${issue.message}`);
  }
  return parsed.data;
}

// A chain id becomes a directory name: no path separators, no "." or "..".
const CHAIN_ID = /^[A-Za-z0-9_.-]{1,100}$/;

function chainIdOf(rec: FastaRecord, file: string): string {
  const id = rec.description.split(/\s+/)[0] ?? "";
  if (!CHAIN_ID.test(id) || id === "." || id === "..") {
    throw new ParseError(
      { file, line: rec.line },
      `chain id ${JSON.stringify(id)} is not usable as a directory name (letters, digits, _ . -)`,
    );
  }
  return id;
}

async function runTool(binary: string, args: string[], what: string): Promise<void> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(binary, { args, stdout: "null", stderr: "piped" }).output();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new ToolError(`${what}: ${binary} not found (Debian: apt-get install ${what})`);
    }
    throw e;
  }
  if (!out.success) {
    const lines = new TextDecoder().decode(out.stderr).trim().split("\n");
    throw new ToolError(`${binary} failed (exit ${out.code}): ${lines.slice(-2).join(" ")}`);
  }
}

async function requireFile(path: string, flag: string) {
  try {
    if (!(await Deno.stat(path)).isFile) throw new UsageError(`${flag}: ${path} is not a file`);
    (await Deno.open(path)).close();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${flag}: cannot read ${path}`);
  }
}

/** The longest query searched (AF2 itself predicts far shorter chains). */
export const MAX_QUERY_LENGTH = 10_000;

/** A query must be protein: the 20 amino acids and X, at most {@link MAX_QUERY_LENGTH} long. */
function checkQuery(rec: FastaRecord, id: string, file: string) {
  const bad = /[^ACDEFGHIKLMNPQRSTVWYX]/i.exec(rec.sequence);
  if (bad) {
    throw new UsageError(
      `${file}:${rec.line}: ${id}: '${bad[0]}' at residue ${bad.index + 1} is not an amino acid`,
    );
  }
  if (rec.sequence.length > MAX_QUERY_LENGTH) {
    throw new UsageError(
      `${file}:${rec.line}: ${id}: ${rec.sequence.length} residues is above the maximum ${MAX_QUERY_LENGTH}`,
    );
  }
}

/**
 * Runs the searches for every record of `--fasta`. Returns one summary line per
 * chain. Outputs are written atomically (temporary file + rename).
 */
export async function buildAlignments(opts: MsaCliOptions): Promise<string[]> {
  await requireFile(opts.fasta, "--fasta");
  await requireFile(opts.db, "--db");
  const records = await readFasta(opts.fasta);
  if (records.length === 0) throw new ParseError({ file: opts.fasta }, "no sequences");
  const ids = records.map((r) => chainIdOf(r, opts.fasta));
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new ParseError({ file: opts.fasta }, `chain id ${dup} occurs twice`);
  records.forEach((r, i) => checkQuery(r, ids[i], opts.fasta));
  // Fail before any long search when an HH-suite run is asked for but impossible.
  if (opts.hhsuiteDb.length > 0) await runTool(opts.hhblitsBinary, ["-h"], "hhsuite");
  const summary: string[] = [];
  const tmp = await Deno.makeTempDir({ prefix: "denofold_msa_" });
  try {
    for (let i = 0; i < records.length; i++) {
      const id = ids[i];
      const query = `${tmp}/${id}.fasta`;
      await Deno.writeTextFile(
        query,
        formatFasta([{ description: id, sequence: records[i].sequence }]),
      );
      await Deno.mkdir(`${opts.out}/${id}`, { recursive: true });
      // AF2's jackhmmer settings (alphafold/data/tools/jackhmmer.py).
      const sto = `${tmp}/${id}.sto`;
      // deno-fmt-ignore
      await runTool(opts.jackhmmerBinary, [
        "-o", "/dev/null", "-A", sto, "--noali",
        "--F1", "0.0005", "--F2", "0.00005", "--F3", "0.0000005",
        "--incE", "0.0001", "-E", "0.0001",
        "--cpu", String(opts.cpu), "-N", String(opts.iterations),
        query, opts.db,
      ], "hmmer");
      let aln = parseStockholm(await Deno.readTextFile(sto), sto);
      if (aln.rows.length > opts.maxHits) aln = truncateStockholm(aln, opts.maxHits);
      await writeTextFileAtomic(`${opts.out}/${id}/uniref90_hits.sto`, formatStockholm(aln));
      let line = `${id}: uniref90_hits.sto ${aln.rows.length} sequences`;
      if (opts.hhsuiteDb.length > 0) {
        const a3m = `${tmp}/${id}.a3m`;
        // AF2's hhblits settings (alphafold/data/tools/hhblits.py).
        // deno-fmt-ignore
        await runTool(opts.hhblitsBinary, [
          "-i", query, "-cpu", String(opts.cpu), "-oa3m", a3m, "-o", "/dev/null",
          "-n", "3", "-e", "0.001", "-maxseq", "1000000", "-realign_max", "100000",
          "-maxfilt", "100000", "-min_prefilter_hits", "1000",
          ...opts.hhsuiteDb.flatMap((d) => ["-d", d]),
        ], "hhsuite");
        const text = await Deno.readTextFile(a3m);
        const msa = parseA3m(text, a3m);
        await writeTextFileAtomic(`${opts.out}/${id}/bfd_uniclust_hits.a3m`, text);
        line += `, bfd_uniclust_hits.a3m ${msa.sequences.length} sequences`;
      }
      summary.push(line);
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
  return summary;
}

/** The command: returns the exit code; prints one clear line on failure. */
export async function main(args: string[]): Promise<number> {
  const debug = args.includes("--debug");
  try {
    const opts = parseMsaArgs(args);
    if (opts === "help") {
      console.log(USAGE);
      return 0;
    }
    for (const line of await buildAlignments(opts)) console.log(line);
    return 0;
  } catch (e) {
    if (debug) console.error(e);
    if (e instanceof UsageError) {
      console.error(`msa: ${e.message} (see --help)`);
      return 2;
    }
    if (e instanceof ParseError || e instanceof ToolError) {
      console.error(`msa: ${e.message}`);
      return 1;
    }
    if (!debug) console.error(`msa: ${(e as Error)?.message ?? e} (run with --debug for details)`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
