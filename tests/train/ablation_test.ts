/**
 * The generalisation study's training sets (train/ablation.ts) on the bundled
 * sample: subsets are whole 30 %-identity clusters, omission arms hold no chain
 * of the omitted class (by the corpus's own DSSP), controls match their arm's
 * size, and the arms are a pure function of the seed.
 */
import { Dataset } from "../../train/data/dataset.ts";
import {
  ablationArms,
  drawByCluster,
  mostlyAlpha,
  mostlyBeta,
  trainingPool,
} from "../../train/ablation.ts";
import { Rng } from "../../model/util/rng.ts";
import { assert, assertEquals } from "../assert.ts";

const same = (a: string[], b: string[]) => JSON.stringify(a) === JSON.stringify(b);

const DATA = new URL("../../data/sample", import.meta.url).pathname;

Deno.test("ablation arms: whole clusters, omitted classes absent, controls of equal size, seeded", async () => {
  const ds = await Dataset.open(DATA);
  const pool = await trainingPool(ds, `${DATA}/backbone/pm3_backbone.jsonl.gz`);
  assert(pool.ids.length > 100, `pool of ${pool.ids.length}`);
  assert(pool.ids.every((id) => ds.split("train").some((e) => e.id === id)));
  const arms = ablationArms(pool, { sizes: [100, 50], omit: ["strand", "helix"], seed: 3 });
  assertEquals(arms.map((a) => a.name), [
    "all",
    "size_100",
    "size_50",
    "no_beta",
    "no_beta_control",
    "no_alpha",
    "no_alpha_control",
  ]);
  const byName = new Map(arms.map((a) => [a.name, a]));
  for (const n of [100, 50]) {
    const ids = byName.get(`size_${n}`)!.ids;
    assert(ids.length >= n, `size_${n}: ${ids.length}`);
    const taken = new Set(ids.map((id) => pool.cluster.get(id)));
    // Whole clusters: every pool chain of a taken cluster is in the set.
    for (const id of pool.ids) {
      if (taken.has(pool.cluster.get(id))) {
        assert(ids.includes(id), `${id} left out of its cluster`);
      }
    }
  }
  const noBeta = byName.get("no_beta")!.ids, noAlpha = byName.get("no_alpha")!.ids;
  assert(noBeta.every((id) => !mostlyBeta(pool.ss.get(id)!)));
  assert(noAlpha.every((id) => !mostlyAlpha(pool.ss.get(id)!)));
  const betas = pool.ids.filter((id) => mostlyBeta(pool.ss.get(id)!)).length;
  assert(betas > 0 && noBeta.length === pool.ids.length - betas);
  assertEquals(byName.get("no_beta_control")!.ids.length, noBeta.length);
  assertEquals(byName.get("no_alpha_control")!.ids.length, noAlpha.length);
  assert(!same(byName.get("no_beta_control")!.ids, noBeta), "the control is the omission arm");
  // Seeded: the same arms again, others with another seed.
  const again = ablationArms(pool, { sizes: [100, 50], omit: ["strand", "helix"], seed: 3 });
  assertEquals(again, arms);
  assert(
    !same(
      drawByCluster(pool.ids, pool.cluster, 50, new Rng(4)),
      drawByCluster(pool.ids, pool.cluster, 50, new Rng(5)),
    ),
    "two seeds drew the same clusters",
  );
});
