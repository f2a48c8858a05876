/**
 * `deno task export`: a trained model as ONE recycling iteration of inference
 * in a self-contained ONNX file (weights embedded), with its input/output
 * contract beside it and, for `--example FASTA`, the feeds of that sequence
 * for every iteration (what `docs/browser/` runs). `docs/export.md` documents
 * the contract. {@link EXPORT_CLI} is its usage.
 *
 * @module
 */

import { z } from "zod";
import { loadTrainedModel } from "../../model/trained.ts";
import { type ExportContract, exportFeeds, exportOnnx } from "../../model/export.ts";
import { buildFeatures } from "../../model/features/pipeline.ts";
import { readFasta } from "../../model/features/fasta.ts";
import { readA3m } from "../../model/features/a3m.ts";
import { readStockholmMsa } from "../../model/features/stockholm.ts";
import { Rng } from "../../model/util/rng.ts";
import { writeFileAtomic, writeTextFileAtomic } from "../../model/io/atomic.ts";
import type { TypedArray } from "../../model/graph/mod.ts";
import { InputError, ParseError, UsageError } from "../../model/util/errors.ts";
import {
  checkQuery,
  type CliSpec,
  inputPath,
  intFlag,
  requireReadable,
  runCli,
  textFlag,
} from "./kit.ts";
import { Buffer } from "node:buffer";

const MAX_LENGTH = 4000;

/** The example file's format tag (what `docs/browser/` reads). */
export const EXAMPLE_FORMAT = "denofold-onnx-example-1";

/** The export command's flags, usage and schema. */
export const EXPORT_CLI = {
  name: "export",
  synopsis: [
    "deno task export --checkpoint CKPT.json --length L --out model.onnx [--example q.fasta]",
  ],
  about: `Writes one recycling iteration of the model's inference as ONNX (opset 18) with the
weights embedded, for sequences of exactly L residues, and model.contract.json beside it (input
and output names, shapes and dtypes; which outputs feed which inputs when recycling;
docs/export.md). --example FASTA also writes model.example.json: the features of that sequence (L
residues) for each of recycles + 1 iterations, as docs/browser/ runs them. Files beside --out are
replaced only when they are an earlier export's.`,
  flags: {
    checkpoint: { value: "FILE", help: "the model: a checkpoint or model file sidecar .json" },
    params: { value: "KIND", help: "ema (default) or raw parameters" },
    length: { value: "L", help: `residues the graph takes, 1-${MAX_LENGTH}` },
    "msa-clusters": { value: "N", help: "MSA cluster rows the graph takes (default 1)" },
    "extra-msa": { value: "N", help: "extra MSA rows the graph takes (default 0: none)" },
    out: { value: "FILE", help: "the model to write: .onnx" },
    example: { value: "FASTA", help: "write the feeds of this one-record FASTA (L residues)" },
    msa: {
      value: "FILE",
      multiple: true,
      help: "of --example: an alignment, A3M or Stockholm (.sto, .sto.gz)",
    },
    recycles: { value: "N", help: "of --example: recycling iterations, 0-20 (default 3)" },
    seed: { value: "N", help: "of --example: seed of the MSA sampling (default 0)" },
  },
  schema: z.object({
    checkpoint: inputPath("file").refine((p) => p.endsWith(".json"), "must be a sidecar .json"),
    params: z.enum(["ema", "raw"], { error: "must be ema or raw" }).default("ema"),
    length: intFlag({ min: 1, max: MAX_LENGTH }),
    msaClusters: intFlag({ min: 1 }).default(1),
    extraMsa: intFlag({ min: 0 }).default(0),
    out: textFlag().regex(/\.onnx$/, "must end in .onnx"),
    example: inputPath("file").optional(),
    msa: z.array(inputPath("file")).default([]),
    recycles: intFlag({ min: 0, max: 20 }).default(3),
    seed: intFlag().default(0),
  }),
} satisfies CliSpec;

