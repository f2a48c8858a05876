/**
 * Issue 19, "every input bounded": where a file is expected only a regular
 * file is read — a FIFO (which would block the reader forever), a character
 * device, a directory are refused with one line before anything is opened —
 * every read has the size limit of its kind of file (checked before reading,
 * so a sparse 600 MB structure costs nothing), gzip decompression stops at the
 * limit (a bomb is refused) and a corrupt gzip names its file. Each CLI case
 * asserts exit code 2, the one line, no hang, and every pre-existing file
 * byte-identical; the library cases read the same readers directly.
 */
import { assertEquals, assertRejects } from "../assert.ts";
import { ParseError } from "../../model/util/errors.ts";
import { readLines, readText } from "../../model/io/text.ts";
import { gunzipBounded, readFileBounded } from "../../model/io/bounded.ts";
import { readNpz } from "../../model/io/npz.ts";
import { readSafetensors } from "../../model/io/safetensors.ts";
import { readSidecar } from "../../model/checkpoint.ts";
import { openAlignmentDb } from "../../model/features/alignment_dir.ts";
import { readFasta } from "../../model/features/fasta.ts";
import { readA3m } from "../../model/features/a3m.ts";
import { readStructure } from "../../model/protein/structure_file.ts";
import {
  assertOneLine,
  assertUnchanged,
  type Cli,
  mkfifo,
  pool,
  ROOT,
  runCli,
  snapshot,
  tinyCheckpoint,
} from "./reliability_harness.ts";

const PDB = `${ROOT}data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz`;
const MiB = 1 << 20;

/** gzip of `n` zero bytes, made as a stream (a few hundred KB for 600 MB). */
async function gzipZeros(n: number): Promise<Uint8Array> {
  let left = n;
  const zeros = new ReadableStream<Uint8Array>({
    pull(ctl) {
      const k = Math.min(left, 16 * MiB);
      if (k === 0) return ctl.close();
      left -= k;
      ctl.enqueue(new Uint8Array(k));
    },
  });
  return new Uint8Array(
    await new Response(
      zeros.pipeThrough(new CompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>),
    ).arrayBuffer(),
  );
}

async function sparse(path: string, bytes: number): Promise<void> {
  await Deno.writeFile(path, new Uint8Array());
  await Deno.truncate(path, bytes);
}

interface Case {
  what: string;
  cli: Cli;
  args: string[];
  want: string | RegExp;
}

