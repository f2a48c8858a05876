/**
 * Every parity runner, by the OpenFold module path a fixture's `meta.module`
 * names. Each area of the model keeps its runners in its own file.
 *
 * @module
 */

import type { Runner } from "./harness.ts";
import { NN_RUNNERS } from "./runners_nn.ts";
import { EVOFORMER_RUNNERS } from "./runners_evoformer.ts";
import { EMBEDDER_RUNNERS } from "./runners_embedders.ts";
import { STRUCTURE_RUNNERS } from "./runners_structure.ts";
import { LOSS_RUNNERS } from "./runners_losses.ts";
import { MODEL_RUNNERS } from "./runners_model.ts";
import { PROTEIN_RUNNERS } from "./runners_protein.ts";
import { AF2PARAMS_RUNNERS } from "./runners_af2params.ts";

/** OpenFold module path (or fixture case name) → runner. */
export const RUNNERS: Readonly<Record<string, Runner>> = {
  ...NN_RUNNERS,
  ...EVOFORMER_RUNNERS,
  ...EMBEDDER_RUNNERS,
  ...STRUCTURE_RUNNERS,
  ...LOSS_RUNNERS,
  ...MODEL_RUNNERS,
  ...PROTEIN_RUNNERS,
  ...AF2PARAMS_RUNNERS,
};
