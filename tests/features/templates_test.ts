import { assert, assertAlmostEquals, assertEquals } from "../assert.ts";
import {
  cropTemplateFeatures,
  emptyTemplateFeatures,
  mmcifDirTemplateReader,
  realignTemplateToChain,
  selectTemplates,
  TEMPLATE_GAP_AATYPE,
  type TemplateFeatures,
  templateFeatures,
  templateHitRejection,
} from "../../model/features/templates.ts";
import type { TemplateHit } from "../../model/features/hhr.ts";
import { readAlignmentDir } from "../../model/features/alignment_dir.ts";
import { parseHhr } from "../../model/features/hhr.ts";
import { Q_2CRB, REPORT } from "./hhr_fixture.ts";
import { readStructure } from "../../model/protein/structure_file.ts";
import { type Protein, selectResidues } from "../../model/protein/protein.ts";
import {
  ATOM_ORDER,
  CHI_ANGLES_ATOMS,
  RESTYPE_3,
  RESTYPES,
} from "../../model/protein/residue_constants.ts";
import { SHARED_DATA, sharedData } from "../shared_data.ts";
import { Rng } from "../../model/util/rng.ts";
import { haveProgram, toolMissing } from "../tools.ts";

const OPENFOLD = `${SHARED_DATA}/msa/openfold`;
const MMCIF_DIR = `${SHARED_DATA}/fullatom/github/aqlaboratory_openfold`;
const { N, CA, C, O, CB } = ATOM_ORDER;

/**
 * Independent reference: a few lines of python reading `_atom_site` by
 * `label_seq_id` (the index into the entity sequence that pdb_seqres hits
 * count in), model 1, one author chain, highest-occupancy N, CA, C per residue.
 * Our reader numbers residues by author numbers and never uses label_seq_id.
 */
const PY_CA_BY_LABEL_SEQ = `
import gzip, json, shlex, sys
path, chain = sys.argv[1], sys.argv[2]
cols, rows, in_loop = [], [], False
for line in gzip.open(path, "rt"):
    if line.startswith("_atom_site."):
        cols.append(line.strip()[len("_atom_site."):]); in_loop = True; continue
    if in_loop:
        if line.startswith(("ATOM", "HETATM")):
            rows.append(shlex.split(line))
        elif cols and rows:
            break
ix = {c: i for i, c in enumerate(cols)}
out = {}
model = None
for r in rows:
    if model is None: model = r[ix["pdbx_PDB_model_num"]]
    if r[ix["pdbx_PDB_model_num"]] != model or r[ix["auth_asym_id"]] != chain: continue
    atom = r[ix["label_atom_id"]]
    if atom not in ("N", "CA", "C") or r[ix["label_seq_id"]] in ".?": continue
    occ = float(r[ix["occupancy"]])
    res = out.setdefault(r[ix["label_seq_id"]], {"res": r[ix["label_comp_id"]]})
    if atom in res and res[atom + "_occ"] >= occ: continue
    res[atom] = [float(r[ix["Cartn_" + a]]) for a in "xyz"]
    res[atom + "_occ"] = occ
out = {k: {"res": v["res"], "ca": v["CA"], "n": v.get("N"), "c": v.get("C")}
       for k, v in out.items() if "CA" in v}
print(json.dumps(out))
`;

/** Why the python reference cannot run here, or "". */
const noPython = haveProgram("/usr/bin/python3")
  ? ""
  : "/usr/bin/python3 is not installed (apt-get install python3)";

async function referenceCa(path: string, chain: string) {
  const out = await new Deno.Command("/usr/bin/python3", {
    args: ["-c", PY_CA_BY_LABEL_SEQ, path, chain],
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout)) as Record<
    string,
    { res: string; ca: number[]; n: number[] | null; c: number[] | null }
  >;
}

/** The dihedral angle (radians) of four points, IUPAC sign convention. */
function dihedral(a: number[], b: number[], c: number[], d: number[]): number {
  const sub = (u: number[], v: number[]) => u.map((x, i) => x - v[i]);
  const cross = (u: number[], v: number[]) => [
    u[1] * v[2] - u[2] * v[1],
    u[2] * v[0] - u[0] * v[2],
    u[0] * v[1] - u[1] * v[0],
  ];
  const dot = (u: number[], v: number[]) => u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
  const b1 = sub(b, a), b2 = sub(c, b), b3 = sub(d, c);
  // atan2(|b2| b1·(b2×b3), (b1×b2)·(b2×b3))
  return Math.atan2(Math.hypot(...b2) * dot(b1, cross(b2, b3)), dot(cross(b1, b2), cross(b2, b3)));
}

