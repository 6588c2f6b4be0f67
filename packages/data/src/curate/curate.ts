import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  formatLocation,
  InternalError,
  JsonlWriter,
  MinedPullRequest,
  Provenance,
  RecordError,
  RlInstance,
  readRecords,
  SwerlError,
  writeParquet,
} from "@swerl/schema";
import { z } from "zod";
import {
  builtinContamination,
  type Contamination,
  contaminationReason,
  loadContamination,
} from "../decontamination.js";
import { GitObjectReader } from "../git-object-reader.js";
import { GitRepository } from "../git-repository.js";
import { mapLimited } from "../map-limited.js";
import { MiningError } from "../mine-pull-requests.js";
import { patchKey } from "../patch-dedup.js";
import { FilterConfig, noiseReason } from "../pr-filters.js";
import { repoDirectoryName } from "../repository-cache.js";
import { BugFixConfig, heuristicBugFix, llmBugFix, type SamplingPolicy } from "./bug-fix-classifier.js";
import { llmRankRelevantFiles } from "./llm-relevant-files.js";
import {
  type FileFactsCache,
  type RelevantFile,
  RelevantFilesConfig,
  rankRelevantFiles,
} from "./relevant-files.js";

/** Which SWE-bench data mined instances are checked against. */
export const DecontaminationConfig = z.object({
  enabled: z.boolean().default(true),
  /** SWE-bench JSONL files (`repo`, `instance_id`); their repositories and instances are excluded. */
  files: z.array(z.string()).optional(),
  /**
   * A directory holding the published SWE-bench files (`swe-bench_lite.test.jsonl`,
   * `swe-bench_lite.dev.jsonl`, `swe-bench_verified.test.jsonl`), used when `files` is not given.
   * Default: `$SWERL_SWEBENCH_DIR`. With neither, the built-in list of SWE-bench's 12 repositories is used.
   */
  datasetsDir: z.string().optional(),
  /** `repo` (default, as the paper): drop every PR of a SWE-bench repository; `instance`: only SWE-bench's own PRs. */
  level: z.enum(["repo", "instance"]).default("repo"),
});
export type DecontaminationConfig = z.infer<typeof DecontaminationConfig>;

/** Everything `swerl curate --config` can set; every field has a default. */
export const CurateConfig = z.object({
  filters: FilterConfig.prefault({}),
  bugFix: BugFixConfig.prefault({}),
  dedup: z.boolean().default(true),
  decontamination: DecontaminationConfig.prefault({}),
  relevantFiles: RelevantFilesConfig.prefault({}),
  /** `provenance.source` of the instances written. */
  source: Provenance.shape.source.default("github"),
  /** Also write `rl-instances.parquet`. */
  parquet: z.boolean().default(true),
  /** Pull requests read and processed together (the LLM classifier sees one batch per call). */
  batchSize: z.number().int().positive().default(64),
  /** Pull requests whose code context is read from git at once. */
  concurrency: z.number().int().positive().default(4),
});
export type CurateConfig = z.infer<typeof CurateConfig>;
export type CurateConfigInput = z.input<typeof CurateConfig>;

/** The stages of the funnel, in order. */
export const FUNNEL_STEPS = [
  "mined",
  "noise filters",
  "bug fix",
  "dedup",
  "decontamination",
  "code context",
] as const;
export type FunnelStep = (typeof FUNNEL_STEPS)[number];

/** One row of `funnel.json`: `{ step, count, note }` (what the pipeline report reads) plus the detail. */
export const FunnelStage = z.object({
  step: z.string(),
  /** Pull requests (or problems) entering this stage. */
  countIn: z.number().int().nonnegative(),
  /** Pull requests leaving it. */
  count: z.number().int().nonnegative(),
  note: z.string().optional(),
  dropped: z.array(
    z.object({
      reason: z.string(),
      count: z.number().int().nonnegative(),
      /** Up to five instance ids (or `file:line` locations). */
      examples: z.array(z.string()),
    }),
  ),
});
export type FunnelStage = z.infer<typeof FunnelStage>;

/** One pull request the curation removed, as written to `dropped.jsonl`. */
export const DroppedPullRequest = z.object({
  id: z.string(),
  step: z.string(),
  reason: z.string(),
  detail: z.string().optional(),
});
export type DroppedPullRequest = z.infer<typeof DroppedPullRequest>;

