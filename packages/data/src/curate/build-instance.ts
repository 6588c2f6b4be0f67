import { type MinedPullRequest, RlInstance } from "@swerl/schema";
import type { GitObjectReader } from "../git-object-reader.js";
import type { GitRepository } from "../git-repository.js";
import { repoDirectoryName } from "../repository-cache.js";
import type { SamplingPolicy } from "./bug-fix-classifier.js";
import type { CurateConfig } from "./curate-config.js";
import { llmRankRelevantFiles } from "./llm-relevant-files.js";
import { type FileFactsCache, type RelevantFile, rankRelevantFiles } from "./relevant-files.js";

/** The instance id of a pull request: `owner__name-<number>`, as SWE-bench names its instances. */
export function instanceIdOf(pr: Pick<MinedPullRequest, "repo" | "number">): string {
  return `${repoDirectoryName(pr.repo)}-${pr.number}`;
}

function problemStatement(pr: MinedPullRequest): string {
  return pr.linkedIssues.map((issue) => `${issue.title}\n${issue.body}\n`).join("\n");
}

/** A repository being curated: git for diffs, one long-lived object reader for everything else. */
export interface OpenRepository {
  git: GitRepository;
  objects: GitObjectReader;
}

export type ContextResult =
  | { instance: RlInstance; relevant: RelevantFile[] }
  | { reason: string; detail: string };

/** Reads the code context and oracle of one surviving pull request from its repository. */
export async function buildInstance(
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
