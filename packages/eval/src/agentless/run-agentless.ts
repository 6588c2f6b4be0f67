import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  type ChatMessage,
  type ChatTemplate,
  type Policy,
  PromptBudgetError,
  plainChatPrompt,
  type TokenCounter,
} from "@swerl/rollout";
import { Prediction, readAllRecords, SweBenchInstance, SwerlError, writeRecords } from "@swerl/schema";
import { z } from "zod";
import type { Executor, Workspace } from "../executors/executor.js";
import { mirrorDirectoryName, type RepositoryEnvironment } from "../executors/executor.js";
import { LocalExecutor } from "../executors/local-executor.js";
import { RepositoryTestSpec, registerRepositorySpec, repositorySpec } from "../specs/test-spec.js";
import {
  LocalizationOutcome,
  type LocalizationRates,
  localizationOutcome,
  localizationRates,
  parseLocalizedFiles,
  patchFiles,
} from "./localization.js";
import {
  buildAgentlessRepairPrompt,
  buildLocalizationPrompts,
  buildReproductionConversation,
} from "./prompts.js";
import { normalizePython } from "./python-syntax.js";
import { countRegressions, passingTests } from "./regression.js";
import { RepairStatus, repairCandidate } from "./repair.js";
import { listRepositoryFiles, localizableFiles, readRepositoryFiles } from "./repository-view.js";
import { extractTestScript, ReproductionVerdict, selectReproductionTests } from "./reproduction.js";
import { RepairCandidate, rerankCandidates } from "./rerank.js";
import { TestBench } from "./test-bench.js";

/** Bad input to runAgentless: a dataset, mirror or specs file that cannot be used. */
export class AgentlessInputError extends SwerlError {
  constructor(message: string) {
    super("E_AGENTLESS_INPUT", message);
  }
}

export type AgentlessStage = "localize" | "repair" | "reproduce" | "regression" | "rerank" | "done";

export interface AgentlessProgress {
  instanceId: string;
  stage: AgentlessStage;
  /** Instances finished (resumed ones included) and in total. */
  done: number;
  total: number;
  /** True when the instance's trace was already on disk and nothing was recomputed. */
  resumed?: boolean;
}

export interface RunAgentlessOptions {
  /** SWE-bench instances (JSON, JSONL or Parquet). */
  dataset: string;
  /** Bare mirrors named `owner__name.git`. */
  reposDir: string;
  /** JSON object: repository -> RepositoryTestSpec, for repositories outside SWE-bench (e.g. the demo world). */
  specsFile?: string;
  /** Per-repository interpreter/PATH/env for the tests. */
  environments?: Record<string, z.input<typeof RepositoryEnvironment>>;
  /** Where tests run; a LocalExecutor over `reposDir` by default. */
  executor?: Executor;
  policy: Policy;
  outDir: string;
  /** Repair samples per instance (K). Default 4. */
  samples?: number;
  /** Reproduction-test samples per instance (T); 0 skips reproduction tests. Default: `samples`. */
  tests?: number;
  /** Run the repository's tests for regressions. Default true (needs a test spec for the repository). */
  regression?: boolean;
  /** Localization samples (views of the tree). Default 1. */
  localizationSamples?: number;
  /** Files kept by localization. Default 3. */
  maxFiles?: number;
  /** Prompt budget in tokens of `countTokens` (characters by default). Default 16384. */
  maxPromptTokens?: number;
  countTokens?: TokenCounter;
  /** Completion budget per sample. Default 1024. */
  maxTokens?: number;
  /** Sampling temperature for repair and reproduction samples (localization's first view is greedy). Default 0.8. */
  temperature?: number;
  seed?: number;
  /** Renders conversations into the policy's prompt text (a model's chat template); `plainChatPrompt` by default. */
  chatTemplate?: Pick<ChatTemplate, "render">;
  /** Only these instances. */
  instanceIds?: readonly string[];
  suiteTimeoutMs?: number;
  reproductionTimeoutMs?: number;
  onProgress?: (progress: AgentlessProgress) => void;
  signal?: AbortSignal;
}

