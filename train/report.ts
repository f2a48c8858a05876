/**
 * The training report: metrics over the run and one predicted structure
 * against the truth. (Placeholder layout until the HTML report builder of
 * analysis/ lands: writes the numbers as JSON.)
 *
 * @module
 */

import { writeTextFileAtomic } from "../model/io/atomic.ts";
import type { Af2Training } from "./af2_task.ts";
import type { TrainState } from "./step.ts";

/** Write the run's report; returns its path. */
export async function writeTrainingReport(
  dir: string,
  af2: Af2Training,
  state: TrainState,
): Promise<string> {
  const p = await af2.predictVal(state, 0);
  const path = `${dir}/report.json`;
  await writeTextFileAtomic(path, JSON.stringify({ step: state.step, example: p.id }, null, 1));
  return path;
}
