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

/** The stages, in the order they run over all instances. */
export const AGENTLESS_STAGES = ["localize", "repair", "reproduce", "regression", "rerank"] as const;
export type AgentlessStage = (typeof AGENTLESS_STAGES)[number];

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
  /**
   * `policy` (default): the policy localizes from the repository tree, as Agentless does. `oracle`: the
   * files of the gold patch that exist at the base commit (SWE-bench's "oracle" retrieval setting), an
   * ablation that isolates repair and selection; results with it are not Agentless results.
   */
  localization?: "policy" | "oracle";
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
  /** Why the instance has no candidates or no tests (prompt over budget, no spec), when that happened. */
  note: z.string().optional(),
});
export type InstanceStages = z.infer<typeof InstanceStages>;

const RepairedSample = RepairCandidate.extend({
  status: RepairStatus,
  detail: z.string().optional(),
  response: z.string(),
});

/** What the localize stage leaves in `instances/<id>/localize.json`. */
export const LocalizeRecord = z.object({
  config: z.string(),
  views: z.array(z.string()),
  responses: z.array(z.string()),
  /** The merged localization: real paths, most voted first. */
  files: z.array(z.string()),
  shownFiles: z.number().int(),
  droppedFiles: z.array(z.string()),
  goldFiles: z.array(z.string()),
  outcome: LocalizationOutcome,
  note: z.string().optional(),
});
export type LocalizeRecord = z.infer<typeof LocalizeRecord>;

/** What the repair stage leaves in `instances/<id>/repair.json`. */
export const RepairRecord = z.object({
  config: z.string(),
  shownFiles: z.array(z.string()),
  promptTokens: z.number().int().nullable(),
  droppedFiles: z.array(z.string()),
  candidates: z.array(RepairedSample),
  note: z.string().optional(),
});
export type RepairRecord = z.infer<typeof RepairRecord>;

/** What the reproduce stage leaves in `instances/<id>/reproduce.json` (`ran: false` when it had nothing to do). */
export const ReproduceRecord = z.object({
  config: z.string(),
  ran: z.boolean(),
  tests: z.array(
    z.object({
      sample: z.number().int(),
      script: z.string().nullable(),
      onOriginal: ReproductionVerdict.nullable(),
    }),
  ),
  /** Samples of the selected tests: reproducing on the original code, most agreed-upon. */
  selected: z.array(z.number().int()),
  note: z.string().optional(),
});
export type ReproduceRecord = z.infer<typeof ReproduceRecord>;

/** What the regression stage leaves in `instances/<id>/regression.json`: the suite and each distinct candidate's results. */
export const RegressionRecord = z.object({
  config: z.string(),
  ran: z.boolean(),
  suite: z.array(z.string()).nullable(),
  results: z.array(
    z.object({
      normalizedKey: z.string(),
      regressions: z.number().int().nullable(),
      reproductionPasses: z.number().int().nullable(),
    }),
  ),
  note: z.string().optional(),
});
export type RegressionRecord = z.infer<typeof RegressionRecord>;

