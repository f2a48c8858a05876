import { Dataset } from "../train/data/dataset.ts";
const ds = await Dataset.open("data/sample");
console.log(
  ds.split("val").filter((e) => e.length <= 80).slice(0, 3).map((
    e,
  ) => [e.id, e.key, e.length, e.split]),
);
