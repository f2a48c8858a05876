/**
 * A process for tests/hardening/run_lock_race_test.ts: reads commands from
 * stdin, one per line — `go` (try to take the lock of the directory given as
 * the argument; answers `owner` or `refused <message>`), `release` (answers
 * `released`), `exit`.
 */
import { lockRun } from "../../train/run_lock.ts";

const dir = Deno.args[0];
const out = (s: string) => Deno.stdout.writeSync(new TextEncoder().encode(s + "\n"));
let release: (() => Promise<void>) | undefined;
let rest = "";
for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
  rest += chunk;
  let nl: number;
  while ((nl = rest.indexOf("\n")) >= 0) {
    const cmd = rest.slice(0, nl);
    rest = rest.slice(nl + 1);
    if (cmd === "go") {
      try {
        release = await lockRun(dir);
        out("owner");
      } catch (e) {
        out(`refused ${(e as Error).message}`);
      }
    } else if (cmd === "release") {
      await release?.();
      release = undefined;
      out("released");
    } else if (cmd === "exit") Deno.exit(0);
  }
}
