/**
 * `deno task predict`: predict a structure.
 *
 *   deno task predict --fasta FILE [--msa FILE.a3m|.sto ...] [--checkpoint FILE]
 *                     [--af2-params params_model_1.npz] [--preset NAME] [--recycles N]
 *                     [--chunk-budget ELEMENTS] [--msa-clusters N] [--extra-msa N]
 *                     --out FILE.pdb|.cif
 *
 * Writes the structure (pLDDT in the B-factor column) and `<out>.json` with
 * pLDDT, pTM and PAE. `--checkpoint` takes a training checkpoint's sidecar
 * (ckpt-*.json; its run config gives the model) or a parameter safetensors file
 * (with --preset). Without parameters the model is randomly initialised (a
 * smoke test; a warning says so). Misuse prints one line and exits 2.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { z } from "zod";
import { type ModelConfig, modelConfig } from "../../model/af2/config.ts";
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
import { readSidecar } from "../../model/checkpoint.ts";

class UsageError extends Error {}

const MAX_LENGTH = 4000;

const argsSchema = z.strictObject({
  fasta: z.string(),
  out: z.string().regex(/\.(pdb|cif)$/, "must end in .pdb or .cif"),
  msa: z.array(z.string()).default([]),
  checkpoint: z.string().optional(),
  "af2-params": z.string().optional(),
  preset: z.string().optional(),
  recycles: z.coerce.number().int().min(0).max(20).default(3),
  "chunk-budget": z.coerce.number().int().positive().optional(),
  "msa-clusters": z.coerce.number().int().positive().default(128),
  "extra-msa": z.coerce.number().int().nonnegative().default(1024),
  seed: z.coerce.number().int().default(0),
});

async function main(argv: string[]): Promise<number> {
  let raw;
  try {
    raw = parseArgs({
      args: argv,
      strict: true,
      options: {
        fasta: { type: "string" },
        msa: { type: "string", multiple: true },
        checkpoint: { type: "string" },
        "af2-params": { type: "string" },
        preset: { type: "string" },
        recycles: { type: "string" },
        "chunk-budget": { type: "string" },
        "msa-clusters": { type: "string" },
        "extra-msa": { type: "string" },
        seed: { type: "string" },
        out: { type: "string" },
        debug: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (raw.help) {
    console.log((await Deno.readTextFile(new URL(import.meta.url))).split("*/")[0]);
    return 0;
  }
  const { debug: _d, help: _h, ...rest } = raw;
  const parsed = argsSchema.safeParse(rest);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new UsageError(`--${i.path.join(".")}: ${i.message}`);
  }
  const a = parsed.data;
  for (const f of [a.fasta, ...a.msa, a.checkpoint, a["af2-params"]]) {
    if (f === undefined) continue;
    try {
      Deno.openSync(f).close();
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) throw new UsageError(`no such file: ${f}`);
      throw new UsageError(`cannot read ${f} (${(e as Error).name})`);
    }
  }
  const records = await readFasta(a.fasta);
  if (records.length !== 1) {
    throw new UsageError(`${a.fasta}: expected one sequence, found ${records.length}`);
  }
  const sequence = records[0].sequence.toUpperCase().replaceAll("-", "");
  const bad = /[^ACDEFGHIKLMNPQRSTVWYX]/.exec(sequence);
  if (bad) {
    throw new UsageError(
      `${a.fasta}: '${bad[0]}' at residue ${bad.index + 1} is not an amino acid`,
    );
  }
  if (sequence.length > MAX_LENGTH) {
    throw new UsageError(
      `${a.fasta}: ${sequence.length} residues is above the maximum ${MAX_LENGTH}`,
    );
  }
  const msas: Msa[] = [];
  for (const f of a.msa) {
    msas.push(/\.sto(\.gz)?$/.test(f) ? await readStockholmMsa(f) : await readA3m(f));
  }

  // The model config: from a training checkpoint's run config, or a preset.
  let config: ModelConfig;
  let params: Map<string, Float32Array>;
  if (a.checkpoint?.endsWith(".json")) {
    const side = await readSidecar(a.checkpoint);
    const run = side.config as { preset?: string; model?: Record<string, unknown> };
    config = modelConfig(a.preset ?? run.preset ?? "small", run.model as never);
    const dir = a.checkpoint.slice(0, a.checkpoint.lastIndexOf("/") + 1);
    params = await loadParams(dir + side.tensors, modelParamSpecs(config), {
      prefix: "param/",
      allowUnexpected: true,
    });
  } else {
    config = modelConfig(a.preset ?? "small");
    const specs = modelParamSpecs(config);
    if (a.checkpoint) params = await loadParams(a.checkpoint, specs);
    else if (a["af2-params"]) {
      params = await importAf2Npz(a["af2-params"], specs, { allowUnexpected: true });
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
    msaClusters: a["msa-clusters"],
    extraMsa: a["extra-msa"],
    chunkBudget: a["chunk-budget"],
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
  return 0;
}

if (import.meta.main) {
  const debug = Deno.args.includes("--debug");
  try {
    Deno.exit(await main(Deno.args));
  } catch (e) {
    if (debug) console.error(e);
    console.error(`predict: ${(e as Error).message.split("\n")[0]}`);
    Deno.exit(e instanceof UsageError ? 2 : 1);
  }
}
