/**
 * Structural violations on a real crystal chain: the experimental structure
 * has no peptide-bond violations and a small violation loss; stretching one
 * C–N bond by translating the rest of the chain along it changes exactly that
 * bond (angles stay), and the flat-bottom C–N loss then equals the value
 * computed by hand from the coordinates; a chain break (residue-number gap)
 * there removes the term.
 */
import * as G from "../../model/graph/mod.ts";
import { findStructuralViolations, violationLoss } from "../../model/losses/violations.ts";
import { lossConfig } from "../../model/losses/config.ts";
import {
  BETWEEN_RES_BOND_LENGTH_C_N,
  BETWEEN_RES_BOND_LENGTH_STDDEV_C_N,
  RESTYPES,
} from "../../model/protein/residue_constants.ts";
import { Feeder, realChain } from "./loss_real_chain.ts";
import { assert, assertAlmostEquals, assertEquals } from "../assert.ts";

const CFG = lossConfig("finetune").violation;
const STRETCH = 1.0; // Å added to one peptide bond
const PRO = RESTYPES.indexOf("P");

async function violationsOf(
  pos: Float32Array,
  residueIndex: Int32Array,
  gt: Awaited<ReturnType<typeof realChain>>["gt"],
  aatype: Int32Array,
) {
  const n = aatype.length;
  const f = new Feeder();
  const batch = {
    aatype: f.input("aatype", aatype, [n]),
    residue_index: f.input("residue_index", residueIndex, [n]),
    atom14_atom_exists: f.input("exists", gt.atom14_atom_exists.data, [n, 14]),
    residx_atom14_to_atom37: f.input("to37", gt.residx_atom14_to_atom37.data, [n, 14]),
  };
  const v = findStructuralViolations(batch, f.input("pos", pos, [n, 14, 3]), CFG);
  const b = v.between_residues;
  return await f.run({
    cn: b.bonds_c_n_loss_mean,
    cacn: b.angles_ca_c_n_loss_mean,
    cnca: b.angles_c_n_ca_loss_mean,
    bondMask: b.connections_per_residue_violation_mask,
    loss: violationLoss(v, batch.atom14_atom_exists, CFG),
    clash: G.sum(b.clashes_per_atom_loss_sum),
  });
}

/** Every residue's atom14 slot `a` exists in this chain's ground truth. */
function allObserved(exists: Float32Array, n: number, slots: number[]): boolean {
  return Array.from({ length: n }).every((_, i) => slots.every((a) => exists[i * 14 + a] === 1));
}

Deno.test("violations of a real chain, and of one stretched peptide bond", async () => {
  const { protein, gt } = await realChain();
  const n = protein.aatype.length;
  const pos = gt.atom14_gt_positions.data;
  assert(allObserved(gt.atom14_gt_exists.data, n, [0, 1, 2]), "test chain lacks backbone atoms");
  const ri = Int32Array.from(protein.residueIndex);
  const real = await violationsOf(pos, ri, gt, protein.aatype);
  console.log(`crystal chain: violation loss ${real.loss[0]}, clash sum ${real.clash[0]}`);
  assertEquals([real.cn[0], real.cacn[0], real.cnca[0]], [0, 0, 0]);
  assertEquals(real.bondMask, real.bondMask.map(() => 0));
  assert(real.loss[0] < 0.05, `crystal structure violation loss ${real.loss[0]}`);

  // Stretch the bond C(k)–N(k+1) by moving residues k+1.. along its direction.
  const k = Math.floor(n / 2);
  const at = (i: number, a: number) => [0, 1, 2].map((d) => pos[(i * 14 + a) * 3 + d]);
  const c = at(k, 2), nn = at(k + 1, 0);
  const len = Math.hypot(nn[0] - c[0], nn[1] - c[1], nn[2] - c[2]);
  const dir = [0, 1, 2].map((d) => (nn[d] - c[d]) / len);
  const stretched = Float32Array.from(
    pos,
    (v, idx) => Math.floor(idx / 42) > k ? v + STRETCH * dir[idx % 3] : v,
  );
  const moved = await violationsOf(stretched, ri, gt, protein.aatype);
  // By hand: the flat-bottom error of that one bond over the n − 1 bonds scored.
  const pro = protein.aatype[k + 1] === PRO ? 1 : 0;
  const err = Math.sqrt((len + STRETCH - BETWEEN_RES_BOND_LENGTH_C_N[pro]) ** 2 + 1e-6);
  const want = Math.max(0, err - 12 * BETWEEN_RES_BOND_LENGTH_STDDEV_C_N[pro]) / (n - 1 + 1e-6);
  console.log(`stretched bond ${k}: C-N loss ${moved.cn[0]} (by hand ${want})`);
  assertAlmostEquals(moved.cn[0], want, 1e-6);
  assertAlmostEquals(moved.cacn[0], real.cacn[0], 1e-7);
  assertAlmostEquals(moved.cnca[0], real.cnca[0], 1e-7);
  assertEquals(moved.bondMask, moved.bondMask.map((_, i) => (i === k || i === k + 1 ? 1 : 0)));
  assert(moved.loss[0] > real.loss[0] + 0.9 * want, "the violation loss ignores the bond");

  // A chain break between k and k+1: no peptide-bond terms there.
  const gap = Int32Array.from(ri, (v, i) => (i > k ? v + 3 : v));
  const broken = await violationsOf(stretched, gap, gt, protein.aatype);
  assertEquals(broken.cn[0], 0);
  assertEquals(broken.bondMask, broken.bondMask.map(() => 0));
});
