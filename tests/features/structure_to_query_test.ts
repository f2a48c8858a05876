import { assert, assertEquals } from "../assert.ts";
import { alignToQuery, fitsQuery } from "../../model/features/structure_to_query.ts";
import { Dataset } from "../../train/data/dataset.ts";
import { ATOM_ORDER, ATOM_TYPE_NUM } from "../../model/protein/residue_constants.ts";
import { SAMPLE_DATA } from "./sample_data.ts";
import { haveProgram, toolMissing } from "../tools.ts";

Deno.test("alignToQuery places a structure with a missing loop contiguously", () => {
  const query = "MKVLAAGIVGGSGSGSEELLKKA";
  const observed = "MKVLAAGIVEELLKKA"; // residues 10..16 (GGSGSGS) unobserved
  const map = Array.from(alignToQuery(observed, query));
  assertEquals(map, [0, 1, 2, 3, 4, 5, 6, 7, 8, 16, 17, 18, 19, 20, 21, 22]);
  assert(fitsQuery(observed, query));
  // A short unrelated chain matches scattered letters only: rejected.
  assert(!fitsQuery("WHEKDPYRQ", query));
});

Deno.test("observed residues land on their mmCIF label_seq_id positions (gemmi reference)", async () => {
  const py = "/usr/bin/python3";
  const probe = haveProgram(py) &&
    new Deno.Command(py, { args: ["-c", "import gemmi"] }).outputSync();
  if (!probe || !probe.success) {
    return toolMissing(
      "gemmi for /usr/bin/python3 is not installed (apt-get install python3-gemmi)",
    );
  }
  const ds = await Dataset.open(SAMPLE_DATA);
  const CA = ATOM_ORDER["CA"];
  for (const id of ["3u8v_A", "3zee_A", "4i6p_B", "2q2k_A"]) {
    const entry = ds.entries.find((e) => e.id === id)!;
    const input = await ds.loadInput(entry);
    const s = input.structure!;
    const [file, chain] = [`${SAMPLE_DATA}/${entry.file}`, entry.chain!];
    // gemmi: label_seq_id (1-based SEQRES position) and CA of every observed residue.
    const script = `import gemmi, json, sys
st = gemmi.read_structure(sys.argv[1]); st.setup_entities()
out = [[r.label_seq, list(r['CA'][0].pos.tolist())] for r in st[0][sys.argv[2]].get_polymer() if r.find_atom('CA', '*')]
print(json.dumps(out))`;
    const r = new Deno.Command(py, { args: ["-c", script, file, chain] }).outputSync();
    assert(r.success, new TextDecoder().decode(r.stderr));
    const ref = JSON.parse(new TextDecoder().decode(r.stdout)) as [number, number[]][];
    let placed = 0;
    for (let i = 0; i < s.aatype.length; i++) placed += s.atomMask[i * ATOM_TYPE_NUM + CA];
    assertEquals(placed, ref.length, `${id}: observed CA count`);
    let maxErr = 0;
    for (const [labelSeq, xyz] of ref) {
      const slot = (labelSeq - 1) * ATOM_TYPE_NUM + CA;
      assertEquals(s.atomMask[slot], 1, `${id} residue ${labelSeq}`);
      for (let d = 0; d < 3; d++) {
        maxErr = Math.max(maxErr, Math.abs(s.atomPositions[slot * 3 + d] - xyz[d]));
      }
    }
    assert(maxErr < 1e-3, `${id}: CA max error ${maxErr}`);
  }
});
