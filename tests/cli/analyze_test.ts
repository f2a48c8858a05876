import { assert, assertAlmostEquals, assertEquals } from "../assert.ts";
import { SHARED_DATA, sharedData } from "../shared_data.ts";
import { parseClassicDssp } from "../../analysis/dssp_classic.ts";
import { readText } from "../../model/io/text.ts";
import { formatPdb, readPdbModels } from "../../model/protein/pdb.ts";
import { runTool } from "../analysis/fixtures.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function analyze(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", `${ROOT}deno.json`, `${ROOT}train/cli/analyze.ts`, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

sharedData.test("shared data: analyze dssp prints mkdssp's string for a real Pfam domain", async () => {
  const name = "PF00013_1WVN_A";
  const r = await analyze(
    "dssp",
    `${SHARED_DATA}/fullatom/github/Kortemme-Lab_covariation/${name}.pdb.gz`,
  );
  assertEquals(r.code, 0, r.stderr);
  const ref = parseClassicDssp(await readText(`${SHARED_DATA}/dssp_ref/${name}.dssp.gz`), name);
  assertEquals(r.stdout, `A\t${ref.map((x) => x.ss).join("")}\n`);
});

sharedData.test("shared data: analyze dssp --chain picks one chain of a multi-chain mmCIF", async () => {
  const file = `${SHARED_DATA}/fullatom/github/aqlaboratory_openfold/5kc1.cif.gz`;
  const all = await analyze("dssp", file);
  assertEquals(all.code, 0, all.stderr);
  const lines = all.stdout.trim().split("\n");
  assert(lines.length > 1, "several chains");
  const [chain] = lines[1].split("\t");
  const one = await analyze("dssp", file, "--chain", chain);
  assertEquals(one.stdout.trim(), lines[1]);
  assert(/^[A-Za-z0-9]+\t[HGIEBTSP-]+$/.test(lines[1]), lines[1]);
  const bad = await analyze("dssp", file, "--chain", "nope");
  assertEquals(bad.code, 2);
});

sharedData.test("shared data: analyze tmscore/gdt/rmsd/lddt on an NMR model pair; --json holds all", async () => {
  const models = await readPdbModels(`${SHARED_DATA}/fullatom/debian/theseus-examples/2sdf.pdb.gz`);
  const dir = await Deno.makeTempDir();
  try {
    const model = `${dir}/model.pdb`, ref = `${dir}/ref.pdb`;
    await Deno.writeTextFile(model, formatPdb(models[5]));
    await Deno.writeTextFile(ref, formatPdb(models[0]));
    const values: Record<string, number> = {};
    for (const cmd of ["tmscore", "gdt", "rmsd", "lddt"]) {
      const r = await analyze(cmd, model, ref);
      assertEquals(r.code, 0, r.stderr);
      assert(/^\d+\.\d{4}\n$/.test(r.stdout), `${cmd} prints one number: ${r.stdout}`);
      values[cmd] = Number(r.stdout);
    }
    const json = JSON.parse((await analyze("tmscore", model, ref, "--json")).stdout);
    assertAlmostEquals(json.tmScore, values.tmscore, 5e-5);
    assertAlmostEquals(json.gdtTs, values.gdt, 5e-5);
    assertAlmostEquals(json.rmsdCa, values.rmsd, 5e-5);
    assertAlmostEquals(json.lddtCa, values.lddt, 5e-5);
    assertEquals(json.lddtCaPerResidue.length, json.aligned);
    const tm = await runTool("TMscore", [model, ref]);
    if (tm === null) return;
    assertAlmostEquals(values.tmscore, Number(/TM-score\s*=\s*([\d.]+)/.exec(tm)![1]), 0.01);
    assertAlmostEquals(values.gdt, Number(/GDT-TS-score=\s*([\d.]+)/.exec(tm)![1]), 0.01);
    assertAlmostEquals(
      values.rmsd,
      Number(/RMSD of {2}the common residues=\s*([\d.]+)/.exec(tm)![1]),
      0.002,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("analyze: bad usage is one line on stderr and exit code 2; --debug shows the stack", async () => {
  for (
    const args of [
      [],
      ["frobnicate"],
      ["dssp"],
      ["tmscore", "a.pdb"],
      ["dssp", "a.pdb", "--bogus"],
      ["rmsd", "a.pdb", "b.pdb", "--chain", "A"],
    ]
  ) {
    const r = await analyze(...args);
    assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assertEquals(r.stdout, "");
    assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert(r.stderr.startsWith("analyze: "), r.stderr);
  }
  // A missing file is a command-line mistake too (issue 9): exit 2.
  const missing = await analyze("dssp", "/nonexistent/x.pdb");
  assertEquals(missing.code, 2);
  assert(!missing.stderr.includes("    at "), missing.stderr);
  const debug = await analyze("frobnicate", "--debug");
  assertEquals(debug.code, 2);
  assert(debug.stderr.includes("    at "), debug.stderr);
});