/** Candidate counts per stage for one instance, as `stages.json` lists them. */
export const InstanceStages = z.object({
  instanceId: z.string(),
  localization: z.object({
    samples: z.number().int(),
    shownFiles: z.number().int(),
    droppedFiles: z.number().int(),
    files: z.array(z.string()),
    goldFiles: z.array(z.string()),
    outcome: LocalizationOutcome,
  }),
  repair: z.object({
    samples: z.number().int(),
    promptTokens: z.number().int().nullable(),
    droppedFiles: z.array(z.string()),
    byStatus: z.record(RepairStatus, z.number().int()),
    nonEmpty: z.number().int(),
    unique: z.number().int(),
  }),
  reproduction: z
    .object({
      samples: z.number().int(),
      extracted: z.number().int(),
      reproducing: z.number().int(),
      selected: z.array(z.number().int()),
    })
    .nullable(),
  regression: z
    .object({
      suite: z.number().int(),
      candidatesTested: z.number().int(),
      withoutRegressions: z.number().int(),
    })
    .nullable(),
  rerank: z.object({ chosen: z.number().int().nullable(), decidedBy: z.string() }),
  /** Why the instance has no candidates at all (prompt over budget, no spec), when that happened. */
  note: z.string().optional(),
});
export type InstanceStages = z.infer<typeof InstanceStages>;

/** Everything one instance did, written to `instances/<id>.json`; its presence makes the instance resumable. */
export const InstanceTrace = z.object({
  instanceId: z.string(),
  model: z.string(),
  stages: InstanceStages,
  localization: z.object({ responses: z.array(z.string()), droppedFiles: z.array(z.string()) }),
  repair: z.object({
    shownFiles: z.array(z.string()),
    candidates: z.array(
      RepairCandidate.extend({ status: RepairStatus, detail: z.string().optional(), response: z.string() }),
    ),
  }),
  reproduction: z.array(
    z.object({
      sample: z.number().int(),
      script: z.string().nullable(),
      onOriginal: ReproductionVerdict.nullable(),
    }),
  ),
  regressionSuite: z.array(z.string()).nullable(),
  decision: z.object({
    chosen: z.number().int().nullable(),
    decidedBy: z.string(),
    scores: z.array(
      z.object({
        sample: z.number(),
        regressions: z.number(),
        reproductionPasses: z.number(),
        votes: z.number(),
      }),
    ),
  }),
  prediction: Prediction,
});
export type InstanceTrace = z.infer<typeof InstanceTrace>;

export interface AgentlessRun {
  predictionsPath: string;
  localization: LocalizationRates;
  stages: InstanceStages[];
  resumed: number;
}

function traceFile(outDir: string, instanceId: string): string {
  return path.join(outDir, "instances", `${instanceId.replace(/[^\w.-]+/g, "_")}.json`);
}

async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(tmp, file);
}

async function loadSpecs(file: string): Promise<void> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new AgentlessInputError(`specs file ${file}: ${(error as Error).message}`);
  }
  const parsed = z.record(z.string(), z.unknown()).safeParse(json);
  if (!parsed.success)
    throw new AgentlessInputError(`specs file ${file}: expected an object repository -> test spec`);
  for (const [repo, spec] of Object.entries(parsed.data)) {
    const checked = RepositoryTestSpec.safeParse(spec);
    if (!checked.success)
      throw new AgentlessInputError(
        `specs file ${file}: ${repo}.${checked.error.issues[0]?.path.join(".")}: ${checked.error.issues[0]?.message}`,
      );
    registerRepositorySpec(repo, checked.data);
  }
}

function specFor(repo: string): RepositoryTestSpec | undefined {
  try {
    return repositorySpec(repo);
  } catch {
    return undefined;
  }
}

/** Files ranked by how many localization samples named them, then by their best rank in a sample. */
function mergeLocalizations(lists: readonly string[][], maxFiles: number): string[] {
  const score = new Map<string, { votes: number; best: number; first: number }>();
  lists.forEach((list, sample) => {
    list.forEach((file, rank) => {
      const s = score.get(file) ?? { votes: 0, best: rank, first: sample };
      s.votes += 1;
      s.best = Math.min(s.best, rank);
      score.set(file, s);
    });
  });
  return [...score.entries()]
    .sort(([, a], [, b]) => b.votes - a.votes || a.best - b.best || a.first - b.first)
    .slice(0, maxFiles)
    .map(([file]) => file);
}