export interface CurateProgress {
  read: number;
  instances: number;
  dropped: number;
}

export interface CurateOptions {
  /** Mined pull requests (`pull-requests.jsonl` from {@link minePullRequests}, or Parquet). */
  minedFile: string;
  /**
   * Problems met while mining (`errors.jsonl`), counted in the funnel's first stage.
   * Default: `errors.jsonl` beside `minedFile`, when present.
   */
  miningErrorsFile?: string;
  /** Directory of bare repositories named `owner__name.git` (the demo world's `repos/`, or mine's `git-cache/`). */
  reposDir: string;
  outDir: string;
  config?: CurateConfigInput;
  /** Overrides `config.source`. */
  source?: Provenance["source"];
  /** Needed when `config.bugFix.mode` or `config.relevantFiles.ranker` is `llm` (any @swerl/rollout Policy). */
  policy?: SamplingPolicy;
  onProgress?: (progress: CurateProgress) => void;
  signal?: AbortSignal;
}

export interface CurateSummary {
  read: number;
  instances: number;
  funnel: FunnelStage[];
  instancesFile: string;
  parquetFile?: string;
  funnelFile: string;
  funnelMarkdownFile: string;
  droppedFile: string;
}

/** Reads and validates a curate config JSON file; errors name the file and the field. */
export async function readCurateConfig(file: string): Promise<CurateConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    throw new RecordError({ file }, "", `cannot read the curate config: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const parsed = CurateConfig.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RecordError({ file }, issue?.path.join(".") ?? "", issue?.message ?? "invalid curate config");
  }
  return parsed.data;
}

const SWEBENCH_FILES = [
  "swe-bench_lite.test.jsonl",
  "swe-bench_lite.dev.jsonl",
  "swe-bench_verified.test.jsonl",
];

async function contaminationOf(config: DecontaminationConfig): Promise<Contamination> {
  const builtin = builtinContamination();
  let files = config.files;
  const dir = config.datasetsDir ?? process.env.SWERL_SWEBENCH_DIR;
  if (!files && dir) {
    files = SWEBENCH_FILES.map((f) => join(dir, f)).filter((f) => existsSync(f));
    if (files.length === 0) {
      throw new SwerlError(
        "E_CONFIG",
        `decontamination.datasetsDir ${dir}: none of ${SWEBENCH_FILES.join(", ")} is there`,
      );
    }
  }
  if (!files || files.length === 0) return builtin;
  const loaded = await loadContamination(files);
  for (const r of builtin.repos) loaded.repos.add(r);
  return loaded;
}

/** The instance id of a pull request: `owner__name-<number>`, as SWE-bench names its instances. */
export function instanceIdOf(pr: Pick<MinedPullRequest, "repo" | "number">): string {
  return `${repoDirectoryName(pr.repo)}-${pr.number}`;
}

function problemStatement(pr: MinedPullRequest): string {
  return pr.linkedIssues.map((issue) => `${issue.title}\n${issue.body}\n`).join("\n");
}

class Funnel {
  readonly #stages = new Map<
    string,
    { countIn: number; count: number; dropped: Map<string, { count: number; examples: string[] }> }
  >();
  constructor(steps: readonly string[]) {
    for (const s of steps) this.#stages.set(s, { countIn: 0, count: 0, dropped: new Map() });
  }
  #stage(step: string) {
    const s = this.#stages.get(step);
    if (!s) throw new InternalError(`curate: unknown funnel step ${step}`);
    return s;
  }
  pass(step: string, n = 1) {
    const s = this.#stage(step);
    s.countIn += n;
    s.count += n;
  }
  drop(step: string, reason: string, example: string) {
    const s = this.#stage(step);
    s.countIn += 1;
    const d = s.dropped.get(reason) ?? { count: 0, examples: [] };
    d.count += 1;
    if (d.examples.length < 5) d.examples.push(example);
    s.dropped.set(reason, d);
  }
  rows(): FunnelStage[] {
    return [...this.#stages].map(([step, s]) => {
      const dropped = [...s.dropped]
        .map(([reason, d]) => ({ reason, count: d.count, examples: d.examples }))
        .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1));
      const note = dropped.length
        ? `dropped ${dropped.map((d) => `${d.reason} ${d.count}`).join(", ")}`
        : undefined;
      return { step, countIn: s.countIn, count: s.count, ...(note ? { note } : {}), dropped };
    });
  }
}

/** The funnel as a Markdown table (`funnel.md`). */
export function funnelMarkdown(funnel: readonly FunnelStage[]): string {
  const lines = ["| stage | in | out | dropped | reasons (examples) |", "|---|---:|---:|---:|---|"];
  for (const s of funnel) {
    const reasons = s.dropped
      .map(
        (d) => `${d.reason} ${d.count} (${d.examples.slice(0, 2).join(", ")}${d.count > 2 ? ", ..." : ""})`,
      )
      .join("; ");
    lines.push(`| ${s.step} | ${s.countIn} | ${s.count} | ${s.countIn - s.count} | ${reasons} |`);
  }
  return `${lines.join("\n")}\n`;
}

async function readMiningErrors(file: string): Promise<MiningError[]> {
  const out: MiningError[] = [];
  const text = await readFile(file, "utf8");
  for (const [i, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    let parsed: ReturnType<typeof MiningError.safeParse>;
    try {
      parsed = MiningError.safeParse(JSON.parse(line));
    } catch {
      throw new RecordError({ file, line: i + 1 }, "", "malformed JSON in the mining errors file");
    }
    if (!parsed.success) throw new RecordError({ file, line: i + 1 }, "", "not a mining error record");
    out.push(parsed.data);
  }
  return out;
}

/** A repository being curated: git for diffs, one long-lived object reader for everything else. */
interface OpenRepository {
  git: GitRepository;
  objects: GitObjectReader;
}

type ContextResult = { instance: RlInstance; relevant: RelevantFile[] } | { reason: string; detail: string };

/** Reads the code context and oracle of one surviving pull request from its repository. */
async function buildInstance(
  pr: MinedPullRequest,
  repo: OpenRepository | { error: string },
  config: CurateConfig,
  cache: FileFactsCache,
  policy: SamplingPolicy | undefined,
): Promise<ContextResult> {
  if ("error" in repo) return { reason: "repo-unavailable", detail: repo.error };
  const { git, objects } = repo;
  const missing: string[] = [];
  for (const c of [pr.baseCommit, pr.headCommit]) if (!(await objects.hasCommit(c))) missing.push(c);
  if (missing.length > 0) {
    return { reason: "missing-commit", detail: `commit ${missing.join(", ")} is not in ${git.gitDir}` };
  }
  const before = pr.files.filter((f) => f.status !== "added").map((f) => f.path);
  const after = pr.files.filter((f) => f.status !== "removed").map((f) => f.path);
  const [baseContents, newContents, tree] = await Promise.all([
    objects.readFiles(pr.baseCommit, before),
    objects.readFiles(pr.headCommit, after),
    objects.listTree(pr.baseCommit),
  ]);
  const unreadable = [
    ...before.filter((p) => !baseContents.has(p)),
    ...after.filter((p) => !newContents.has(p)),
  ];
  if (unreadable.length > 0) {
    return { reason: "binary-or-missing-file", detail: `cannot read ${unreadable.join(", ")} as text` };
  }
  const statement = problemStatement(pr);
  const rankInput = {
    changed: new Map(pr.files.map((f) => [f.path, baseContents.get(f.path) ?? ""])),
    allFiles: [...tree.keys()],
    problemStatement: statement,
    readFiles: (paths: readonly string[]) => objects.readFiles(pr.baseCommit, paths),
    blobs: tree,
    cache,
  };
  const relevant =
    config.relevantFiles.ranker === "llm" && policy
      ? await llmRankRelevantFiles(rankInput, policy, config.relevantFiles)
      : await rankRelevantFiles(rankInput, config.relevantFiles);
  const relevantContents = await objects.readFiles(
    pr.baseCommit,
    relevant.map((r) => r.path),
  );
  const codeContext: Record<string, string> = {};
  for (const p of [...before].sort()) codeContext[p] = baseContents.get(p) as string;
  for (const r of relevant) {
    const text = relevantContents.get(r.path);
    if (text !== undefined) codeContext[r.path] = text;
  }
  const oracleNewContent: Record<string, string> = {};
  for (const f of [...pr.files].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    oracleNewContent[f.path] = f.status === "removed" ? "" : (newContents.get(f.path) as string);
  }
  const oraclePatch =
    pr.patch ??
    (await git.git(
      ["diff", "--no-color", "--no-ext-diff", "--no-renames", pr.baseCommit, pr.headCommit],
      `cannot diff ${pr.baseCommit}..${pr.headCommit}`,
    ));
  const instance = RlInstance.parse({
    instanceId: instanceIdOf(pr),
    problemStatement: statement,
    codeContext,
    oracleNewContent,
    oraclePatch,
    provenance: {
      source: config.source,
      repo: pr.repo,
      pullNumber: pr.number,
      issueNumbers: pr.linkedIssues.map((i) => i.number),
      baseCommit: pr.baseCommit,
      mergeCommit: pr.mergeCommit ?? undefined,
      createdAt: pr.createdAt,
      url: `https://github.com/${pr.repo}/pull/${pr.number}`,
    },
  });
  return { instance, relevant };
}

