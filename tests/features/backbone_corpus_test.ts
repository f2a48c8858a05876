import { assert, assertEquals, assertThrows } from "../assert.ts";
import {
  backboneToProtein,
  parseBackboneLine,
  readBackboneCorpus,
  readProfiles,
} from "../../model/features/backbone_corpus.ts";
import { ParseError } from "../../model/util/errors.ts";
import { SHARED_DATA, sharedData } from "../shared_data.ts";

sharedData.test("shared data: backbone corpus decodes to physical bond lengths", async () => {
  const path = `${SHARED_DATA}/backbone/pm3_backbone.jsonl.gz`;
  let chains = 0;
  for await (const c of readBackboneCorpus(path, { limit: 20 })) {
    chains++;
    const p = backboneToProtein(c);
    assertEquals(p.aatype.length, c.seq.length);
    // N-CA is 1.46 Å and CA-C 1.52 Å in every real residue: a decoding error breaks this.
    for (let i = 0; i < c.seq.length; i++) {
      const at = (a: number, d: number) => c.backbone[(i * 4 + a) * 3 + d];
      const dist = (a: number, b: number) =>
        Math.hypot(at(a, 0) - at(b, 0), at(a, 1) - at(b, 1), at(a, 2) - at(b, 2));
      assert(Math.abs(dist(0, 1) - 1.46) < 0.08, `${c.id} ${i} N-CA ${dist(0, 1)}`);
      assert(Math.abs(dist(1, 2) - 1.52) < 0.08, `${c.id} ${i} CA-C ${dist(1, 2)}`);
    }
  }
  assertEquals(chains, 20);
});

sharedData.test("shared data: profiles are per-residue distributions", async () => {
  const path = `${SHARED_DATA}/backbone/pm3_profiles.jsonl.gz`;
  for await (const { id, profile } of readProfiles(path, { limit: 5 })) {
    for (let i = 0; i < profile.length / 20; i++) {
      let s = 0;
      for (let k = 0; k < 20; k++) s += profile[i * 20 + k];
      assert(Math.abs(s - 1) < 0.1, `${id} row ${i} sums to ${s}`);
    }
  }
});

Deno.test("backbone line errors name file, line and field", () => {
  const e = assertThrows(
    () => parseBackboneLine('{"id":"X_A","len":2}', "corpus.jsonl", 7),
    ParseError,
  );
  assert(e.message.startsWith("corpus.jsonl:7: field "), e.message);
  assertThrows(() => parseBackboneLine("{not json", "c.jsonl", 3), ParseError, "c.jsonl:3");
});