function countStatuses(statuses: readonly RepairStatus[]): Record<RepairStatus, number> {
  const counts = Object.fromEntries(RepairStatus.options.map((s) => [s, 0])) as Record<RepairStatus, number>;
  for (const status of statuses) counts[status] += 1;
  return counts;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new Error("aborted");
}

interface ResolvedOptions {
  samples: number;
  tests: number;
  regression: boolean;
  localizationSamples: number;
  maxFiles: number;
  maxPromptTokens: number;
  countTokens: TokenCounter | undefined;
  maxTokens: number;
  temperature: number;
  seed: number;
  render: (messages: ChatMessage[]) => string;
  suiteTimeoutMs: number;
  reproductionTimeoutMs: number;
}

async function runInstance(
  instance: SweBenchInstance,
  options: RunAgentlessOptions,
  resolved: ResolvedOptions,
  executor: Executor,
  stage: (stage: AgentlessStage) => void,
): Promise<InstanceTrace> {
  const { policy, signal } = options;
  const id = instance.instance_id;
  const mirror = path.join(options.reposDir, mirrorDirectoryName(instance.repo));
  if (!existsSync(mirror))
    throw new AgentlessInputError(
      `${id}: no mirror of ${instance.repo} at ${mirror} (expected a bare git repository)`,
    );
  const budget = { maxPromptTokens: resolved.maxPromptTokens, countTokens: resolved.countTokens };
  const sampling = { maxTokens: resolved.maxTokens, seed: resolved.seed };

  // 1. localization
  stage("localize");
  const allFiles = await listRepositoryFiles(mirror, instance.base_commit);
  const files = localizableFiles(allFiles, instance.repo);
  const goldFiles = patchFiles(instance.patch);
  const loc = buildLocalizationPrompts(instance.problem_statement, files, {
    ...budget,
    samples: resolved.localizationSamples,
    maxFiles: resolved.maxFiles,
    seed: resolved.seed,
  });
  const locGroups = await policy.sample(loc.conversations.map(resolved.render), {
    ...sampling,
    n: 1,
    temperature: resolved.localizationSamples === 1 ? 0 : resolved.temperature,
  });
  const locResponses = locGroups.map((g) => g.samples[0]?.text ?? "");
  const localized = mergeLocalizations(
    locResponses.map((r) => parseLocalizedFiles(r, files, resolved.maxFiles)),
    resolved.maxFiles,
  );
  const outcome = localizationOutcome(localized, goldFiles);
  throwIfAborted(signal);

  const stages: InstanceStages = {
    instanceId: id,
    localization: {
      samples: resolved.localizationSamples,
      shownFiles: files.length - loc.droppedFiles.length,
      droppedFiles: loc.droppedFiles.length,
      files: localized,
      goldFiles,
      outcome,
    },
    repair: {
      samples: 0,
      promptTokens: null,
      droppedFiles: [],
      byStatus: countStatuses([]),
      nonEmpty: 0,
      unique: 0,
    },
    reproduction: null,
    regression: null,
    rerank: { chosen: null, decidedBy: "all-empty" },
  };
  const trace: InstanceTrace = {
    instanceId: id,
    model: policy.model,
    stages,
    localization: { responses: locResponses, droppedFiles: loc.droppedFiles },
    repair: { shownFiles: [], candidates: [] },
    reproduction: [],
    regressionSuite: null,
    decision: { chosen: null, decidedBy: "all-empty", scores: [] },
    prediction: { instance_id: id, model_name_or_path: policy.model, model_patch: "" },
  };
  if (localized.length === 0) {
    stages.note = "localization named no file of the repository";
    return trace;
  }

  // 2. repair
  stage("repair");
  const contents = await readRepositoryFiles(mirror, instance.base_commit, localized);
  let prompt: ReturnType<typeof buildAgentlessRepairPrompt>;
  try {
    prompt = buildAgentlessRepairPrompt(id, instance.problem_statement, localized, contents, budget);
  } catch (error) {
    if (!(error instanceof PromptBudgetError)) throw error;
    stages.note = error.message;
    return trace;
  }
  const codeContext = Object.fromEntries(prompt.shownFiles.map((p) => [p, contents[p] ?? ""]));
  trace.repair.shownFiles = prompt.shownFiles;
  const [repairGroup] = await policy.sample([resolved.render(prompt.messages)], {
    ...sampling,
    n: resolved.samples,
    temperature: resolved.temperature,
  });
  const repositoryFiles = new Set(allFiles);
  const candidates: InstanceTrace["repair"]["candidates"] = [];
  for (const [sample, s] of (repairGroup?.samples ?? []).entries()) {
    const repaired = await repairCandidate(s.text, codeContext, repositoryFiles);
    candidates.push({
      sample,
      patch: repaired.patch,
      normalizedKey: repaired.normalizedKey,
      regressions: null,
      reproductionPasses: null,
      status: repaired.status,
      detail: repaired.detail,
      response: s.text,
    });
  }
  const live = candidates.filter((c) => c.status === "ok");
  const unique = new Map<string, string>(); // normalized key -> patch of its earliest sample
  for (const c of live) if (!unique.has(c.normalizedKey)) unique.set(c.normalizedKey, c.patch);
  stages.repair = {
    samples: candidates.length,
    promptTokens: prompt.tokens,
    droppedFiles: prompt.droppedFiles,
    byStatus: countStatuses(candidates.map((c) => c.status)),
    nonEmpty: live.length,
    unique: unique.size,
  };
  throwIfAborted(signal);

  // 3. + 4. tests: reproduction tests chosen on the original code, then every unique candidate tested
  const spec = specFor(instance.repo);
  const wantTests = unique.size > 0 && (resolved.tests > 0 || resolved.regression);
  if (wantTests && !spec) stages.note = `no test spec for ${instance.repo}: tests were not run`;
  if (wantTests && spec) {
    let workspace: Workspace | undefined;
    try {
      workspace = await executor.prepare({
        repo: instance.repo,
        baseCommit: instance.base_commit,
        label: id,
      });
      const bench = new TestBench(workspace, spec, resolved);
      const selected: Array<{ sample: number; script: string }> = [];
      if (resolved.tests > 0) {
        stage("reproduce");
        const [group] = await policy.sample(
          [resolved.render(buildReproductionConversation(instance.problem_statement, codeContext))],
          { ...sampling, n: resolved.tests, temperature: resolved.temperature },
        );
        const generated: Array<{
          sample: number;
          normalized: string;
          onOriginal: ReproductionVerdict;
          script: string;
        }> = [];
        for (const [sample, s] of (group?.samples ?? []).entries()) {
          const script = extractTestScript(s.text);
          let onOriginal: ReproductionVerdict | null = null;
          if (script !== null) {
            onOriginal = await bench.runReproduction(script);
            generated.push({ sample, normalized: await normalizePython(script), onOriginal, script });
          }
          trace.reproduction.push({ sample, script, onOriginal });
          throwIfAborted(signal);
        }
        for (const sample of selectReproductionTests(generated, 1)) {
          const test = generated.find((g) => g.sample === sample)!;
          selected.push({ sample, script: test.script });
        }
        stages.reproduction = {
          samples: group?.samples.length ?? 0,
          extracted: generated.length,
          reproducing: generated.filter((g) => g.onOriginal === "reproduced").length,
          selected: selected.map((s) => s.sample),
        };
      }
      let suite: string[] | null = null;
      if (resolved.regression) {
        stage("regression");
        const original = await bench.runSuite();
        suite = passingTests(original ?? {});
        trace.regressionSuite = suite;
      }
      const results = new Map<string, { regressions: number | null; reproductionPasses: number | null }>();
      for (const [key, patch] of unique) {
        let regressions: number | null = null;
        if (suite) {
          const statuses = await bench.runSuite(patch);
          regressions = statuses === null ? suite.length : countRegressions(suite, statuses);
        }
        let reproductionPasses: number | null = null;
        if (selected.length > 0) {
          reproductionPasses = 0;
          for (const test of selected)
            if ((await bench.runReproduction(test.script, patch)) === "resolved") reproductionPasses += 1;
        }
        results.set(key, { regressions, reproductionPasses });
        throwIfAborted(signal);
      }
      for (const c of live) Object.assign(c, results.get(c.normalizedKey));
      if (suite)
        stages.regression = {
          suite: suite.length,
          candidatesTested: unique.size,
          withoutRegressions: [...results.values()].filter((r) => r.regressions === 0).length,
        };
    } finally {
      await workspace?.dispose();
    }
  }

  // 5. rerank
  stage("rerank");
  const decision = rerankCandidates(candidates);
  trace.repair.candidates = candidates;
  trace.decision = decision;
  stages.rerank = { chosen: decision.chosen, decidedBy: decision.decidedBy };
  const chosen = candidates.find((c) => c.sample === decision.chosen);
  trace.prediction = { instance_id: id, model_name_or_path: policy.model, model_patch: chosen?.patch ?? "" };
  return trace;
}