/** Everything one instance did, written to `instances/<id>.json` by the rerank stage. */
export const InstanceTrace = z.object({
  instanceId: z.string(),
  model: z.string(),
  config: z.string(),
  stages: InstanceStages,
  localization: z.object({
    views: z.array(z.string()),
    responses: z.array(z.string()),
    droppedFiles: z.array(z.string()),
  }),
  repair: z.object({ shownFiles: z.array(z.string()), candidates: z.array(RepairedSample) }),
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

/** Candidate counts per stage over all instances (`summary.json`). */
export const AgentlessCounts = z.object({
  instances: z.number().int(),
  localize: z.object({
    samples: z.number().int(),
    /** Instances whose localization kept at least one real file. */
    localized: z.number().int(),
    files: z.number().int(),
  }),
  repair: z.object({
    samples: z.number().int(),
    byStatus: z.record(RepairStatus, z.number().int()),
    nonEmpty: z.number().int(),
    /** Distinct candidates after normalization, summed over instances. */
    unique: z.number().int(),
    instancesWithCandidates: z.number().int(),
  }),
  reproduce: z.object({
    samples: z.number().int(),
    extracted: z.number().int(),
    reproducing: z.number().int(),
    instancesWithTest: z.number().int(),
  }),
  regression: z.object({
    instancesTested: z.number().int(),
    candidatesTested: z.number().int(),
    withoutRegressions: z.number().int(),
  }),
  rerank: z.object({
    predictions: z.number().int(),
    nonEmpty: z.number().int(),
    decidedBy: z.record(z.string(), z.number().int()),
  }),
});
export type AgentlessCounts = z.infer<typeof AgentlessCounts>;

/** The summary a run returns and writes to `summary.json`. */
export interface AgentlessRun {
  /** `all_preds.jsonl` in the official predictions format. */
  predictionsPath: string;
  localization: LocalizationRates;
  counts: AgentlessCounts;
  stages: InstanceStages[];
  /** Instances whose every stage was read back from disk. */
  resumed: number;
  /** Per stage: instances computed, read back, or with nothing to do. */
  stageStatus: Record<AgentlessStage, { ran: number; resumed: number; skipped: number }>;
}

function safeId(instanceId: string): string {
  return instanceId.replace(/[^\w.-]+/g, "_");
}

function traceFile(outDir: string, instanceId: string): string {
  return path.join(outDir, "instances", `${safeId(instanceId)}.json`);
}

function stageFile(outDir: string, instanceId: string, stage: AgentlessStage): string {
  return path.join(outDir, "instances", safeId(instanceId), `${stage}.json`);
}

async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(tmp, file);
}

/** A stage file written by a run with the same configuration, or null (absent, broken, or another configuration). */
async function readStage<S extends z.ZodType<{ config: string }>>(
  file: string,
  schema: S,
  config: string,
): Promise<z.output<S> | null> {
  if (!existsSync(file)) return null;
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch {
    return null;
  }
  const parsed = schema.safeParse(json);
  return parsed.success && parsed.data.config === config ? parsed.data : null;
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
export function mergeLocalizations(lists: readonly string[][], maxFiles: number): string[] {
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
  localization: "policy" | "oracle";
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

/** The distinct non-empty candidates: normalized key -> patch of its earliest sample. */
function uniqueCandidates(candidates: readonly z.infer<typeof RepairedSample>[]): Map<string, string> {
  const unique = new Map<string, string>();
  for (const c of candidates)
    if (c.status === "ok" && !unique.has(c.normalizedKey)) unique.set(c.normalizedKey, c.patch);
  return unique;
}

/** The repair prompt's files and their base contents, as the repair and reproduce stages both need them. */
async function shownContext(
  mirror: string,
  commit: string,
  shown: readonly string[],
): Promise<Record<string, string>> {
  const contents = await readRepositoryFiles(mirror, commit, shown);
  return Object.fromEntries(shown.map((p) => [p, contents[p] ?? ""]));
}

class InstanceRunner {
  readonly mirror: string;
  readonly id: string;

  constructor(
    readonly instance: SweBenchInstance,
    readonly options: RunAgentlessOptions,
    readonly resolved: ResolvedOptions,
    readonly configs: Record<AgentlessStage, string>,
  ) {
    this.id = instance.instance_id;
    this.mirror = path.join(options.reposDir, mirrorDirectoryName(instance.repo));
  }

  get #sampling() {
    return { maxTokens: this.resolved.maxTokens, seed: this.resolved.seed };
  }

  get #budget() {
    return { maxPromptTokens: this.resolved.maxPromptTokens, countTokens: this.resolved.countTokens };
  }

  async localize(): Promise<LocalizeRecord> {
    const { instance, resolved, options } = this;
    const allFiles = await listRepositoryFiles(this.mirror, instance.base_commit);
    const files = localizableFiles(allFiles, instance.repo);
    const goldFiles = patchFiles(instance.patch);
    if (resolved.localization === "oracle") {
      const existing = new Set(allFiles);
      const localized = goldFiles.filter((f) => existing.has(f)).slice(0, resolved.maxFiles);
      return {
        config: this.configs.localize,
        views: [],
        responses: [],
        files: localized,
        shownFiles: 0,
        droppedFiles: [],
        goldFiles,
        outcome: localizationOutcome(localized, goldFiles),
        note: "oracle localization: the gold patch's files (an ablation, not the policy's choice)",
      };
    }
    let loc: ReturnType<typeof buildLocalizationPrompts>;
    try {
      loc = buildLocalizationPrompts(instance.problem_statement, files, {
        ...this.#budget,
        samples: resolved.localizationSamples,
        maxFiles: resolved.maxFiles,
        seed: resolved.seed,
        instanceId: this.id,
      });
    } catch (error) {
      if (!(error instanceof PromptBudgetError)) throw error;
      return {
        config: this.configs.localize,
        views: [],
        responses: [],
        files: [],
        shownFiles: 0,
        droppedFiles: files,
        goldFiles,
        outcome: localizationOutcome([], goldFiles),
        note: error.message,
      };
    }
    const prompts = loc.conversations.map(resolved.render);
    // the first view greedy, the other views sampled
    const [first] = await options.policy.sample(prompts.slice(0, 1), {
      ...this.#sampling,
      n: 1,
      temperature: 0,
    });
    const rest =
      prompts.length > 1
        ? await options.policy.sample(prompts.slice(1), {
            ...this.#sampling,
            n: 1,
            temperature: resolved.temperature,
          })
        : [];
    const responses = [first, ...rest].map((g) => g?.samples[0]?.text ?? "");
    const localized = mergeLocalizations(
      responses.map((r) => parseLocalizedFiles(r, files, resolved.maxFiles)),
      resolved.maxFiles,
    );
    return {
      config: this.configs.localize,
      views: loc.views,
      responses,
      files: localized,
      shownFiles: files.length - loc.droppedFiles.length,
      droppedFiles: loc.droppedFiles,
      goldFiles,
      outcome: localizationOutcome(localized, goldFiles),
      note: localized.length === 0 ? "localization named no file of the repository" : undefined,
    };
  }

  async repair(localization: LocalizeRecord): Promise<RepairRecord | null> {
    const { instance, resolved, options } = this;
    if (localization.files.length === 0) return null;
    const contents = await readRepositoryFiles(this.mirror, instance.base_commit, localization.files);
    let prompt: ReturnType<typeof buildAgentlessRepairPrompt>;
    try {
      prompt = buildAgentlessRepairPrompt(
        this.id,
        instance.problem_statement,
        localization.files,
        contents,
        this.#budget,
      );
    } catch (error) {
      if (!(error instanceof PromptBudgetError)) throw error;
      return {
        config: this.configs.repair,
        shownFiles: [],
        promptTokens: null,
        droppedFiles: [],
        candidates: [],
        note: error.message,
      };
    }
    const codeContext = Object.fromEntries(prompt.shownFiles.map((p) => [p, contents[p] ?? ""]));
    const [group] = await options.policy.sample([resolved.render(prompt.messages)], {
      ...this.#sampling,
      n: resolved.samples,
      temperature: resolved.temperature,
    });
    const repositoryFiles = new Set(await listRepositoryFiles(this.mirror, instance.base_commit));
    const candidates: RepairRecord["candidates"] = [];
    for (const [sample, s] of (group?.samples ?? []).entries()) {
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
    return {
      config: this.configs.repair,
      shownFiles: prompt.shownFiles,
      promptTokens: prompt.tokens,
      droppedFiles: prompt.droppedFiles,
      candidates,
    };
  }

  async #withBench<T>(
    spec: RepositoryTestSpec,
    executor: Executor,
    body: (bench: TestBench) => Promise<T>,
  ): Promise<T> {
    const workspace: Workspace = await executor.prepare({
      repo: this.instance.repo,
      baseCommit: this.instance.base_commit,
      label: this.id,
    });
    try {
      return await body(new TestBench(workspace, spec, this.resolved));
    } finally {
      await workspace.dispose();
    }
  }

  /** Reproduction tests generated, run on the original code, the reproducing and most agreed-upon kept. */
  async reproduce(repair: RepairRecord | null, executor: Executor): Promise<ReproduceRecord> {
    const { instance, resolved, options } = this;
    const skipped = (note?: string): ReproduceRecord => ({
      config: this.configs.reproduce,
      ran: false,
      tests: [],
      selected: [],
      note,
    });
    if (resolved.tests === 0) return skipped();
    if (!repair || uniqueCandidates(repair.candidates).size === 0) return skipped();
    const spec = specFor(instance.repo);
    if (!spec) return skipped(`no test spec for ${instance.repo}: tests were not run`);
    const codeContext = await shownContext(this.mirror, instance.base_commit, repair.shownFiles);
    const [group] = await options.policy.sample(
      [resolved.render(buildReproductionConversation(instance.problem_statement, codeContext))],
      { ...this.#sampling, n: resolved.tests, temperature: resolved.temperature },
    );
    return this.#withBench(spec, executor, async (bench) => {
      const tests: ReproduceRecord["tests"] = [];
      const generated: Array<{ sample: number; normalized: string; onOriginal: ReproductionVerdict }> = [];
      for (const [sample, s] of (group?.samples ?? []).entries()) {
        const script = extractTestScript(s.text);
        let onOriginal: ReproductionVerdict | null = null;
        if (script !== null) {
          onOriginal = await bench.runReproduction(script);
          generated.push({ sample, normalized: await normalizePython(script), onOriginal });
        }
        tests.push({ sample, script, onOriginal });
        throwIfAborted(options.signal);
      }
      return {
        config: this.configs.reproduce,
        ran: true,
        tests,
        selected: selectReproductionTests(generated, 1),
      };
    });
  }

  /** The regression suite (tests passing on the original code), then every distinct candidate against it and the selected reproduction tests. */
  async regression(
    repair: RepairRecord | null,
    reproduce: ReproduceRecord,
    executor: Executor,
  ): Promise<RegressionRecord> {
    const { instance, resolved, options } = this;
    const skipped = (note?: string): RegressionRecord => ({
      config: this.configs.regression,
      ran: false,
      suite: null,
      results: [],
      note,
    });
    const unique = uniqueCandidates(repair?.candidates ?? []);
    const selected = reproduce.selected.map(
      (sample) => reproduce.tests.find((t) => t.sample === sample)!.script!,
    );
    if (unique.size === 0 || (!resolved.regression && selected.length === 0)) return skipped();
    const spec = specFor(instance.repo);
    if (!spec) return skipped(`no test spec for ${instance.repo}: tests were not run`);
    return this.#withBench(spec, executor, async (bench) => {
      let suite: string[] | null = null;
      if (resolved.regression) suite = passingTests((await bench.runSuite()) ?? {});
      const results: RegressionRecord["results"] = [];
      for (const [normalizedKey, patch] of unique) {
        let regressions: number | null = null;
        if (suite) {
          const statuses = await bench.runSuite(patch);
          regressions = statuses === null ? suite.length : countRegressions(suite, statuses);
        }
        let reproductionPasses: number | null = null;
        if (selected.length > 0) {
          reproductionPasses = 0;
          for (const script of selected)
            if ((await bench.runReproduction(script, patch)) === "resolved") reproductionPasses += 1;
        }
        results.push({ normalizedKey, regressions, reproductionPasses });
        throwIfAborted(options.signal);
      }
      return { config: this.configs.regression, ran: true, suite, results };
    });
  }

  rerank(
    localization: LocalizeRecord,
    repair: RepairRecord | null,
    reproduce: ReproduceRecord,
    regression: RegressionRecord,
  ): InstanceTrace {
    const model = this.options.policy.model;
    const results = new Map(regression.results.map((r) => [r.normalizedKey, r]));
    const candidates = (repair?.candidates ?? []).map((c) => {
      const r = c.status === "ok" ? results.get(c.normalizedKey) : undefined;
      return { ...c, regressions: r?.regressions ?? null, reproductionPasses: r?.reproductionPasses ?? null };
    });
    const decision = rerankCandidates(candidates);
    const chosen = candidates.find((c) => c.sample === decision.chosen);
    const live = candidates.filter((c) => c.status === "ok");
    const generated = reproduce.tests.filter((t) => t.script !== null);
    const note = [localization.note, repair?.note, reproduce.note ?? regression.note].find(
      (n) => n !== undefined,
    );
    const stages: InstanceStages = {
      instanceId: this.id,
      localization: {
        samples: localization.responses.length,
        shownFiles: localization.shownFiles,
        droppedFiles: localization.droppedFiles.length,
        files: localization.files,
        goldFiles: localization.goldFiles,
        outcome: localization.outcome,
      },
      repair: {
        samples: candidates.length,
        promptTokens: repair?.promptTokens ?? null,
        droppedFiles: repair?.droppedFiles ?? [],
        byStatus: countStatuses(candidates.map((c) => c.status)),
        nonEmpty: live.length,
        unique: uniqueCandidates(candidates).size,
      },
      reproduction: reproduce.ran
        ? {
            samples: reproduce.tests.length,
            extracted: generated.length,
            reproducing: generated.filter((t) => t.onOriginal === "reproduced").length,
            selected: reproduce.selected,
          }
        : null,
      regression: regression.suite
        ? {
            suite: regression.suite.length,
            candidatesTested: regression.results.length,
            withoutRegressions: regression.results.filter((r) => r.regressions === 0).length,
          }
        : null,
      rerank: { chosen: decision.chosen, decidedBy: decision.decidedBy },
      ...(note !== undefined ? { note } : {}),
    };
    return {
      instanceId: this.id,
      model,
      config: this.configs.rerank,
      stages,
      localization: {
        views: localization.views,
        responses: localization.responses,
        droppedFiles: localization.droppedFiles,
      },
      repair: { shownFiles: repair?.shownFiles ?? [], candidates },
      reproduction: reproduce.tests,
      regressionSuite: regression.suite,
      decision,
      prediction: { instance_id: this.id, model_name_or_path: model, model_patch: chosen?.patch ?? "" },
    };
  }
}