type Args = z.output<typeof EXPORT_CLI.schema>;

/** A typed array as the example file holds it: dtype, shape, little-endian bytes in base64. */
function encoded(v: TypedArray, shape: number[], dtype: string) {
  return {
    dtype,
    shape,
    base64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64"),
  };
}

/** Refuse to replace a file beside --out that is not an earlier export's (`format` tag). */
function checkOurs(path: string, format: string): void {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    return;
  }
  let tag: unknown;
  try {
    tag = JSON.parse(text).format;
  } catch {
    tag = undefined;
  }
  if (tag !== format) {
    throw new InputError(`${path} exists and is not an earlier export's; move it or choose --out`);
  }
}

async function exportCommand(a: Args): Promise<void> {
  const dir = a.out.includes("/") ? a.out.slice(0, a.out.lastIndexOf("/")) || "/" : ".";
  requireReadable(dir, "directory", "--out");
  const base = a.out.replace(/\.onnx$/, "");
  const contractPath = `${base}.contract.json`, examplePath = `${base}.example.json`;
  checkOurs(contractPath, "denofold-onnx-1");
  if (a.example) checkOurs(examplePath, EXAMPLE_FORMAT);
  if (a.msa.length > 0 && !a.example) throw new UsageError("--msa needs --example");
  let sequence: string | undefined;
  if (a.example) {
    const records = await readFasta(a.example);
    if (records.length !== 1) {
      throw new ParseError({ file: a.example }, `expected one sequence, found ${records.length}`);
    }
    sequence = records[0].sequence.toUpperCase().replaceAll("-", "");
    checkQuery(sequence, { file: a.example, line: records[0].line }, MAX_LENGTH);
    if (sequence.length !== a.length) {
      throw new ParseError(
        { file: a.example, line: records[0].line },
        `${sequence.length} residues; --length is ${a.length}`,
      );
    }
  }
  const m = await loadTrainedModel(a.checkpoint, { params: a.params });
  const dims = { nRes: a.length, nSeq: a.msaClusters, nExtra: a.extraMsa };
  const { bytes, contract } = exportOnnx(m.config, m.params, dims);
  await writeFileAtomic(a.out, bytes);
  await writeTextFileAtomic(contractPath, JSON.stringify(contract, null, 1) + "\n");
  if (sequence !== undefined) {
    const msas = [];
    for (const f of a.msa) {
      msas.push(/\.sto(\.gz)?$/.test(f) ? await readStockholmMsa(f) : await readA3m(f));
    }
    const ex = buildFeatures(
      { id: "example", sequence, msas },
      {
        crop: false,
        pad: false,
        maxMsaClusters: a.msaClusters,
        maxExtraMsa: a.extraMsa,
        blockDeletion: null,
        msaSamples: a.recycles + 1,
      },
      new Rng(a.seed),
    );
    const iterations = Array.from({ length: a.recycles + 1 }, (_, k) => {
      const feeds = exportFeeds(ex, contract as ExportContract, k);
      return Object.fromEntries(
        contract.inputs.filter((s) => feeds[s.name]).map((s) => [
          s.name,
          encoded(feeds[s.name], s.shape, s.dtype),
        ]),
      );
    });
    await writeTextFileAtomic(
      examplePath,
      JSON.stringify({ format: EXAMPLE_FORMAT, sequence, recycles: a.recycles, iterations }) + "\n",
    );
  }
  const count = [...m.params.values()].reduce((n, v) => n + v.length, 0);
  console.error(
    `export: ${count.toLocaleString("en")} parameters, ${a.length} residues, ` +
      `${(bytes.length / 2 ** 20).toFixed(1)} MiB -> ${a.out}, ${contractPath}` +
      (sequence !== undefined ? `, ${examplePath}` : ""),
  );
}

if (import.meta.main) await runCli(EXPORT_CLI, exportCommand);
