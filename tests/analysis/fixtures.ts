/**
 * Test helpers for the analysis tests: corpus chains as coordinate arrays, a
 * seeded RNG, a minimal backbone PDB writer (for feeding Debian's mkdssp and
 * TMscore) and a runner that reports when a tool is missing.
 *
 * @module
 */

import { SHARED_DATA, TEST_DATA } from "../shared_data.ts";
import { CORPUS_CHAINS } from "../../data/build_testdata.ts";
import { type BackboneChain, readBackboneCorpus } from "../../model/features/backbone_corpus.ts";
import { RESTYPE_3, RESTYPES } from "../../model/protein/residue_constants.ts";
import { installHint, toolMissing } from "../tools.ts";

/** The backbone corpus file. */
export const CORPUS = `${SHARED_DATA}/backbone/pm3_backbone.jsonl.gz`;
/** Its first {@link CORPUS_CHAINS} chains, bundled in data/testdata (data/build_testdata.ts). */
const BUNDLED_CORPUS = `${TEST_DATA}/backbone/pm3_backbone.jsonl.gz`;

/** Cα `[L,3]` of a corpus chain. */
export function caOfChain(c: BackboneChain): Float64Array {
  const n = c.seq.length;
  return Float64Array.from(
    { length: 3 * n },
    (_, k) => c.backbone[(Math.floor(k / 3) * 4 + 1) * 3 + (k % 3)],
  );
}

/**
 * The first `limit` chains of the corpus: from the bundled copy of its first
 * lines when `limit` is at most {@link CORPUS_CHAINS}, else from the shared data.
 */
export async function corpusChains(limit: number): Promise<BackboneChain[]> {
  const out: BackboneChain[] = [];
  const file = limit > CORPUS_CHAINS ? CORPUS : BUNDLED_CORPUS;
  for await (const c of readBackboneCorpus(file, { limit })) out.push(c);
  return out;
}

/** A small seeded generator (mulberry32) with uniform and normal draws. */
export function seededRng(seed: number): { uniform: () => number; normal: () => number } {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

/**
 * PDB text (with a HEADER line, which mkdssp requires) of residues numbered
 * 1..L in chain `chain`: `atoms` per residue from `xyz` `[L, atoms.length, 3]`.
 */
export function backbonePdb(
  xyz: ArrayLike<number>,
  seq: string,
  atoms: readonly string[] = ["N", "CA", "C", "O"],
  chain = "A",
): string {
  const lines = ["HEADER    DENOFOLD TEST                           01-JAN-00   XXXX"];
  let serial = 0;
  for (let i = 0; i < seq.length; i++) {
    const res = RESTYPE_3[RESTYPES.indexOf(seq[i])];
    atoms.forEach((name, a) => {
      const p = (d: number) => xyz[(i * atoms.length + a) * 3 + d].toFixed(3).padStart(8);
      lines.push(
        `ATOM  ${String(++serial).padStart(5)}  ${name.padEnd(3)} ${res} ${chain}${
          String(i + 1).padStart(4)
        }    ${p(0)}${p(1)}${p(2)}  1.00  0.00           ${name[0]}`,
      );
    });
  }
  lines.push("END", "");
  return lines.join("\n");
}

/**
 * Run a program (feeding `stdin` when given); its stdout, or null (with the
 * reason printed) when the program is not installed — which fails the test
 * instead under DENOFOLD_REQUIRE_TOOLS=1.
 */
export async function runTool(cmd: string, args: string[], stdin?: string): Promise<string | null> {
  let out: Deno.CommandOutput;
  try {
    const child = new Deno.Command(cmd, {
      args,
      stdin: stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    if (stdin !== undefined) {
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode(stdin));
      await w.close();
    }
    out = await child.output();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      toolMissing(`${cmd} is not installed (${installHint(cmd)})`);
      return null;
    }
    throw e;
  }
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}
