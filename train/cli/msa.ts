/**
 * `deno task msa`: builds alignments in the OpenProteinSet layout with
 * Debian's jackhmmer and, given HH-suite databases, hhblits (AF2's settings).
 * {@link MSA_CLI} is its usage.
 *
 * @module
 */

import { z } from "zod";
import { makeOwnedTempDir, writeTextFileAtomic } from "../../model/io/atomic.ts";
import { readText } from "../../model/io/text.ts";
import { parseA3m } from "../../model/features/a3m.ts";
import { type FastaRecord, formatFasta, readFasta } from "../../model/features/fasta.ts";
import { ParseError, ToolError } from "../../model/util/errors.ts";
import {
  formatStockholm,
  parseStockholm,
  truncateStockholm,
} from "../../model/features/stockholm.ts";
import {
  checkOutputs,
  checkQuery,
  type CliSpec,
  HELP,
  intFlag,
  parseCli,
  requireReadable,
  runCli,
  textFlag,
} from "./kit.ts";

/** The msa command's flags, usage and schema. */
export const MSA_CLI = {
  name: "msa",
  synopsis: ["deno task msa --fasta FILE --db FASTA_DB --out DIR [--hhsuite-db PREFIX ...]"],
  about: `Builds <out>/<chain_id>/uniref90_hits.sto with jackhmmer and, when HH-suite databases are
given, <out>/<chain_id>/bfd_uniclust_hits.a3m with hhblits: the OpenProteinSet layout. One chain
per FASTA record; the chain id is the header's first word.`,
  flags: {
    fasta: { value: "FILE", help: "the query chains (FASTA)" },
    db: { value: "FASTA_DB", help: "the sequence database jackhmmer searches (FASTA)" },
    out: { value: "DIR", help: "the alignment directory to write" },
    cpu: { value: "N", help: "threads of each search (default: all cores)" },
    iterations: { value: "N", help: "jackhmmer iterations (default 1, as AF2)" },
    "max-hits": { value: "N", help: "keep at most N jackhmmer hits (default 10000, as AF2)" },
    "hhsuite-db": { value: "PREFIX", multiple: true, help: "an HH-suite database for hhblits" },
    "jackhmmer-binary": { value: "PATH", help: "the jackhmmer program (default jackhmmer)" },
    "hhblits-binary": { value: "PATH", help: "the hhblits program (default hhblits)" },
  },
  schema: z.object({
    fasta: textFlag(),
    db: textFlag(),
    out: textFlag(),
    cpu: intFlag({ min: 1, max: 256 }).default(Math.max(1, navigator.hardwareConcurrency ?? 1)),
    // AF2 runs one jackhmmer iteration for uniref90 and MGnify (`n_iter=1`).
    iterations: intFlag({ min: 1, max: 20 }).default(1),
    // AF2's `uniref_max_hits`.
    maxHits: intFlag({ min: 1, max: 10_000_000 }).default(10_000),
    hhsuiteDb: z.array(textFlag()).default([]),
    jackhmmerBinary: textFlag().default("jackhmmer"),
    hhblitsBinary: textFlag().default("hhblits"),
  }),
  failure: "jackhmmer or hhblits is missing or failed",
} satisfies CliSpec;

/** Options after validation. */
export type MsaCliOptions = z.output<typeof MSA_CLI.schema>;

/** Parses command-line arguments (strict) and validates them; "help" for --help. */
export function parseMsaArgs(args: string[]): MsaCliOptions | typeof HELP {
  return parseCli(MSA_CLI, args);
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

/** The longest query searched (AF2 itself predicts far shorter chains). */
export const MAX_QUERY_LENGTH = 10_000;

/**
 * Runs the searches for every record of `--fasta`. Returns one summary line per
 * chain. Outputs are written atomically (temporary file + rename).
 */
export async function buildAlignments(opts: MsaCliOptions): Promise<string[]> {
  requireReadable(opts.fasta, "file", "--fasta");
  requireReadable(opts.db, "file", "--db");
  const records = await readFasta(opts.fasta);
  if (records.length === 0) throw new ParseError({ file: opts.fasta }, "no sequences");
  const ids = records.map((r) => chainIdOf(r, opts.fasta));
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new ParseError({ file: opts.fasta }, `chain id ${dup} occurs twice`);
  records.forEach((r, i) =>
    checkQuery(r.sequence, { file: opts.fasta, line: r.line }, MAX_QUERY_LENGTH, `${ids[i]}: `)
  );
  // Where the alignments go, before any search: never over the query or the database.
  const hh = opts.hhsuiteDb.length > 0;
  checkOutputs(
    [
      { path: opts.out, label: "--out", kind: "directory" },
      ...ids.flatMap((id) => [
        { path: `${opts.out}/${id}`, label: "--out", kind: "directory" as const },
        { path: `${opts.out}/${id}/uniref90_hits.sto`, label: "--out", kind: "file" as const },
        ...(hh
          ? [{
            path: `${opts.out}/${id}/bfd_uniclust_hits.a3m`,
            label: "--out",
            kind: "file" as const,
          }]
          : []),
      ]),
    ],
    [{ path: opts.fasta, label: "--fasta" }, { path: opts.db, label: "--db" }],
  );
  // Fail before any long search when an HH-suite run is asked for but impossible.
  if (opts.hhsuiteDb.length > 0) await runTool(opts.hhblitsBinary, ["-h"], "hhsuite");
  const summary: string[] = [];
  const tmp = await makeOwnedTempDir("denofold_msa_");
  try {
    for (let i = 0; i < records.length; i++) {
      const id = ids[i];
      const query = `${tmp}/${id}.fasta`;
      await Deno.writeTextFile(
        query,
        formatFasta([{ description: id, sequence: records[i].sequence }]),
      );
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
      let aln = parseStockholm(await readText(sto, "alignment"), sto);
      if (aln.rows.length > opts.maxHits) aln = truncateStockholm(aln, opts.maxHits);
      // The chain's directory is made with its first alignment: a failed search leaves none.
      await Deno.mkdir(`${opts.out}/${id}`, { recursive: true });
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
        const text = await readText(a3m, "alignment");
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

/** The command: one summary line per chain. */
export async function msa(opts: MsaCliOptions): Promise<void> {
  for (const line of await buildAlignments(opts)) console.log(line);
}

if (import.meta.main) await runCli(MSA_CLI, msa);
