/**
 * `deno task predict --templates DIR`: the record's template hits (in its
 * --msa-dir alignment directory) featurised from an mmCIF directory and given
 * to a model with a template stack; --max-template-date drops later entries.
 */
import { assert, assertEquals } from "../assert.ts";
import { chainTemplateHits, readAlignmentDir } from "../../model/features/alignment_dir.ts";
import { mmcifDirTemplateReader, templateFeatures } from "../../model/features/templates.ts";
import { SHARED_DATA, sharedData } from "../shared_data.ts";
import { modelConfig } from "../../model/af2/config.ts";
import { modelParamSpecs, saveParams } from "../../model/params.ts";
import { initParams } from "../../model/nn/init.ts";
import { Rng } from "../../model/util/rng.ts";

const CLI = new URL("../../train/cli/predict.ts", import.meta.url).pathname;
const MSAS = `${SHARED_DATA}/msa/openfold`;
const MMCIFS = `${SHARED_DATA}/fullatom/github/aqlaboratory_openfold`;

function run(args: string[]) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

sharedData.test("shared data: predict --templates: a record's hits from --msa-dir give a template model its templates; --max-template-date drops a later one", async () => {
  const id = "5kc1_A";
  const a = await readAlignmentDir(MSAS, id);
  const reader = mmcifDirTemplateReader(MMCIFS);
  const want = await templateFeatures(a.query, chainTemplateHits(a), reader, { maxTemplates: 4 });
  const names = want.used.map((u) => u.name.split(" ")[0]);
  assert(names.length > 0, "5kc1_A has a usable template in the shared mmCIFs");
  const dir = await Deno.makeTempDir({ prefix: "denofold_predict_templates_" });
  try {
    await Deno.writeTextFile(`${dir}/q.fasta`, `>${id}\n${a.query}\n`);
    // A tiny model whose zero-initialised layers (AF2's "final" init, e.g. the
    // template stack's output and the backbone update) are made non-zero, so
    // that what the templates change shows in the structure.
    const specs = modelParamSpecs(modelConfig("tiny"));
    const rng = new Rng(3);
    const params = initParams(specs, 0);
    for (const v of params.values()) {
      for (let i = 0; i < v.length; i++) v[i] += 0.05 * (rng.float() - 0.5);
    }
    await saveParams(`${dir}/m.safetensors`, params, specs);
    const base = [
      "--fasta",
      `${dir}/q.fasta`,
      "--msa-dir",
      MSAS,
      "--checkpoint",
      `${dir}/m.safetensors`,
      "--preset",
      "tiny",
    ];
    const opts = ["--recycles", "0", "--msa-clusters", "8", "--extra-msa", "16"];
    const withT = await run([...base, ...opts, "--templates", MMCIFS, "--out", `${dir}/t.pdb`]);
    assertEquals(withT.code, 0, text(withT.stderr));
    assert(text(withT.stderr).includes(`templates ${names.join(", ")}`), text(withT.stderr));
    const jt = JSON.parse(await Deno.readTextFile(`${dir}/t.json`));
    assertEquals(jt.templates, names);
    const without = await run([...base, ...opts, "--out", `${dir}/n.pdb`]);
    assertEquals(without.code, 0, text(without.stderr));
    const jn = JSON.parse(await Deno.readTextFile(`${dir}/n.json`));
    assertEquals(jn.templates, []);
    // The templates reach the model: its structure changes.
    const atoms = (t: string) =>
      t.split("\n").filter((l) => l.startsWith("ATOM")).map((l) => l.slice(30, 54));
    const [pt, pn] = [
      atoms(await Deno.readTextFile(`${dir}/t.pdb`)),
      atoms(await Deno.readTextFile(`${dir}/n.pdb`)),
    ];
    assertEquals(pt.length, pn.length);
    assert(pt.some((x, i) => x !== pn[i]), "the same structure with and without templates");
    // A cutoff the day before the newest template's release leaves it out.
    const dates = await Promise.all(
      names.map((n) => reader.releaseDate(n.slice(0, 4).toLowerCase())),
    );
    const newest = dates.map((d) => d!).sort().at(-1)!;
    const before = new Date(Date.parse(`${newest}T00:00:00Z`) - 86_400_000).toISOString().slice(
      0,
      10,
    );
    const cut = await run([
      ...base,
      ...opts,
      "--templates",
      MMCIFS,
      "--max-template-date",
      before,
      "--out",
      `${dir}/c.pdb`,
    ]);
    assertEquals(cut.code, 0, text(cut.stderr));
    const jc = JSON.parse(await Deno.readTextFile(`${dir}/c.json`));
    const kept = names.filter((_, i) => dates[i]! <= before);
    assertEquals(jc.templates, kept);
    // Without its only template the model predicts what it does without --templates.
    if (kept.length === 0) assertEquals(atoms(await Deno.readTextFile(`${dir}/c.pdb`)), pn);
    // Misuse: --templates needs the records' alignment directories.
    const bad = await run([
      "--fasta",
      `${dir}/q.fasta`,
      "--templates",
      MMCIFS,
      "--out",
      `${dir}/x.pdb`,
    ]);
    assertEquals(bad.code, 2, text(bad.stderr));
    assert(text(bad.stderr).includes("--msa-dir"), text(bad.stderr));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