/** Totals over instances of what each stage produced. */
export function countCandidates(stages: readonly InstanceStages[]): AgentlessCounts {
  const sum = (f: (s: InstanceStages) => number) => stages.reduce((a, s) => a + f(s), 0);
  const byStatus = countStatuses([]);
  for (const s of stages)
    for (const status of RepairStatus.options) byStatus[status] += s.repair.byStatus[status] ?? 0;
  const decidedBy: Record<string, number> = {};
  for (const s of stages) decidedBy[s.rerank.decidedBy] = (decidedBy[s.rerank.decidedBy] ?? 0) + 1;
  return {
    instances: stages.length,
    localize: {
      samples: sum((s) => s.localization.samples),
      localized: stages.filter((s) => s.localization.files.length > 0).length,
      files: sum((s) => s.localization.files.length),
    },
    repair: {
      samples: sum((s) => s.repair.samples),
      byStatus,
      nonEmpty: sum((s) => s.repair.nonEmpty),
      unique: sum((s) => s.repair.unique),
      instancesWithCandidates: stages.filter((s) => s.repair.nonEmpty > 0).length,
    },
    reproduce: {
      samples: sum((s) => s.reproduction?.samples ?? 0),
      extracted: sum((s) => s.reproduction?.extracted ?? 0),
      reproducing: sum((s) => s.reproduction?.reproducing ?? 0),
      instancesWithTest: stages.filter((s) => (s.reproduction?.selected.length ?? 0) > 0).length,
    },
    regression: {
      instancesTested: stages.filter((s) => s.regression !== null).length,
      candidatesTested: sum((s) => s.regression?.candidatesTested ?? 0),
      withoutRegressions: sum((s) => s.regression?.withoutRegressions ?? 0),
    },
    rerank: {
      predictions: stages.length,
      nonEmpty: stages.filter((s) => s.rerank.chosen !== null).length,
      decidedBy,
    },
  };
}

