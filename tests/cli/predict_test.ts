/**
 * `deno task predict` end to end on a real sequence with its real OpenFold
 * alignment (bundled sample): writes a PDB that Debian's mkdssp reads, with
 * pLDDT in the B-factor column and a JSON of pLDDT/pTM/PAE; misuse exits 2.
 */
import { readA3m } from "../../model/features/a3m.ts";
import { readPdb } from "../../model/protein/pdb.ts";
import { assert, assertEquals } from "../assert.ts";
import { toolMissing } from "../tools.ts";

const CLI = new URL("../../train/cli/predict.ts", import.meta.url).pathname;
const SAMPLE = new URL("../../data/sample/msa/openfold", import.meta.url).pathname;

function run(args: string[]) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
}

Deno.test("predict: real sequence + real MSA -> PDB (pLDDT B-factors) that mkdssp reads, and JSON", async () => {
  const chain = [...Deno.readDirSync(SAMPLE)].map((e) => e.name).sort()[0];
  const a3m = `${SAMPLE}/${chain}/bfd_uniclust_hits.a3m.gz`;
  const msa = await readA3m(a3m);
  const seq = msa.sequences[0];
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/q.fasta`, `>${chain}\n${seq}\n`);
  const r = await run([
    "--fasta",
    `${dir}/q.fasta`,
    "--msa",
    a3m,
    "--preset",
    "small",
    "--recycles",
    "1",
    "--msa-clusters",
    "16",
    "--extra-msa",
    "32",
    "--out",
    `${dir}/q.pdb`,
  ]); // deno-fmt-ignore
  const err = new TextDecoder().decode(r.stderr);
  assertEquals(r.code, 0, err);
  const p = await readPdb(`${dir}/q.pdb`);
  assertEquals(p.aatype.length, seq.length);
  const json = JSON.parse(await Deno.readTextFile(`${dir}/q.json`));
  assertEquals(json.plddt.length, seq.length);
  assert(json.pae.length === seq.length && json.ptm > 0 && json.ptm <= 1, `ptm ${json.ptm}`);
  // B-factor of residue i's CA = its pLDDT.
  assert(Math.abs(p.bFactors[37 + 1] - json.plddt[1]) < 0.01, "pLDDT not in the B-factor column");
  const dssp = new Deno.Command("mkdssp", {
    args: [`${dir}/q.pdb`, `${dir}/q.dssp`],
    stderr: "piped",
  });
  let code = -1;
  try {
    code = (await dssp.output()).code;
  } catch {
    return toolMissing("mkdssp check: mkdssp is not installed (apt-get install dssp)");
  }
  assertEquals(code, 0, "mkdssp could not read the predicted PDB");
  const lines = (await Deno.readTextFile(`${dir}/q.dssp`)).split("\n");
  const start = lines.findIndex((l) => l.startsWith("  #  RESIDUE"));
  assertEquals(lines.slice(start + 1).filter((l) => l.trim()).length, seq.length);
});

Deno.test("predict: misuse exits 2 with one line", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/bad.fasta`, ">x\nMKV1LA\n");
  await Deno.writeTextFile(`${dir}/bad2.fasta`, ">x\nMKVJLA\n");
  const cases: [string[], string][] = [
    [["--fasta", `${dir}/none.fasta`, "--out", `${dir}/o.pdb`], "no such file"],
    [
      ["--fasta", `${dir}/bad2.fasta`, "--out", `${dir}/o.pdb`],
      "'J' at residue 4 is not an amino acid",
    ],
    [["--fasta", `${dir}/bad2.fasta`, "--out", `${dir}/o.txt`], "--out: must end in .pdb or .cif"],
    [["--wat"], "Unknown option '--wat'"],
    [["--fasta", `${dir}/bad2.fasta`, "--out", `${dir}/o.pdb`, "--recycles", "-1"], "--recycles"],
  ];
  for (const [args, want] of cases) {
    const r = await run(args);
    const lines = new TextDecoder().decode(r.stderr).split("\n").filter((l) =>
      l.startsWith("predict:")
    );
    assertEquals(r.code, 2, `${args}: ${lines}`);
    assert(lines.length === 1 && lines[0].includes(want), `${args}: ${lines}`);
  }
  // A FASTA parse error names the file and line.
  const r = await run(["--fasta", `${dir}/bad.fasta`, "--out", `${dir}/o.pdb`]);
  const msg = new TextDecoder().decode(r.stderr);
  assert(r.code !== 0 && msg.includes("bad.fasta:2"), msg);
});
