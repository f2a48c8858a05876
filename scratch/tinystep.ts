// Quick A/B probe of the bench-tiny step (wall and CPU, best of N), this checkout.
import { trainBench } from "../bench/train_bench.ts";
const r = await trainBench(7);
console.log(JSON.stringify({ step: r.train_step_tiny_s, cpu: r.train_step_tiny_cpu_s, off: r.train_step_tiny_ort_disabled_s }));