/**
 * Agentless Mini over a SWE-bench dataset with one policy for every step: localize files from the
 * repository tree, sample K repairs with the training repair prompt, turn them into patches, generate
 * and select reproduction tests, run regression and reproduction tests on every distinct candidate,
 * rerank, and write `predictions.jsonl`, `localization.json`, `stages.json` and one trace per instance
 * under `instances/` into `outDir`. Instances with a trace are not run again.
 */
export async function runAgentless(options: RunAgentlessOptions): Promise<AgentlessRun> {
  const samples = options.samples ?? 4;
  const resolved: ResolvedOptions = {
    samples,
    tests: options.tests ?? samples,
    regression: options.regression ?? true,
    localizationSamples: options.localizationSamples ?? 1,
    maxFiles: options.maxFiles ?? 3,
    maxPromptTokens: options.maxPromptTokens ?? 16_384,
    countTokens: options.countTokens,
    maxTokens: options.maxTokens ?? 1024,
    temperature: options.temperature ?? 0.8,
    seed: options.seed ?? 0,
    render: (messages) =>
      options.chatTemplate
        ? options.chatTemplate.render(messages, { addGenerationPrompt: true })
        : plainChatPrompt(messages),
    suiteTimeoutMs: options.suiteTimeoutMs ?? 600_000,
    reproductionTimeoutMs: options.reproductionTimeoutMs ?? 60_000,
  };
  if (options.specsFile) await loadSpecs(options.specsFile);
  if (!existsSync(options.dataset))
    throw new AgentlessInputError(`dataset ${options.dataset} does not exist`);
  let instances = await readAllRecords(options.dataset, SweBenchInstance);
  if (options.instanceIds?.length) {
    const known = new Set(instances.map((i) => i.instance_id));
    const unknown = options.instanceIds.filter((id) => !known.has(id));
    if (unknown.length)
      throw new AgentlessInputError(`instance ids not in ${options.dataset}: ${unknown.join(", ")}`);
    const wanted = new Set(options.instanceIds);
    instances = instances.filter((i) => wanted.has(i.instance_id));
  }
  await mkdir(options.outDir, { recursive: true });
  const executor =
    options.executor ?? new LocalExecutor({ reposDir: options.reposDir, environments: options.environments });
  const traces: InstanceTrace[] = [];
  let resumed = 0;
  try {
    for (const instance of instances) {
      throwIfAborted(options.signal);
      const file = traceFile(options.outDir, instance.instance_id);
      const progress = (stage: AgentlessStage, extra: Partial<AgentlessProgress> = {}) =>
        options.onProgress?.({
          instanceId: instance.instance_id,
          stage,
          done: traces.length,
          total: instances.length,
          ...extra,
        });
      if (existsSync(file)) {
        const parsed = InstanceTrace.safeParse(JSON.parse(await readFile(file, "utf8")));
        if (parsed.success && parsed.data.model === options.policy.model) {
          traces.push(parsed.data);
          resumed += 1;
          progress("done", { resumed: true });
          continue;
        }
      }
      const trace = await runInstance(instance, options, resolved, executor, (stage) => progress(stage));
      await writeJsonAtomic(file, trace);
      traces.push(trace);
      progress("done");
    }
  } finally {
    if (!options.executor) await executor.close();
  }
  const predictionsPath = path.join(options.outDir, "predictions.jsonl");
  await writeRecords(
    predictionsPath,
    Prediction,
    traces.map((t) => t.prediction),
  );
  const localization = localizationRates(traces.map((t) => t.stages.localization.outcome));
  await writeJsonAtomic(path.join(options.outDir, "localization.json"), localization);
  const stages = traces.map((t) => t.stages);
  await writeJsonAtomic(path.join(options.outDir, "stages.json"), stages);
  return { predictionsPath, localization, stages, resumed };
}
