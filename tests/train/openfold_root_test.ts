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
import {
  chainTemplateHits,
  readAlignmentDir,
  writeAlignmentDb,
} from "../../model/features/alignment_dir.ts";
import {
  mmcifDirTemplateReader,
  templateDateCutoff,
  templateFeatures,
} from "../../model/features/templates.ts";
import { buildFeatures } from "../../model/features/pipeline.ts";
import { templateGtFeatures } from "../../model/protein/gt_transforms.ts";
import { readStructure } from "../../model/protein/structure_file.ts";
import { Rng } from "../../model/util/rng.ts";
import { listCheckpoints, loadCheckpoint } from "../../model/checkpoint.ts";
import { modelParamSpecs } from "../../model/params.ts";
import { runModelConfig } from "../../model/trained.ts";
import { initParams } from "../../model/nn/init.ts";

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

sharedData.test("shared data: OpenFold root in the alignment_db form: the same chains, MSAs and template candidates as the chain directories", async () => {
  const root = await buildRoot();
  // The same root with its alignments packed into an alignment_db.
  const packed = await Deno.makeTempDir({ prefix: "denofold_openfold_db_" });
  try {
    const dirs = await Dataset.open(root, { templateCandidates: 20 });
    await Deno.mkdir(`${packed}/alignment_db`);
    await Deno.mkdir(`${packed}/mmcif`);
    for await (const f of Deno.readDir(`${root}/mmcif`)) {
      await Deno.copyFile(`${root}/mmcif/${f.name}`, `${packed}/mmcif/${f.name}`);
    }
    await writeAlignmentDb(
      `${root}/alignments`,
      `${packed}/alignment_db/alignments.db`,
      `${packed}/alignment_db/super.index`,
    );
    assertEquals((await openFoldRoot(packed))?.alignments, `${packed}/alignment_db/super.index`);
    const db = await Dataset.open(packed, { templateCandidates: 20 });
    assertEquals(db.entries, dirs.entries);
    assertEquals(db.dropped, dirs.dropped);
    for (const e of db.entries) {
      const [x, y] = [await dirs.loadInput(e), await db.loadInput(e)];
      assertEquals(y.msas!.map((m) => m.sequences.length), x.msas!.map((m) => m.sequences.length));
      assertEquals(y.templates!.template_mask.data, x.templates!.template_mask.data, e.id);
      assertEquals(
        y.templates!.template_all_atom_positions.data,
        x.templates!.template_all_atom_positions.data,
      );
    }
    // Two index files: which is the root's is not clear, and the error says so.
    await Deno.writeTextFile(`${packed}/alignment_db/other.index`, "{}");
    const err = await openFoldRoot(packed).then(() => undefined, (e) => e as Error);
    assert(err?.message.includes("alignment_db") && err.message.includes("found 2"), `${err}`);
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(packed, { recursive: true });
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

sharedData.test("shared data: OpenFold root templates: a chain's candidates are its usable hits released 60 days before it; through the training features they equal templateFeatures' and its 13c-checked transforms", async () => {
  const root = await buildRoot();
  try {
    const ds = await Dataset.open(root, { templateCandidates: 20 });
    const reader = mmcifDirTemplateReader(`${root}/mmcif`);
    let checked = 0, cutByDate = 0;
    for (const e of ds.entries) {
      const input = await ds.loadInput(e);
      const a = await readAlignmentDir(`${root}/alignments`, e.id);
      // Without any date cutoff, which hits would be templates?
      const free = await templateFeatures(e.seq, chainTemplateHits(a), reader, {
        maxTemplates: 20,
        queryPdbId: e.id.slice(0, 4),
      });
      const cutoff = templateDateCutoff({ queryReleaseDate: e.releaseDate });
      const dated: string[] = [];
      for (const u of free.used) {
        const date = await reader.releaseDate(u.name.slice(0, 4).toLowerCase());
        if (date! <= cutoff!) dated.push(u.name);
        else cutByDate++;
      }
      const f = input.templates!;
      assertEquals(
        Array.from(f.template_mask.data).filter((m) => m > 0).length,
        dated.length,
        e.id,
      );
      if (dated.length === 0) continue;
      // The training pipeline (uncropped, best first) hands the model exactly these features.
      const ex = buildFeatures(
        input,
        { crop: false, maxTemplates: 4, blockDeletion: null },
        new Rng(1),
      );
      const direct = await templateFeatures(
        e.seq,
        chainTemplateHits(a).filter((h) => dated.includes(h.name)),
        (id, ch) => readStructure(`${root}/mmcif/${id}.cif.gz`, { chains: [ch] }),
        { maxTemplates: 4 },
      );
      const n = e.seq.length, np = ex.meta.paddedLength;
      const feats = ex.features as unknown as Record<
        string,
        { data: ArrayLike<number>; shape: number[] }
      >;
      for (const [name, t] of Object.entries(direct.features)) {
        const got = feats[name];
        assert(got, `${e.id}: no ${name} in the training features`);
        const per = t.data.length / (name === "template_mask" ? 1 : 4 * n);
        // The real templates; padding templates are all zero in the pipeline (OpenFold pads
        // with zeros), masked either way.
        for (let k = 0; k < direct.used.length; k++) {
          if (name === "template_mask") {
            assertEquals(got.data[k], t.data[k], `${e.id} ${name}`);
            continue;
          }
          for (let i = 0; i < n * per; i++) {
            assertEquals(
              got.data[k * np * per + i],
              t.data[k * n * per + i],
              `${e.id} ${name} ${k}`,
            );
          }
        }
      }
      // Torsions and pseudo-β of the fed atoms: the transforms fixture 13c checks against OpenFold.
      const gt = templateGtFeatures(
        Array.from(feats.template_aatype.data, (x) => Math.min(x, 20)),
        feats.template_all_atom_positions.data,
        feats.template_all_atom_mask.data,
        4,
      ) as unknown as Record<string, { data: ArrayLike<number> }>;
      for (const name of ["template_pseudo_beta", "template_torsion_angles_mask"]) {
        assertEquals(Array.from(gt[name].data), Array.from(feats[name].data), `${e.id} ${name}`);
      }
      assertEquals(direct.used.map((u) => u.name), dated, e.id);
      checked++;
    }
    // The shared chains hold both cases: a template used, and one cut by its release date.
    assert(checked > 0, "no chain with a template");
    assert(cutByDate > 0, "no template released after its query");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

sharedData.test("shared data: train --data OPENFOLD_ROOT with max_templates 4: a 3-step tiny run trains the template stack", async () => {
  const root = await buildRoot();
  // The chain with a template candidate (see above), so every sample may draw it; with
  // seed 4 two of the three samples keep it (AF2's sampling may keep none).
  const { dir, r } = await trainOn(root, {
    max_templates: 4,
    train_ids: ["5kc1_A"],
    crop: 64,
    seed: 4,
  });
  try {
    assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
    const metrics = (await Deno.readTextFile(`${dir}/run/metrics.jsonl`)).trim().split("\n")
      .map((l) => JSON.parse(l) as { step: number; loss: number });
    assertEquals(metrics.map((m) => m.step), [1, 2, 3]);
    await Deno.writeTextFile(`${dir}/ids.txt`, "5kc1_A\n");
    const { state } = await loadCheckpoint((await listCheckpoints(`${dir}/run`)).at(-1)!);
    const specs = modelParamSpecs(runModelConfig({ preset: "tiny", max_templates: 4 }));
    const templ = specs.filter((p) => p.name.startsWith("template_"));
    assert(templ.length > 0, "no template parameters");
    assertEquals([...state.params.keys()].sort(), specs.map((p) => p.name).sort());
    // The template embedding is multiplied by "any template" (0 without one), so
    // the pointwise attention's output layer (zero-initialised, AF2's "final"
    // init) has a zero gradient unless a sample held a real template. (Layers
    // before it see gradients through weights of ~lr, below Adam's eps.)
    const init = initParams(specs, 4);
    const moved = (name: string) =>
      state.params.get(name)!.some((v, i) => v !== init.get(name)![i]);
    const out = "template_embedder.template_pointwise_att.mha.linear_o.weight";
    assert(init.get(out)!.every((v) => v === 0), "linear_o starts at zero");
    assert(moved(out), "the template stack's output never saw a template");
    // eval reads the run's root as training did (filters, splits, templates) and scores its chains.
    const ev = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../../train/cli/eval.ts", import.meta.url).pathname,
        "--checkpoint",
        (await listCheckpoints(`${dir}/run`)).at(-1)!,
        "--data",
        root,
        "--split",
        "all",
        "--ids",
        `${dir}/ids.txt`,
        "--out",
        `${dir}/eval`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(ev.code, 0, new TextDecoder().decode(ev.stderr));
    const csv = (await Deno.readTextFile(`${dir}/eval/chains.csv`)).trim().split("\n");
    assertEquals(csv.length, 2);
    assert(csv[1].startsWith("5kc1_A,"), csv[1]);
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(dir, { recursive: true });
  }
});
