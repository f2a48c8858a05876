/**
 * DeepMind's five monomer models and their pTM variants as presets: each maps
 * onto exactly DeepMind's key set for that model (models 1–2: model_1's keys
 * with templates; 3–5: without the 71 template keys; `_ptm`: plus the
 * predicted-aligned-error head), and a template-free model imports a
 * DeepMind-format file with its keys bit for bit (fixture 15b with its
 * template arrays removed, the values checked against OpenFold's 15a).
 */
import { readNpz } from "../../model/io/npz.ts";
import { loadCase } from "../../analysis/parity/harness.ts";
import { fromOpenFoldModelConfig } from "../../model/af2/openfold_config.ts";
import { modelConfig, PRESETS } from "../../model/af2/config.ts";
import {
  AF2_KEY_PREFIX,
  af2SourceOf,
  importAf2Npz,
  modelParamSpecs,
  ParamStoreError,
} from "../../model/params.ts";
import { SHARED_PARITY } from "../shared_data.ts";
import { assert, assertEquals, assertRejects } from "../assert.ts";

const RAW = `${SHARED_PARITY}/15b_alphafold_tiny_params_model_1_af2format.npz`;
const PAE_HEAD = [
  `${AF2_KEY_PREFIX}predicted_aligned_error_head/logits//weights`,
  `${AF2_KEY_PREFIX}predicted_aligned_error_head/logits//bias`,
];

/** The DeepMind keys a preset's parameters map onto. */
function deepmindKeys(preset: string): string[] {
  const keys = new Set<string>();
  for (const p of modelParamSpecs(modelConfig(preset))) {
    const src = af2SourceOf(p.name);
    assert(src, `${preset}: no AF2 source for ${p.name}`);
    keys.add(src.key);
  }
  return [...keys].sort();
}

Deno.test("model_1..5 and model_1..5_ptm presets map onto DeepMind's key set of each model", async () => {
  // The fixture is a model_1 file (templates, no pTM head); key sets do not depend on sizes.
  const model1 = [...(await readNpz(RAW)).keys()].sort();
  const template = model1.filter((k) => k.includes("template"));
  assertEquals(template.length, 71);
  const noTemplates = model1.filter((k) => !k.includes("template"));
  for (let n = 1; n <= 5; n++) {
    const want = n <= 2 ? model1 : noTemplates;
    assertEquals(deepmindKeys(`model_${n}`), want, `model_${n}`);
    assertEquals(deepmindKeys(`model_${n}_ptm`), [...want, ...PAE_HEAD].sort(), `model_${n}_ptm`);
  }
  assertEquals(PRESETS.model_1, PRESETS.af2);
  assertEquals(modelConfig("model_3").template.enabled, false);
  assertEquals(modelConfig("model_5_ptm").heads.tm.enabled, true);
});

Deno.test("a template-free model (model_3 layout at the fixture's sizes) imports a DeepMind file without template keys bit for bit", async () => {
  const c = await loadCase(`${SHARED_PARITY}/15a_alphafold_tiny.npz`);
  const model1 = fromOpenFoldModelConfig(
    (c.meta.ctor as { config: { model: unknown } }).config.model,
  );
  const cfg = { ...model1, template: { ...model1.template, enabled: false } };
  const specs = modelParamSpecs(cfg);
  const raw = await readNpz(RAW);
  const model3File = new Map([...raw].filter(([k]) => !k.includes("template")));
  const params = await importAf2Npz(model3File, specs);
  assertEquals(params.size, specs.length);
  let checked = 0;
  for (const [k, a] of c.arrays) {
    if (!k.startsWith("param/") || !params.has(k.slice(6))) continue;
    const want = a.data as Float32Array, got = params.get(k.slice(6))!;
    assertEquals(got.length, want.length, k);
    assert(got.every((v, i) => Object.is(v, want[i])), `${k} differs`);
    checked++;
  }
  assertEquals(checked, specs.length);
  // model_1's file into the template-free model: its 71 template arrays are unexpected.
  await assertRejects(() => importAf2Npz(raw, specs), ParamStoreError, "unexpected");
});
