import { assert, assertAlmostEquals, assertThrows } from "../assert.ts";
import { tmD0, tmScore } from "../../analysis/tm_score.ts";
import { backbonePdb, caOfChain, corpusChains, runTool, seededRng } from "./fixtures.ts";
import { sharedData } from "../shared_data.ts";
import { InputError } from "../../model/util/errors.ts";

interface Pair {
  label: string;
  model: Float64Array;
  ref: Float64Array;
  seq: string;
}

/** Real pairs: chains vs noisy copies with a displaced loop, and equal-length different chains. */
async function pairs(): Promise<Pair[]> {
  const chains = await corpusChains(300);
  const rng = seededRng(7);
  const out: Pair[] = [];
  for (const [k, c] of chains.slice(0, 5).entries()) {
    const ref = caOfChain(c), n = c.seq.length;
    const model = ref.map((v) => v + (0.5 + 0.5 * k) * rng.normal());
    // Move a loop-sized segment (15 % of the chain) by 5-8 Å.
    const from = Math.floor(n * 0.4), to = Math.floor(n * 0.55);
    for (let i = from; i < to; i++) for (let d = 0; d < 3; d++) model[3 * i + d] += 5 + k * (d - 1);
    out.push({ label: `${c.id} perturbed`, model, ref, seq: c.seq });
  }
  const byLength = new Map<number, typeof chains>();
  for (const c of chains) byLength.set(c.seq.length, [...(byLength.get(c.seq.length) ?? []), c]);
  for (const cs of byLength.values()) {
    if (cs.length < 2 || out.length >= 10) continue;
    out.push({
      label: `${cs[0].id} vs ${cs[1].id}`,
      model: caOfChain(cs[0]),
      ref: caOfChain(cs[1]),
      seq: cs[1].seq,
    });
  }
  return out;
}

sharedData.test("shared data: TM-score, GDT-TS, GDT-HA and RMSD agree with Debian's TMscore", async () => {
  const dir = await Deno.makeTempDir();
  try {
    let maxTm = 0, maxGdt = 0, maxHa = 0, count = 0;
    for (const p of await pairs()) {
      await Deno.writeTextFile(`${dir}/model.pdb`, backbonePdb(p.model, p.seq, ["CA"]));
      await Deno.writeTextFile(`${dir}/ref.pdb`, backbonePdb(p.ref, p.seq, ["CA"]));
      const out = await runTool("TMscore", [`${dir}/model.pdb`, `${dir}/ref.pdb`]);
      if (out === null) return;
      const num = (re: RegExp) => Number(re.exec(out)![1]);
      const want = {
        tm: num(/TM-score\s*=\s*([\d.]+)/),
        gdt: num(/GDT-TS-score=\s*([\d.]+)/),
        ha: num(/GDT-HA-score=\s*([\d.]+)/),
        rmsd: num(/RMSD of {2}the common residues=\s*([\d.]+)/),
      };
      const got = tmScore(p.model, p.ref);
      console.log(
        `${p.label} (L=${p.seq.length}): TM ${got.tmScore.toFixed(4)} vs ${want.tm}, ` +
          `GDT-TS ${got.gdtTs.toFixed(4)} vs ${want.gdt}, GDT-HA ${
            got.gdtHa.toFixed(4)
          } vs ${want.ha}`,
      );
      assertAlmostEquals(got.tmScore, want.tm, 0.01, `${p.label} TM-score`);
      assertAlmostEquals(got.gdtTs, want.gdt, 0.01, `${p.label} GDT-TS`);
      assertAlmostEquals(got.gdtHa, want.ha, 0.01, `${p.label} GDT-HA`);
      assertAlmostEquals(got.rmsd, want.rmsd, 0.002, `${p.label} RMSD`);
      maxTm = Math.max(maxTm, Math.abs(got.tmScore - want.tm));
      maxGdt = Math.max(maxGdt, Math.abs(got.gdtTs - want.gdt));
      maxHa = Math.max(maxHa, Math.abs(got.gdtHa - want.ha));
      count++;
    }
    console.log(`${count} pairs: max |ΔTM| ${maxTm}, |ΔGDT-TS| ${maxGdt}, |ΔGDT-HA| ${maxHa}`);
    assert(count >= 8, `only ${count} pairs`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("TM-score of a structure with itself is 1; d0 follows the formula", async () => {
  const [c] = await corpusChains(1);
  const ca = caOfChain(c);
  const r = tmScore(ca, ca);
  assertAlmostEquals(r.tmScore, 1, 1e-12);
  assertAlmostEquals(r.gdtTs, 1, 1e-12);
  assertAlmostEquals(r.rmsd, 0, 1e-6);
  assertAlmostEquals(tmD0(100), 1.24 * Math.cbrt(85) - 1.8, 1e-12);
  assertAlmostEquals(tmD0(10), 0.5, 0);
  // Normalising by a longer reference counts the unaligned residues as misses.
  assertAlmostEquals(tmScore(ca, ca, 2 * c.seq.length).tmScore, 0.5, 1e-12);
  assertThrows(() => tmScore(ca, ca.slice(3)), InputError);
});
