/**
 * Issue 19, "leftovers": a process killed mid-write leaves its temporary
 * (`.<target>.tmp-<pid>-<id>`, model/io/atomic.ts) or its temporary directory
 * (`denofold_msa_<pid>-…`) behind; the next run that writes into that place
 * removes the ones of processes that no longer exist — and only those: a live
 * process's temporary and other files stay byte-identical.
 */
import { assert, assertEquals } from "../assert.ts";
import { removeDeadTemporaries } from "../../model/io/atomic.ts";
import { removeStaleTemporaries } from "../../model/checkpoint.ts";
import { readStructure, writePdb } from "../../mod.ts";
import { alphaBetaChains, writeSsOrderRun } from "../analysis/dynamics_run_fixture.ts";
import { assertOneLine, assertUnchanged, ROOT, runCli, snapshot } from "./reliability_harness.ts";

const WRITER = new URL("./atomic_writer.ts", import.meta.url).pathname;
const PDB = `${ROOT}data/sample/fullatom/debian/python3-prody-tests/pdb1ubi.pdb.gz`;

/** Start an atomic write of `target` in another process and SIGKILL it mid-write. */
async function killedWrite(target: string): Promise<{ pid: number; temp: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", WRITER, target],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("writing")) {
    const { done, value } = await reader.read();
    assert(!done, "the writer ended before writing");
    out += value;
  }
  child.kill("SIGKILL");
  await child.status;
  await reader.cancel().catch(() => {});
  const dir = target.replace(/\/[^/]*$/, ""), base = target.slice(dir.length + 1);
  const temp = [...Deno.readDirSync(dir)].map((e) => e.name)
    .find((n) => n.startsWith(`.${base}.tmp-${child.pid}-`));
  assert(temp, `no temporary of the killed writer ${child.pid} beside ${target}`);
  return { pid: child.pid, temp: `${dir}/${temp}` };
}

/** A pid that no longer exists: a finished child's. */
async function deadPid(): Promise<number> {
  const child = new Deno.Command("true").spawn();
  await child.status;
  return child.pid;
}

const exists = (p: string) => Deno.stat(p).then(() => true, () => false);

Deno.test("leftovers: the next write into a place removes the temporaries of killed processes, and only those", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denofold_leftovers_" });
  try {
    // 1. analyze dynamics after a writer of its report was killed.
    const run = `${dir}/run`;
    await writeSsOrderRun(run, await alphaBetaChains(1));
    const report = `${dir}/r.html`;
    const killed = await killedWrite(report);
    // A live process's temporary of the same file (this test's pid) and another file's.
    const live = `${dir}/.r.html.tmp-${Deno.pid}-0123abcd`;
    await Deno.writeTextFile(live, "in progress");
    const other = `${dir}/.other.html.tmp-${killed.pid}-89abcdef`;
    await Deno.writeTextFile(other, "not this target");
    let before = await snapshot(dir);
    const r = await runCli("analyze", ["dynamics", run, "--out", report]);
    assertEquals(r.code, 0, r.stderr);
    assert(!(await exists(killed.temp)), "the killed writer's temporary is still there");
    assertEquals(await Deno.readTextFile(live), "in progress");
    const rel = (p: string) => p.slice(dir.length + 1);
    before.delete(rel(killed.temp));
    assertUnchanged(before, await snapshot(dir), "dynamics", (p) => p === "r.html");

    // 2. writePdb (what predict writes with) after a killed writer of the same file.
    const pdb = `${dir}/pred.pdb`;
    const k2 = await killedWrite(pdb);
    before = await snapshot(dir);
    await writePdb(pdb, await readStructure(PDB));
    assert(!(await exists(k2.temp)), "the killed writer's temporary of pred.pdb is still there");
    before.delete(rel(k2.temp));
    assertUnchanged(before, await snapshot(dir), "writePdb", (p) => p === "pred.pdb");

    // 3. The library call: dead temporaries of one target, nothing else.
    const dead = await deadPid();
    const stale = `${dir}/.x.json.tmp-${dead}-00112233`;
    await Deno.writeTextFile(stale, "{");
    assertEquals(await removeDeadTemporaries(dir, "x.json"), [`.x.json.tmp-${dead}-00112233`]);
    assert(await exists(other) && await exists(live), "removed more than the dead ones");

    // 4. A trainer's run directory: a killed locker's pid file goes with the run's tidy-up.
    const lockTemp = `${run}/.LOCK.tmp-${dead}-deadbeef`;
    await Deno.writeTextFile(lockTemp, `${dead}\n`);
    assertEquals(await removeStaleTemporaries(run), [`.LOCK.tmp-${dead}-deadbeef`]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("leftovers: msa removes the temporary directories of dead msa processes, keeps live ones", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denofold_leftovers_msa_" });
  try {
    const tmp = `${dir}/tmp`;
    await Deno.mkdir(tmp);
    const dead = await deadPid();
    await Deno.mkdir(`${tmp}/denofold_msa_${dead}-abc123`);
    await Deno.writeTextFile(`${tmp}/denofold_msa_${dead}-abc123/q1.fasta`, ">q1\nMKV\n");
    await Deno.mkdir(`${tmp}/denofold_msa_${Deno.pid}-def456`);
    await Deno.mkdir(`${tmp}/someone_else_${dead}-x`);
    await Deno.writeTextFile(`${dir}/q.fasta`, ">q1\nMKVLAAGIVG\n");
    const before = await snapshot(dir);
    const r = await runCli("msa", [
      ...["--fasta", `${dir}/q.fasta`, "--db", `${dir}/q.fasta`, "--out", `${dir}/aln`],
      ...["--jackhmmer-binary", `${dir}/no-jackhmmer`],
    ], { env: { TMPDIR: tmp } });
    assertOneLine(r, 1, `msa: hmmer: ${dir}/no-jackhmmer not found`, "msa without jackhmmer");
    for (const k of [...before.keys()].filter((p) => p.startsWith(`tmp/denofold_msa_${dead}-`))) {
      before.delete(k);
    }
    // A failed search leaves no output directory either.
    assertUnchanged(before, await snapshot(dir), "msa");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
