/**
 * `deno task analyze`: secondary structure and structure comparison from the
 * command line.
 *
 * ```
 * deno task analyze dssp FILE [--chain C]      one line per chain: id, TAB, 8-state string
 * deno task analyze tmscore MODEL REF [--json]
 * deno task analyze lddt MODEL REF [--json]
 * deno task analyze rmsd MODEL REF [--json]
 * deno task analyze gdt MODEL REF [--json]
 * deno task analyze dynamics RUN_DIR [--out report.html] [--json FILE]   (see train/cli/dynamics.ts)
 * ```
 *
 * FILE/MODEL/REF are PDB or mmCIF (`.cif`, `.mmcif`), optionally gzipped; the
 * first model is read. `dssp` writes coil as '-' (mkdssp's blank) and leaves
 * out residues without a complete backbone, as mkdssp does. The comparisons
 * pair residues by residue number (like the TMscore program) and print, with 4
 * decimals: `tmscore` the TM-score normalised by REF, `gdt` GDT-TS, `rmsd` the
 * Cα RMSD after superposition, `lddt` the global lDDT-Cα; `--json` prints all
 * of them plus GDT-HA, all-atom lDDT and per-residue lDDT-Cα.
 *
 * Bad usage (including a missing or unreadable file) exits with code 2 and one
 * line on stderr; malformed input exits with 1; `--debug` prints the stack.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { z } from "zod";
import type { Protein } from "../../model/protein/protein.ts";
import { readPdb } from "../../model/protein/pdb.ts";
import { readMmcif } from "../../model/protein/mmcif.ts";
import { dsspProtein, formatSs } from "../../analysis/dssp.ts";
import { compareStructures } from "../../analysis/metrics.ts";
import { dynamicsMain } from "./dynamics.ts";

const USAGE = "usage: analyze dssp FILE [--chain C] | analyze (tmscore|lddt|rmsd|gdt) MODEL REF " +
  "[--json] [--debug] | analyze dynamics RUN_DIR [--out report.html] [--json FILE]";

/** A command-line mistake: reported in one line with exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const compareCommand = z.enum(["tmscore", "lddt", "rmsd", "gdt"]);
const argsSchema = z.discriminatedUnion("command", [
  z.object({
    command: z.literal("dssp"),
    files: z.tuple([z.string().min(1)], { error: "dssp takes exactly one FILE" }),
    chain: z.string().min(1).optional(),
    json: z.boolean(),
  }),
  z.object({
    command: compareCommand,
    files: z.tuple([z.string().min(1), z.string().min(1)], {
      error: "takes exactly two files: MODEL REF",
    }),
    chain: z.undefined({ error: "--chain applies to dssp only" }),
    json: z.boolean(),
  }),
]);

/** Validated command line. */
export type AnalyzeArgs = z.infer<typeof argsSchema>;

/** Parse and validate argv (without the program name); throws {@link UsageError}. */
export function parseAnalyzeArgs(argv: string[]): AnalyzeArgs & { debug: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        chain: { type: "string" },
        json: { type: "boolean", default: false },
        debug: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) throw new UsageError(USAGE);
  const [command, ...files] = positionals;
  if (command === undefined) throw new UsageError(`no command given; ${USAGE}`);
  const r = argsSchema.safeParse({ command, files, chain: values.chain, json: values.json });
  if (!r.success) {
    const issue = r.error.issues[0];
    const msg = issue.path[0] === "command"
      ? `unknown command "${command}" (dssp, tmscore, lddt, rmsd, gdt, dynamics)`
      : `${command}: ${issue.message}`;
    throw new UsageError(msg);
  }
  return { ...r.data, debug: values.debug ?? false };
}

/** Read a PDB or mmCIF file by its extension (`.cif`/`.mmcif`, optionally `.gz`). */
export function readStructure(path: string): Promise<Protein> {
  return /\.(cif|mmcif)(\.gz)?$/i.test(path) ? readMmcif(path) : readPdb(path);
}

/** Run one validated command; returns the text to print. */
export async function runAnalyze(args: AnalyzeArgs): Promise<string> {
  if (args.command === "dssp") {
    const p = await readStructure(args.files[0]);
    const { ss, assigned } = dsspProtein(p);
    const chains = [...new Set(p.chainIds)];
    if (args.chain !== undefined && !chains.includes(args.chain)) {
      throw new UsageError(
        `chain "${args.chain}" not in ${args.files[0]} (chains: ${chains.join(",")})`,
      );
    }
    const lines: string[] = [];
    const json: Record<string, string> = {};
    for (const c of args.chain !== undefined ? [args.chain] : chains) {
      let s = "";
      for (let i = 0; i < ss.length; i++) if (p.chainIds[i] === c && assigned[i]) s += ss[i];
      lines.push(`${c}\t${formatSs(s, "-")}`);
      json[c] = s;
    }
    return args.json ? JSON.stringify(json) : lines.join("\n");
  }
  const [model, ref] = await Promise.all(args.files.map(readStructure));
  const c = compareStructures(model, ref);
  if (args.json) {
    return JSON.stringify({
      model: args.files[0],
      reference: args.files[1],
      modelLength: c.modelLength,
      referenceLength: c.referenceLength,
      aligned: c.aligned,
      rmsdCa: c.rmsdCa,
      tmScore: c.tm.tmScore,
      d0: c.tm.d0,
      gdtTs: c.tm.gdtTs,
      gdtHa: c.tm.gdtHa,
      maxSub: c.tm.maxSub,
      lddtCa: c.lddtCa,
      lddtAllAtom: c.lddtAllAtom,
      lddtCaPerResidue: Array.from(c.lddtCaPerResidue),
    });
  }
  const value = {
    tmscore: c.tm.tmScore,
    lddt: c.lddtCa,
    rmsd: c.rmsdCa,
    gdt: c.tm.gdtTs,
  }[args.command];
  return value.toFixed(4);
}

/** A named file that is missing or may not be read: the command line's fault (exit 2). */
function unreadable(e: unknown): boolean {
  return e instanceof Deno.errors.NotFound || e instanceof Deno.errors.PermissionDenied ||
    e instanceof Deno.errors.NotCapable;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === "dynamics") return await dynamicsMain(argv.slice(1));
  const debug = argv.includes("--debug");
  try {
    console.log(await runAnalyze(parseAnalyzeArgs(argv)));
    return 0;
  } catch (e) {
    if (debug) console.error(e);
    else console.error(`analyze: ${(e as Error).message}`);
    return e instanceof UsageError || unreadable(e) ? 2 : 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
