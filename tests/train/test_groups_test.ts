/**
 * The test-chain groups of the studies (train/test_groups.ts): class, length
 * and extent boundaries on hand-built chains, means worked out by hand, the
 * extent CSV's errors naming file and line, and the committed `all` arm's
 * breakdown as the README table states it.
 */
import {
  chainClassOf,
  extentBandOf,
  groupMeans,
  lengthBandOf,
  parseExtentCsv,
} from "../../train/test_groups.ts";
import { type ChainMetrics, parseChainsCsv } from "../../train/evaluate.ts";
import { InputError } from "../../model/util/errors.ts";
import { assertAlmostEquals, assertEquals, assertThrows } from "../assert.ts";

const chain = (id: string, length: number, lddt: number, helix: number, strand: number) =>
  ({
    id,
    length,
    observed: length,
    lddt_ca: lddt,
    tm_score: 0,
    gdt_ts: 0,
    rmsd_ca: 0,
    plddt_mean: 0,
    baseline_lddt_ca: 0,
    helix,
    strand,
    coil: 1 - helix - strand,
  }) satisfies ChainMetrics;

Deno.test("test groups: class, length and extent boundaries", () => {
  assertEquals(chainClassOf({ helix: 0.4, strand: 0.09 }), "mostly α");
  assertEquals(chainClassOf({ helix: 0.39, strand: 0.0 }), "mixed");
  assertEquals(chainClassOf({ helix: 0.4, strand: 0.1 }), "mixed");
  assertEquals(chainClassOf({ helix: 0.2, strand: 0.25 }), "mostly β");
  assertEquals(chainClassOf({ helix: 0.3, strand: 0.3 }), "mixed");
  assertEquals([100, 101, 200, 201].map(lengthBandOf), ["≤ 100", "101–200", "101–200", "> 200"]);
  assertEquals([1.04, 1.0401, 1.16, 1.1601].map(extentBandOf), [
    "compact",
    "middle",
    "middle",
    "elongated",
  ]);
});

Deno.test("test groups: means by hand; a chain without extent is in no extent band", () => {
  const rows = [
    chain("a", 80, 0.2, 0.6, 0.0), // α, ≤ 100, compact
    chain("b", 150, 0.4, 0.5, 0.05), // α, 101–200, elongated
    chain("c", 250, 0.1, 0.1, 0.5), // β, > 200, no extent
    chain("d", 90, 0.3, 0.2, 0.2), // mixed, ≤ 100, compact
  ];
  const m = groupMeans(rows, new Map([["a", 1.0], ["b", 1.3], ["d", 0.9]]));
  assertAlmostEquals(m["mostly α"]!.lddt!, 0.3, 1e-12);
  assertEquals(m["mostly α"]!.n, 2);
  assertEquals(m["mostly β"], { n: 1, lddt: 0.1 });
  assertAlmostEquals(m["≤ 100"]!.lddt!, 0.25, 1e-12);
  assertAlmostEquals(m["compact"]!.lddt!, 0.25, 1e-12);
  assertEquals(m["middle"], { n: 0, lddt: null });
  assertEquals(m["elongated"], { n: 1, lddt: 0.4 });
  assertEquals(groupMeans(rows)["compact"], undefined);
});

Deno.test("test groups: the extent CSV's errors name the file and line", () => {
  const head = "id,length,rg,rg_over_globular,effective_dimension\n";
  assertEquals(parseExtentCsv(head + "A,68,10.6,0.971,2.78\n", "x.csv").get("A"), 0.971);
  const e = assertThrows(() => parseExtentCsv(head + "A,1,2,3,4\nB,1,2,oops,4\n", "x.csv"));
  assertEquals(e instanceof InputError, true);
  assertEquals((e as Error).message.startsWith("x.csv:3:"), true);
  assertThrows(() => parseExtentCsv("id,rg\nA,1\n", "y.csv"), InputError, "y.csv:1:");
});

Deno.test("test groups: the committed `all` arm's breakdown (the README table's row)", async () => {
  const studies = new URL("../../notebooks/studies/", import.meta.url).pathname;
  const path = `${studies}generalization/all/test/chains.csv`;
  const rows = parseChainsCsv(await Deno.readTextFile(path), path);
  const extent = parseExtentCsv(
    await Deno.readTextFile(`${studies}test_extent.csv`),
    "test_extent.csv",
  );
  const m = groupMeans(rows, extent);
  const got = (["mostly α", "mostly β", "mixed", "compact", "middle", "elongated"] as const)
    .map((g) => m[g]!.lddt!.toFixed(3));
  assertEquals(got, ["0.205", "0.138", "0.126", "0.129", "0.145", "0.172"]);
  assertEquals([m["mostly α"]!.n, m["mostly β"]!.n, m["mixed"]!.n], [58, 72, 110]);
});
