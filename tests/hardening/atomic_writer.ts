/**
 * For tests/hardening/reliability_leftovers_test.ts: start an atomic write of
 * the file given as the argument, print `writing` once some bytes are in its
 * temporary, and hang there until killed, as a process killed mid-write does.
 */
import { writeAll, writeFileAtomicWith } from "../../model/io/atomic.ts";

await writeFileAtomicWith(Deno.args[0], async (f) => {
  await writeAll(f, new TextEncoder().encode("half a file"));
  console.log("writing");
  await new Promise(() => {});
});
