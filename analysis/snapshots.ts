/**
 * Snapshots for the learning-dynamics studies: at scheduled steps the model's
 * predicted backbones (N, CA, C, O) and pLDDT for a fixed probe set of
 * validation proteins, stored compactly (gzip JSON, coordinates at 0.01 Å) in
 * `RUN_DIR/snapshots/`. `probes.json` holds the probes' true structures.
 *
 * @module
 */

import { z } from "zod";
import type { Same } from "../model/util/types.ts";
import { writeFileAtomic, writeTextFileAtomic } from "../model/io/atomic.ts";
import { readText } from "../model/io/text.ts";
import { ParseError } from "../model/util/errors.ts";
import { checkNumber, invalid } from "../model/util/validate.ts";

/** One probe protein with its true backbone (`snapshots/probes.json`). */
export interface Probe {
  /** Chain identifier. */
  id: string;
  /** One-letter sequence. */
  seq: string;
  /** Residue numbers. */
  residue_index: number[];
  /** True N, CA, C, O coordinates, `[L, 4, 3]` flattened (Å). */
  backbone: number[];
  /** 1 where the residue's backbone is observed. */
  mask: number[];
  /** 8-state DSSP of the true structure ('-' for coil). */
  dssp: string;
}

/** One probe's prediction in a {@link Snapshot}. */
export interface SnapshotProbe {
  /** The probe's {@link Probe.id}. */
  id: string;
  /** Predicted N, CA, C, O, `[L, 4, 3]` flattened (Å). */
  backbone: number[];
  /** Predicted lDDT per residue (0–100). */
  plddt: number[];
}

/** One snapshot: every probe's prediction at one step (`snapshots/step_<n>.json.gz`). */
export interface Snapshot {
  /** The training step. */
  step: number;
  /** The predictions, one per probe. */
  probes: SnapshotProbe[];
}

/** zod schema of {@link Probe}. */
export const probeSchema = z.strictObject({
  id: z.string(),
  seq: z.string(),
  residue_index: z.array(z.number().int()),
  backbone: z.array(z.number()),
  mask: z.array(z.number()),
  dssp: z.string(),
});

/** zod schema of the probe set of a run. */
export const probesFileSchema = z.strictObject({ probes: z.array(probeSchema) });

/** zod schema of {@link Snapshot}. */
export const snapshotSchema = z.strictObject({
  step: z.number().int().nonnegative(),
  probes: z.array(z.strictObject({
    id: z.string(),
    backbone: z.array(z.number()),
    plddt: z.array(z.number()),
  })),
});

// The interfaces above are the schemas' types written out for the docs; these stop them drifting apart.
const _probeMatches: Same<Probe, z.output<typeof probeSchema>> = true;
const _snapshotMatches: Same<Snapshot, z.output<typeof snapshotSchema>> = true;

const round2 = (v: number) => Math.round(v * 100) / 100;

/**
 * Snapshot steps: `count` log-spaced steps in [1, total] (always including 1 and total).
 *
 * @example
 * ```ts
 * import { logSpacedSteps } from "denofold";
 *
 * console.log(logSpacedSteps(1000, 4)); // [1, 10, 100, 1000]
 * ```
 */
export function logSpacedSteps(total: number, count: number): number[] {
  checkNumber("logSpacedSteps", "total", total, { min: 1, integer: true });
  checkNumber("logSpacedSteps", "count", count, { min: 1, integer: true });
  if (count > 100_000) invalid("logSpacedSteps", `count ${count} is above 100000 snapshots`);
  const out = new Set<number>([1, total]);
  for (let i = 0; i < count; i++) {
    out.add(Math.max(1, Math.min(total, Math.round(total ** (i / Math.max(1, count - 1))))));
  }
  return [...out].sort((a, b) => a - b);
}

/** Write the probe set. */
export async function writeProbes(dir: string, probes: Probe[]): Promise<void> {
  await Deno.mkdir(`${dir}/snapshots`, { recursive: true });
  const rounded = probes.map((p) => ({ ...p, backbone: p.backbone.map(round2) }));
  await writeTextFileAtomic(`${dir}/snapshots/probes.json`, JSON.stringify({ probes: rounded }));
}

/** Write one snapshot as `snapshots/step_<n>.json.gz`. */
export async function writeSnapshot(dir: string, snap: Snapshot): Promise<void> {
  const compact = {
    step: snap.step,
    probes: snap.probes.map((p) => ({
      id: p.id,
      backbone: p.backbone.map(round2),
      plddt: p.plddt.map((v) => Math.round(v * 10) / 10),
    })),
  };
  await Deno.mkdir(`${dir}/snapshots`, { recursive: true });
  const gz = new Blob([JSON.stringify(compact)]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  await writeFileAtomic(
    `${dir}/snapshots/step_${String(snap.step).padStart(8, "0")}.json.gz`,
    new Uint8Array(await new Response(gz).arrayBuffer()),
  );
}

function jsonOf(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ParseError({ file }, `not JSON: ${(e as Error).message}`);
  }
}

/**
 * Read a run's probes and snapshots (sorted by step), validated.
 *
 * @example
 * ```ts
 * import { readSnapshots } from "denofold";
 *
 * const { probes, snapshots } = await readSnapshots("notebooks/study");
 * console.log(probes.length, "probes at", snapshots.map((s) => s.step));
 * ```
 */
export async function readSnapshots(
  dir: string,
): Promise<{ probes: Probe[]; snapshots: Snapshot[] }> {
  const probesPath = `${dir}/snapshots/probes.json`;
  const probesRead = probesFileSchema.safeParse(
    jsonOf(await readText(probesPath, "table"), probesPath),
  );
  if (!probesRead.success) {
    const issue = probesRead.error.issues[0];
    throw new ParseError({ file: probesPath }, `field ${issue.path.join(".")}: ${issue.message}`);
  }
  const probes = probesRead.data.probes;
  const files: string[] = [];
  for await (const e of Deno.readDir(`${dir}/snapshots`)) {
    if (/^step_\d{8}\.json\.gz$/.test(e.name)) files.push(e.name);
  }
  const snapshots: Snapshot[] = [];
  for (const f of files.sort()) {
    const path = `${dir}/snapshots/${f}`;
    const r = snapshotSchema.safeParse(jsonOf(await readText(path, "table"), path));
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new ParseError(
        { file: `${dir}/snapshots/${f}` },
        `field ${issue.path.join(".")}: ${issue.message}`,
      );
    }
    snapshots.push(r.data);
  }
  return { probes, snapshots };
}
