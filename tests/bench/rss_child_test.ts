/** The RSS child's watchdog: MemAvailable parsing and stopping a child when memory runs low. */
import { memAvailableGb, runJobInChild } from "../../bench/rss_child.ts";
import { assert, assertEquals } from "../assert.ts";

Deno.test("memAvailableGb reads MemAvailable of /proc/meminfo", () => {
  const text = "MemTotal:       24000000 kB\nMemFree:  100 kB\nMemAvailable:    3145728 kB\n";
  assertEquals(memAvailableGb(text), 3);
  assert(memAvailableGb() > 0, "this machine reports available memory");
});

Deno.test("runJobInChild stops the child when available memory is below the floor", async () => {
  // A floor above any machine's memory: the watchdog must stop the job at its first look.
  const r = await runJobInChild({ kind: "evoformer", nRes: 16, nSeq: 4 }, 120, 1e9);
  assert("failed" in r, "the job was stopped");
  if ("failed" in r) {
    assert(r.memoryLow === true && !r.timedOut, JSON.stringify(r));
    assert(r.failed.startsWith("stopped: machine memory low"), r.failed);
  }
});
