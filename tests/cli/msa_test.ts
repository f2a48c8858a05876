import { assert, assertEquals, assertThrows } from "../assert.ts";
import { msa, MSA_CLI, parseMsaArgs } from "../../train/cli/msa.ts";
import { cliMain } from "../../train/cli/kit.ts";
import { UsageError } from "../../model/util/errors.ts";
import { parseStockholm, stockholmToMsa } from "../../model/features/stockholm.ts";
import { readAlignmentDir } from "../../model/features/alignment_dir.ts";
import { readText } from "../../model/io/text.ts";
import { SHARED_DATA, sharedData } from "../shared_data.ts";
import { haveProgram, REQUIRE_TOOLS } from "../tools.ts";

const CLI = new URL("../../train/cli/msa.ts", import.meta.url).pathname;

// A missing tool skips its runs (fails them under DENOFOLD_REQUIRE_TOOLS=1).
const jackhmmer = haveProgram("jackhmmer") || REQUIRE_TOOLS ? "" : "jackhmmer not installed";
if (jackhmmer) console.log(`skipping the jackhmmer runs: ${jackhmmer} (apt-get install hmmer)`);

/** ~200 real chains of the backbone corpus as a FASTA database, and two queries from it. */
async function makeDatabase(dir: string) {
  const rows = (await readText(`${SHARED_DATA}/backbone/pm3_manifest.tsv`)).split("\n").slice(1)
    .filter((l) => l.length > 0).slice(0, 200).map((l) => l.split("\t"));
  assertEquals(rows.length, 200);
  const fasta = rows.map((r) => `>${r[0]} ${r[1]} chain ${r[2]}\n${r[7]}\n`).join("");
  await Deno.writeTextFile(`${dir}/db.fasta`, fasta);
  const queries = [rows[17], rows[123]];
  await Deno.writeTextFile(
    `${dir}/query.fasta`,
    queries.map((r) => `>${r[0]} query\n${r[7].replace(/(.{60})/g, "$1\n")}\n`).join(""),
  );
  return queries.map((r) => ({ id: r[0], seq: r[7] }));
}

async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const log = console.log, error = console.error;
  console.log = console.error = () => {};
  try {
    return await fn();
  } finally {
    console.log = log;
    console.error = error;
  }
}

