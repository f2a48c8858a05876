/**
 * `predict --preset model_3 --af2-params FILE.npz` with a file in DeepMind's
 * format at model_3's full size (48 Evoformer blocks, no template arrays): the
 * arrays are written from the AF2 architecture by tests/af2/deepmind_format.ts,
 * independently of the importer's layout table, so a key the importer does not
 * map, or maps with the wrong shape, fails the run (issue 17). The values of
 * the mapping are checked bit for bit against OpenFold's own import in
 * tests/af2/params_af2_import_test.ts; here the whole CLI path runs on them.
 */
import { encodeNpz } from "../../model/io/npz.ts";
import { modelConfig } from "../../model/af2/config.ts";
import { AF2_KEY_PREFIX, modelParamSpecs } from "../../model/params.ts";
import { deepmindArrays } from "../af2/deepmind_format.ts";
import { assert, assertEquals } from "../assert.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** `predict --preset model_3 --af2-params NPZ` on `dir/q.fasta` into `dir/q.pdb`. */
function predictModel3(dir: string, npz: string, extra: string[] = []) {
  const args = ["--fasta", `${dir}/q.fasta`, "--preset", "model_3", "--af2-params", npz];
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}train/cli/predict.ts`, ...args, "--out", `${dir}/q.pdb`, ...extra],
    stdout: "piped",
    stderr: "piped",
  }).output();
}

/** Small values from a fixed linear congruential stream (weights of AF2's scale). */
function smallValues(): () => number {
  let x = 12345;
  return () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x / 2 ** 32 - 0.5) * 0.02;
  };
}

Deno.test("predict --preset model_3 maps every array of a DeepMind-format params_model_3.npz and predicts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denofold_model3_" });
  try {
    const cfg = modelConfig("model_3");
    const arrays = deepmindArrays(cfg, smallValues());
    assert(![...arrays.keys()].some((k) => k.includes("template")), "model_3 has no templates");
    await Deno.writeFile(`${dir}/params_model_3.npz`, encodeNpz(arrays));
    const values = [...arrays.values()].reduce((n, a) => n + a.data.length, 0);
    arrays.clear();
    await Deno.writeTextFile(`${dir}/q.fasta`, ">q\nMKTAYIAKQRQISFVK\n");
    const p = await predictModel3(dir, `${dir}/params_model_3.npz`, ["--recycles", "0"]);
    const err = text(p.stderr);
    assertEquals(p.code, 0, err);
    const specs = modelParamSpecs(cfg);
    const want = new RegExp(
      `all \\d+ DeepMind arrays \\(${values} values\\) mapped onto ${specs.length} parameters of model_3`,
    );
    assert(want.test(err), err);
    const out = JSON.parse(await Deno.readTextFile(`${dir}/q.json`));
    assertEquals(out.plddt.length, 16);
    assert(out.plddt.every(Number.isFinite), "pLDDT not finite");
    const atoms = (await Deno.readTextFile(`${dir}/q.pdb`)).split("\n")
      .filter((l) => l.startsWith("ATOM") && l.slice(12, 16).trim() === "CA");
    assertEquals(atoms.length, 16);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("predict --preset model_3 refuses a model_1 file's template arrays, naming the preset they belong to (exit 2)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denofold_model3_" });
  try {
    const key = `${AF2_KEY_PREFIX}template_embedding/single_template_embedding/` +
      "template_pair_stack/__layer_stack_no_state/pair_transition/input_layer_norm//scale";
    const stray = new Map([[key, {
      dtype: "float32" as const,
      shape: [2, 64],
      data: new Float32Array(128),
    }]]);
    await Deno.writeFile(`${dir}/params_model_1.npz`, encodeNpz(stray));
    await Deno.writeTextFile(`${dir}/q.fasta`, ">q\nMKTAYIAKQRQISFVK\n");
    const p = await predictModel3(dir, `${dir}/params_model_1.npz`);
    const err = text(p.stderr);
    assertEquals(p.code, 2, err);
    assert(err.includes("params_model_1.npz (for --preset model_3"), err);
    assert(err.includes("--preset model_1 or model_2"), err);
    assertEquals(err.trim().split("\n").length, 1, err);
    // --debug adds the details: the stray key by name.
    const d = await predictModel3(dir, `${dir}/params_model_1.npz`, ["--debug"]);
    assertEquals(d.code, 2);
    assert(text(d.stderr).includes(`unexpected: ${key}`), text(d.stderr));
    assert(
      !(await Deno.stat(`${dir}/q.pdb`).then(() => true, () => false)),
      "no output on refusal",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
