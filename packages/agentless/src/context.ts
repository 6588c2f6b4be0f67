import path from "node:path";
import { type Executor, mirrorDirectoryName, type RepositoryTestSpec } from "@swerl/eval";
import type { ChatMessage, ChatTemplate, Policy, TokenCounter } from "@swerl/rollout";
import type { SweBenchInstance } from "@swerl/schema";
import type { AgentlessConfig } from "./config.js";
import type { OfficialRepairOutput } from "./official/formats.js";
import type { AgentlessStage } from "./persistence.js";

/**
 * Progress of a run: each stage runs over every instance before the next starts. `start` and `end` bracket
 * a stage; `instance` says one instance finished it: computed (`ran`), read back from its stage file
 * (`resumed`), or had nothing to do (`skipped`, e.g. no candidates to test).
 */
export interface AgentlessProgress {
  stage: AgentlessStage;
  phase: "start" | "instance" | "end";
  /** Instances finished in this stage so far, and in total. */
  done: number;
  total: number;
  instanceId?: string;
  status?: "ran" | "resumed" | "skipped";
  /** Instances of this stage so far by status (on `instance` and `end`). */
  counts?: { ran: number; resumed: number; skipped: number };
}

/** What `runAgentless` takes besides its config: runtime objects, not options. */
export interface AgentlessRuntime {
  policy: Policy;
  /** Where tests run; a LocalExecutor over `reposDir` by default. */
  executor?: Executor;
  /** Counts prompt tokens (characters when absent). */
  countTokens?: TokenCounter;
  /** Renders conversations into the policy's prompt text (a model's chat template); `plainChatPrompt` by default. */
  chatTemplate?: Pick<ChatTemplate, "render">;
  /** The policy's context length in tokens, when known: the prompt budget is lowered to fit it. */
  contextLength?: number;
  onProgress?: (progress: AgentlessProgress) => void;
  signal?: AbortSignal;
}

/** The config with every derived default filled in. */
export interface ResolvedConfig extends AgentlessConfig {
  numTests: number;
  localizationSamples: number;
  /** The prompt budget after the policy's context (see `agentlessPromptBudget`). */
  maxPromptTokens: number;
}

/** What every stage of one instance reads. */
export interface InstanceContext {
  instance: SweBenchInstance;
  id: string;
  /** The bare mirror of the instance's repository. */
  mirror: string;
  config: ResolvedConfig;
  /** Per stage, what its file must have been computed with to be reused. */
  configs: Record<AgentlessStage, string>;
  /**
   * What a journaled sample must have been drawn with to be reused (model and sampling options; the
   * prompt is matched by its hash), so that changing e.g. the parser re-reads samples instead of redrawing.
   */
  samplingKey: string;
  policy: Policy;
  render: (messages: ChatMessage[]) => string;
  countTokens: TokenCounter | undefined;
  /** The repository's test spec, given explicitly or SWE-bench's; undefined: tests are not run. */
  spec: RepositoryTestSpec | undefined;
  signal: AbortSignal | undefined;
  /** The instance's per-sample file lists from `locFile`; undefined when the policy (or oracle) localizes. */
  officialLocalization?: string[][];
  /** The instance's row of `patchFolder`'s output.jsonl; undefined when the policy repairs. */
  officialRepair?: OfficialRepairOutput;
}

export function instanceContext(
  instance: SweBenchInstance,
  shared: Omit<
    InstanceContext,
    "instance" | "id" | "mirror" | "spec" | "officialLocalization" | "officialRepair"
  >,
  extra: Pick<InstanceContext, "spec" | "officialLocalization" | "officialRepair">,
): InstanceContext {
  return {
    ...shared,
    instance,
    id: instance.instance_id,
    mirror: path.join(shared.config.reposDir, mirrorDirectoryName(instance.repo)),
    ...extra,
  };
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason;
}
