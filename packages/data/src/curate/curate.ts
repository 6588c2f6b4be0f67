import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  formatLocation,
  JsonlWriter,
  MinedPullRequest,
  type Provenance,
  RecordError,
  RlInstance,
  readRecords,
  SwerlError,
  writeParquet,
} from "@swerl/schema";
import { contaminationReason } from "../decontamination.js";
import { GitObjectReader } from "../git-object-reader.js";
import { GitRepository } from "../git-repository.js";
import { mapLimited } from "../map-limited.js";
import { MiningError } from "../mine-pull-requests.js";
import { patchKey } from "../patch-dedup.js";
import { noiseReason } from "../pr-filters.js";
import { repoDirectoryName } from "../repository-cache.js";
import { heuristicBugFix, llmBugFix, type SamplingPolicy } from "./bug-fix-classifier.js";
import { buildInstance, instanceIdOf, type OpenRepository } from "./build-instance.js";
import { CurateConfig, type CurateConfigInput, contaminationOf } from "./curate-config.js";
import {
  DroppedPullRequest,
  FUNNEL_STEPS,
  Funnel,
  type FunnelStage,
  type FunnelStep,
  funnelMarkdown,
} from "./funnel.js";
import type { FileFactsCache } from "./relevant-files.js";

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
