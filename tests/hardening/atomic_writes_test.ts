/**
 * Issue 9: every output the project writes — checkpoints, predictions
 * (PDB/mmCIF/JSON), reports (HTML), alignment outputs — goes through
 * model/io/atomic.ts (temporary file in the same directory + fsync + rename),
 * and a write that fails (here: a full disk, a real tmpfs filled to the last
 * page) leaves the previous file byte-identical and no temporary behind.
 */
import { readA3m } from "../../model/features/a3m.ts";
import { readPdb, writePdb } from "../../model/protein/pdb.ts";
import { writeMmcif } from "../../model/protein/mmcif.ts";
import { writeReport } from "../../analysis/report.ts";
import { loadCheckpoint, saveCheckpoint } from "../../model/checkpoint.ts";
import { assert, assertEquals, assertRejects } from "../assert.ts";
import { haveProgram, toolMissing } from "../tools.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Raw (non-atomic) writes the product may make: file, the line's write, and why it is fine. */
const RAW_WRITES_ALLOWED: [string, RegExp, string][] = [
  [
    "train/run_lock.ts",
    /createNew: true/,
    "the lock's pid file, created new, then hard-linked to LOCK",
  ],
  [
    "train/cli/msa.ts",
    /writeTextFile\(\s*$/,
    "jackhmmer's query FASTA in a private temp dir",
  ],
  ["notebooks/runs.ts", /writeTextFile\(cfgPath/, "a config in a fresh Deno.makeTempFile"],
  [
    "notebooks/figures_png.ts",
    /writeTextFile\(html/,
    "the page for Chromium, in a private temp dir",
  ],
  // The loop's metrics.jsonl is an append-only log; resume truncates it back to the
  // checkpoint (train/loop.ts), so a torn last line is harmless.
  ["train/loop.ts", /metricsPath, \{ append: true/, "append-only metrics log"],
];

const RAW_WRITE =
  /Deno\.(writeFile|writeTextFile|writeFileSync|writeTextFileSync|create|createSync)\(|Deno\.open(Sync)?\([^)]*(write|append)|writeFileSync\(|appendFile/;

async function* sources(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(`${ROOT}${dir}`)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) yield* sources(p);
    else if (p.endsWith(".ts")) yield p;
  }
}

Deno.test("atomic writes: product code writes files only through model/io/atomic.ts", async () => {
  const raw: string[] = [];
  for (const dir of ["model", "train", "analysis", "notebooks"]) {
    for await (const p of sources(dir)) {
      if (p === "model/io/atomic.ts") continue;
      const lines = (await Deno.readTextFile(`${ROOT}${p}`)).split("\n");
      lines.forEach((l, i) => {
        const allowed = RAW_WRITES_ALLOWED.some(([f, re]) => f === p && re.test(l));
        if (RAW_WRITE.test(l) && !l.trim().startsWith("*") && !allowed) {
          raw.push(`${p}:${i + 1}: ${l.trim()}`);
        }
      });
    }
  }
  assertEquals(raw, [], `raw writes outside model/io/atomic.ts:\n${raw.join("\n")}`);
  // Each kind of output names the atomic writer.
  const uses: [string, RegExp][] = [
    ["model/io/safetensors.ts", /writeFileAtomicWith\(path/],
    ["model/checkpoint.ts", /writeTextFileAtomic\(path, JSON\.stringify\(sidecar/],
    ["model/protein/pdb.ts", /writeTextFileAtomic\(path, formatPdb/],
    ["model/protein/mmcif.ts", /writeTextFileAtomic\(path, formatMmcif/],
    ["train/cli/predict.ts", /writeTextFileAtomic\(a\.out\.replace/],
    ["analysis/report.ts", /writeTextFileAtomic\(path, renderReport/],
    [
      "train/cli/msa.ts",
      /writeTextFileAtomic\(`\$\{opts\.out\}\/\$\{id\}\/uniref90_hits\.sto`/,
    ],
    [
      "train/cli/msa.ts",
      /writeTextFileAtomic\(`\$\{opts\.out\}\/\$\{id\}\/bfd_uniclust_hits\.a3m`/,
    ],
    ["model/features/alignment_dir.ts", /writeFileAtomicWith\(dbPath/],
  ];
  for (const [file, re] of uses) {
    assert(re.test(await Deno.readTextFile(`${ROOT}${file}`)), `${file} does not use ${re}`);
  }
});

async function mountTmpfs(size: string): Promise<string | undefined> {
  const dir = await Deno.makeTempDir({ prefix: "denofold_full_" });
  const r = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir],
    stderr: "null",
  }).output().catch(() => undefined);
  return r?.success ? dir : undefined;
}

/** Fill the filesystem of `dir` to the last byte. */
async function fill(dir: string): Promise<void> {
  const f = await Deno.open(`${dir}/filler`, { write: true, create: true });
  const chunk = new Uint8Array(1 << 16).fill(7);
  try {
    for (;;) await f.write(chunk);
  } catch (e) {
    if (!(e instanceof Error) || !/No space left/.test(e.message)) throw e;
  } finally {
    f.close();
  }
  // Whatever single bytes still fit.
  const g = await Deno.open(`${dir}/filler2`, { write: true, create: true });
  try {
    for (;;) await g.write(new Uint8Array(1));
  } catch {
    /* full */
  } finally {
    g.close();
  }
}

async function tree(dir: string, prefix = ""): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for await (const e of Deno.readDir(dir)) {
    const p = `${prefix}${e.name}`;
    if (e.isDirectory) {
      for (const [k, v] of await tree(`${dir}/${e.name}`, `${p}/`)) out.set(k, v);
    } else if (!e.name.startsWith("filler")) {
      out.set(p, await Deno.readFile(`${dir}/${e.name}`));
    }
  }
  return out;
}

function cli(path: string, args: string[]) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}${path}`, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
}

const jackhmmer = haveProgram("jackhmmer");

Deno.test({
  name:
    "atomic writes: on a full disk, checkpoint, PDB, mmCIF, JSON, report and MSA writes fail and keep the old files",
  ignore: Deno.uid() !== 0, // mounting a tmpfs needs root; the static check above still runs
  async fn() {
    const mnt = await mountTmpfs("16m");
    assert(mnt, "mount failed although running as root");
    try {
      const src = await Deno.makeTempDir({ prefix: "denofold_atomic_src_" });
      const msa = await readA3m(`${ROOT}data/sample/msa/openfold/3u8v_A/bfd_uniclust_hits.a3m.gz`);
      const query = msa.sequences[0];
      await Deno.writeTextFile(`${src}/q.fasta`, `>3u8v_A\n${query}\n`);
      // A small protein database for jackhmmer: the MSA's own ungapped rows.
      const rows = msa.sequences.slice(1, 60).map((s) => s.replaceAll("-", "")).filter((s) =>
        s.length > 20
      );
      await Deno.writeTextFile(`${src}/db.fasta`, rows.map((s, i) => `>h${i}\n${s}\n`).join(""));
      const predict = (out: string, seed: string) =>
        cli("train/cli/predict.ts", [
          "--fasta",
          `${src}/q.fasta`,
          "--preset",
          "small",
          "--recycles",
          "0",
          "--msa-clusters",
          "4",
          "--extra-msa",
          "4",
          "--seed",
          seed,
          "--out",
          out,
        ]); // deno-fmt-ignore
      const msaRun = () =>
        cli("train/cli/msa.ts", [
          "--fasta", `${src}/q.fasta`, "--db", `${src}/db.fasta`, "--out", `${mnt}/msa`, "--cpu", "1",
        ]); // deno-fmt-ignore
      const protein = await readPdb(
        `${ROOT}data/sample/fullatom/debian/t-coffee-examples/1EXT4.pdb.gz`,
      );
      const w = new Float32Array(4096).map((_, i) => Math.cos(i));
      const state = (scale: number) => ({
        step: 1,
        params: new Map([["w", w.map((x) => x * scale)]]),
        m: new Map([["w", new Float32Array(4096)]]),
        v: new Map([["w", new Float32Array(4096)]]),
        ema: new Map([["w", w.slice()]]),
      });
      const info = { config: {}, trainer: {}, metrics: {} };
      const shapes = new Map([["w", [64, 64]]]);

      // The previous files.
      await Deno.mkdir(`${mnt}/ckpt`);
      await saveCheckpoint(`${mnt}/ckpt`, state(1), info, shapes);
      await Deno.mkdir(`${mnt}/pred`);
      for (const out of [`${mnt}/pred/q.pdb`, `${mnt}/pred/q.cif`]) {
        const r = await predict(out, "1");
        assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
      }
      await writePdb(`${mnt}/pred/lib.pdb`, protein);
      await writeMmcif(`${mnt}/pred/lib.cif`, protein);
      await writeReport(`${mnt}/report.html`, { title: "before", sections: [] });
      if (jackhmmer) {
        const r = await msaRun();
        assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
      }
      const before = await tree(mnt);
      await fill(mnt);

      // Every write now fails for lack of space.
      await assertRejects(
        () => saveCheckpoint(`${mnt}/ckpt`, state(2), info, shapes),
        Error,
        "No space left",
      );
      for (const out of [`${mnt}/pred/q.pdb`, `${mnt}/pred/q.cif`]) {
        const r = await predict(out, "2");
        // The random-weights warning aside, one line says what failed.
        const err = new TextDecoder().decode(r.stderr).trim().split("\n").filter((l) =>
          l.startsWith("predict:") && !l.includes("randomly initialised weights")
        );
        assertEquals(r.code, 1);
        assertEquals(err.length, 1, err.join("\n"));
        assert(err[0].includes("No space left on device"), err[0]);
      }
      await assertRejects(() => writePdb(`${mnt}/pred/lib.pdb`, protein), Error, "No space");
      await assertRejects(() => writeMmcif(`${mnt}/pred/lib.cif`, protein), Error, "No space");
      await assertRejects(
        () => writeReport(`${mnt}/report.html`, { title: "after", sections: [] }),
        Error,
        "No space",
      );
      if (jackhmmer) {
        const r = await msaRun();
        assertEquals(r.code, 1);
        assert(new TextDecoder().decode(r.stderr).includes("No space left"));
      } else {toolMissing(
          "jackhmmer is not installed (apt-get install hmmer): the MSA output part is skipped",
        );}

      // Byte for byte what was there, and no temporary left anywhere.
      const after = await tree(mnt);
      assertEquals([...after.keys()].sort(), [...before.keys()].sort());
      for (const [k, v] of before) {
        const a = after.get(k)!;
        assert(a.length === v.length && a.every((x, i) => x === v[i]), `${k} changed`);
      }
      const kept = await loadCheckpoint(`${mnt}/ckpt/ckpt-00000001.json`);
      assertEquals(Array.from(kept.state.params.get("w")!), Array.from(w));
      console.log(`${before.size} files kept intact: ${[...before.keys()].sort().join(", ")}`);
      await Deno.remove(src, { recursive: true });
    } finally {
      await new Deno.Command("umount", { args: ["-l", mnt!] }).output();
      await Deno.remove(mnt!).catch(() => {});
    }
  },
});