sharedData.test({
  name: "shared data: msa task builds uniref90_hits.sto in the OpenProteinSet layout",
  ignore: jackhmmer !== "",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "msa_cli_" });
    try {
      const queries = await makeDatabase(dir);
      const code = await quietly(() =>
        cliMain(MSA_CLI, msa, [
          "--fasta",
          `${dir}/query.fasta`,
          "--db",
          `${dir}/db.fasta`,
          "--out",
          `${dir}/out`,
          "--cpu",
          "1",
          "--iterations",
          "2",
        ]) // deno-fmt-ignore
      );
      assertEquals(code, 0);
      for (const q of queries) {
        const path = `${dir}/out/${q.id}/uniref90_hits.sto`;
        const aln = parseStockholm(await Deno.readTextFile(path), path);
        const msa = stockholmToMsa(aln, path);
        assertEquals(msa.sequences[0], q.seq, "row 0 is the query");
        assert(aln.names.includes(`${q.id}/1-${q.seq.length}`), `${q.id} finds itself`);
        // The layout reader takes the directory as it is.
        const chain = await readAlignmentDir(`${dir}/out`, q.id, { querySequence: q.seq });
        assertEquals(chain.msas.map((m) => m.database), ["uniref90"]);
        assert(chain.msas[0].msa.sequences.length >= 2);
      }
      // --max-hits truncates (AF2's truncate_stockholm_msa): only the query is left.
      assertEquals(
        await quietly(() =>
          cliMain(MSA_CLI, msa, [
            "--fasta",
            `${dir}/query.fasta`,
            "--db",
            `${dir}/db.fasta`,
            "--out",
            `${dir}/cut`,
            "--cpu",
            "1",
            "--max-hits",
            "1",
          ]) // deno-fmt-ignore
        ),
        0,
      );
      const cut = await Deno.readTextFile(`${dir}/cut/${queries[0].id}/uniref90_hits.sto`);
      assertEquals(parseStockholm(cut).rows.length, 1);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

const hhsuite = REQUIRE_TOOLS ? "" : ["hhblits", "hhmake", "ffindex_build"]
  .filter((t) => !haveProgram(t)).map((t) => `${t} not installed`).join(", ");
if (hhsuite) console.log(`skipping the hhblits run: ${hhsuite} (apt-get install hhsuite)`);

sharedData.test({
  name: "shared data: msa task with --hhsuite-db also builds bfd_uniclust_hits.a3m",
  ignore: hhsuite !== "" || jackhmmer !== "",
  async fn() {
    // A small HH-suite database of 8 Pfam families (first 60 sequences each); the
    // query is the first sequence of the thioredoxin family PF00085.
    const dir = await Deno.makeTempDir({ prefix: "msa_cli_hh_" });
    const run = async (cmd: string, args: string[]) => {
      const o = await new Deno.Command(cmd, { args, cwd: dir, stdout: "null", stderr: "piped" })
        .output();
      if (!o.success) throw new Error(`${cmd}: ${new TextDecoder().decode(o.stderr)}`);
    };
    try {
      await Deno.mkdir(`${dir}/fas`);
      await Deno.mkdir(`${dir}/hhm`);
      const families = [
        "PF00013",
        "PF00018",
        "PF00072",
        "PF00076",
        "PF00085",
        "PF00240",
        "PF00595",
        "PF00691",
      ]; // deno-fmt-ignore
      let query = "";
      const dbFasta: string[] = [];
      for (const f of families) {
        const text = await readText(`${SHARED_DATA}/msa/kortemme_pfam/${f}.align.80.gz`);
        const records = text.split("\n>").slice(0, 60).join("\n>").trimEnd() + "\n";
        await Deno.writeTextFile(`${dir}/fas/${f}.fas`, records);
        await run("hhmake", ["-v", "0", "-M", "50", "-i", `fas/${f}.fas`, "-o", `hhm/${f}.hhm`]);
        for (const rec of records.split(/\n(?=>)/)) {
          const [head, ...rows] = rec.split("\n");
          const seq = rows.join("").replace(/[-.]/g, "").toUpperCase();
          if (seq) dbFasta.push(`${head.split(/\s/)[0]}\n${seq}`);
          if (f === "PF00085" && !query) query = seq;
        }
      }
      for (const kind of ["a3m", "hhm", "cs219"]) {
        // This small database has no cs219 profiles (no cstranslate in Debian); with
        // so few entries hhblits' prefilter passes everything, so the A3M files stand in.
        await run("ffindex_build", [
          "-s",
          `db_${kind}.ffdata`,
          `db_${kind}.ffindex`,
          kind === "hhm" ? "hhm/" : "fas/",
        ]);
      }
      await Deno.writeTextFile(`${dir}/db.fasta`, dbFasta.join("\n") + "\n");
      await Deno.writeTextFile(`${dir}/q.fasta`, `>trx_A thioredoxin\n${query}\n`);
      const code = await quietly(() =>
        cliMain(MSA_CLI, msa, [
          "--fasta",
          `${dir}/q.fasta`,
          "--db",
          `${dir}/db.fasta`,
          "--out",
          `${dir}/out`,
          "--cpu",
          "1",
          "--hhsuite-db",
          `${dir}/db`,
        ]) // deno-fmt-ignore
      );
      assertEquals(code, 0);
      const chain = await readAlignmentDir(`${dir}/out`, "trx_A", { querySequence: query });
      assertEquals(chain.msas.map((m) => m.database), ["uniref90", "bfd"]);
      const bfd = chain.msas[1].msa;
      assert(bfd.sequences.length >= 30, `${bfd.sequences.length} rows from hhblits`);
      const uniref = chain.msas[0].msa;
      assert(uniref.sequences.length >= 30, `${uniref.sequences.length} rows from jackhmmer`);
      console.log(
        `hhblits ${bfd.sequences.length} rows, jackhmmer ${uniref.sequences.length} rows`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("msa task: options are parsed strictly and validated", () => {
  const base = ["--fasta", "q.fa", "--db", "db.fa", "--out", "o"];
  const ok = parseMsaArgs([...base, "--cpu", "3", "--hhsuite-db", "a", "--hhsuite-db", "b"]);
  assert(ok !== "help");
  assertEquals([ok.cpu, ok.iterations, ok.maxHits, ok.hhsuiteDb], [3, 1, 10000, ["a", "b"]]);
  assertThrows(() => parseMsaArgs(base.slice(2)), UsageError, "--fasta is required");
  assertThrows(
    () => parseMsaArgs([...base, "--cpu", "0"]),
    UsageError,
    '--cpu: must be at least 1, got "0"',
  );
  assertThrows(() => parseMsaArgs([...base, "--iterations", "x"]), UsageError, "--iterations");
  assertThrows(() => parseMsaArgs([...base, "extra"]), UsageError);
  assertThrows(() => parseMsaArgs([...base, "--nope"]), UsageError, "--nope");
  assertEquals(parseMsaArgs(["--help"]), "help");
});

async function runCli(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", CLI, ...args] })
    .output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("msa task: misuse is one line and exit code 2; --debug shows the stack", async () => {
  const bad = await runCli(["--fasta", "q.fa", "--db", "d.fa", "--out", "o", "--cpu", "many"]);
  assertEquals(bad.code, 2);
  assertEquals(bad.stderr.trim().split("\n").length, 1, bad.stderr);
  assert(bad.stderr.startsWith('msa: --cpu: must be an integer, got "many"'), bad.stderr);
  const debug = await runCli(["--bogus", "--debug"]);
  assertEquals(debug.code, 2);
  assert(/\n\s+at /.test(debug.stderr), "stack trace with --debug");
});

Deno.test("msa task: a missing tool or input is a clear error, not a crash", async () => {
  const dir = await Deno.makeTempDir({ prefix: "msa_cli_err_" });
  try {
    await Deno.writeTextFile(`${dir}/q.fa`, ">x_A\nMKV\n");
    await Deno.writeTextFile(`${dir}/db.fa`, ">y\nMKV\n");
    const common = ["--fasta", `${dir}/q.fa`, "--db", `${dir}/db.fa`, "--out", `${dir}/o`];
    const noHh = await runCli([
      ...common,
      "--hhsuite-db",
      `${dir}/db`,
      "--hhblits-binary",
      `${dir}/none`,
    ]);
    assertEquals(noHh.code, 1);
    assert(noHh.stderr.includes("not found (Debian: apt-get install hhsuite)"), noHh.stderr);
    assertEquals(noHh.stderr.trim().split("\n").length, 1);
    const noFile = await runCli(["--fasta", `${dir}/missing.fa`, ...common.slice(2)]);
    assertEquals(noFile.code, 2);
    assert(noFile.stderr.includes(`--fasta: no such file ${dir}/missing.fa`), noFile.stderr);
    // A malformed input file is the user's input (exit 2), naming the file and line.
    await Deno.writeTextFile(`${dir}/q.fa`, ">../evil\nMKV\n");
    const badId = await runCli(common);
    assertEquals(badId.code, 2);
    assert(badId.stderr.includes("q.fa:1: chain id"), badId.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
