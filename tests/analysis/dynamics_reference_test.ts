import { assertAlmostEquals } from "../assert.ts";
import { readSnapshots } from "../../analysis/snapshots.ts";
import { learningDynamics } from "../../analysis/dynamics.ts";
import { parseClassicDssp } from "../../analysis/dssp_classic.ts";
import { alphaBetaChains, writeSsOrderRun } from "./dynamics_run_fixture.ts";
import { backbonePdb, runTool } from "./fixtures.ts";
import { pythonWith } from "../io/python_ref.ts";

// From scratch in numpy: lDDT-Cα per residue (Mariani et al.: pairs within 15 Å
// in the reference, thresholds 0.5/1/2/4 Å) pooled by the stored 3-state class,
// contact precision and principal-axis extents.
const LDDT_BY_CLASS = `
import json, sys
import numpy as np
inp = json.load(sys.stdin)
sums, counts = {}, {}
for p in inp["probes"]:
    t = np.array(p["truth"]).reshape(-1, 3); q = np.array(p["pred"]).reshape(-1, 3)
    dt = np.linalg.norm(t[:, None] - t[None], axis=-1); dq = np.linalg.norm(q[:, None] - q[None], axis=-1)
    incl = (dt < 15) & ~np.eye(len(t), dtype=bool)
    err = np.abs(dt - dq)
    s = sum((err < c).astype(float) for c in (0.5, 1, 2, 4)) / 4
    per = (s * incl).sum(1) / incl.sum(1)
    for i, c in enumerate(p["ss3"]):
        sums[c] = sums.get(c, 0) + per[i]; counts[c] = counts.get(c, 0) + 1
out = {c: sums[c] / counts[c] for c in sums}
# Top-L/5 contact precision per range (true: Cα < 8 Å; score: closer predicted Cα
# first, ties in (i, j) order), averaged over probes; relative PCA extents.
for name, lo, hi in (("short", 6, 11), ("medium", 12, 23), ("long", 24, 10**9)):
    precs = []
    for p in inp["probes"]:
        t = np.array(p["truth"]).reshape(-1, 3); q = np.array(p["pred"]).reshape(-1, 3)
        n = len(t)
        pairs = [(i, j) for i in range(n) for j in range(i + lo, min(n, i + hi + 1))]
        if not pairs: continue
        dq = np.array([np.linalg.norm(q[i] - q[j]) for i, j in pairs])
        order = np.argsort(dq, kind="stable")[: n // 5]
        precs.append(np.mean([np.linalg.norm(t[pairs[k][0]] - t[pairs[k][1]]) < 8 for k in order]))
    out[name] = float(np.mean(precs))
def extent(x):
    x = x - x.mean(0)
    return np.sqrt(np.sort(np.linalg.eigvalsh(x.T @ x / len(x)))[::-1])
rel = [extent(np.array(p["pred"]).reshape(-1, 3)) / extent(np.array(p["truth"]).reshape(-1, 3)) for p in inp["probes"]]
out["axes"] = np.mean(rel, axis=0).tolist()
print(json.dumps(out))
`;

const three = (c: string) => ("HGI".includes(c) ? "H" : "EB".includes(c) ? "E" : "C");

Deno.test("dynamics: per-class lDDT, contacts and axes agree with numpy, SS formed with mkdssp, at mid-training", async () => {
  const py = pythonWith(["numpy"]);
  if (!py) return;
  const dir = await Deno.makeTempDir();
  try {
    const chains = await alphaBetaChains(3);
    await writeSsOrderRun(dir, chains);
    const { probes, snapshots } = await readSnapshots(dir);
    const dyn = learningDynamics(probes, snapshots);
    // Steps where helices are done but strands are not (the interesting middle).
    const truthSs = new Map<number, string[] | null>();
    for (const step of [12, 112]) {
      const k = dyn.steps.indexOf(step);
      const snap = snapshots[k];
      const ca = (bb: number[]) => bb.filter((_, x) => Math.floor(x / 3) % 4 === 1);
      const input = {
        probes: probes.map((p, j) => ({
          truth: ca(p.backbone),
          pred: ca(snap.probes[j].backbone),
          ss3: [...p.dssp].map(three).join(""),
        })),
      };
      const out = await runTool(py, ["-c", LDDT_BY_CLASS], JSON.stringify(input));
      if (out === null) return;
      const ref = JSON.parse(out);
      for (const [cls, code] of [["helix", "H"], ["strand", "E"], ["coil", "C"]] as const) {
        assertAlmostEquals(dyn.perStep[k].lddtByClass[cls]!, ref[code], 1e-9, `${cls} @${step}`);
      }
      for (const r of ["short", "medium", "long"] as const) {
        assertAlmostEquals(dyn.perStep[k].contacts[r]!, ref[r], 1e-9, `${r} contacts @${step}`);
      }
      dyn.perStep[k].relativeExtent.forEach((e, a) =>
        assertAlmostEquals(e, ref.axes[a], 1e-6, `axis ${a + 1} @${step}`)
      );
      // SS formed with Debian's mkdssp on the same backbones (truth and prediction).
      let hitH = 0, refH = 0, hitE = 0, refE = 0;
      for (const [j, p] of probes.entries()) {
        const ss = async (bb: number[]) => {
          await Deno.writeTextFile(`${dir}/in.pdb`, backbonePdb(bb, p.seq));
          if (
            await runTool("mkdssp", [
              "--output-format",
              "dssp",
              `${dir}/in.pdb`,
              `${dir}/out.dssp`,
            ]) === null
          ) {
            return null;
          }
          const res = parseClassicDssp(await Deno.readTextFile(`${dir}/out.dssp`), "out.dssp");
          const s = new Array(p.seq.length).fill("C");
          for (const r of res) s[r.resNum - 1] = three(r.ss);
          return s;
        };
        if (!truthSs.has(j)) truthSs.set(j, await ss(p.backbone));
        const t = truthSs.get(j)!, q = await ss(snap.probes[j].backbone);
        if (t === null || q === null) return;
        // The decomposition's collapse rule (a Cα within 1 Å of another is coil), applied here.
        const pc = input.probes[j].pred;
        for (let i = 0; i < q.length; i++) {
          for (let m = 0; m < q.length; m++) {
            const d = Math.hypot(
              pc[3 * i] - pc[3 * m],
              pc[3 * i + 1] - pc[3 * m + 1],
              pc[3 * i + 2] - pc[3 * m + 2],
            );
            if (m !== i && d < 1) q[i] = "C";
          }
        }
        t.forEach((c, i) => {
          if (c === "H") [refH, hitH] = [refH + 1, hitH + (q[i] === "H" ? 1 : 0)];
          if (c === "E") [refE, hitE] = [refE + 1, hitE + (q[i] === "E" ? 1 : 0)];
        });
      }
      const ours = dyn.perStep[k].formed;
      console.log(
        `step ${step}: helix formed ${ours.helix!.toFixed(3)} (mkdssp ${
          (hitH / refH).toFixed(3)
        }), ` +
          `strand formed ${ours.strand!.toFixed(3)} (mkdssp ${(hitE / refE).toFixed(3)})`,
      );
      assertAlmostEquals(ours.helix!, hitH / refH, 0.01, `helix formed @${step}`);
      assertAlmostEquals(ours.strand!, hitE / refE, 0.01, `strand formed @${step}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