/** (c): pseudo-β and torsion masks follow from the atom masks, template by template. */
function checkMasksConsistent(f: TemplateFeatures, t: number, n: number) {
  const m = f.template_all_atom_mask.data, aa = f.template_aatype.data;
  const at = (i: number, a: number) => m[(t * n + i) * 37 + a];
  for (let i = 0; i < n; i++) {
    const a = aa[t * n + i];
    const pbm = f.template_pseudo_beta_mask.data[t * n + i];
    assertEquals(pbm, a === 7 ? at(i, CA) : at(i, CB), `pseudo-beta mask ${i}`);
    const tm = f.template_torsion_angles_mask.data.subarray((t * n + i) * 7, (t * n + i) * 7 + 7);
    const prev = i > 0;
    assertEquals(tm[0], prev ? at(i - 1, CA) * at(i - 1, C) * at(i, N) * at(i, CA) : 0, `ω ${i}`);
    assertEquals(tm[1], prev ? at(i - 1, C) * at(i, N) * at(i, CA) * at(i, C) : 0, `φ ${i}`);
    assertEquals(tm[2], at(i, N) * at(i, CA) * at(i, C) * at(i, O), `ψ ${i}`);
    const chis = a < 20 ? CHI_ANGLES_ATOMS[RESTYPE_3[a]] : [];
    for (let k = 0; k < 4; k++) {
      const want = k < chis.length ? chis[k].reduce((p, x) => p * at(i, ATOM_ORDER[x]), 1) : 0;
      assertEquals(tm[3 + k], want, `χ${k + 1} ${i}`);
    }
  }
}

/**
 * (d): an unmapped position carries no atoms; its type is the gap class, or,
 * aligned to an unobserved template residue, that residue's type (AF2 keeps it).
 */
function checkUnmappedZero(
  f: TemplateFeatures,
  t: number,
  i: number,
  n: number,
  aatype = TEMPLATE_GAP_AATYPE,
) {
  const r = t * n + i;
  assertEquals(f.template_aatype.data[r], aatype, `aatype ${i}`);
  const zero = (x: Float32Array, w: number) => x.subarray(r * w, r * w + w).every((v) => v === 0);
  assert(zero(f.template_all_atom_positions.data, 111), `positions ${i}`);
  assert(zero(f.template_all_atom_mask.data, 37), `atom mask ${i}`);
  assert(zero(f.template_torsion_angles_sin_cos.data, 14), `sin/cos ${i}`);
  assert(zero(f.template_alt_torsion_angles_sin_cos.data, 14), `alt sin/cos ${i}`);
  assert(zero(f.template_torsion_angles_mask.data, 7), `torsion mask ${i}`);
  assert(zero(f.template_pseudo_beta.data, 3), `pseudo-beta ${i}`);
  assertEquals(f.template_pseudo_beta_mask.data[r], 0);
}

/** The chain without residues `from..to` (0-based, inclusive): an unobserved loop. */
function dropResidues(p: Protein, from: number, to: number): Protein {
  return selectResidues(p, Array.from(p.aatype.keys()).filter((i) => i < from || i > to));
}

// [query, hit, label_seq_id range to treat as unobserved (realignment across a gap)]
const REAL_CASES: [string, string, [number, number]?][] = [
  ["4i6p_A", "3zee_A"],
  ["3zee_A", "4i6p_A"],
  ["4zey_A", "2crb_A"],
  ["4i6p_A", "3zee_A", [31, 36]],
  ["4zey_A", "2crb_A", [40, 52]],
];

