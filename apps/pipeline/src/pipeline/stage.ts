import type { z } from "zod";
import type { Progress } from "../progress.js";
import type { PipelineConfig } from "./config.js";

/** What a running stage gets from the runner. */
export interface StageContext {
  runId: string;
  /** `runs/<run-id>/` */
  runDir: string;
  /**
   * The stage's working directory. It survives a killed run (so a stage may resume its own work
   * inside it) and becomes `runs/<run-id>/<stage>/` when the stage finishes.
   */
  dir: string;
  config: PipelineConfig;
  /** This stage's section of the config (`config.stages[name]`), to be validated by the stage. */
  options: Record<string, unknown>;
  /** The finished directory of an upstream stage named in `after` or `reads` (may not exist for `reads`). */
  input(stage: string): string;
  progress(label: string, total: number, unit?: string): Progress;
  log(line: string): void;
  /** Aborted on Ctrl-C: finish the current unit of work, save, and return or throw. */
  signal: AbortSignal;
}

/** Numbers a stage reports about its work; kept in its manifest and read by the report. */
export type StageSummary = Record<string, unknown>;

/** One stage of `swerl pipeline`. */
export interface Stage {
  name: string;
  description: string;
  /** Upstream stages whose outputs this stage reads. */
  after: readonly string[];
  /** Upstream stages read when they have finished, without waiting for them (e.g. the report). */
  reads?: readonly string[];
  /** Bump when the stage's code changes what it writes, so finished runs are redone. */
  version: string;
  /**
   * The schema of the stage's section (`stages.<name>`), built from the package configs in `configFrom`
   * (`RolloutConfig.pick(…).extend(…)`), never re-declared; the option-consistency test checks that every
   * field it shares with them keeps their default.
   */
  options?: z.ZodObject;
  /** The package config schemas the stage's options come from. */
  configFrom?: readonly z.ZodObject[];
  /** The issue that builds the stage while it is not built; such a stage has no `run`. */
  pendingIssue?: number;
  run?(context: StageContext): Promise<StageSummary>;
}
