import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { mapLimited, RepositorySnapshot, repoDirectoryName, snapshotFileName } from "@swerl/data";
// The harness's task builder and test-spec type: the world writes test-specs.json for its executors.
import { buildTasks, RepositoryTestSpec } from "@swerl/eval";
import { type MinedPullRequest, parseConfig } from "@swerl/schema";
import { z } from "zod";
import { writeArchiveFiles } from "./archive-events.js";
import { DemoWorldError } from "./errors.js";
import { DemoGroundTruth, type DemoPullRequestTruth } from "./ground-truth.js";
import { type BuiltRepository, buildRepository } from "./repository-builder.js";
import { planWorld } from "./world-plan.js";

export interface DemoWorldProgress {
  stage: "repositories" | "archive" | "snapshots" | "bench";
  done: number;
  total: number;
}

/** The options of `writeDemoWorld` / `swerl demo`: where the world goes and what it holds. */
export const DemoWorldConfig = z.object({
  outDir: z.string().min(1).describe("world directory (repos/, gharchive/, github/, *.json, bench.jsonl)"),
  seed: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe("everything (names, order, commit ids) follows from the seed"),
  bench: z
    .enum(["test", "all", "none"])
    .default("test")
    .describe(
      "fixes the mini benchmark (bench.jsonl) is built from: test (the held-out split), all, none (no benchmark; the fastest world)",
    ),
  workers: z
    .number()
    .int()
    .positive()
    .default(2)
    .describe("processes building repositories and benchmark tasks at once"),
});
export type DemoWorldConfig = z.infer<typeof DemoWorldConfig>;

export type WriteDemoWorldOptions = z.input<typeof DemoWorldConfig> & {
  onProgress?: (progress: DemoWorldProgress) => void;
  signal?: AbortSignal;
};

export interface DemoWorld {
  outDir: string;
  groundTruth: DemoGroundTruth;
  /** `DIR/repos`, holding `owner__name.git`. */
  reposDir: string;
  archiveFiles: string[];
  snapshotFiles: string[];
  specsFile: string;
  groundTruthFile: string;
  /** Absent when `bench: "none"`. */
  benchFile?: string;
  /** Candidates the task builder dropped, with reasons (should be empty). */
  benchDropped: { instance_id: string; reason: string }[];
}

/** The bare mirror's directory name, `owner__name.git`, as the harness and curation expect. */
const mirrorDir = (repo: string) => `${repoDirectoryName(repo)}.git`;

const PYTHON_SPEC: z.input<typeof RepositoryTestSpec> = {
  testCommand: "python3 -m unittest -v",
  parser: "unittest",
};
const NODE_SPEC: z.input<typeof RepositoryTestSpec> = {
  testCommand: "node --test --test-reporter=tap",
  parser: "node-test-tap",
};

/** A kept fix as the miner would report it: what the task builder takes. */
function asMinedPullRequest(
  truth: DemoPullRequestTruth,
  built: BuiltRepository,
): z.input<typeof MinedPullRequest> {
  const snapshot = built.pullRequests.find((pr) => pr.number === truth.number);
  if (!snapshot)
    throw new DemoWorldError(`no pull-request snapshot of ${truth.instanceId} in the built ${truth.repo}`);
  return {
    repo: truth.repo,
    number: truth.number,
    title: truth.title,
    body: snapshot.body,
    author: truth.author,
    createdAt: truth.createdAt,
    mergedAt: truth.mergedAt,
    baseRef: truth.baseRef,
    baseCommit: truth.baseCommit,
    headCommit: truth.headCommit,
    mergeCommit: truth.mergeCommit,
    files: snapshot.files.map((f) => ({
      path: f.path,
      status: f.changeType === "ADDED" ? "added" : f.changeType === "DELETED" ? "removed" : "modified",
      additions: f.additions,
      deletions: f.deletions,
    })),
    linkedIssues: truth.linkedIssues.map((number) => {
      const issue = built.issues.find((i) => i.number === number);
      if (!issue)
        throw new DemoWorldError(
          `${truth.instanceId} links #${number}, which does not exist in ${truth.repo}`,
        );
      return {
        repo: truth.repo,
        number,
        title: issue.title,
        body: issue.body,
        state: issue.state === "CLOSED" ? "closed" : "open",
        labels: issue.labels,
        comments: issue.comments.map((c) => ({
          author: c.author?.login ?? null,
          body: c.body,
          createdAt: c.createdAt,
        })),
        createdAt: issue.createdAt,
        linkedBy:
          truth.linkStyle === "closing-reference"
            ? "closing-reference"
            : truth.linkStyle === "url"
              ? "url"
              : "keyword",
      };
    }),
    patch: truth.patch,
  };
}

