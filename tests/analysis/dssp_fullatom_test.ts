import { assert } from "../assert.ts";
import { SHARED_DATA, sharedData } from "../shared_data.ts";
import { dssp, dsspProtein } from "../../analysis/dssp.ts";
import { proteinBackbone } from "../../analysis/protein_coords.ts";
import { parseClassicDssp } from "../../analysis/dssp_classic.ts";
import { readText } from "../../model/io/text.ts";
import { parsePdb, parsePdbRecords } from "../../model/protein/pdb.ts";
import { parseMmcif, parseMmcifRecords } from "../../model/protein/mmcif.ts";
import type { Protein } from "../../model/protein/protein.ts";
import type { AtomRecord } from "../../model/protein/structure_select.ts";

const REF = `${SHARED_DATA}/dssp_ref`;

/**
 * The structure a reference .dssp file was computed from, if it is in fullatom/,
 * with its atom records (to see where alternate locations are).
 */
async function structureFor(name: string): Promise<{ p: Protein; records: AtomRecord[] } | null> {
  const cif = `${SHARED_DATA}/fullatom/github/aqlaboratory_openfold/${name}.cif.gz`;
  const pdb = `${SHARED_DATA}/fullatom/github/Kortemme-Lab_covariation/${name}.pdb.gz`;
  for (const path of [cif, pdb]) {
    try {
      await Deno.stat(path);
    } catch {
      continue;
    }
    const text = await readText(path);
    return path === cif
      ? { p: parseMmcif(text, { file: path }), records: parseMmcifRecords(text, path).records }
      : { p: parsePdb(text, { file: path }), records: parsePdbRecords(text, path).records };
  }
  return null;
}

/** Residues (chain/number+icode) with an alternate location on a backbone atom. */
function backboneAltlocs(records: readonly AtomRecord[]): Set<string> {
  const out = new Set<string>();
  for (const r of records) {
    if (r.altLoc !== "" && ["N", "CA", "C", "O"].includes(r.atomName)) {
      out.add(`${r.chain}/${r.resSeq}${r.iCode}`);
    }
  }
  return out;
}

sharedData.test("shared data: DSSP matches mkdssp 4.2.2's .dssp files for the OpenFold mmCIFs and Pfam domains", async () => {
  const names = [...Deno.readDirSync(REF)].map((e) => e.name).filter((n) => n.endsWith(".dssp.gz"))
    .map((n) => n.replace(/\.dssp\.gz$/, "")).sort();
  let total = 0, same = 0, files = 0;
  const missing: string[] = [], perFile: string[] = [];
  for (const name of names) {
    const found = await structureFor(name);
    if (found === null) {
      missing.push(name);
      continue;
    }
    const p = found.p;
    const ref = parseClassicDssp(await readText(`${REF}/${name}.dssp.gz`), `${name}.dssp.gz`);
    const ours = dsspProtein(p);
    const byKey = new Map<string, string>();
    for (let i = 0; i < p.aatype.length; i++) {
      if (!ours.assigned[i]) continue;
      byKey.set(`${p.chainIds[i]}/${p.residueIndex[i]}${p.insertionCodes?.[i] ?? ""}`, ours.ss[i]);
    }
    let t = 0, s = 0;
    for (const r of ref) {
      const got = byKey.get(`${r.chain}/${r.resNum}${r.insCode}`);
      assert(
        got !== undefined,
        `${name}: residue ${r.chain}${r.resNum}${r.insCode} of mkdssp not assigned`,
      );
      t++;
      if (got === r.ss) s++;
    }
    assert(byKey.size === t, `${name}: we assign ${byKey.size} residues, mkdssp ${t}`);
    if (s < t) perFile.push(`${name} ${s}/${t}`);
    total += t;
    same += s;
    files++;
  }
  const pct = (100 * same) / total;
  console.log(
    `DSSP vs mkdssp 4.2.2 (.dssp files): ${files} structures, ${same}/${total} residues = ` +
      `${pct.toFixed(3)} %; imperfect: ${perFile.join(", ") || "none"}. ` +
      `No structure in fullatom/ for: ${missing.join(", ")}. ` +
      "(Differences come from alternate locations of equal occupancy: the reader keeps the " +
      "first, mkdssp another.)",
  );
  assert(files >= 40, `only ${files} structures compared`);
  assert(pct >= 99, `agreement ${pct} % < 99 %`);
});

sharedData.test("shared data: H-bond partners/energies and φ, ψ, κ match the columns of mkdssp's .dssp files", async () => {
  const names = [...Deno.readDirSync(REF)].map((e) => e.name).filter((n) => n.endsWith(".dssp.gz"))
    .map((n) => n.replace(/\.dssp\.gz$/, "")).sort();
  let bonds = 0, bondsSame = 0, angles = 0, anglesSame = 0, skipped = 0;
  for (const name of names) {
    const found = await structureFor(name);
    if (found === null) continue;
    const ref = parseClassicDssp(await readText(`${REF}/${name}.dssp.gz`), name);
    const r = dssp(proteinBackbone(found.p));
    // Our residue order is mkdssp's; serial numbers skip one at each break.
    const serialToIndex = new Map(ref.map((x, k) => [x.serial, k]));
    // Where a backbone atom has alternate locations the reader and mkdssp may keep
    // different ones: leave out residues within 2 of such a residue.
    const alt = backboneAltlocs(found.records);
    const near = ref.map((_, k) =>
      ref.slice(Math.max(0, k - 2), k + 3).some((y) =>
        alt.has(`${y.chain}/${y.resNum}${y.insCode}`)
      )
    );
    ref.forEach((x, k) => {
      if (near[k]) {
        skipped++;
        return;
      }
      for (const [ours, theirs] of [[r.phi[k], x.phi], [r.psi[k], x.psi], [r.kappa[k], x.kappa]]) {
        angles++;
        // mkdssp prints one decimal of a single-precision value: allow one unit.
        const d = Math.abs(ours - theirs);
        if (Math.min(d, 360 - d) <= 0.1001) anglesSame++;
      }
      x.nho.forEach(([offset, energy], slot) => {
        if (energy === 0) return;
        const partner = serialToIndex.get(x.serial + offset);
        if (partner === undefined || near[partner]) return;
        bonds++;
        const err = Math.abs(r.hbonds.nhoEnergy[2 * k + slot] - energy);
        if (r.hbonds.nhoPartner[2 * k + slot] === partner && err <= 0.0501) bondsSame++;
      });
    });
  }
  const bondPct = (100 * bondsSame) / bonds, anglePct = (100 * anglesSame) / angles;
  console.log(
    `vs mkdssp columns: N-H-->O bonds ${bondsSame}/${bonds} (${bondPct.toFixed(3)} %), ` +
      `φ/ψ/κ ${anglesSame}/${angles} (${anglePct.toFixed(3)} %) within print rounding ` +
      `(${skipped} residues near backbone alternate locations left out)`,
  );
  assert(bondPct >= 99.9, `bonds ${bondPct} %`);
  assert(anglePct >= 99.9, `angles ${anglePct} %`);
});
