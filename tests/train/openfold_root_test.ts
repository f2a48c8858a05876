/**
 * An OpenFold training root (the OpenProteinSet layout) built from
 * ../shared/data's nine OpenFold chains (alignments) and the six mmCIFs that
 * exist for them: the chain filters on real mmCIF headers, cluster-file
 * weights, and `deno task train --data ROOT` end to end, with and without
 * templates.
 */
import { assert, assertEquals } from "../assert.ts";
import { Dataset } from "../../train/data/dataset.ts";
import { af2SampleWeights, lengthFactor } from "../../train/data/sampling.ts";
import { openFoldRoot } from "../../train/data/openfold_root.ts";
import { SHARED_DATA, sharedData } from "../shared_data.ts";

const MSAS = `${SHARED_DATA}/msa/openfold`;
const MMCIFS = `${SHARED_DATA}/fullatom/github/aqlaboratory_openfold`;
const CLI = new URL("../../train/cli/train.ts", import.meta.url).pathname;

/** A temporary OpenFold root: alignments/<chain>/ and mmcif/<pdb>.cif.gz copied from ../shared/data. */
async function buildRoot(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "denofold_openfold_root_" });
  await Deno.mkdir(`${root}/alignments`);
  await Deno.mkdir(`${root}/mmcif`);
  for await (const d of Deno.readDir(MSAS)) {
    if (!d.isDirectory) continue;
    await Deno.mkdir(`${root}/alignments/${d.name}`);
    for await (const f of Deno.readDir(`${MSAS}/${d.name}`)) {
      await Deno.copyFile(`${MSAS}/${d.name}/${f.name}`, `${root}/alignments/${d.name}/${f.name}`);
    }
  }
  for await (const f of Deno.readDir(MMCIFS)) {
    if (f.name.endsWith(".cif.gz")) {
      await Deno.copyFile(`${MMCIFS}/${f.name}`, `${root}/mmcif/${f.name}`);
    }
  }
  return root;
}

/**
 * The release date (oldest revision) and resolution of an mmCIF, read here by
 * plain text matching (independent of the mmCIF parser under test).
 */
async function headerByText(path: string): Promise<{ date: string; resolution: number }> {
  const gz = (await Deno.open(path)).readable.pipeThrough(new DecompressionStream("gzip"));
  const text = await new Response(gz).text();
  // The section runs from its first tag to the next "#" line; dates there are revision dates
  // (a single revision is written as tag-value pairs, several as a loop).
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.startsWith("_pdbx_audit_revision_history."));
  const dates: string[] = [];
  for (let i = start; i >= 0 && i < lines.length && !lines[i].startsWith("#"); i++) {
    for (const m of lines[i].matchAll(/(?:^|\s)(\d{4}-\d{2}-\d{2})(?=\s|$)/g)) dates.push(m[1]);
  }
  const res = /^_refine\.ls_d_res_high\s+([0-9.]+)/m.exec(text);
  return { date: dates.sort()[0], resolution: res ? Number(res[1]) : 0 };
}

