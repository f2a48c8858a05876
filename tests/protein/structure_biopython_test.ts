// Cross-check of the PDB and mmCIF readers against an independent reader:
// Biopython (Debian's python3-biopython), run as a subprocess on real files.
import { assert, assertEquals } from "../assert.ts";
import { readStructure } from "../../model/protein/structure_file.ts";
import { ATOM_TYPE_NUM, ATOM_TYPES, RESTYPE_3 } from "../../model/protein/residue_constants.ts";
import { SHARED_DATA, sharedData } from "../shared_data.ts";
import { toolMissing } from "../tools.ts";

interface RefResidue {
  chain: string;
  resseq: number;
  icode: string;
  resname: string;
  micro: boolean;
  atoms: Record<string, [number, number, number]>;
}

const SCRIPT = new URL("./structure_biopython_ref.py", import.meta.url).pathname;

/** A python3 that has Biopython, or undefined. */
async function findPython(): Promise<string | undefined> {
  for (const exe of ["python3", "/usr/bin/python3"]) {
    try {
      const out = await new Deno.Command(exe, { args: ["-c", "import Bio.PDB"] }).output();
      if (out.success) return exe;
    } catch {
      // not installed under this name
    }
  }
  return undefined;
}

async function biopython(exe: string, paths: string[]): Promise<RefResidue[][]> {
  const child = new Deno.Command(exe, { args: [SCRIPT], stdin: "piped", stdout: "piped" })
    .spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(paths)));
  await writer.close();
  const out = await child.output();
  assert(out.success, "the Biopython reference script failed");
  const parsed = JSON.parse(new TextDecoder().decode(out.stdout)) as { residues: RefResidue[] }[];
  return parsed.map((f) => f.residues);
}

/** The sample: every mmCIF but the 30 MB ribosome, PDB files with altlocs, insertion codes,
 * microheterogeneity and several models, and an even spread over the rest. */
async function sample(): Promise<string[]> {
  const manifest = await Deno.readTextFile(`${SHARED_DATA}/fullatom/fullatom_manifest.tsv`);
  const files = [...new Set(manifest.trim().split("\n").slice(1).map((l) => l.split("\t")[0]))]
    .sort();
  const cif = files.filter((f) => f.includes(".cif") && !f.includes("6zu5"));
  const forced = [
    "pdb1ejg.pdb.gz", // altlocs and PRO/SER, LEU/ILE microheterogeneity
    "1GVK_B.pdb.gz", // 588 altloc records, insertion codes
    "1GHW_H.pdb.gz", // insertion codes
    "1vii_3frames.pdb.gz", // three models
    "1H8D_H.pdb.gz", // isolated altloc side-chain atoms
    "2ANY_A.pdb.gz",
  ];
  const pdb = files.filter((f) => !f.includes(".cif"));
  const chosen = pdb.filter((f) => forced.some((x) => f.endsWith("/" + x)));
  for (let i = 0; i < pdb.length; i += Math.floor(pdb.length / 14)) chosen.push(pdb[i]);
  return [...new Set([...cif, ...chosen])].map((f) => `${SHARED_DATA}/${f}`);
}

const key = (chain: string, num: number, icode: string) => `${chain}|${num}|${icode}`;

sharedData.test("shared data: PDB and mmCIF coordinates and atoms match Biopython", async () => {
  const exe = await findPython();
  if (!exe) {
    return toolMissing("no python3 with Biopython (apt-get install python3-biopython)");
  }
  const paths = await sample();
  assert(paths.length >= 30, `sample has ${paths.length} files`);
  const reference = await biopython(exe, paths);
  let maxDiff = 0, atoms = 0, residues = 0, micro = 0;
  for (let f = 0; f < paths.length; f++) {
    const path = paths[f];
    const p = await readStructure(path);
    const ref = reference[f];
    const name = path.split("/").pop();
    // Residues: same keys, same order within each chain.
    const ours = p.chainIds.map((c, i) => key(c, p.residueIndex[i], p.insertionCodes![i]));
    const theirs = ref.map((r) => key(r.chain, r.resseq, r.icode));
    const byChain = (keys: string[]) => {
      const m = new Map<string, string[]>();
      for (const k of keys) {
        const c = k.split("|")[0];
        m.set(c, [...(m.get(c) ?? []), k]);
      }
      return Object.fromEntries(m);
    };
    assertEquals(byChain(ours), byChain(theirs), `${name}: residues`);
    const at = new Map(ours.map((k, i) => [k, i]));
    for (const r of ref) {
      // Biopython keeps the LAST residue type at a microheterogeneous position, we keep
      // the higher-occupancy one (documented); their atoms are not comparable.
      if (r.micro) {
        micro++;
        continue;
      }
      const i = at.get(key(r.chain, r.resseq, r.icode))!;
      residues++;
      assertEquals(RESTYPE_3[p.aatype[i]], r.resname, `${name} ${r.chain}${r.resseq}: type`);
      const ourAtoms = ATOM_TYPES.filter((_, a) => p.atomMask[i * ATOM_TYPE_NUM + a] > 0);
      const refAtoms = ATOM_TYPES.filter((a) => a in r.atoms);
      assertEquals(ourAtoms, refAtoms, `${name} ${r.chain}${r.resseq}${r.icode}: atoms`);
      for (const a of refAtoms) {
        const k = i * ATOM_TYPE_NUM + ATOM_TYPES.indexOf(a);
        for (let d = 0; d < 3; d++) {
          maxDiff = Math.max(maxDiff, Math.abs(p.atomPositions[k * 3 + d] - r.atoms[a][d]));
        }
        atoms++;
      }
    }
  }
  console.log(
    `${paths.length} files, ${residues} residues, ${atoms} atoms: max |Δxyz| ${maxDiff} Å ` +
      `(${micro} microheterogeneous residues not compared)`,
  );
  assert(maxDiff <= 1e-3, `max coordinate difference ${maxDiff} Å`);
  assert(atoms > 50000, `only ${atoms} atoms compared`);
});
