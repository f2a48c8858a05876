/**
 * Build `data/testdata/`: the few real files of ../shared/data that tests read
 * by name, bundled so those tests run on a fresh clone. Same relative paths as
 * in ../shared/data; the structures are byte-for-byte copies, the backbone file
 * holds the corpus's first {@link CORPUS_CHAINS} lines (what the tests' `corpusChains(n)`
 * reads for n ≤ {@link CORPUS_CHAINS}).
 *
 * Run: `deno run -A data/build_testdata.ts [SHARED_DATA] [OUT]`.
 *
 * @module
 */

import { readLines } from "../model/io/text.ts";

const SRC = Deno.args[0] ?? new URL("../../shared/data", import.meta.url).pathname;
const OUT = Deno.args[1] ?? new URL("./testdata", import.meta.url).pathname;

/** Corpus chains bundled (the first lines of backbone/pm3_backbone.jsonl.gz). */
export const CORPUS_CHAINS = 4;

const FILES = [
  "fullatom/github/haddocking_BM5-clean/1CGI_l_u_1.pdb.gz",
  "fullatom/debian/t-coffee-examples/1AE5A.pdb.gz",
];

async function main(): Promise<void> {
  for (const f of FILES) {
    await Deno.mkdir(`${OUT}/${f.slice(0, f.lastIndexOf("/"))}`, { recursive: true });
    await Deno.copyFile(`${SRC}/${f}`, `${OUT}/${f}`);
    await Deno.chmod(`${OUT}/${f}`, 0o644);
  }
  const lines: string[] = [];
  for await (const { line } of readLines(`${SRC}/backbone/pm3_backbone.jsonl.gz`)) {
    lines.push(line);
    if (lines.length === CORPUS_CHAINS) break;
  }
  const body = new Blob([lines.join("\n") + "\n"]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  await Deno.mkdir(`${OUT}/backbone`, { recursive: true });
  await Deno.writeFile(
    `${OUT}/backbone/pm3_backbone.jsonl.gz`,
    new Uint8Array(await new Response(body).arrayBuffer()),
  );
  console.log(`wrote ${FILES.length} structures and ${lines.length} corpus chains to ${OUT}`);
}

if (import.meta.main) await main();
