import type { EngineTarget } from "./engine-surface.js";
import type { EngineLaunchConfig } from "./launch-config.js";

/** What the data preparation measured, which the launch needs. */
export interface LaunchData {
  /** File names inside workDir (the Ray job's working_dir). */
  trainFile: string;
  validationFile: string | null;
  trainPrompts: number;
  /** The data's longest kept prompt in tokens, rounded up (the engine's max prompt length). */
  maxPromptLength: number;
}

/** A preset option the engine cannot express, reported at launch time (never dropped silently). */
export interface UnsupportedOption {
  option: string;
  value: unknown;
  reason: string;
}

export interface EngineLaunchPlan {
  target: EngineTarget;
  /** The engine's own arguments (verl: Hydra overrides; OpenRLHF: flags), validated against its surface. */
  engineArgs: string[];
  /** The `ray job submit` command, as argv. */
  command: string[];
  /** Glue files to write into workDir (name -> content). */
  files: Record<string, string>;
  unsupported: UnsupportedOption[];
  /** Steps the engine will run (OpenRLHF counts whole episodes, so it can be more than asked). */
  steps: number;
  /** Where checkpoints go and where the trained model lands (on the cluster's filesystem). */
  checkpointDir: string;
  modelOutput: string;
  /** How to turn the saved model into a Hugging Face directory, when the engine does not save one. */
  exportHint: string | null;
}

/** Context each engine's builder gets. */
export interface LaunchInput {
  config: EngineLaunchConfig;
  target: EngineTarget;
  data: LaunchData;
  workDir: string;
  checkpointDir: string;
}

export const rolloutEngines = (c: EngineLaunchConfig) =>
  c.rolloutEngines ?? Math.max(1, Math.floor((c.nodes * c.gpusPerNode) / c.tensorParallelSize));

/** Python-literal number formatting the engines parse (1e-06, 0.2, 16). */
export const num = (n: number) => String(n);
