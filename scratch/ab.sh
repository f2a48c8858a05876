#!/bin/bash
# Interleaved A/B of the bench's train and evoformer sections: before (3837ae4) and after (main).
for i in 1 2; do
  for w in wt-before main; do
    echo "== $w round $i $(date +%T) load $(cut -d' ' -f1 /proc/loadavg)"
    (cd /work/$w && deno run -A bench/run.ts --only train --only evoformer 2>&1 | tail -3)
    cp /work/$w/bench/results/latest.json /work/main/scratch/ab_${w}_$i.json
  done
done
