/**
 * Parity runner for the full model with DeepMind AlphaFold2 parameters (15b):
 * the fixture's `af2param/<DeepMind key>` arrays (or, if it has none, the raw
 * `*_af2format.npz` file its metadata names) go through our AF2 importer into
 * OpenFold names, then the full model runs exactly as for 15a.
 *
 * @module
 */

import { fromOpenFoldModelConfig } from "../../model/af2/openfold_config.ts";
import { readNpz } from "../../model/io/npz.ts";
import type { NdArray } from "../../model/io/ndarray.ts";
import { convertAf2Params, modelParamSpecs, type ParamValues } from "../../model/params.ts";
import type { ParityCase, Runner } from "./harness.ts";
import { runFullModel } from "./runners_model.ts";
import { ParseError } from "../../model/util/errors.ts";

const AF2_PREFIX = "af2param/";

/**
 * The DeepMind-format arrays of a fixture: its `af2param/` entries, or the
 * raw parameter file (`*_af2format.npz`, same directory) that its metadata names.
 */
export async function fixtureAf2Arrays(c: ParityCase): Promise<Map<string, NdArray>> {
  const out = new Map<string, NdArray>();
  for (const [k, a] of c.arrays) {
    if (k.startsWith(AF2_PREFIX)) out.set(k.slice(AF2_PREFIX.length), a);
  }
  if (out.size) return out;
  const named = /[\w.-]+_af2format\.npz/.exec(JSON.stringify(c.meta))?.[0];
  if (!named) {
    throw new ParseError({ file: c.file }, "no af2param/ arrays and no *_af2format.npz named");
  }
  const dir = c.file.slice(0, c.file.lastIndexOf("/") + 1);
  return await readNpz(dir + named);
}

/** The fixture's parameters imported from AF2 format into OpenFold names for its config. */
export async function fixtureAf2Params(c: ParityCase): Promise<ParamValues> {
  const ofConfig = (c.meta.ctor as { config: { model: unknown } }).config.model;
  const specs = modelParamSpecs(fromOpenFoldModelConfig(ofConfig));
  return convertAf2Params(await fixtureAf2Arrays(c), specs, c.file);
}

/** OpenFold module path (as the fixture's `meta.module` names it) → runner. */
export const AF2PARAMS_RUNNERS: Record<string, Runner> = {
  "openfold.model.model.AlphaFold (params in DeepMind AlphaFold2 npz naming)": async (c) =>
    runFullModel(c, await fixtureAf2Params(c)),
};
