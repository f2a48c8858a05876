/**
 * Build the bundled real-data sample `data/sample/` from ../shared/data, in the
 * same layout and file formats as the full data so the same readers work:
 *
 * - `backbone/`: 300 backbone-corpus chains of 40–200 residues with their
 *   profiles — one chain from each of 270 `clu30` clusters plus a second member
 *   for 30 of them (so cluster sizes and cluster splits are exercised), and the
 *   backbone twin of a bundled fullatom chain (so deduplication is exercised).
 *   Chosen by a fixed hash of the ids: the same input gives the same sample.
 * - `fullatom/`: the OpenFold test mmCIFs (except the 0.6 MB NMR ensemble 2crb)
 *   and a few small Debian PDB files, with their manifest rows.
 * - `msa/openfold/<chain>/`: the monomer alignments (uniref90, BFD/Uniclust,
 *   mgnify) of the 9 OpenFold chains.
 *
 * Run: `deno run -A data/build_sample.ts [SHARED_DATA] [OUT]`.
 *
 * @module
 */

import { hashSeed } from "../model/util/rng.ts";
import { readLines } from "../model/io/text.ts";

const SRC = Deno.args[0] ?? new URL("../../shared/data", import.meta.url).pathname;
const OUT = Deno.args[1] ?? new URL("./sample", import.meta.url).pathname;

const N_CLUSTERS = 270;
const N_SECOND = 30;
const MIN_LEN = 40, MAX_LEN = 200;
const FULLATOM_FILES = [
  "fullatom/github/aqlaboratory_openfold/2q2k.cif.gz",
  "fullatom/github/aqlaboratory_openfold/3u8v.cif.gz",
  "fullatom/github/aqlaboratory_openfold/3zee.cif.gz",
  "fullatom/github/aqlaboratory_openfold/4i6p.cif.gz",
  "fullatom/github/aqlaboratory_openfold/5kc1.cif.gz",
  "fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz",
  "fullatom/debian/t-coffee-examples/1JMA1.pdb.gz",
  "fullatom/debian/t-coffee-examples/1EXT4.pdb.gz",
  "fullatom/debian/t-coffee-examples/3IJ21.pdb.gz",
  "fullatom/debian/theseus-examples/1KDQ_A.pdb.gz",
  "fullatom/debian/theseus-examples/d1lfma_.pdb.gz",
];
const MSA_FILES = ["uniref90_hits.sto.gz", "bfd_uniclust_hits.a3m.gz", "mgnify_hits.sto.gz"];

function tsv(text: string): { header: string; rows: string[][] } {
  const lines = text.split("\n").filter((l) => l.length > 0);
  return { header: lines[0], rows: lines.slice(1).map((l) => l.split("\t")) };
}

async function gzipLines(path: string, lines: string[]): Promise<void> {
  const body = new Blob([lines.join("\n") + "\n"]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  await Deno.writeFile(path, new Uint8Array(await new Response(body).arrayBuffer()));
}

async function main(): Promise<void> {
  await Deno.mkdir(`${OUT}/backbone`, { recursive: true });
  await Deno.mkdir(`${OUT}/fullatom`, { recursive: true });

  // Fullatom manifest rows of the chosen files.
  const fa = tsv(await Deno.readTextFile(`${SRC}/fullatom/fullatom_manifest.tsv`));
  const faRows = fa.rows.filter((r) => FULLATOM_FILES.includes(r[0]));
  const faSeqs = new Set(faRows.map((r) => r[6]));

  // Backbone chains: one per cluster over hashed clusters, a second member for some.
  const bb = tsv(await Deno.readTextFile(`${SRC}/backbone/pm3_manifest.tsv`));
  const col = Object.fromEntries(bb.header.split("\t").map((h, i) => [h, i]));
  const byCluster = new Map<string, string[][]>();
  for (const r of bb.rows) {
    const len = Number(r[col.len]);
    if (len < MIN_LEN || len > MAX_LEN) continue;
    const c = r[col.clu30];
    if (!byCluster.has(c)) byCluster.set(c, []);
    byCluster.get(c)!.push(r);
  }
  const clusters = [...byCluster.keys()].sort((a, b) => hashSeed(a) - hashSeed(b) || (a < b ? -1 : 1));
  const chosen: string[][] = [];
  let seconds = 0;
  for (const c of clusters.slice(0, N_CLUSTERS)) {
    const members = byCluster.get(c)!.sort((a, b) => hashSeed(a[0]) - hashSeed(b[0]));
    chosen.push(members[0]);
    if (seconds < N_SECOND && members.length > 1) {
      chosen.push(members[1]);
      seconds++;
    }
  }
  // The backbone twins of bundled fullatom chains (exact sequence matches).
  for (const r of bb.rows) {
    if (faSeqs.has(r[col.seq]) && !chosen.includes(r)) chosen.push(r);
  }
  const ids = new Set(chosen.map((r) => r[0]));
  console.log(`backbone: ${ids.size} chains from ${new Set(chosen.map((r) => r[col.clu30])).size} clusters`);

  await Deno.writeTextFile(
    `${OUT}/backbone/pm3_manifest.tsv`,
    [bb.header, ...bb.rows.filter((r) => ids.has(r[0])).map((r) => r.join("\t"))].join("\n") + "\n",
  );
  for (const name of ["pm3_backbone.jsonl.gz", "pm3_profiles.jsonl.gz"]) {
    const keep: string[] = [];
    for await (const { line } of readLines(`${SRC}/backbone/${name}`)) {
      const m = /"id"\s*:\s*"([^"]+)"/.exec(line);
      if (m && ids.has(m[1])) keep.push(line);
    }
    if (keep.length !== ids.size) throw new Error(`${name}: found ${keep.length} of ${ids.size}`);
    await gzipLines(`${OUT}/backbone/${name}`, keep);
  }

  await Deno.writeTextFile(
    `${OUT}/fullatom/fullatom_manifest.tsv`,
    [fa.header, ...faRows.map((r) => r.join("\t"))].join("\n") + "\n",
  );
  for (const f of FULLATOM_FILES) {
    const dir = `${OUT}/${f.slice(0, f.lastIndexOf("/"))}`;
    await Deno.mkdir(dir, { recursive: true });
    await Deno.copyFile(`${SRC}/${f}`, `${OUT}/${f}`);
  }

  for (const entry of Deno.readDirSync(`${SRC}/msa/openfold`)) {
    if (!entry.isDirectory) continue;
    const dir = `${OUT}/msa/openfold/${entry.name}`;
    await Deno.mkdir(dir, { recursive: true });
    for (const f of MSA_FILES) {
      try {
        await Deno.copyFile(`${SRC}/msa/openfold/${entry.name}/${f}`, `${dir}/${f}`);
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
    }
  }
  console.log(`fullatom: ${faRows.length} chains in ${FULLATOM_FILES.length} files; wrote ${OUT}`);
}

if (import.meta.main) await main();