for (const [queryId, templateId, unobserved] of REAL_CASES) {
  const loop = unobserved ? `, residues ${unobserved.join("-")} unobserved,` : "";
  sharedData.test(
    `shared data: template features of ${queryId} from its hmmsearch hit ${templateId}${loop} match the mmCIF by label_seq_id`,
    async () => {
      if (noPython) return toolMissing(noPython);
      const { query, hmmsearchHits } = await readAlignmentDir(OPENFOLD, queryId);
      const hit = hmmsearchHits!.find((h) => h.name === templateId)!;
      assert(hit, `no ${templateId} hit`);
      const [pdb, chain] = templateId.split("_");
      const path = `${MMCIF_DIR}/${pdb}.cif.gz`;
      const reads: string[] = [];
      const ref = await referenceCa(path, chain);
      const observedInFile = Object.keys(ref).length;
      // The residues made unobserved keep their type in the features (AF2 takes it from SEQRES).
      const removed = new Map<number, string>();
      if (unobserved) {
        for (let k = unobserved[0]; k <= unobserved[1]; k++) {
          removed.set(k, ref[String(k)].res);
          delete ref[String(k)];
        }
      }
      // 4i6p and 3zee are the same domain: 4i6p_A's 3zee_A hit is a query substring
      // covering 98.8 % of 3zee_A, a duplicate AF2 drops; allow it to check the mapping.
      const duplicate = queryId === "3zee_A";
      assertEquals(
        templateHitRejection(query, hit)?.includes("exact subsequence") ?? false,
        duplicate,
      );
      const { features: f, used, skipped } = await templateFeatures(
        query,
        [hit],
        (
          id,
          ch,
        ) => (reads.push(`${id}_${ch}`),
          readStructure(`${MMCIF_DIR}/${id}.cif.gz`, { chains: [ch] }).then((p) => {
            if (!unobserved) return p;
            // NMR entries: every residue observed, chain index = label_seq_id - 1.
            assertEquals(p.aatype.length, observedInFile);
            return dropResidues(p, unobserved[0] - 1, unobserved[1] - 1);
          })),
        { maxTemplates: 2, maxSubsequenceRatio: duplicate ? 1 : undefined },
      );
      assertEquals(skipped, []);
      assertEquals(reads, [templateId]);
      const n = query.length;
      assertEquals(f.template_aatype.shape, [2, n]);
      assertEquals(f.template_all_atom_positions.shape, [2, n, 37, 3]);
      assertEquals(f.template_torsion_angles_sin_cos.shape, [2, n, 7, 2]);
      assertEquals(Array.from(f.template_mask.data), [1, 0]);
      // (a), (b): every query residue the hit aligns to an observed template residue
      // has that residue's CA and type; the rest are unmapped.
      const expected = new Map<number, { res: string; ca: number[] }>();
      const unobservedType = new Map<number, number>();
      hit.indicesQuery.forEach((q, c) => {
        const t = hit.indicesHit[c];
        if (q >= 0 && t >= 0 && ref[String(t + 1)]) expected.set(q, ref[String(t + 1)]);
        const gone = q >= 0 && t >= 0 ? removed.get(t + 1) : undefined;
        if (gone) {
          unobservedType.set(
            q,
            (RESTYPE_3 as readonly string[]).indexOf(gone === "MSE" ? "MET" : gone),
          );
        }
      });
      if (unobserved) assert(unobservedType.size > 0, "the hit aligns query residues to the loop");
      assert(expected.size > 40, `${expected.size} mapped residues`);
      if (unobserved) assert(hit.indicesHit.includes(unobserved[0] - 1), "the loop is in the hit");
      assertEquals(used, [{ name: templateId, index: hit.index, mappedResidues: expected.size }]);
      let maxErr = 0;
      for (let q = 0; q < n; q++) {
        const e = expected.get(q);
        if (!e) {
          checkUnmappedZero(f, 0, q, n, unobservedType.get(q));
          continue;
        }
        assertEquals(RESTYPE_3[f.template_aatype.data[q]], e.res === "MSE" ? "MET" : e.res);
        assertEquals(f.template_all_atom_mask.data[q * 37 + CA], 1);
        for (let k = 0; k < 3; k++) {
          const err = Math.abs(f.template_all_atom_positions.data[(q * 37 + CA) * 3 + k] - e.ca[k]);
          maxErr = Math.max(maxErr, err);
        }
      }
      assert(maxErr < 1e-3, `max CA error ${maxErr}`);
      // φ of a residue whose predecessor maps to the preceding template residue
      // equals the reference dihedral C(t-1), N(t), CA(t), C(t).
      let phiChecked = 0, phiErr = 0;
      hit.indicesQuery.forEach((q, c) => {
        const t = hit.indicesHit[c];
        if (c === 0 || q < 1 || t < 1 || hit.indicesQuery[c - 1] !== q - 1) return;
        if (hit.indicesHit[c - 1] !== t - 1) return;
        const prev = ref[String(t)], cur = ref[String(t + 1)];
        if (!prev?.c || !cur?.n || !cur.c) return;
        assertEquals(f.template_torsion_angles_mask.data[q * 7 + 1], 1);
        const phi = dihedral(prev.c, cur.n, cur.ca, cur.c);
        const sc = f.template_torsion_angles_sin_cos.data.subarray((q * 7 + 1) * 2);
        phiErr = Math.max(phiErr, Math.abs(sc[0] - Math.sin(phi)), Math.abs(sc[1] - Math.cos(phi)));
        phiChecked++;
      });
      assert(phiChecked > 30, `${phiChecked} φ checked`);
      assert(phiErr < 1e-3, `max φ sin/cos error ${phiErr}`);
      console.log(
        `${queryId} <- ${templateId}${
          loop.replace(/,$/, "")
        }: ${expected.size}/${n} residues mapped, max CA error ` +
          `${maxErr.toExponential(1)} Å, ${phiChecked} φ within ${phiErr.toExponential(1)}`,
      );
      checkMasksConsistent(f, 0, n);
      checkMasksConsistent(f, 1, n);
      for (let q = 0; q < n; q++) checkUnmappedZero(f, 1, q, n);
    },
  );
}

