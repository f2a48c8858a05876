/**
 * The in-graph lDDT-Cα behind the pLDDT loss agrees with the plain-TS lDDT of
 * `analysis/lddt.ts` (itself checked against OpenFold's fixture and a brute-force
 * count) on real chains with noisy "predictions", per residue and global, and
 * both agree with OpenFold's 14g fixture.
 */
import * as G from "../../model/graph/mod.ts";
import { lddtGraph } from "../../model/losses/plddt.ts";
import { lddt } from "../../analysis/lddt.ts";
import { arrayOf, loadCase } from "../../analysis/parity/harness.ts";
import { ATOM_ORDER, ATOM_TYPE_NUM } from "../../model/protein/residue_constants.ts";
import { caOfChain, corpusChains, seededRng } from "../analysis/fixtures.ts";
import { SHARED_PARITY } from "../shared_data.ts";
import { assert } from "../assert.ts";

/** Run the graph lDDT (float64) per residue and global. */
async function graphLddt(
  pred: Float64Array,
  truth: Float64Array,
  mask: Float64Array,
  eps: number,
): Promise<{ perResidue: Float64Array; global: number }> {
  const n = mask.length;
  const g = new G.Graph();
  const p = g.input("pred", [n, 3], "float64");
  const t = g.input("truth", [n, 3], "float64");
  const m = g.input("mask", [n], "float64");
  const run = await G.compile({
    per: lddtGraph(p, t, m, { eps }),
    global: lddtGraph(p, t, m, { eps, perResidue: false }),
  });
  const r = await run.run({ pred, truth, mask });
  return { perResidue: r.per.data as Float64Array, global: Number(r.global.data[0]) };
}

Deno.test("in-graph lDDT-Cα equals analysis/lddt.ts on real chains with noise", async () => {
  const rng = seededRng(11);
  let worst = 0, scored = 0;
  for (const c of await corpusChains(4)) {
    const truth = caOfChain(c), n = truth.length / 3;
    for (const sigma of [0.3, 1, 3]) {
      const pred = truth.map((v) => v + sigma * rng.normal());
      // A few residues missing from the "experimental" structure.
      const mask = Float64Array.from({ length: n }, () => (rng.uniform() < 0.1 ? 0 : 1));
      const want = lddt(pred, truth, mask, { eps: 1e-10 });
      const got = await graphLddt(pred, truth, mask, 1e-10);
      for (let i = 0; i < n; i++) {
        worst = Math.max(worst, Math.abs(got.perResidue[i] - want.perResidue[i]));
      }
      worst = Math.max(worst, Math.abs(got.global - want.global));
      scored += n;
      assert(want.global > 0.05 && want.global < 0.999, `lDDT ${want.global} not informative`);
    }
  }
  console.log(`in-graph vs analysis lDDT-Cα: ${scored} residues, max |difference| ${worst}`);
  assert(worst < 1e-12, `max difference ${worst}`);
});

Deno.test("in-graph and analysis lDDT-Cα both match OpenFold's 14g fixture", async () => {
  const c = await loadCase(`${SHARED_PARITY}/14g_lddt.npz`);
  const get = (k: string) => Float64Array.from(arrayOf(c, k).data as ArrayLike<number>, Number);
  const n = arrayOf(c, "in/all_atom_mask").shape[0], ca = ATOM_ORDER.CA;
  const pickCa = (x: Float64Array) =>
    Float64Array.from(
      { length: 3 * n },
      (_, k) => x[(Math.floor(k / 3) * ATOM_TYPE_NUM + ca) * 3 + (k % 3)],
    );
  const pred = pickCa(get("in/all_atom_pred_pos")), truth = pickCa(get("in/all_atom_positions"));
  const mask37 = get("in/all_atom_mask");
  const mask = Float64Array.from({ length: n }, (_, i) => mask37[i * ATOM_TYPE_NUM + ca]);
  const ours = await graphLddt(pred, truth, mask, 1e-10);
  const plain = lddt(pred, truth, mask, { eps: 1e-10 });
  const want = get("out/lddt_ca_per_residue");
  let err = 0;
  for (let i = 0; i < n; i++) {
    err = Math.max(
      err,
      Math.abs(ours.perResidue[i] - want[i]),
      Math.abs(plain.perResidue[i] - want[i]),
    );
  }
  const wantGlobal = get("out/lddt_ca_global")[0];
  err = Math.max(err, Math.abs(ours.global - wantGlobal), Math.abs(plain.global - wantGlobal));
  console.log(`lDDT-Cα vs OpenFold 14g (graph and plain TS): max error ${err}`);
  // The fixture is float32 (lDDT values to ~6e-8); every threshold decision is >= 6e-3 Å from flipping.
  assert(err < 1e-6, `max error ${err}`);
});
