import { modelConfig } from "/work/main/model/af2/config.ts";
import { zeroRecycled } from "/work/main/model/af2/recycling.ts";
import { af2Plan } from "/work/main/model/exec/plan.ts";
import { Executor } from "/work/main/model/exec/executor.ts";
import { dropoutStream } from "/work/main/model/exec/dropout.ts";
import { initParams } from "/work/main/model/nn/init.ts";
import { Rng } from "/work/main/model/util/rng.ts";
import { lossConfig } from "/work/main/model/losses/config.ts";
import { benchExample } from "/work/main/bench/tiny_batch.ts";
const cfg = modelConfig("bench_tiny", { evoformer: { no_blocks: 3 } });
const ex = await benchExample(32, 8, 16);
const loss = lossConfig("initial");
const ex2 = await Promise.all(
  (["single", "blocks"] as const).map((kind) =>
    Executor.create(af2Plan(cfg, ex.dims, { kind, loss }))
  ),
);
const feeds = { ...ex.feeds, ...zeroRecycled(cfg, ex.dims.nRes) };
const params = initParams(ex2[0].params, 3);
const rng = new Rng(5);
for (const v of params.values()) {
  if (v.every((x) => x === 0)) {
    for (let i = 0; i < v.length; i++) v[i] = 0.02 * (rng.float() - 0.5);
  }
}
const seed = Number(Deno.args[0] ?? 7);
const gs = [];
for (const e of ex2) {
  const flat = new Float32Array(e.size);
  const r = await e.gradient(params, feeds, dropoutStream(seed, 1, 0), flat);
  console.log(r.loss);
  const m = new Map();
  let at = 0;
  for (const p of e.params) {
    const n = p.shape.reduce((a, b) => a * b, 1);
    m.set(p.name, flat.subarray(at, at + n));
    at += n;
  }
  gs.push(m);
}
const rows = [];
for (const [k, a] of gs[0]) {
  const b = gs[1].get(k);
  let e = 0, s = 0;
  for (let i = 0; i < a.length; i++) {
    e = Math.max(e, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(a[i]));
  }
  rows.push([e / (s || 1), k, s]);
}
rows.sort((x, y) => y[0] - x[0]);
console.log(rows.slice(0, 15));
