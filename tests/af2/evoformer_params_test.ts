/**
 * Parameter counts of the Evoformer family. An independent count is written
 * here from OpenFold's layer shapes (Linear = in·out + out, LayerNorm = 2c);
 * it must equal OpenFold's own `num_params` recorded in every fixture, and our
 * builders must create exactly that many values — at the fixtures' tiny widths
 * and at the AF2 model_1 widths (48 Evoformer blocks, 4 extra-MSA blocks).
 */
import { SHARED_PARITY } from "../shared_data.ts";
import { loadCase } from "../../analysis/parity/harness.ts";
import { ModelBuilder } from "../../model/nn/scope.ts";
import { AF2_MODEL_1 } from "../../model/af2/config.ts";
import { type EvoformerBlockConfig, evoformerStack } from "../../model/af2/evoformer.ts";
import { extraMsaStack } from "../../model/af2/extra_msa.ts";
import { assertEquals } from "../assert.ts";

const lin = (i: number, o: number, bias = true) => i * o + (bias ? o : 0);
const ln = (c: number) => 2 * c;
/** primitives.Attention with gating: q, k, v (no bias), g, o. */
const mha = (c: number, hid: number, h: number) =>
  3 * lin(c, hid * h, false) + lin(c, hid * h) + lin(hid * h, c);
const rowAtt = (cm: number, cz: number, hid: number, h: number) =>
  ln(cm) + ln(cz) + lin(cz, h, false) + mha(cm, hid, h);
const colAtt = (cm: number, hid: number, h: number) => ln(cm) + mha(cm, hid, h);
/** GlobalAttention: q (no bias, H heads), k, v (single head, no bias), g, o. */
const globalAtt = (cm: number, hid: number, h: number) =>
  ln(cm) + lin(cm, hid * h, false) + 2 * lin(cm, hid, false) + lin(cm, hid * h) +
  lin(hid * h, cm);
const trans = (c: number, n: number) => ln(c) + lin(c, n * c) + lin(n * c, c);
const opm = (cm: number, cz: number, hid: number) => ln(cm) + 2 * lin(cm, hid) + lin(hid * hid, cz);
const triMul = (cz: number, hid: number) =>
  ln(cz) + 4 * lin(cz, hid) + lin(cz, cz) + ln(hid) + lin(hid, cz);
const triAtt = (cz: number, hid: number, h: number) => ln(cz) + lin(cz, h, false) + mha(cz, hid, h);

function block(cm: number, cz: number, cfg: EvoformerBlockConfig, extra: boolean): number {
  const msa = rowAtt(cm, cz, cfg.c_hidden_msa_att, cfg.no_heads_msa) +
    (extra ? globalAtt : colAtt)(cm, cfg.c_hidden_msa_att, cfg.no_heads_msa) +
    trans(cm, cfg.transition_n) + opm(cm, cz, cfg.c_hidden_opm);
  const pair = 2 * triMul(cz, cfg.c_hidden_mul) +
    2 * triAtt(cz, cfg.c_hidden_pair_att, cfg.no_heads_pair) + trans(cz, cfg.transition_n);
  return msa + pair;
}

/** Count of our stack builders for the given widths (graph built, not run). */
function built(
  cm: number,
  cz: number,
  cs: number | null,
  cfg: EvoformerBlockConfig & { no_blocks: number },
): number {
  const b = new ModelBuilder();
  const m = b.g.input("m", [3, 4, cm]), z = b.g.input("z", [4, 4, cz]);
  const mm = b.g.input("mm", [3, 4]), pm = b.g.input("pm", [4, 4]);
  if (cs === null) extraMsaStack(b.scope(), { m, z }, mm, pm, cfg);
  else evoformerStack(b.scope(), { m, z }, mm, pm, cfg, cs);
  return b.paramCount();
}

Deno.test("parameter count formulas equal OpenFold's num_params of fixtures 02–08", async () => {
  const ctorOf = async (f: string) => {
    const c = await loadCase(`${SHARED_PARITY}/${f}.npz`);
    return { ctor: c.meta.ctor as Record<string, number>, n: Number(c.meta.num_params) };
  };
  const cases: [string, (k: Record<string, number>) => number][] = [
    ["02a_msa_row_attention_with_pair_bias", (k) => rowAtt(k.c_m, k.c_z, k.c_hidden, k.no_heads)],
    ["02b_msa_column_attention", (k) => colAtt(k.c_m, k.c_hidden, k.no_heads)],
    ["02c_msa_column_global_attention", (k) => globalAtt(k.c_in, k.c_hidden, k.no_heads)],
    ["02d_msa_transition", (k) => trans(k.c_m, k.n)],
    ["03_outer_product_mean", (k) => opm(k.c_m, k.c_z, k.c_hidden)],
    ["04a_triangle_multiplication_outgoing", (k) => triMul(k.c_z, k.c_hidden)],
    ["05a_triangle_attention_starting_node", (k) => triAtt(k.c_in, k.c_hidden, k.no_heads)],
    ["06_pair_transition", (k) => trans(k.c_z, k.n)],
    [
      "07a_evoformer_block",
      (k) => block(k.c_m, k.c_z, k as unknown as EvoformerBlockConfig, false),
    ],
    ["08a_extra_msa_block", (k) => block(k.c_m, k.c_z, k as unknown as EvoformerBlockConfig, true)],
  ];
  for (const [f, formula] of cases) {
    const { ctor, n } = await ctorOf(f);
    assertEquals(formula(ctor), n, f);
  }
  const evo = await ctorOf("07b_evoformer_stack");
  const k = evo.ctor as unknown as EvoformerBlockConfig & { no_blocks: number; c_s: number };
  const expected = k.no_blocks * block(evo.ctor.c_m, evo.ctor.c_z, k, false) +
    lin(evo.ctor.c_m, k.c_s);
  assertEquals(expected, evo.n, "07b formula");
  assertEquals(built(evo.ctor.c_m, evo.ctor.c_z, k.c_s, k), evo.n, "07b builder");
  const ext = await ctorOf("08b_extra_msa_stack");
  const ek = ext.ctor as unknown as EvoformerBlockConfig & { no_blocks: number };
  assertEquals(built(ext.ctor.c_m, ext.ctor.c_z, null, ek), ext.n, "08b builder");
});

Deno.test("AF2 model_1 widths: Evoformer and extra-MSA stack parameter counts", () => {
  const { c_m, c_z, c_s, c_e, evoformer, extra_msa } = AF2_MODEL_1;
  const evo = built(c_m, c_z, c_s, evoformer);
  const ext = built(c_e, c_z, null, extra_msa);
  console.log(
    `af2 Evoformer stack (48 blocks + single linear): ${evo.toLocaleString("en")} parameters; ` +
      `extra-MSA stack (4 blocks): ${ext.toLocaleString("en")}`,
  );
  assertEquals(evo, evoformer.no_blocks * block(c_m, c_z, evoformer, false) + lin(c_m, c_s));
  assertEquals(ext, extra_msa.no_blocks * block(c_e, c_z, extra_msa, true));
});