Deno.test("every input bounded: FIFOs, devices, oversized files, gzip bombs and corrupt gzip refused in one line (exit 2), nothing hangs, every file byte-identical", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denofold_inputs_" });
  try {
    for (const f of ["s.pdb", "c.json", "ids.txt", "f.npz", "nb.ipynb", "r.json", "q.fasta"]) {
      await mkfifo(`${dir}/${f}`);
    }
    await Deno.writeTextFile(`${dir}/db.fasta`, ">d\nMKV\n");
    await sparse(`${dir}/huge.pdb`, 600 * MiB);
    await sparse(`${dir}/huge.json`, 100 * MiB);
    await Deno.writeFile(`${dir}/bomb.pdb.gz`, await gzipZeros(600 * MiB));
    await Deno.writeFile(`${dir}/corrupt.pdb.gz`, Uint8Array.of(0x1f, 0x8b, 8, 0, 9, 9, 9, 9));
    const ckpt = await tinyCheckpoint(`${dir}/run`);
    // A checkpoint whose tensors file is a FIFO.
    await tinyCheckpoint(`${dir}/fiforun`);
    await Deno.remove(`${dir}/fiforun/ckpt-00000005.safetensors`);
    await mkfifo(`${dir}/fiforun/ckpt-00000005.safetensors`);
    // A run whose probes file is a FIFO.
    await Deno.mkdir(`${dir}/dynrun/snapshots`, { recursive: true });
    await mkfifo(`${dir}/dynrun/snapshots/probes.json`);
    await Deno.mkdir(`${dir}/data`);

    const cases: Case[] = [
      {
        what: "analyze dssp of a FIFO",
        cli: "analyze",
        args: ["dssp", `${dir}/s.pdb`],
        want: `analyze: ${dir}/s.pdb is a FIFO (named pipe), not a regular file`,
      },
      {
        what: "analyze tmscore of a character device",
        cli: "analyze",
        args: ["tmscore", "/dev/zero", PDB],
        want: "analyze: /dev/zero is a character device, not a regular file",
      },
      {
        what: "train --config a FIFO",
        cli: "train",
        args: ["--config", `${dir}/c.json`, "--out", `${dir}/o`],
        want: `train: --config: ${dir}/c.json is a FIFO (named pipe), not a regular file`,
      },
      {
        what: "eval --ids a FIFO",
        cli: "eval",
        args: ["--checkpoint", ckpt, "--data", `${dir}/data`, "--ids", `${dir}/ids.txt`],
        want: `eval: --ids: ${dir}/ids.txt is a FIFO`,
      },
      {
        what: "parity of a FIFO",
        cli: "parity",
        args: [`${dir}/f.npz`],
        want: `parity: ${dir}/f.npz is a FIFO`,
      },
      {
        what: "figures_png of a FIFO",
        cli: "figures_png",
        args: [`${dir}/nb.ipynb`, "--out", `${dir}/png`],
        want: `figures_png: ${dir}/nb.ipynb is a FIFO`,
      },
      {
        what: "readme_table of a FIFO",
        cli: "readme_table",
        args: [`${dir}/r.json`],
        want: `readme_table: ${dir}/r.json is a FIFO`,
      },
      {
        what: "msa --fasta a FIFO",
        cli: "msa",
        args: ["--fasta", `${dir}/q.fasta`, "--db", `${dir}/db.fasta`, "--out", `${dir}/m`],
        want: `msa: --fasta: ${dir}/q.fasta is a FIFO`,
      },
      {
        what: "eval of a checkpoint whose tensors are a FIFO",
        cli: "eval",
        args: ["--checkpoint", `${dir}/fiforun/ckpt-00000005.json`, "--data", `${dir}/data`],
        want: `eval: ${dir}/fiforun/ckpt-00000005.safetensors: a FIFO (named pipe), ` +
          "not a regular file",
      },
      {
        what: "analyze dynamics of a run whose probes file is a FIFO",
        cli: "analyze",
        args: ["dynamics", `${dir}/dynrun`, "--out", `${dir}/d.html`],
        want: `${dir}/dynrun/snapshots/probes.json: a FIFO (named pipe), not a regular file`,
      },
      {
        what: "analyze dssp of a 600 MB (sparse) structure",
        cli: "analyze",
        args: ["dssp", `${dir}/huge.pdb`],
        want: `analyze: ${dir}/huge.pdb: 600 MiB, above the 512 MiB limit of a structure file`,
      },
      {
        what: "train --config of 100 MB",
        cli: "train",
        args: ["--config", `${dir}/huge.json`, "--out", `${dir}/o`],
        want: `${dir}/huge.json: 100 MiB, above the 64 MiB limit of a JSON settings file`,
      },
      {
        what: "analyze dssp of a gzip bomb (600 MB of zeros)",
        cli: "analyze",
        args: ["dssp", `${dir}/bomb.pdb.gz`],
        want: `analyze: ${dir}/bomb.pdb.gz: decompresses to more than the 512 MiB limit ` +
          "of a structure file",
      },
      {
        what: "analyze lddt of a corrupt gzip",
        cli: "analyze",
        args: ["lddt", `${dir}/corrupt.pdb.gz`, PDB],
        want: `analyze: ${dir}/corrupt.pdb.gz: not valid gzip data`,
      },
    ];
    const before = await snapshot(dir);
    const results = await pool(
      cases.map((c) => () => runCli(c.cli, c.args, { timeoutMs: 60_000 })),
    );
    for (const [i, c] of cases.entries()) assertOneLine(results[i], 2, c.want, c.what);
    assertUnchanged(before, await snapshot(dir), "the fixture");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("every input bounded: the readers refuse FIFOs, oversized and bomb files with a ParseError naming the file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denofold_inputs_lib_" });
  try {
    await mkfifo(`${dir}/p.fasta`);
    await mkfifo(`${dir}/p.a3m`);
    await mkfifo(`${dir}/p.npz`);
    await mkfifo(`${dir}/p.json`);
    await sparse(`${dir}/big.safetensors`, 17 * 1024 * MiB);
    await sparse(`${dir}/big.npz`, 5 * 1024 * MiB);
    await Deno.writeFile(`${dir}/bomb.txt.gz`, await gzipZeros(8 * MiB));
    await Deno.writeFile(`${dir}/lines.tsv.gz`, await gzipZeros(8 * MiB));
    await Deno.writeFile(`${dir}/trunc.gz`, (await gzipZeros(MiB)).subarray(0, 100));
    // An alignment_db whose db file is a FIFO.
    await Deno.writeTextFile(`${dir}/idx.json`, JSON.stringify({ c: { db: "x.db", files: [] } }));
    await mkfifo(`${dir}/x.db`);
    const small = { bytes: MiB, what: "a test file" };
    const cases: [string, () => Promise<unknown>, string][] = [
      ["readFasta of a FIFO", () => readFasta(`${dir}/p.fasta`), "a FIFO (named pipe)"],
      ["readA3m of a FIFO", () => readA3m(`${dir}/p.a3m`), "a FIFO (named pipe)"],
      ["readNpz of a FIFO", () => readNpz(`${dir}/p.npz`), "a FIFO (named pipe)"],
      ["readSidecar of a FIFO", () => readSidecar(`${dir}/p.json`), "a FIFO (named pipe)"],
      ["readStructure of a directory", () => readStructure(dir), "a directory"],
      [
        "readNpz of 5 GB",
        () => readNpz(`${dir}/big.npz`),
        "5 GiB, above the 4 GiB limit of an .npz/.npy file",
      ],
      [
        "readSafetensors of 17 GB",
        () => readSafetensors(`${dir}/big.safetensors`),
        "17 GiB, above the 16 GiB limit of a safetensors file",
      ],
      [
        "a gzip bomb past a 1 MiB limit",
        () => readText(`${dir}/bomb.txt.gz`, small),
        "decompresses to more than the 1 MiB limit of a test file",
      ],
      [
        "a gzip bomb read line by line",
        async () => {
          for await (const _ of readLines(`${dir}/lines.tsv.gz`, small)) { /* read on */ }
        },
        "decompresses to more than the 1 MiB limit of a test file",
      ],
      [
        "a truncated gzip",
        () => readFileBounded(`${dir}/trunc.gz`, "text"),
        "not valid gzip data",
      ],
      [
        "gunzip of bytes that are not gzip",
        () => gunzipBounded(new TextEncoder().encode("plain"), "text", "x.gz"),
        "x.gz: not valid gzip data",
      ],
      [
        "an alignment_db whose db is a FIFO",
        () => openAlignmentDb(`${dir}/idx.json`),
        `${dir}/x.db: a FIFO (named pipe), not a regular file`,
      ],
    ];
    for (const [what, f, want] of cases) {
      const e = await assertRejects(f, ParseError, want);
      assertEquals(e.message.split("\n").length, 1, what);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
