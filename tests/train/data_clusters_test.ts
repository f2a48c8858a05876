import { assert, assertEquals } from "../assert.ts";
import { clusterChains } from "../../train/data/clusters.ts";

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
    { key: "fa:1ubi", seq: UBQ, pdb: "1ubi" },
    // 80 % identical to lysozyme: joins LYZ_A (and, through it, nothing else).
    { key: "fa:lyzmut", seq: mutate(LYZ, 5), pdb: "9xyz" },
    // Same PDB entry as fa:lyzmut, unrelated sequence: same cluster (same entry).
    {
      key: "fa:partner",
      seq: "GSHMSEQNNTEMTFQIQRIYTKDISFEAPNAPHVFQKDWQPEVKLDLDTASSQLADDVYEVVLRVTVTASLGEE",
      pdb: "9xyz",
    },
    // Unrelated, alone.
    { key: "fa:alone", seq: "WWWPPPGGGSSSTTTWWWPPPHHHKKKDDDEEE", pdb: "8abc" },
  ];
  const { clusterOf, duplicates } = clusterChains(backbone, fullatom);
  assertEquals([...duplicates], [["bb:ubq", "fa:1ubi"]]);
  assert(!clusterOf.has("bb:ubq"), "duplicate dropped");
  assertEquals(clusterOf.get("fa:1ubi"), "UBQ_A");
  assertEquals(clusterOf.get("bb:ubq2"), "UBQ_A");
  assertEquals(clusterOf.get("fa:lyzmut"), "LYZ_A");
  assertEquals(clusterOf.get("fa:partner"), "LYZ_A");
  // The lysozyme fragment has its own clu30 (LYZ_B) but is linked to the same
  // fullatom chain: the two backbone clusters merge (named by the smaller id).
  assertEquals(clusterOf.get("bb:lyzfrag"), "LYZ_A");
  assertEquals(clusterOf.get("fa:alone"), "fa:alone");
});
