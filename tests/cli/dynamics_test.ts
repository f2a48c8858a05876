import { assert, assertEquals, assertRejects, assertThrows } from "../assert.ts";
import { writeProbes, writeSnapshot } from "../../analysis/snapshots.ts";
import { DYNAMICS_CLI, runDynamics } from "../../train/cli/dynamics.ts";
import { parseCli } from "../../train/cli/kit.ts";
import { InputError, UsageError } from "../../model/util/errors.ts";
import { learningDynamics, learningOrder } from "../../analysis/dynamics.ts";
import { dynamicsReport, milestoneTable } from "../../analysis/dynamics_report.ts";
import { readSnapshots } from "../../analysis/snapshots.ts";
import { alphaBetaChains, probeOf, writeSsOrderRun } from "../analysis/dynamics_run_fixture.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function analyze(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", `${ROOT}deno.json`, `${ROOT}train/cli/analyze.ts`, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("analyze dynamics: a run directory becomes an HTML report, a JSON file and a summary", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const chains = await alphaBetaChains(3);
    await writeSsOrderRun(dir, chains);
    const r = await analyze(
      "dynamics",
      dir,
      "--out",
      `${dir}/dyn_report.html`,
      "--json",
      `${dir}/dyn.json`,
    );
    assertEquals(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert(lines[0].startsWith("3 probes, 36 snapshots (steps 1–3000)"), lines[0]);
    // The printed order is the decomposition's (computed here in-process).
    const run = await readSnapshots(dir);
    const dyn = learningDynamics(run.probes, run.snapshots);
    for (const group of learningOrder(dyn)) {
      const line = lines.find((l) => l.includes(group.title))!;
      const at = group.order.map((e) => line.indexOf(`${e.curve} @${e.step} `));
      assert(at.every((k, i) => k >= 0 && (i === 0 || k > at[i - 1])), `${line}`);
    }
    assertEquals(
      JSON.parse(await Deno.readTextFile(`${dir}/dyn.json`)).milestones,
      JSON.parse(JSON.stringify(dyn.milestones)),
    );
    const html = await Deno.readTextFile(`${dir}/dyn_report.html`);
    // 9 plotly figures (learning curves, lDDT, SS formed, contacts ×2, dimensionality,
    // gallery, 2 viewers), 3 SVGs, the milestone table with the 90 % steps.
    assertEquals(html.match(/class="plotly-figure"/g)!.length, 9);
    assertEquals(html.match(/<div class="svg-figure"><svg /g)!.length, 3);
    const helix90 = dyn.milestones["lddt.helix"]!.crossings[1].sustained;
    assert(html.includes(`<td>lDDT-Cα, true helix</td>`) && html.includes(`<td>${helix90}</td>`));
    assert(html.includes('"name":"val_lddt_ca"'), "learning curves from metrics.jsonl missing");
    // Default output path.
    assertEquals((await analyze("dynamics", dir)).code, 0);
    assert((await Deno.stat(`${dir}/dynamics_report.html`)).isFile);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("analyze dynamics: missing or invalid run directories are one line and exit code 2", async () => {
  const missing = await analyze("dynamics", "/nonexistent/run");
  assertEquals(missing.code, 2);
  assertEquals(missing.stderr.trim().split("\n").length, 1, missing.stderr);
  assert(missing.stderr.startsWith("analyze dynamics: no such directory /nonexistent/run"));
  const debug = await analyze("dynamics", "/nonexistent/run", "--debug");
  assertEquals(debug.code, 2);
  assert(debug.stderr.includes("    at "), debug.stderr);

  // The rest in-process: each is an InputError (exit 2) with a one-line message.
  const parse = (argv: string[]) => parseCli(DYNAMICS_CLI, argv);
  assertThrows(() => parse([]), UsageError, "exactly one RUN_DIR");
  assertThrows(() => parse(["a", "b"]), UsageError, "exactly one RUN_DIR");
  assertThrows(() => parse(["a", "--bogus"]), UsageError);
  assertThrows(() => parse(["a", "--out"]), UsageError);
  assertThrows(() => parse([ROOT, "--out", ""]), UsageError, "--out");
  const dir = await Deno.makeTempDir();
  try {
    const oneLine = async (fn: () => Promise<unknown>, includes: string) => {
      const e = await assertRejects(fn, InputError, includes);
      assert(!e.message.includes("\n"), e.message);
    };
    await oneLine(() => runDynamics({ runDir: dir }), "has no snapshots");
    await Deno.mkdir(`${dir}/snapshots`);
    await Deno.writeTextFile(`${dir}/snapshots/probes.json`, '{"probes":[{"id":"x","seq":"AC"}]}');
    await oneLine(() => runDynamics({ runDir: dir }), "probes.json: field probes.0");
    await Deno.writeTextFile(`${dir}/snapshots/probes.json`, "{not json");
    await oneLine(() => runDynamics({ runDir: dir }), dir);
    const [chain] = await alphaBetaChains(1);
    await writeProbes(dir, [probeOf(chain)]);
    await oneLine(() => runDynamics({ runDir: dir }), "holds no step_<n>.json.gz");
    await Deno.writeTextFile(`${dir}/snapshots/step_00000002.json.gz`, "not gzip");
    await oneLine(() => runDynamics({ runDir: dir }), dir);
    await Deno.remove(`${dir}/snapshots/step_00000002.json.gz`);
    await writeSnapshot(dir, { step: 1, probes: [] });
    await oneLine(() => runDynamics({ runDir: dir }), `lacks probe ${chain.id}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("dynamics report: sections, the chosen probe and the milestone table", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeSsOrderRun(dir, await alphaBetaChains(3));
    const { probes, snapshots } = await readSnapshots(dir);
    const dyn = learningDynamics(probes, snapshots);
    const rep = dynamicsReport({ dynamics: dyn, probes, snapshots, probeId: probes[2].id });
    assertEquals(rep.sections.map((s) => s.title), [
      "Summary",
      "Learning curves",
      "lDDT-Cα by secondary-structure class",
      "Secondary structure formed",
      "Local vs long-range contacts",
      "Dimensionality",
      `${probes[2].id} across training`,
      "Probes",
    ]);
    // Without metrics the learning-curve section says so instead of plotting nothing.
    assertEquals(rep.sections[1].figures, undefined);
    assertThrows(
      () => dynamicsReport({ dynamics: dyn, probes, snapshots, probeId: "nope" }),
      InputError,
    );
    const table = milestoneTable(dyn);
    const strand = table.rows.find((r) => r[0] === "lDDT-Cα, true strand")!;
    const m = dyn.milestones["lddt.strand"]!;
    assertEquals(strand.slice(3, 7), m.crossings.flatMap((c) => [c.first, c.sustained]));
    assertEquals(strand[8], m.monotone ? "yes" : "no");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