/**
 * Agentless Mini over a SWE-bench dataset with one policy for every step, stage by stage over all
 * instances: localize files from the repository tree (several reformatted/shuffled views, votes merged),
 * sample K repairs with the training repair prompt and turn them into git-style patches, generate
 * reproduction tests and keep the reproducing, most agreed-upon one, run the regression suite on the
 * original code then on every distinct candidate (with the selected reproduction test), rerank, and write
 * `all_preds.jsonl` (official predictions format), `localization.json`, `stages.json`, `summary.json` and
 * one trace per instance into `outDir`. Each stage of each instance is kept in `instances/<id>/<stage>.json`;
 * a rerun with the same configuration reads them back instead of recomputing (a changed configuration
 * recomputes from the first stage it affects).
 */
export async function runAgentless(options: RunAgentlessOptions): Promise<AgentlessRun> {
  const samples = options.samples ?? 4;
  const resolved: ResolvedOptions = {
    samples,
    tests: options.tests ?? samples,
    regression: options.regression ?? true,
    localizationSamples: options.localizationSamples ?? Math.min(samples, 4),
    localization: options.localization ?? "policy",
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
  for (const instance of instances) {
    const mirror = path.join(options.reposDir, mirrorDirectoryName(instance.repo));
    if (!existsSync(mirror))
      throw new AgentlessInputError(
        `${instance.instance_id}: no mirror of ${instance.repo} at ${mirror} (expected a bare git repository)`,
      );
  }
  // what a stage file must have been computed with to be reused: the options of that stage and of
  // the stages before it (functions are named by their presence)
  const shared = {
    model: options.policy.model,
    maxTokens: resolved.maxTokens,
    temperature: resolved.temperature,
    seed: resolved.seed,
    maxPromptTokens: resolved.maxPromptTokens,
    countTokens: options.countTokens ? "custom" : "chars",
    chatTemplate: options.chatTemplate ? "custom" : "plain",
  };
  const localizeKeys = {
    ...shared,
    localization: resolved.localization,
    localizationSamples: resolved.localizationSamples,
    maxFiles: resolved.maxFiles,
  };
  const repairKeys = { ...localizeKeys, samples: resolved.samples };
  const reproduceKeys = {
    ...repairKeys,
    tests: resolved.tests,
    reproductionTimeoutMs: resolved.reproductionTimeoutMs,
  };
  const regressionKeys = {
    ...reproduceKeys,
    regression: resolved.regression,
    suiteTimeoutMs: resolved.suiteTimeoutMs,
  };
  const configs: Record<AgentlessStage, string> = {
    localize: JSON.stringify(localizeKeys),
    repair: JSON.stringify(repairKeys),
    reproduce: JSON.stringify(reproduceKeys),
    regression: JSON.stringify(regressionKeys),
    rerank: JSON.stringify(regressionKeys),
  };
  await mkdir(options.outDir, { recursive: true });
  const runners = instances.map((i) => new InstanceRunner(i, options, resolved, configs));
  const total = runners.length;
  const stageStatus = Object.fromEntries(
    AGENTLESS_STAGES.map((s) => [s, { ran: 0, resumed: 0, skipped: 0 }]),
  ) as AgentlessRun["stageStatus"];
  /** Instances with a stage recomputed this run: their later stages are recomputed too. */
  const recomputed = new Set<string>();

  async function stage<T extends { config: string }>(
    name: AgentlessStage,
    schema: z.ZodType<T>,
    compute: (runner: InstanceRunner, index: number) => Promise<T | null>,
    isSkip: (value: T | null) => boolean,
  ): Promise<Array<T | null>> {
    options.onProgress?.({ stage: name, phase: "start", done: 0, total });
    const out: Array<T | null> = [];
    for (const [index, runner] of runners.entries()) {
      throwIfAborted(options.signal);
      const file = stageFile(options.outDir, runner.id, name);
      let value: T | null = recomputed.has(runner.id) ? null : await readStage(file, schema, configs[name]);
      let status: "ran" | "resumed" | "skipped";
      if (value) status = "resumed";
      else {
        recomputed.add(runner.id);
        value = await compute(runner, index);
        if (value) await writeJsonAtomic(file, value);
        status = isSkip(value) ? "skipped" : "ran";
      }
      stageStatus[name][status] += 1;
      out.push(value);
      options.onProgress?.({
        stage: name,
        phase: "instance",
        done: index + 1,
        total,
        instanceId: runner.id,
        status,
        counts: { ...stageStatus[name] },
      });
    }
    options.onProgress?.({ stage: name, phase: "end", done: total, total, counts: { ...stageStatus[name] } });
    return out;
  }

  const executor =
    options.executor ?? new LocalExecutor({ reposDir: options.reposDir, environments: options.environments });
  const traces: InstanceTrace[] = [];
  try {
    const localized = await stage(
      "localize",
      LocalizeRecord,
      (r) => r.localize(),
      (v) => v === null,
    );
    // a repair record is written even when localization found nothing, so that resuming sees it
    const repaired = await stage(
      "repair",
      RepairRecord,
      async (r, i) =>
        (await r.repair(localized[i]!)) ?? {
          config: configs.repair,
          shownFiles: [],
          promptTokens: null,
          droppedFiles: [],
          candidates: [],
          note: "nothing localized",
        },
      (v) => v === null || (v.candidates.length === 0 && v.promptTokens === null),
    );
    const reproduced = await stage(
      "reproduce",
      ReproduceRecord,
      (r, i) => r.reproduce(repaired[i]!, executor),
      (v) => !v?.ran,
    );
    const regressed = await stage(
      "regression",
      RegressionRecord,
      (r, i) => r.regression(repaired[i]!, reproduced[i]!, executor),
      (v) => !v?.ran,
    );
    options.onProgress?.({ stage: "rerank", phase: "start", done: 0, total });
    for (const [i, runner] of runners.entries()) {
      const file = traceFile(options.outDir, runner.id);
      const resumed = !recomputed.has(runner.id) && existsSync(file);
      const trace = runner.rerank(localized[i]!, repaired[i]!, reproduced[i]!, regressed[i]!);
      await writeJsonAtomic(file, trace);
      stageStatus.rerank[resumed ? "resumed" : "ran"] += 1;
      traces.push(trace);
      options.onProgress?.({
        stage: "rerank",
        phase: "instance",
        done: i + 1,
        total,
        instanceId: runner.id,
        status: resumed ? "resumed" : "ran",
        counts: { ...stageStatus.rerank },
      });
    }
    options.onProgress?.({
      stage: "rerank",
      phase: "end",
      done: total,
      total,
      counts: { ...stageStatus.rerank },
    });
  } finally {
    if (!options.executor) await executor.close();
  }
  const predictionsPath = path.join(options.outDir, "all_preds.jsonl");
  await writeRecords(
    predictionsPath,
    Prediction,
    traces.map((t) => t.prediction),
  );
  const localization = localizationRates(traces.map((t) => t.stages.localization.outcome));
  await writeJsonAtomic(path.join(options.outDir, "localization.json"), localization);
  const stages = traces.map((t) => t.stages);
  await writeJsonAtomic(path.join(options.outDir, "stages.json"), stages);
  const counts = countCandidates(stages);
  await writeJsonAtomic(path.join(options.outDir, "summary.json"), { localization, counts, stageStatus });
  return {
    predictionsPath,
    localization,
    counts,
    stages,
    resumed: total - recomputed.size,
    stageStatus,
  };
}
