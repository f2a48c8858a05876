import { assert, assertEquals } from "../assert.ts";
import { fillVirtualCb } from "../../model/features/virtual_cb.ts";
import { readStructure } from "../../model/protein/structure_file.ts";
import { ATOM_ORDER, ATOM_TYPE_NUM, RESTYPES } from "../../model/protein/residue_constants.ts";
import { SAMPLE_DATA } from "./sample_data.ts";

Deno.test("virtual Cβ lies within a few tenths of an Å of the observed CB (bundled mmCIFs)", async () => {
  const CB = ATOM_ORDER["CB"];
  let n = 0, sum = 0, max = 0;
  for (const f of ["3zee.cif.gz", "3u8v.cif.gz", "4i6p.cif.gz"]) {
    const p = await readStructure(`${SAMPLE_DATA}/fullatom/github/aqlaboratory_openfold/${f}`);
    const L = p.aatype.length;
    // Hide every CB, fill virtual ones, compare with the hidden observed CB.
    const mask = p.atomMask.slice();
    for (let r = 0; r < L; r++) mask[r * ATOM_TYPE_NUM + CB] = 0;
    const pb = new Float32Array(L * 3), pbMask = new Float32Array(L);
    fillVirtualCb(p.aatype, p.atomPositions, mask, pb, pbMask);
    for (let r = 0; r < L; r++) {
      if (p.aatype[r] === RESTYPES.indexOf("G")) {
        assertEquals(pbMask[r], 0, "glycine untouched");
        continue;
      }
      if (!(p.atomMask[r * ATOM_TYPE_NUM + CB] > 0) || !pbMask[r]) continue;
      const d = Math.hypot(
        ...[0, 1, 2].map((k) => pb[r * 3 + k] - p.atomPositions[(r * ATOM_TYPE_NUM + CB) * 3 + k]),
      );
      n++;
      sum += d;
      max = Math.max(max, d);
    }
  }
  console.log(
    `virtual vs observed CB over ${n} residues: mean ${(sum / n).toFixed(3)} Å, max ${
      max.toFixed(3)
    } Å`,
  );
  assert(n > 200, `${n} residues`);
  assert(sum / n < 0.15, `mean ${sum / n}`);
  assert(max < 0.6, `max ${max}`);
});