/**
 * Turns mined pull requests into SWE-RL instances: noise filters -> bug-fix classifier -> dedup by
 * normalized patch -> SWE-bench decontamination -> code context (every changed file at the base
 * commit plus the best-ranked unmodified files) and oracle (each changed file after the PR). Writes
 * `rl-instances.jsonl` (+ `.parquet`), `funnel.json` and `funnel.md` (count in/out and reasons at
 * every stage) and `dropped.jsonl` (every removed PR with its stage and reason). Bad mined records,
 * mining errors, missing repositories and commits are counted in the funnel, never fatal.
 */
export async function curatePullRequests(options: CurateOptions): Promise<CurateSummary> {
  const config = CurateConfig.parse(options.config ?? {});
  if (options.source) config.source = options.source;
  if (config.bugFix.mode === "llm" && !options.policy) {
    throw new SwerlError("E_CONFIG", "bugFix.mode is llm but no policy was given to curatePullRequests");
  }
  if (config.relevantFiles.ranker === "llm" && !options.policy) {
    throw new SwerlError(
      "E_CONFIG",
      "relevantFiles.ranker is llm but no policy was given to curatePullRequests",
    );
  }
  const { outDir, signal } = options;
  await mkdir(outDir, { recursive: true });
  const contamination = config.decontamination.enabled
    ? await contaminationOf(config.decontamination)
    : { repos: new Set<string>(), instances: new Set<string>() };
  const funnel = new Funnel(FUNNEL_STEPS);

  const errorsFile = options.miningErrorsFile ?? join(dirname(options.minedFile), "errors.jsonl");
  if (options.miningErrorsFile || existsSync(errorsFile)) {
    for (const e of await readMiningErrors(errorsFile)) {
      const where = e.location ?? (e.repo ? `${e.repo}${e.pullNumber ? `#${e.pullNumber}` : ""}` : e.message);
      funnel.drop("mined", `mining: ${e.kind}`, where);
    }
  }

  const instancesFile = join(outDir, "rl-instances.jsonl");
  const droppedFile = join(outDir, "dropped.jsonl");
  const writer = await JsonlWriter.open(instancesFile, RlInstance);
  const droppedLines: string[] = [];
  const drop = (step: FunnelStep, reason: string, id: string, detail?: string) => {
    funnel.drop(step, reason, id);
    droppedLines.push(JSON.stringify(DroppedPullRequest.parse({ id, step, reason, detail })));
  };
  const seenPatches = new Set<string>();
  const repos = new Map<string, OpenRepository | { error: string }>();
  const gitOf = (repo: string) => {
    let open = repos.get(repo);
    if (!open) {
      const dir = join(options.reposDir, `${repoDirectoryName(repo)}.git`);
      open = existsSync(dir)
        ? { git: new GitRepository(dir), objects: new GitObjectReader(dir) }
        : { error: `no repository ${dir}` };
      repos.set(repo, open);
    }
    return open;
  };
  const progress = { read: 0, instances: 0, dropped: 0 };
  // Mined files are grouped by repository, so one cache serves a repository's PRs; blob ids are global.
  const factsCache: FileFactsCache = new Map();

  const processBatch = async (batch: MinedPullRequest[]) => {
    signal?.throwIfAborted();
    const filtered = batch.filter((pr) => {
      const reason = noiseReason(
        {
          author: pr.author ?? "",
          authorIsBot: pr.authorIsBot,
          title: pr.title,
          files: pr.files,
          linkedIssues: pr.linkedIssues.length,
        },
        config.filters,
      );
      if (reason) drop("noise filters", reason, instanceIdOf(pr));
      else funnel.pass("noise filters");
      return !reason;
    });
    const verdicts =
      config.bugFix.mode === "off"
        ? filtered.map(() => ({ bugFix: true, evidence: "off" }))
        : config.bugFix.mode === "llm"
          ? await llmBugFix(filtered, options.policy as SamplingPolicy, config.bugFix)
          : filtered.map((pr) => heuristicBugFix(pr, config.bugFix));
    const survivors: MinedPullRequest[] = [];
    for (const [i, pr] of filtered.entries()) {
      const id = instanceIdOf(pr);
      const verdict = verdicts[i] ?? { bugFix: true, evidence: "" };
      if (!verdict.bugFix) {
        drop("bug fix", "not-bug-fix", id, verdict.evidence);
        continue;
      }
      funnel.pass("bug fix");
      if (config.dedup) {
        const key = patchKey(pr.patch ?? `${pr.repo} ${pr.baseCommit} ${pr.headCommit}`);
        if (seenPatches.has(key)) {
          drop("dedup", "duplicate-patch", id);
          continue;
        }
        seenPatches.add(key);
      }
      funnel.pass("dedup");
      const contaminated = contaminationReason(
        pr.repo,
        pr.number,
        contamination,
        config.decontamination.level,
      );
      if (contaminated) {
        drop("decontamination", contaminated, id);
        continue;
      }
      funnel.pass("decontamination");
      survivors.push(pr);
    }
    const built = await mapLimited(survivors, config.concurrency, async (pr) => {
      try {
        return await buildInstance(pr, gitOf(pr.repo), config, factsCache, options.policy);
      } catch (err) {
        return { reason: "git-error", detail: (err as Error).message };
      }
    });
    // Readers restart on demand: closing them after each batch bounds the processes kept open.
    for (const open of repos.values()) if ("objects" in open) open.objects.close();
    for (const [i, result] of built.entries()) {
      const pr = survivors[i] as MinedPullRequest;
      if ("reason" in result) drop("code context", result.reason, instanceIdOf(pr), result.detail);
      else {
        funnel.pass("code context");
        await writer.write(result.instance);
        progress.instances += 1;
      }
    }
    progress.dropped = droppedLines.length;
    options.onProgress?.({ ...progress });
  };

  try {
    let batch: MinedPullRequest[] = [];
    for await (const pr of readRecords(options.minedFile, MinedPullRequest, {
      onInvalid: (err) => {
        const where = formatLocation(err.location);
        funnel.drop("mined", "invalid-record", where);
        droppedLines.push(
          JSON.stringify(
            DroppedPullRequest.parse({
              id: where,
              step: "mined",
              reason: "invalid-record",
              detail: err.message,
            }),
          ),
        );
      },
    })) {
      progress.read += 1;
      funnel.pass("mined");
      batch.push(pr);
      if (batch.length >= config.batchSize) {
        await processBatch(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await processBatch(batch);
  } catch (err) {
    await writer.abort();
    throw err;
  } finally {
    for (const open of repos.values()) if ("objects" in open) open.objects.close();
  }
  await writer.close();

  const rows = funnel.rows();
  await writeFile(`${droppedFile}.tmp`, droppedLines.map((l) => `${l}\n`).join(""));
  await rename(`${droppedFile}.tmp`, droppedFile);
  let parquetFile: string | undefined;
  if (config.parquet) {
    parquetFile = join(outDir, "rl-instances.parquet");
    await writeParquet(parquetFile, RlInstance, readRecords(instancesFile, RlInstance));
  }
  const funnelFile = join(outDir, "funnel.json");
  const funnelMarkdownFile = join(outDir, "funnel.md");
  await writeFile(funnelFile, `${JSON.stringify(rows, null, 2)}\n`);
  await writeFile(funnelMarkdownFile, funnelMarkdown(rows));
  return {
    read: progress.read,
    instances: progress.instances,
    funnel: rows,
    instancesFile,
    parquetFile,
    funnelFile,
    funnelMarkdownFile,
    droppedFile,
  };
}
