import { assert, assertEquals } from "../assert.ts";
import { clusterChains } from "../../train/data/clusters.ts";
import { Rng } from "../../model/util/rng.ts";

const UBQ = "MQIFVKTLTGKTITLEVEPSDTIENVKAKIQDKEGIPPDQQRLIFAGKQLEDGRTLSDYNIQKESTLHLVLRLRGG";
// Lysozyme C (P00698 mature chain), unrelated to ubiquitin.
const LYZ =
  "KVFGRCELAAAMKRHGLDNYRGYSLGNWVCAAKFESNFNTQATNRNTDGSTDYGILQINSRWWCNDGRTPGSRNLCNIPCSALLSSDITASVNCAKKIVSDGNGMNAWVAWRNRCKGTDVQAWIRGCRL";

function mutate(seq: string, every: number): string {
  // Deterministic substitutions at every `every`-th residue.
  const aa = "ARNDCQEGHILKMFPSTWYV";
  return [...seq].map((c, i) => i % every === 0 ? aa[(aa.indexOf(c) + 7) % 20] : c).join("");
}

Deno.test("fullatom chains join, merge and deduplicate backbone clusters by sequence", () => {
  const backbone = [
    { key: "bb:ubq", seq: UBQ.slice(2, 70), cluster: "UBQ_A" },
    { key: "bb:ubq2", seq: mutate(UBQ, 10), cluster: "UBQ_A" },
    { key: "bb:lyz", seq: LYZ, cluster: "LYZ_A" },
    { key: "bb:lyzfrag", seq: LYZ.slice(0, 60), cluster: "LYZ_B" },
  ];
  const fullatom = [
    // Contains bb:ubq exactly: duplicate, same cluster.
    { key: "fa:1ubi", seq: UBQ },
    // 80 % identical to lysozyme: joins LYZ_A (and, through it, nothing else).
    { key: "fa:lyzmut", seq: mutate(LYZ, 5) },
    // Same PDB entry as fa:lyzmut, unrelated sequence: its own cluster.
    {
      key: "fa:partner",
      seq: "GSHMSEQNNTEMTFQIQRIYTKDISFEAPNAPHVFQKDWQPEVKLDLDTASSQLADDVYEVVLRVTVTASLGEE",
    },
    // Unrelated, alone.
    { key: "fa:alone", seq: "WWWPPPGGGSSSTTTWWWPPPHHHKKKDDDEEE" },
  ];
  const { clusterOf, duplicates } = clusterChains(backbone, fullatom);
  assertEquals([...duplicates], [["bb:ubq", "fa:1ubi"]]);
  assert(!clusterOf.has("bb:ubq"), "duplicate dropped");
  assertEquals(clusterOf.get("fa:1ubi"), "UBQ_A");
  assertEquals(clusterOf.get("bb:ubq2"), "UBQ_A");
  assertEquals(clusterOf.get("fa:lyzmut"), "LYZ_A");
  assertEquals(clusterOf.get("fa:partner"), "fa:partner");
  // The lysozyme fragment has its own clu30 (LYZ_B) but is linked to the same
  // fullatom chain: the two backbone clusters merge (named by the smaller id).
  assertEquals(clusterOf.get("bb:lyzfrag"), "LYZ_A");
  assertEquals(clusterOf.get("fa:alone"), "fa:alone");
});

Deno.test("chance 3-mer matches with a long chain do not link unrelated chains", () => {
  const rng = new Rng(17);
  const aa = "ARNDCQEGHILKMFPSTWYV";
  const random = (n: number) => Array.from({ length: n }, () => aa[rng.int(20)]).join("");
  // A 1500-residue fullatom chain holds ~17 % of all 8000 3-mers: a 40-residue chain
  // shares ~6.5 of its 38 3-mers with it by chance, above 20 % for many of them.
  const long = { key: "fa:long", seq: random(1500) };
  const backbone = Array.from({ length: 200 }, (_, i) => ({
    key: `bb:${i}`,
    seq: random(40),
    cluster: `C${i}`,
  }));
  const { clusterOf } = clusterChains(backbone, [long]);
  const clusters = new Set(backbone.map((b) => clusterOf.get(b.key)));
  assertEquals(clusters.size, 200, "no two random backbone clusters merged");
  assertEquals(clusterOf.get("fa:long"), "fa:long");
});
