/**
 * Training-set ablations (the generalization notebook): `train_ids` and
 * `exclude_ids` in the run config restrict the training split and nothing else.
 */
import { Dataset } from "../../train/data/dataset.ts";
import { runConfigSchema } from "../../train/config.ts";
import { trainingChains } from "../../train/af2_task.ts";
import { assert, assertEquals, assertThrows } from "../assert.ts";

const SAMPLE = new URL("../../data/sample", import.meta.url).pathname;

Deno.test("trainingChains: train_ids / exclude_ids restrict the training split of the bundled sample", async () => {
  const ds = await Dataset.open(SAMPLE);
  const train = ds.split("train");
  const cfg = (extra: Record<string, unknown>) => runConfigSchema.parse({ data: SAMPLE, ...extra });
  assert(train.length > 100, `sample train split has ${train.length} chains`);
  // No option: exactly the training split, in order (so existing runs sample as before).
  assertEquals(trainingChains(ds, cfg({})).map((e) => e.key), train.map((e) => e.key));
  // A subset by id, given in another order, keeps dataset order.
  const pick = [train[7].id, train[2].id, train[40].id];
  assertEquals(trainingChains(ds, cfg({ train_ids: pick })).map((e) => e.id), [
    train[2].id,
    train[7].id,
    train[40].id,
  ]);
  // Excluding removes exactly those; a validation chain id in train_ids is not trained on.
  const drop = train.slice(0, 10).map((e) => e.id);
  const kept = trainingChains(ds, cfg({ exclude_ids: drop }));
  assertEquals(kept.length, train.length - 10);
  assert(kept.every((e) => !drop.includes(e.id)), "an excluded chain is still there");
  const val = ds.split("val")[0].id;
  assertEquals(trainingChains(ds, cfg({ train_ids: [val, train[0].id] })).map((e) => e.id), [
    train[0].id,
  ]);
  assertThrows(() => trainingChains(ds, cfg({ train_ids: [val] })), Error, "no training chains");
});