function dayBefore(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

sharedData.test("shared data: OpenFold root: detected; chains without an mmCIF dropped; release-date and resolution filters drop what they should on real mmCIF headers", async () => {
  const root = await buildRoot();
  try {
    assertEquals(await openFoldRoot(SHARED_DATA), undefined);
    const paths = await openFoldRoot(root);
    assertEquals(paths?.alignments, `${root}/alignments`);
    const all = await Dataset.open(root);
    const pdbs = new Set<string>();
    for await (const f of Deno.readDir(MMCIFS)) pdbs.add(f.name.slice(0, 4));
    const chains: string[] = [];
    for await (const d of Deno.readDir(MSAS)) chains.push(d.name);
    const withCif = chains.filter((c) => pdbs.has(c.slice(0, 4))).sort();
    assertEquals(all.entries.map((e) => e.id).sort(), withCif);
    assertEquals(
      all.dropped.map((d) => d.id).sort(),
      chains.filter((c) => !pdbs.has(c.slice(0, 4))).sort(),
    );
    assert(all.entries.every((e) => e.source === "openfold" && e.msaChain === e.id));
    // Every kept chain's header as the text says.
    const header = new Map<string, { date: string; resolution: number }>();
    for (const e of all.entries) {
      const h = await headerByText(`${root}/${e.file}`);
      header.set(e.id, h);
      assertEquals(e.releaseDate, h.date, e.id);
      assertEquals(e.resolution, h.resolution, e.id);
    }
    // A release-date cutoff the day before a chain's release drops it and every later one.
    const dates = [...new Set([...header.values()].map((h) => h.date))].sort();
    assert(dates.length >= 3, `${dates.length} distinct release dates`);
    const cutoff = dayBefore(dates[Math.floor(dates.length / 2)]);
    const byDate = await Dataset.open(root, { maxReleaseDate: cutoff });
    const keptByDate = [...header].filter(([, h]) => h.date <= cutoff).map(([id]) => id).sort();
    assert(keptByDate.length > 0 && keptByDate.length < header.size);
    assertEquals(byDate.entries.map((e) => e.id).sort(), keptByDate);
    for (const [id, h] of header) {
      if (h.date > cutoff) {
        assert(byDate.dropped.some((d) => d.id === id && d.reason.includes(h.date)), id);
      }
    }
    // A resolution limit just below the worst resolution drops that chain only.
    const worst = Math.max(...[...header.values()].map((h) => h.resolution));
    assert(worst > 3, `worst resolution ${worst}`);
    const byRes = await Dataset.open(root, { maxResolution: worst - 0.05 });
    const keptByRes = [...header].filter(([, h]) => h.resolution <= worst - 0.05).map(([id]) => id)
      .sort();
    assert(keptByRes.length === header.size - 1, "one chain over the limit");
    assertEquals(byRes.entries.map((e) => e.id).sort(), keptByRes);
    // OpenFold's 9 Å keeps them all; a minimum length above one chain's length drops it.
    const shortest = Math.min(...all.entries.map((e) => e.length));
    const byLength = await Dataset.open(root, { minLength: shortest + 1 });
    assertEquals(byLength.entries.length, all.entries.length - 1);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

sharedData.test("shared data: OpenFold root: a cluster file sets the clusters and the 1/cluster-size sampling factor", async () => {
  const root = await buildRoot();
  try {
    const ids = (await Dataset.open(root)).entries.map((e) => e.id);
    // Two kept chains and one chain the root lacks in one cluster; the rest alone.
    const [a, b] = ids;
    await Deno.writeTextFile(
      `${root}/clusters.txt`,
      `${a.toLowerCase()} ${b} 9ZZZ_A\n${ids.slice(2).join("\n")}\n`,
    );
    const ds = await Dataset.open(root);
    const ea = ds.entries.find((e) => e.id === a)!, eb = ds.entries.find((e) => e.id === b)!;
    assertEquals(ea.cluster, a.toUpperCase());
    assertEquals(eb.cluster, a.toUpperCase());
    assertEquals([ea.clusterSize, eb.clusterSize], [3, 3]);
    assert(ds.entries.slice(2).every((e) => e.clusterSize === 1));
    const w = af2SampleWeights(ds.entries);
    ds.entries.forEach((e, i) => {
      const want = lengthFactor(e.length) / (e.id === a || e.id === b ? 3 : 1);
      assert(Math.abs(w[i] - want) < 1e-12, e.id);
    });
    // A malformed line names the file and line.
    await Deno.writeTextFile(`${root}/clusters.txt`, `${a}\nnot-an-id\n`);
    const err = await Dataset.open(root).then(() => undefined, (e) => e as Error);
    assert(err?.message.includes(`${root}/clusters.txt`) && err.message.includes("2"), `${err}`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/** A 3-step tiny run on `root`; returns the run directory's metrics and last checkpoint. */
async function trainOn(root: string, extra: Record<string, unknown>) {
  const dir = await Deno.makeTempDir({ prefix: "denofold_openfold_train_" });
  const config = {
    preset: "tiny",
    data: root,
    steps: 3,
    crop: 32,
    msa_clusters: 4,
    extra_msa: 8,
    checkpoint_every: 3,
    validate_every: 1000,
    val_chains: 1,
    probes: 0,
    ...extra,
  };
  await Deno.writeTextFile(`${dir}/cfg.json`, JSON.stringify(config));
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      CLI,
      "--quiet",
      "--no-report",
      "--config",
      `${dir}/cfg.json`,
      "--out",
      `${dir}/run`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { dir, r };
}

sharedData.test("shared data: train --data OPENFOLD_ROOT: a 3-step tiny run exits 0 and writes metrics", async () => {
  const root = await buildRoot();
  const { dir, r } = await trainOn(root, {});
  try {
    assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
    const metrics = (await Deno.readTextFile(`${dir}/run/metrics.jsonl`)).trim().split("\n")
      .map((l) => JSON.parse(l) as { step: number; loss: number });
    assertEquals(metrics.map((m) => m.step), [1, 2, 3]);
    assert(metrics.every((m) => Number.isFinite(m.loss)), JSON.stringify(metrics));
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(dir, { recursive: true });
  }
});
