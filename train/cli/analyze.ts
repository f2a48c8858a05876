/**
 * `deno task analyze`: secondary structure and structure comparison from the
 * command line; `analyze dynamics` is train/cli/dynamics.ts. {@link ANALYZE_CLI}
 * is its usage.
 *
 * @module
 */

import { z } from "zod";
import { readStructure } from "../../model/protein/structure_file.ts";
import { UsageError } from "../../model/util/errors.ts";
import { dsspProtein, formatSs } from "../../analysis/dssp.ts";
import { compareStructures } from "../../analysis/metrics.ts";
import { dynamics, DYNAMICS_CLI } from "./dynamics.ts";
import { type CliSpec, runCli, textFlag, unreadable } from "./kit.ts";

const COMPARISONS = ["tmscore", "lddt", "rmsd", "gdt"] as const;
const COMMANDS = `dssp, ${COMPARISONS.join(", ")}, dynamics`;

/** The analyze command's flags, usage and schema (`analyze dynamics` has its own). */
export const ANALYZE_CLI = {
  name: "analyze",
  synopsis: [
    "deno task analyze dssp FILE [--chain C] [--json]",
    "deno task analyze tmscore|lddt|rmsd|gdt MODEL REF [--json]",
    "deno task analyze dynamics RUN_DIR [...]   (deno task analyze dynamics --help)",
  ],
  about: `FILE, MODEL and REF are PDB or mmCIF (.cif, .mmcif), optionally gzipped; the first model
is read. dssp prints one line per chain: the chain id, a tab and the 8-state string, coil as '-'
(mkdssp's blank), residues without a complete backbone left out as mkdssp does. The comparisons
pair residues by residue number (like the TMscore program) and print, with 4 decimals: tmscore the
TM-score normalised by REF, gdt GDT-TS, rmsd the Cα RMSD after superposition, lddt the global
lDDT-Cα.`,
  flags: {
    chain: { value: "C", help: "dssp: only this chain" },
    json: {
      help: "print JSON: dssp by chain; a comparison with all scores (GDT-HA, per-residue lDDT...)",
    },
  },
  positionals: true,
  schema: z.object({
    args: z.array(z.string()),
    chain: textFlag().optional(),
    json: z.boolean().default(false),
  }).transform(({ args: [command, ...files], chain, json }, ctx) => {
    const fail = (message: string, path: string[] = ["args"]) => {
      ctx.addIssue({ code: "custom", message, path });
      return z.NEVER;
    };
    if (command === undefined) return fail(`no command given (${COMMANDS}; see --help)`);
    const comparison = COMPARISONS.find((c) => c === command);
    if (command !== "dssp" && comparison === undefined) {
      return fail(`unknown command "${command}" (${COMMANDS})`);
    }
    if (comparison && files.length !== 2) {
      return fail(`${command} takes exactly two files: MODEL REF`);
    }
    if (comparison && chain !== undefined) return fail("applies to dssp only", ["chain"]);
    if (!comparison && files.length !== 1) return fail("dssp takes exactly one FILE");
    for (const f of files) {
      const problem = unreadable(f, "file");
      if (problem) return fail(problem);
    }
    return { command: comparison ?? "dssp" as const, files, chain, json };
  }),
} satisfies CliSpec;

/** Validated command line. */
export type AnalyzeArgs = z.output<typeof ANALYZE_CLI.schema>;

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
  const [model, ref] = await Promise.all(args.files.map((f) => readStructure(f)));
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

async function analyze(args: AnalyzeArgs): Promise<void> {
  console.log(await runAnalyze(args));
}

if (import.meta.main) {
  await (Deno.args[0] === "dynamics"
    ? runCli(DYNAMICS_CLI, dynamics, Deno.args.slice(1))
    : runCli(ANALYZE_CLI, analyze));
}
