/**
 * Progress of a long command on stderr: a bar with the current stage and an
 * ETA when stderr is a terminal (npm:cli-progress), one line per stage
 * otherwise (a log file or a pipe gets no carriage returns). The ETA is the
 * time per unit of work so far times the work left, where a command weighs
 * its stages (predict: one unit per residue² of each recycling iteration,
 * the pair stack's cost), so a batch of mixed lengths gets a fair estimate.
 *
 * @module
 */

import process from "node:process";
import cliProgress from "cli-progress";

/** `83 s` → `1m 23s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** Options of {@link StageProgress}. */
export interface StageProgressOptions {
  /** Draw a bar (default: whether stderr is a terminal). */
  terminal?: boolean;
  /** Where lines go (default stderr). */
  write?: (line: string) => void;
}

/** A bar or stage lines over `total` units of work. */
export class StageProgress {
  readonly #total: number;
  readonly #t0 = performance.now();
  readonly #bar?: cliProgress.SingleBar;
  readonly #write: (line: string) => void;
  #done = 0;
  #stage = "";

  constructor(total: number, opts: StageProgressOptions = {}) {
    this.#total = Math.max(total, 1e-9);
    this.#write = opts.write ?? ((l) => console.error(l));
    if (opts.terminal ?? Deno.stderr.isTerminal()) {
      this.#bar = new cliProgress.SingleBar({
        format: "{bar} {percentage}% | ETA {left} | {stage}",
        hideCursor: true,
        stream: process.stderr,
        // The ETA is ours (weighted); the bar redraws at least twice a second to tick it.
        fps: 2,
      }, cliProgress.Presets.shades_classic);
      this.#bar.start(1000, 0, { stage: "starting", left: "?" });
    }
  }

  /** Seconds left at the rate so far (Infinity before any work is done). */
  eta(): number {
    const elapsed = (performance.now() - this.#t0) / 1000;
    return this.#done > 0 ? (elapsed / this.#done) * (this.#total - this.#done) : Infinity;
  }

  /** A stage begins: the bar's label, or one line with the elapsed time and the ETA. */
  stage(label: string): void {
    this.#stage = label;
    const eta = formatDuration(this.eta());
    if (this.#bar) this.#bar.update(this.#value(), { stage: label, left: eta });
    else {
      const elapsed = formatDuration((performance.now() - this.#t0) / 1000);
      // No "<command>:" prefix: that form is reserved for the one failure line.
      this.#write(`${label} (${elapsed} elapsed, ETA ${eta})`);
    }
  }

  /** A line that stays (a result), printed above the bar or as is. */
  log(line: string): void {
    // Clear the bar's line first; the bar redraws below at its next tick.
    if (this.#bar) process.stderr.write(`\r\x1b[2K${line}\n`);
    else this.#write(line);
  }

  /** `units` of work are done. */
  advance(units: number): void {
    this.#done = Math.min(this.#total, this.#done + units);
    this.#bar?.update(this.#value(), { stage: this.#stage, left: formatDuration(this.eta()) });
  }

  /** Remove the bar (lines need nothing). */
  stop(): void {
    this.#bar?.stop();
  }

  #value(): number {
    return Math.round((1000 * this.#done) / this.#total);
  }
}