/**
 * Writes a deterministic demo world into `outDir` (contracts.md #2): bare git repositories with
 * issue-linked fixes and planted noise (`repos/`), GH Archive hourly files (`gharchive/`), GitHub
 * snapshots (`github/`), test specs, the ground truth, and a mini SWE-bench built by the task builder
 * (`bench.jsonl`). The same seed gives byte-identical repositories (same commit ids) on any machine.
 */
export async function writeDemoWorld(options: WriteDemoWorldOptions): Promise<DemoWorld> {
  const config = parseConfig(DemoWorldConfig, options, "writeDemoWorld");
  const { seed, workers } = config;
  const outDir = path.resolve(config.outDir);
  const plans = planWorld(seed);
  const reposDir = path.join(outDir, "repos");
  const archiveDir = path.join(outDir, "gharchive");
  const snapshotDir = path.join(outDir, "github");
  for (const dir of [reposDir, archiveDir, snapshotDir]) await rm(dir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });

  let done = 0;
  const built = await mapLimited(plans, workers, async (plan) => {
    options.signal?.throwIfAborted();
    const result = await buildRepository(plan, path.join(reposDir, mirrorDir(plan.repo)), options.signal);
    options.onProgress?.({ stage: "repositories", done: ++done, total: plans.length });
    return result;
  });

  const archiveFiles = (
    await writeArchiveFiles(
      archiveDir,
      built.flatMap((b) => b.events),
    )
  ).map((name) => path.join(archiveDir, name));
  options.onProgress?.({ stage: "archive", done: 1, total: 1 });

  await mkdir(snapshotDir, { recursive: true });
  const snapshotFiles: string[] = [];
  for (const b of built) {
    const snapshot = RepositorySnapshot.parse({
      repo: b.plan.repo,
      defaultBranch: "main",
      description: b.plan.description,
      createdAt: b.createdAt,
      pullRequests: b.pullRequests,
      issues: b.issues,
    });
    const file = path.join(snapshotDir, snapshotFileName(b.plan.repo));
    await writeFile(file, `${JSON.stringify(snapshot, null, 2)}\n`);
    snapshotFiles.push(file);
  }
  options.onProgress?.({ stage: "snapshots", done: 1, total: 1 });

  const specs = Object.fromEntries(
    built.map((b) => [
      b.plan.repo,
      RepositoryTestSpec.parse(b.plan.language === "python" ? PYTHON_SPEC : NODE_SPEC),
    ]),
  );
  const specsFile = path.join(outDir, "test-specs.json");
  await writeFile(specsFile, `${JSON.stringify(specs, null, 2)}\n`);

  const pullRequests = built.flatMap((b) => b.truths);
  const verdictCounts: Record<string, number> = {};
  for (const pr of pullRequests) verdictCounts[pr.verdict] = (verdictCounts[pr.verdict] ?? 0) + 1;
  const groundTruth = DemoGroundTruth.parse({
    seed,
    repositories: built.map((b) => ({
      repo: b.plan.repo,
      language: b.plan.language,
      defaultBranch: "main",
      headCommit: b.headCommit,
      gitDir: path.join("repos", mirrorDir(b.plan.repo)),
    })),
    pullRequests,
    verdictCounts,
  });
  const groundTruthFile = path.join(outDir, "ground-truth.json");
  await writeFile(groundTruthFile, `${JSON.stringify(groundTruth, null, 2)}\n`);

  const world: DemoWorld = {
    outDir,
    groundTruth,
    reposDir,
    archiveFiles,
    snapshotFiles,
    specsFile,
    groundTruthFile,
    benchDropped: [],
  };
  const benchMode = config.bench;
  if (benchMode === "none") return world;
  const byRepo = new Map(built.map((b) => [b.plan.repo, b]));
  const candidates = pullRequests
    .filter((pr) => pr.verdict === "keep" && (benchMode === "all" || pr.split === "test"))
    .map((pr) => asMinedPullRequest(pr, byRepo.get(pr.repo) as BuiltRepository));
  const bench = await buildTasks(
    { reposDir, specs, outDir, fileName: "bench.jsonl", workers },
    {
      candidates,
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (p) => options.onProgress?.({ stage: "bench", done: p.done, total: p.total }),
    },
  );
  world.benchFile = bench.file;
  world.benchDropped = bench.dropped.map((d) => ({ instance_id: d.instance_id, reason: d.reason }));
  return world;
}