sharedData.test("shared data: 2crb_A's hits on 5kc1 are skipped: no chain of 5kc1 observes the hit residues", async () => {
  if (noPython) return toolMissing(noPython);
  const { query, hmmsearchHits } = await readAlignmentDir(OPENFOLD, "2crb_A");
  const hits = hmmsearchHits!.filter((h) => h.name.startsWith("5kc1_"));
  assertEquals(hits.length, 12);
  const path = `${MMCIF_DIR}/5kc1.cif.gz`;
  for (const hit of hits) {
    // The reference agrees: no CA at any label_seq_id the hit aligns.
    const ref = await referenceCa(path, hit.name.split("_")[1]);
    assert(Object.keys(ref).length > 20, hit.name);
    assert(hit.indicesHit.every((t) => t < 0 || !ref[String(t + 1)]), hit.name);
  }
  const { features: f, used, skipped } = await templateFeatures(
    query,
    hits,
    mmcifDirTemplateReader(MMCIF_DIR),
    { maxTemplates: 1 },
  );
  assertEquals(used, []);
  assertEquals(skipped.map((s) => s.name), hits.map((h) => h.name));
  assert(skipped.every((s) => s.reason.includes("observed")), skipped[0].reason);
  assertEquals(Array.from(f.template_mask.data), [0]);
});

sharedData.test("shared data: an hhsearch report (2crb_A vs 4zey_A, 2q2k_A): best sum_probs first, missing entries skipped, 2q2k placed by label_seq_id", async () => {
  if (noPython) return toolMissing(noPython);
  const { hits } = parseHhr(REPORT, "hhr_fixture");
  // Reverse the report order: sorting by Sum_probs must restore 4zey_A (78.9) first.
  const reads: string[] = [];
  const { features: f, used, skipped } = await templateFeatures(
    Q_2CRB,
    [...hits].reverse(),
    (
      id,
      ch,
    ) => (reads.push(`${id}_${ch}`), readStructure(`${MMCIF_DIR}/${id}.cif.gz`, { chains: [ch] })),
    { maxTemplates: 4 },
  );
  assertEquals(reads, ["4zey_A", "2q2k_A"]); // 4zey is not in the test folder
  assertEquals(skipped.map((s) => s.name), ["4zey_A"]);
  assertEquals(used.map((u) => u.name), ["2q2k_A"]);
  assertEquals(Array.from(f.template_mask.data), [1, 0, 0, 0]);
  // The report numbers 2q2k_A's residues in its HMM's query, the entity sequence.
  const hit = hits[1];
  const ref = await referenceCa(`${MMCIF_DIR}/2q2k.cif.gz`, "A");
  let mapped = 0;
  const n = Q_2CRB.length;
  hit.indicesQuery.forEach((q, c) => {
    const t = hit.indicesHit[c];
    const e = q >= 0 && t >= 0 ? ref[String(t + 1)] : undefined;
    if (!e) return;
    assertEquals(RESTYPE_3[f.template_aatype.data[q]], e.res);
    for (let k = 0; k < 3; k++) {
      assertAlmostEquals(f.template_all_atom_positions.data[(q * 37 + CA) * 3 + k], e.ca[k], 1e-3);
    }
    mapped++;
  });
  assertEquals(used[0].mappedResidues, mapped);
  assert(mapped >= 15, `${mapped} mapped`);
  checkMasksConsistent(f, 0, n);
  // A crop of 40 residues around the hit, padded to 64: rows follow the indices, padding is 0.
  const crop = Int32Array.from({ length: 40 }, (_, i) => 30 + i);
  const c = cropTemplateFeatures(f, crop, 64);
  assertEquals(c.template_all_atom_positions.shape, [4, 64, 37, 3]);
  assertEquals(c.template_mask.shape, [4]);
  for (let i = 0; i < 64; i++) {
    const src = i < 40 ? crop[i] : -1;
    assertEquals(c.template_aatype.data[i], src < 0 ? 0 : f.template_aatype.data[src]);
    assertEquals(
      c.template_pseudo_beta_mask.data[i],
      src < 0 ? 0 : f.template_pseudo_beta_mask.data[src],
    );
    for (let k = 0; k < 14; k++) {
      assertEquals(
        c.template_torsion_angles_sin_cos.data[i * 14 + k],
        src < 0 ? 0 : f.template_torsion_angles_sin_cos.data[src * 14 + k],
      );
    }
  }
});

