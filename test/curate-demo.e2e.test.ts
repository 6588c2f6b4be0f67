import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  curatePullRequests,
  DroppedPullRequest,
  FUNNEL_STEPS,
  type FunnelStage,
  minePullRequests,
  type RepositorySnapshot,
  readSnapshotDirectory,
} from "@swerl/data";
import { type DemoWorld, writeDemoWorld } from "@swerl/demo";
import { RlInstance, readAllRecords } from "@swerl/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = mkdtempSync(path.join(tmpdir(), "swerl-curate-demo-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Where each planted verdict must be removed: funnel step and reason. */
const EXPECTED_DROP: Record<string, { step: string; reason: string }> = {
  bot: { step: "noise filters", reason: "bot" },
  "version-bump": { step: "noise filters", reason: "version-bump" },
  empty: { step: "noise filters", reason: "empty" },
  "lock-file-only": { step: "noise filters", reason: "lock-file-only" },
  huge: { step: "noise filters", reason: "huge" },
  "no-linked-issue": { step: "noise filters", reason: "no-linked-issue" },
  duplicate: { step: "dedup", reason: "duplicate-patch" },
  contaminated: { step: "decontamination", reason: "swebench-repo" },
};

let world: DemoWorld;
let instances: RlInstance[];
let dropped: DroppedPullRequest[];
let funnel: FunnelStage[];
let snapshots: RepositorySnapshot[];

beforeAll(async () => {
  world = await writeDemoWorld({ outDir: path.join(root, "world"), bench: "none" });
  snapshots = await readSnapshotDirectory(path.join(world.outDir, "github"));
  const mined = await minePullRequests({
    snapshots: (async function* () {
      yield* snapshots;
    })(),
    reposDir: world.reposDir,
    outDir: path.join(root, "mine"),
  });
  const summary = await curatePullRequests({
    minedFile: mined.pullRequestsFile,
    reposDir: world.reposDir,
    outDir: path.join(root, "curate"),
    source: "demo",
  });
  instances = await readAllRecords(summary.instancesFile, RlInstance);
  dropped = await readAllRecords(summary.droppedFile, DroppedPullRequest);
  funnel = JSON.parse(readFileSync(summary.funnelFile, "utf8"));
}, 120_000);

describe("curating the demo world", () => {
  it("removes every planted noise PR for its planted reason and nothing else", () => {
    const truth = world.groundTruth.pullRequests;
    const expected = truth
      .filter((pr) => pr.verdict !== "keep")
      .map((pr) => ({ id: pr.instanceId, ...(EXPECTED_DROP[pr.verdict] as object) }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const got = dropped
      .map((d) => ({ id: d.id, step: d.step, reason: d.reason }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(got).toEqual(expected);
    expect(instances.map((i) => i.instanceId).sort()).toEqual(
      truth
        .filter((pr) => pr.verdict === "keep")
        .map((pr) => pr.instanceId)
        .sort(),
    );
  });

  it("keeps every good PR with its issue, patch and the exact file contents before and after the merge", () => {
    const byId = new Map(world.groundTruth.pullRequests.map((pr) => [pr.instanceId, pr]));
    const show = (gitDir: string, rev: string, file: string) =>
      execFileSync("git", ["--git-dir", gitDir, "show", `${rev}:${file}`], { encoding: "utf8" });
    for (const instance of instances) {
      const pr = byId.get(instance.instanceId);
      if (!pr) throw new Error(`unplanned instance ${instance.instanceId}`);
      const gitDir = path.join(world.reposDir, `${pr.repo.replace("/", "__")}.git`);
      expect(instance.provenance).toMatchObject({
        source: "demo",
        repo: pr.repo,
        pullNumber: pr.number,
        issueNumbers: pr.linkedIssues,
        baseCommit: pr.mergeBase,
        mergeCommit: pr.mergeCommit,
      });
      expect(instance.oraclePatch).toBe(pr.patch);
      const changed = [pr.sourceFile, pr.testFile].filter((f): f is string => f !== null).sort();
      expect(Object.keys(instance.oracleNewContent).sort()).toEqual(changed);
      for (const file of changed) {
        expect(instance.oracleNewContent[file]).toBe(show(gitDir, pr.mergeCommit, file));
        expect(instance.codeContext[file]).toBe(show(gitDir, pr.mergeBase, file));
      }
      if (pr.sourceFile && pr.buggyLine && pr.fixedLine) {
        expect(instance.codeContext[pr.sourceFile]).toContain(pr.buggyLine);
        expect(instance.oracleNewContent[pr.sourceFile]).toContain(pr.fixedLine);
      }
      const issues = snapshots.find((s) => s.repo === pr.repo)?.issues ?? [];
      expect(pr.linkedIssues.length).toBeGreaterThan(0);
      expect(instance.problemStatement).toBe(
        pr.linkedIssues
          .map((n) => issues.find((i) => i.number === n))
          .map((i) => `${i?.title}\n${i?.body}\n`)
          .join("\n"),
      );
    }
  });

  it("writes a funnel whose counts add up and agree with the ground truth's verdict counts", () => {
    const counts = world.groundTruth.verdictCounts;
    const total = world.groundTruth.pullRequests.length;
    // every stage of the funnel, in order
    expect(funnel.map((s) => s.step)).toEqual([...FUNNEL_STEPS]);
    for (const [i, stage] of funnel.entries()) {
      expect(stage.countIn - stage.count).toBe(stage.dropped.reduce((n, d) => n + d.count, 0));
      if (i > 0) expect(stage.countIn).toBe(funnel[i - 1]?.count);
    }
    expect(funnel[0]?.countIn).toBe(total);
    expect(funnel.at(-1)?.count).toBe(counts.keep);
    const noise = funnel[1]?.dropped ?? [];
    for (const reason of ["bot", "version-bump", "empty", "lock-file-only", "huge", "no-linked-issue"]) {
      expect(noise.find((d) => d.reason === reason)?.count ?? 0).toBe(counts[reason] ?? 0);
    }
  });
});
