/**
 * The manifests of a data root (../shared/data or the bundled data/sample, same
 * layout): backbone-corpus chains and fullatom chains, validated row by row.
 *
 * @module
 */

import { z } from "zod";
import { InputError, ParseError } from "../../model/util/errors.ts";
import { readText } from "../../model/io/text.ts";

/** File locations inside a data root. */
export function dataPaths(root: string) {
  return {
    backboneManifest: `${root}/backbone/pm3_manifest.tsv`,
    backboneChains: `${root}/backbone/pm3_backbone.jsonl.gz`,
    backboneProfiles: `${root}/backbone/pm3_profiles.jsonl.gz`,
    fullatomManifest: `${root}/fullatom/fullatom_manifest.tsv`,
    openfoldMsas: `${root}/msa/openfold`,
    root,
  };
}

const sequence = z.string().regex(/^[A-Z]+$/, "sequence of upper-case letters");

const backboneRow = z.object({
  id: z.string().min(1),
  pdb: z.string(),
  chain: z.string(),
  start: z.coerce.number().int(),
  len: z.coerce.number().int().positive(),
  clu30: z.string().min(1),
  clu50: z.string().min(1),
  seq: sequence,
}).refine((r) => r.seq.length === r.len, { message: "seq length differs from len" });

/** One row of `pm3_manifest.tsv`. */
export type BackboneManifestRow = z.infer<typeof backboneRow>;

const fullatomRow = z.object({
  file: z.string().min(1),
  chain: z.string(),
  len: z.coerce.number().int().positive(),
  models: z.coerce.number().int().positive(),
  source: z.string(),
  in_pm3_backbone_set: z.enum(["0", "1"]),
  seq: sequence,
}).refine((r) => r.seq.length === r.len, { message: "seq length differs from len" });

/** One row of `fullatom_manifest.tsv`. */
export type FullatomManifestRow = z.infer<typeof fullatomRow>;

/** Parse a TSV with a header line; every row is validated by `schema`. */
export function parseTsv<T>(text: string, file: string, schema: z.ZodType<T>): T[] {
  const lines = text.split("\n");
  const header = lines[0].replace(/\r$/, "").split("\t");
  const out: T[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, "");
    if (line === "") continue;
    const cells = line.split("\t");
    if (cells.length !== header.length) {
      throw new ParseError(
        { file, line: i + 1 },
        `${cells.length} columns, header has ${header.length}`,
      );
    }
    const r = schema.safeParse(Object.fromEntries(header.map((h, k) => [h, cells[k]])));
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new ParseError({ file, line: i + 1 }, `${issue.path.join(".")}: ${issue.message}`);
    }
    out.push(r.data);
  }
  return out;
}

/** Read `backbone/pm3_manifest.tsv` of a data root. */
export async function readBackboneManifest(root: string): Promise<BackboneManifestRow[]> {
  const path = dataPaths(root).backboneManifest;
  let text: string;
  try {
    text = await readText(path, "table");
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    throw new InputError(`${root} is not a data root: no backbone/pm3_manifest.tsv in it`);
  }
  return parseTsv(text, path, backboneRow);
}

/** Read `fullatom/fullatom_manifest.tsv` of a data root (empty when absent). */
export async function readFullatomManifest(root: string): Promise<FullatomManifestRow[]> {
  const path = dataPaths(root).fullatomManifest;
  let text: string;
  try {
    text = await readText(path, "table");
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  return parseTsv(text, path, fullatomRow);
}