sharedData.test("shared data: the mmCIF-directory reader gives each chain as readStructure does, and rejects unknown entries", async () => {
  const read = mmcifDirTemplateReader(MMCIF_DIR);
  for (const chain of ["A", "F", "L"]) {
    const ours = await read("5kc1", chain);
    const direct = await readStructure(`${MMCIF_DIR}/5kc1.cif.gz`, { chains: [chain] });
    assertEquals(ours.aatype, direct.aatype);
    assertEquals(ours.residueIndex, direct.residueIndex);
    assertEquals(ours.atomPositions, direct.atomPositions);
    assertEquals(ours.atomMask, direct.atomMask);
    assertEquals(ours.chainIds, direct.chainIds);
  }
  let error = "";
  await read("4zey", "A").catch((e) => (error = String(e)));
  assert(error.includes("no mmCIF file for 4zey"), error);
  error = "";
  await read("5kc1", "Z").catch((e) => (error = String(e)));
  assert(error.includes("no protein chain Z"), error);
});

sharedData.test("shared data: every hmmsearch hit of every OpenFold chain is used or skipped with a reason", async () => {
  const read = mmcifDirTemplateReader(MMCIF_DIR);
  const counts = new Map<string, number>();
  let usedTotal = 0;
  for (
    const id of ["1hf9_A", "1psm_A", "2crb_A", "3u8v_A", "3zee_A", "4i6p_A", "4zey_A", "5kc1_A"]
  ) {
    const { query, hmmsearchHits } = await readAlignmentDir(OPENFOLD, id);
    const hits = hmmsearchHits!;
    const T = 4;
    const { features: f, used, skipped } = await templateFeatures(query, hits, read, {
      maxTemplates: T,
      queryPdbId: id.slice(0, 4),
    });
    // Hits are taken in order until T are found: everything before the last used is accounted for.
    const seen = used.length + skipped.length;
    assert(seen === hits.length || used.length === T, `${id}: ${seen} of ${hits.length}`);
    for (const s of skipped) {
      const kind = s.reason.replace(/\d+(\.\d+)?/g, "#").replace(/^cannot read.*/, "cannot read");
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    assert(!used.some((u) => u.name.startsWith(id.slice(0, 4))), `${id} used itself`);
    for (let t = 0; t < T; t++) {
      checkMasksConsistent(f, t, query.length);
      assertEquals(f.template_mask.data[t], t < used.length ? 1 : 0);
    }
    usedTotal += used.length;
  }
  console.log(
    `${usedTotal} templates used; skipped: ${JSON.stringify(Object.fromEntries(counts))}`,
  );
  assert(usedTotal >= 3, `${usedTotal} used`);
  assert((counts.get("hit is the query's own entry") ?? 0) > 0);
});

/** A small chain: residues with distinct coordinates, author numbers given. */
function smallChain(seq: string, numbers: number[]): Protein {
  const L = seq.length;
  const p: Protein = {
    aatype: Int32Array.from(seq, (c) => RESTYPES.indexOf(c)),
    atomPositions: new Float32Array(L * 111),
    atomMask: new Float32Array(L * 37),
    residueIndex: Int32Array.from(numbers),
    chainIds: Array(L).fill("A"),
    bFactors: new Float32Array(L * 37),
  };
  for (let r = 0; r < L; r++) {
    for (const [a, dx] of [[N, -1.2], [CA, 0], [C, 1.3], [O, 1.9], [CB, 0.4]]) {
      p.atomMask[r * 37 + a] = 1;
      p.atomPositions.set(
        [3.8 * r + dx, a === O ? 1.1 : a === CB ? -1.3 : 0, 0.1 * a],
        (r * 37 + a) * 3,
      );
    }
  }
  return p;
}

function hitOf(name: string, query: string, hitSequence: string, qStart: number, tStart: number) {
  const idx = (s: string, start: number) => {
    let k = start;
    return [...s].map((ch) => (ch === "-" ? -1 : k++));
  };
  const indicesQuery = idx(query, qStart), indicesHit = idx(hitSequence, tStart);
  const paired = indicesQuery.filter((q, c) => q >= 0 && indicesHit[c] >= 0).length;
  return {
    index: 1,
    name,
    probability: 99,
    eValue: 1e-10,
    alignedCols: paired,
    sumProbs: 50,
    queryStart: qStart + 1,
    queryEnd: 0,
    templateStart: tStart + 1,
    templateEnd: 0,
    templateLength: 100,
    query,
    hitSequence,
    indicesQuery,
    indicesHit,
  } satisfies TemplateHit;
}

Deno.test("templates: a hand-made hit with gaps on both sides and an unobserved template residue", async () => {
  // Template full sequence MKTAYIAKQERW (0..11); residue 6 (A) is unobserved, so
  // the chain holds MKTAYI numbered 1..6 and KQERW numbered 8..12.
  const chain = smallChain("MKTAYIKQERW", [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12]);
  const query = "GGKTAYLIAKQRWGG";
  // query  K T A Y L I A K Q - R W   (query residues 2..12)
  // templ  K T A Y - I A K Q E R W   (template residues 1..11)
  const hit = hitOf("1abc_A test", "KTAYLIAKQ-RW", "KTAY-IAKQERW", 2, 1);
  const { features: f, used } = await templateFeatures(
    query,
    [hit],
    () => Promise.resolve(chain),
    { maxTemplates: 1 },
  );
  const n = query.length;
  // query residue -> chain residue; 6 faces a template gap, 8 an unobserved residue
  // (an A: AF2 gives it the template residue's type, no atoms).
  const want = new Map([[2, 1], [3, 2], [4, 3], [5, 4], [7, 5], [9, 6], [10, 7], [11, 9], [
    12,
    10,
  ]]);
  assertEquals(used, [{ name: "1abc_A test", index: 1, mappedResidues: want.size }]);
  for (let i = 0; i < n; i++) {
    const r = want.get(i);
    if (r === undefined) {
      checkUnmappedZero(f, 0, i, n, i === 8 ? RESTYPES.indexOf("A") : TEMPLATE_GAP_AATYPE);
      continue;
    }
    assertEquals(f.template_aatype.data[i], chain.aatype[r], `aatype ${i}`);
    assertAlmostEquals(f.template_all_atom_positions.data[(i * 37 + CA) * 3], 3.8 * r, 1e-5);
    assertEquals(f.template_pseudo_beta_mask.data[i], 1);
    assertAlmostEquals(f.template_pseudo_beta.data[i * 3], 3.8 * r + 0.4, 1e-5);
  }
  checkMasksConsistent(f, 0, n);
  // ω is defined at 3 (residue 2 mapped), not at 7 (residue 6 unmapped).
  assertEquals(f.template_torsion_angles_mask.data[3 * 7 + 0], 1);
  assertEquals(f.template_torsion_angles_mask.data[7 * 7 + 0], 0);
});

Deno.test("templates: realignment places a stretch with unknown letters across an unobserved loop", () => {
  // Full sequence ACDEFGHIKLMNPQ; observed chain lacks G H I (numbering jumps 5 -> 9).
  const seg = [..."CDEFGHIKLMN"].map((c, i) => (i === 7 ? undefined : c)); // K unknown
  const { map, identity } = realignTemplateToChain(seg, "ACDEFKLMNPQ", [
    1,
    2,
    3,
    4,
    5,
    9,
    10,
    11,
    12,
    13,
    14,
  ]);
  assertEquals(Array.from(map), [1, 2, 3, 4, -1, -1, -1, 5, 6, 7, 8]);
  assertEquals(identity, 1);
  // Exact placement, also with unknown letters; a repeat is placed at its first copy.
  assertEquals(Array.from(realignTemplateToChain([..."FKL"], "ACDEFKLMNPQ").map), [4, 5, 6]);
  const withUnknown = ["K", undefined, "M", undefined];
  const placed = realignTemplateToChain(withUnknown, "AKLMNKAMP");
  assertEquals(Array.from(placed.map), [1, 2, 3, 4]);
  assertEquals(placed.knownPairs, 2);
  // A stretch that matches nowhere is not forced onto the chain.
  const none = realignTemplateToChain([..."WWWWW"], "ACDEFKLMNPQ");
  assertEquals(none.knownPairs, 0);
  assert(none.map.every((j) => j === -1));
});

Deno.test("templates: AF2's prefilter and skipped hits; padding when no hit is usable", async () => {
  const query = "MKTAYIAKQRQISFVKSHFSRQ"; // 22
  const ok = hitOf("2xyz_B", "KTAYIAKQRQIS", "KTAYIAKQRAIS", 1, 0);
  assertEquals(templateHitRejection(query, ok), undefined);
  const tiny = hitOf("2xyz_B", "KT", "KT", 1, 0);
  assert(templateHitRejection(query, tiny)!.includes("too small"));
  const dup = hitOf("2xyz_B", query, query, 0, 0);
  assert(templateHitRejection(query, dup)!.includes("exact subsequence"));
  const short = hitOf("2xyz_B", "KTAYIAKQ", "KTAYIAKQ", 1, 0);
  assert(templateHitRejection(query, short)!.includes("too short"));
  assert(templateHitRejection(query, ok, { queryPdbId: "2XYZ" })!.includes("own entry"));
  const { features: f, used, skipped } = await templateFeatures(
    query,
    [tiny, ok],
    () => Promise.reject(new Error("no such file")),
    { maxTemplates: 3 },
  );
  assertEquals(used, []);
  assertEquals(skipped.length, 2);
  assert(skipped[1].reason.includes("no such file"));
  assertEquals(Array.from(f.template_mask.data), [0, 0, 0]);
  assert(f.template_aatype.data.every((a) => a === TEMPLATE_GAP_AATYPE));
  assert(f.template_all_atom_mask.data.every((v) => v === 0));
});

Deno.test("templates: selectTemplates keeps the best first at inference, and in training a random subset of random size 0..4 (AF2 1.2.3)", () => {
  const have = 6, n = 5;
  const f = emptyTemplateFeatures(have + 1, n);
  for (let k = 0; k < have; k++) {
    f.template_mask.data[k] = 1;
    f.template_aatype.data.fill(k, k * n, (k + 1) * n);
    f.template_pseudo_beta.data.fill(k + 0.5, k * n * 3, (k + 1) * n * 3);
  }
  const rows = (g: TemplateFeatures) =>
    Array.from(
      { length: 4 },
      (_, k) => g.template_mask.data[k] ? g.template_aatype.data[k * n] : -1,
    );
  assertEquals(rows(selectTemplates(f, 4)), [0, 1, 2, 3]);
  const sizes = new Map<number, number>();
  const firsts = new Set<number>();
  for (let s = 0; s < 400; s++) {
    const g = selectTemplates(f, 4, new Rng(s));
    const r = rows(g);
    const real = r.filter((x) => x >= 0);
    // Real templates first, distinct, each with its own rows of every feature.
    assertEquals(r, [...real, ...Array(4 - real.length).fill(-1)]);
    assertEquals(new Set(real).size, real.length);
    real.forEach((src, k) => {
      assert(g.template_aatype.data.subarray(k * n, (k + 1) * n).every((x) => x === src));
      assert(
        g.template_pseudo_beta.data.subarray(k * n * 3, (k + 1) * n * 3).every((x) =>
          x === src + 0.5
        ),
      );
    });
    sizes.set(real.length, (sizes.get(real.length) ?? 0) + 1);
    if (real.length) firsts.add(real[0]);
  }
  // Sizes uniform over 0..4 (80 expected each), any candidate may come first.
  assertEquals([...sizes.keys()].sort(), [0, 1, 2, 3, 4]);
  for (const c of sizes.values()) assert(c > 50 && c < 115, `sizes ${[...sizes]}`);
  assertEquals([...firsts].sort(), [0, 1, 2, 3, 4, 5]);
});
