/**
 * Every AF2 supplement algorithm (Jumper et al. 2021, Supplementary
 * Information, Algorithms 1–32) is findable: exactly one product file names it
 * on a header line of its module doc, `Implements Algorithm N (Name).`, so
 * `grep -rn "Algorithm 13" model/` lands on that file's first lines.
 */

import { assert, assertEquals } from "../assert.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The supplement's algorithm names, by number (its pseudocode function names). */
const ALGORITHMS: Record<number, string> = {
  1: "MSABlockDeletion",
  2: "Inference",
  3: "InputEmbedder",
  4: "relpos",
  5: "one_hot",
  6: "EvoformerStack",
  7: "MSARowAttentionWithPairBias",
  8: "MSAColumnAttention",
  9: "MSATransition",
  10: "OuterProductMean",
  11: "TriangleMultiplicationOutgoing",
  12: "TriangleMultiplicationIncoming",
  13: "TriangleAttentionStartingNode",
  14: "TriangleAttentionEndingNode",
  15: "PairTransition",
  16: "TemplatePairStack",
  17: "TemplatePointwiseAttention",
  18: "ExtraMsaStack",
  19: "MSAColumnGlobalAttention",
  20: "StructureModule",
  21: "rigidFrom3Points",
  22: "InvariantPointAttention",
  23: "BackboneUpdate",
  24: "computeAllAtomCoordinates",
  25: "makeRotX",
  26: "renameSymmetricGroundTruthAtoms",
  27: "torsionAngleLoss",
  28: "computeFAPE",
  29: "predictPerResidueLDDT_Ca",
  30: "RecyclingInference",
  31: "RecyclingTraining",
  32: "RecyclingEmbedder",
};

/**
 * Where the headers are looked for: the model, and `train/` because the
 * recycling training procedure (Algorithm 31) is part of the training task.
 */
const DIRS = ["model", "train"];

const HEADER = /^ \* Implements Algorithm (\d+) \((\w+)\)\.$/;

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(`${ROOT}${dir}`)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...await sourceFiles(path));
    else if (e.name.endsWith(".ts")) out.push(path);
  }
  return out.sort();
}

interface Header {
  file: string;
  line: number;
  n: number;
  name: string;
}

/**
 * The `Implements Algorithm` lines of one source. Each must sit in the leading
 * run of header lines right after the module doc's opening `/**` (so it is the
 * file's first mention of the algorithm), and that doc must be the `@module` one.
 */
function headersOf(file: string, source: string): { headers: Header[]; errors: string[] } {
  const lines = source.split("\n");
  const headers: Header[] = [], errors: string[] = [];
  const docEnd = lines.indexOf(" */");
  const isModuleDoc = lines[0] === "/**" && docEnd > 0 &&
    lines.slice(0, docEnd).includes(" * @module");
  let leading = 1;
  while (isModuleDoc && HEADER.test(lines[leading])) leading++;
  lines.forEach((text, i) => {
    if (!text.includes("Implements Algorithm")) return;
    const m = HEADER.exec(text);
    const where = `${file}:${i + 1}`;
    if (!m) errors.push(`${where}: not of the form " * Implements Algorithm N (Name).": ${text}`);
    else if (i >= leading) {
      errors.push(`${where}: the header must open the file's @module doc (lines 2..)`);
    } else headers.push({ file, line: i + 1, n: Number(m[1]), name: m[2] });
  });
  return { headers, errors };
}

Deno.test("every AF2 supplement algorithm is implemented by exactly one file that names it first", async () => {
  const headers: Header[] = [], errors: string[] = [];
  for (const dir of DIRS) {
    for (const file of await sourceFiles(dir)) {
      const r = headersOf(file, await Deno.readTextFile(`${ROOT}${file}`));
      headers.push(...r.headers);
      errors.push(...r.errors);
    }
  }
  const byNumber = new Map<number, Header[]>();
  for (const h of headers) {
    const expected = ALGORITHMS[h.n];
    if (expected === undefined) errors.push(`${h.file}:${h.line}: no Algorithm ${h.n}`);
    else if (h.name !== expected) {
      errors.push(`${h.file}:${h.line}: Algorithm ${h.n} is ${expected}, not ${h.name}`);
    }
    byNumber.set(h.n, [...byNumber.get(h.n) ?? [], h]);
  }
  for (const [n, name] of Object.entries(ALGORITHMS)) {
    const files = (byNumber.get(Number(n)) ?? []).map((h) => h.file);
    if (files.length === 0) errors.push(`Algorithm ${n} (${name}): no file implements it`);
    if (files.length > 1) errors.push(`Algorithm ${n} (${name}): several files: ${files}`);
  }
  assertEquals(errors, []);
});

Deno.test("headersOf: accepts the leading header run, rejects a header elsewhere or misspelt", () => {
  const good = "/**\n * Implements Algorithm 13 (TriangleAttentionStartingNode).\n" +
    " * Implements Algorithm 14 (TriangleAttentionEndingNode).\n *\n * Text.\n *\n * @module\n */\n";
  const r = headersOf("a.ts", good);
  assertEquals(r.errors, []);
  assertEquals(r.headers.map((h) => [h.n, h.line]), [[13, 2], [14, 3]]);

  const late = "/**\n * Text.\n * Implements Algorithm 13 (TriangleAttentionStartingNode).\n *\n" +
    " * @module\n */\n";
  assert(headersOf("b.ts", late).errors[0].includes("must open"));

  const notModule =
    "/**\n * Implements Algorithm 13 (TriangleAttentionStartingNode).\n */\nfoo();\n";
  assert(headersOf("c.ts", notModule).errors[0].includes("must open"));

  const misspelt =
    "/**\n * Implements Algorithm 13 TriangleAttentionStartingNode\n *\n * @module\n */\n";
  assert(headersOf("d.ts", misspelt).errors[0].includes("not of the form"));
});
