/**
 * `deno task predict`: predict a structure. {@link PREDICT_CLI} is its usage.
 *
 * @module
 */

import { z } from "zod";
import { type ModelConfig, modelConfig, PRESETS } from "../../model/af2/config.ts";
import { readFasta } from "../../model/features/fasta.ts";
import { readA3m } from "../../model/features/a3m.ts";
import { readStockholmMsa } from "../../model/features/stockholm.ts";
import type { Msa } from "../../model/features/msa.ts";
import { importAf2Npz, loadParams, modelParamSpecs } from "../../model/params.ts";
import { initParams } from "../../model/nn/init.ts";
import { predictStructure } from "../../model/predict.ts";
import { writePdb } from "../../model/protein/pdb.ts";
import { writeMmcif } from "../../model/protein/mmcif.ts";
import { writeTextFileAtomic } from "../../model/io/atomic.ts";
import { loadTrainedModel } from "../../model/trained.ts";
import { ParseError } from "../../model/util/errors.ts";
import { checkQuery, type CliSpec, inputPath, intFlag, runCli, textFlag } from "./kit.ts";

const MAX_LENGTH = 4000;

/** The predict command's flags, usage and schema. */
export const PREDICT_CLI = {
  name: "predict",
  synopsis: [
    "deno task predict --fasta FILE [--msa FILE ...] [--checkpoint FILE | --af2-params FILE.npz]",
    "                  --out FILE.pdb|.cif [FLAGS]",
  ],
  about: `Writes the structure (pLDDT in the B-factor column) and <out>.json with pLDDT, pTM and
PAE. --checkpoint takes a training checkpoint's sidecar (ckpt-<step>.json; its run config gives
the model) or a parameter safetensors file (with --preset). Without parameters the model is
randomly initialised (a smoke test; a warning says so).`,
  flags: {
    fasta: {
      value: "FILE",
      help: `the query: one protein sequence of at most ${MAX_LENGTH} residues`,
    },
    msa: { value: "FILE", multiple: true, help: "an alignment: A3M, or Stockholm (.sto, .sto.gz)" },
    checkpoint: { value: "FILE", help: "parameters: a checkpoint sidecar .json or .safetensors" },
    "af2-params": { value: "FILE", help: "parameters: DeepMind's params_model_<n>.npz" },
    preset: {
      value: "NAME",
      help: `the model: ${Object.keys(PRESETS).join(", ")} (default small)`,
    },
    recycles: { value: "N", help: "recycling iterations, 0-20 (default 3)" },
    "chunk-budget": {
      value: "ELEMENTS",
      help: "memory budget: the largest intermediate of every chunked op, in elements",
    },
    "msa-clusters": { value: "N", help: "MSA cluster rows (default 128)" },
    "extra-msa": { value: "N", help: "extra MSA rows (default 1024)" },
    seed: { value: "N", help: "seed of MSA sampling and of random weights (default 0)" },
    params: { value: "KIND", help: "of a checkpoint .json: ema (default) or raw parameters" },
    out: { value: "FILE", help: "the structure to write: .pdb or .cif" },
  },
  schema: z.object({
    fasta: inputPath("file"),
    out: textFlag().regex(/\.(pdb|cif)$/, "must end in .pdb or .cif"),
    msa: z.array(inputPath("file")).default([]),
    checkpoint: inputPath("file").optional(),
    af2Params: inputPath("file").optional(),
    preset: z.enum(Object.keys(PRESETS), {
      error: `must be one of ${Object.keys(PRESETS).join(", ")}`,
    })
      .optional(),
    recycles: intFlag({ min: 0, max: 20 }).default(3),
    chunkBudget: intFlag({ min: 1 }).optional(),
    msaClusters: intFlag({ min: 1 }).default(128),
    extraMsa: intFlag({ min: 0 }).default(1024),
    seed: intFlag().default(0),
    params: z.enum(["ema", "raw"], { error: "must be ema or raw" }).default("ema"),
  }),
} satisfies CliSpec;

async function predict(a: z.output<typeof PREDICT_CLI.schema>): Promise<void> {
  const records = await readFasta(a.fasta);
  if (records.length !== 1) {
    throw new ParseError({ file: a.fasta }, `expected one sequence, found ${records.length}`);
  }
  const sequence = records[0].sequence.toUpperCase().replaceAll("-", "");
  checkQuery(sequence, { file: a.fasta, line: records[0].line }, MAX_LENGTH);
  const msas: Msa[] = [];
  for (const f of a.msa) {
    msas.push(/\.sto(\.gz)?$/.test(f) ? await readStockholmMsa(f) : await readA3m(f));
  }

  // The model config: from a training checkpoint's run config, or a preset.
  let config: ModelConfig;
  let params: Map<string, Float32Array>;
  if (a.checkpoint?.endsWith(".json")) {
    // A checkpoint or model file: its run config gives the model; EMA parameters by default.
    ({ config, params } = await loadTrainedModel(a.checkpoint, { params: a.params }));
  } else {
    config = modelConfig(a.preset ?? "small");
    const specs = modelParamSpecs(config);
    if (a.checkpoint) params = await loadParams(a.checkpoint, specs);
    else if (a.af2Params) {
      params = await importAf2Npz(a.af2Params, specs, { allowUnexpected: true });
    } else {
      console.error("predict: no --checkpoint or --af2-params: using randomly initialised weights");
      params = initParams(specs, a.seed);
    }
  }
  const t0 = performance.now();
  const pred = await predictStructure({
    id: records[0].description.split(/\s/)[0] || "query",
    sequence,
    msas,
    params,
    config,
    recycles: a.recycles,
    msaClusters: a.msaClusters,
    extraMsa: a.extraMsa,
    chunkBudget: a.chunkBudget,
    seed: a.seed,
  });
  const write = a.out.endsWith(".cif") ? writeMmcif : writePdb;
  await write(a.out, pred.protein, { plddt: pred.plddt });
  const L = sequence.length;
  const json = {
    sequence,
    mean_plddt: pred.plddt.reduce((s, v) => s + v, 0) / L,
    plddt: Array.from(pred.plddt, (v) => Math.round(v * 100) / 100),
    ptm: pred.ptm ?? null,
    pae: pred.pae
      ? Array.from(
        { length: L },
        (_, i) =>
          Array.from(pred.pae!.subarray(i * L, (i + 1) * L), (v) => Math.round(v * 100) / 100),
      )
      : null,
  };
  await writeTextFileAtomic(a.out.replace(/\.(pdb|cif)$/, ".json"), JSON.stringify(json) + "\n");
  console.error(
    `predict: ${L} residues, mean pLDDT ${json.mean_plddt.toFixed(1)}${
      pred.ptm !== undefined ? `, pTM ${pred.ptm.toFixed(3)}` : ""
    } ` +
      `(${((performance.now() - t0) / 1000).toFixed(1)} s) -> ${a.out}`,
  );
}

if (import.meta.main) await runCli(PREDICT_CLI, predict);
