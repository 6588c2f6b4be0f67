import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { MinedPullRequest, RlInstance, readAllRecords } from "@swerl/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { minePullRequests } from "../mine-pull-requests.js";
import { buildFixtureWorld, type FixtureWorld } from "../testing/fixture-world.js";
import { type CurateSummary, curatePullRequests } from "./curate.js";
import { readCurateConfig } from "./curate-config.js";
import { DroppedPullRequest } from "./funnel.js";

let root: string;
let world: FixtureWorld;
let summary: CurateSummary;

const stage = (name: string) => summary.funnel.find((s) => s.step === name);
const reasons = (name: string) =>
  Object.fromEntries((stage(name)?.dropped ?? []).map((d) => [d.reason, [d.count, d.examples]]));

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "swerl-curate-"));
  world = buildFixtureWorld(root);
  // A download cut short: complete events, then the gzip stream ends mid-member.
  const gz = gzipSync(
    `${JSON.stringify({ id: "1", type: "WatchEvent", repo: { name: "acme/calc" } })}\n`.repeat(50),
  );
  writeFileSync(join(world.archiveDir, "2020-01-03-0.json.gz"), gz.subarray(0, gz.length - 12));
  const mined = await minePullRequests({
    gharchive: [world.archiveDir],
    reposDir: world.reposDir,
    outDir: join(root, "mine"),
  });
  // Damage the mined file the way a crashed writer or a stale clone would.
  const dir = join(root, "mined");
  mkdirSync(dir);
  const records = readFileSync(mined.pullRequestsFile, "utf8").split("\n").filter(Boolean);
  const first = MinedPullRequest.parse(JSON.parse(records[0] as string));
  const lost = { ...first, number: 98, headCommit: "0".repeat(40), patch: `${first.patch}+lost\n` };
  const moved = { ...first, repo: "acme/moved", number: 99, patch: `${first.patch}+moved\n` };
  writeFileSync(
    join(dir, "pull-requests.jsonl"),
    [
      ...records,
      "{not json",
      JSON.stringify({ ...first, number: "two" }),
      JSON.stringify(lost),
      JSON.stringify(moved),
    ]
      .map((l) => `${l}\n`)
      .join(""),
  );
  writeFileSync(join(dir, "errors.jsonl"), readFileSync(mined.errorsFile));
  summary = await curatePullRequests({
    minedFile: join(dir, "pull-requests.jsonl"),
    reposDir: join(root, "mine", "git-cache"),
    outDir: join(root, "curate"),
  });
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("curatePullRequests on bad input", () => {
  it("counts every mining problem in the funnel's first stage, with its location", () => {
    const mined = reasons("mined");
    expect(Object.keys(mined).sort()).toEqual([
      "invalid-record",
      "mining: archive",
      "mining: clone",
      "mining: missing-commit",
    ]);
    const [archiveCount, archiveWhere] = mined["mining: archive"] as [number, string[]];
    expect(archiveCount).toBe(2);
    expect(archiveWhere[0]).toMatch(/\/2020-01-02-0\.json\.gz:7$/);
    // The truncated download is reported at the line where its data ends.
    expect(archiveWhere[1]).toMatch(/\/2020-01-03-0\.json\.gz:\d+$/);
    expect(mined["mining: clone"]).toEqual([1, ["acme/ghost"]]);
    expect(mined["mining: missing-commit"]).toEqual([1, ["acme/calc#9"]]);
    const [invalid, where] = mined["invalid-record"] as [number, string[]];
    expect(invalid).toBe(2);
    expect(where.map((w) => w.replace(/^.*\//, ""))).toEqual([
      "pull-requests.jsonl:7",
      "pull-requests.jsonl:8",
    ]);
    expect(stage("mined")).toMatchObject({ count: 8, countIn: 8 + 2 + 2 + 1 + 1 });
  });

  it("drops a PR whose repository or commit is gone at the code-context stage and finishes the run", async () => {
    expect(reasons("code context")).toEqual({
      "missing-commit": [1, ["acme__calc-98"]],
      "repo-unavailable": [1, ["acme__moved-99"]],
    });
    const dropped = await readAllRecords(summary.droppedFile, DroppedPullRequest);
    expect(dropped.find((d) => d.id === "acme__calc-98")?.detail).toMatch(
      /commit 0{40} is not in .*acme__calc\.git/,
    );
    const instances = await readAllRecords(summary.instancesFile, RlInstance);
    expect(instances.length).toBe(summary.instances);
    expect(instances.length).toBe(stage("code context")?.count);
    expect(instances.length).toBeGreaterThan(0);
  });

  it("chains the stages: each one takes exactly what the previous let through", () => {
    for (const [i, s] of summary.funnel.entries()) {
      expect(s.countIn - s.count).toBe(s.dropped.reduce((n, d) => n + d.count, 0));
      if (i > 0) expect(s.countIn).toBe(summary.funnel[i - 1]?.count);
    }
  });
});

describe("curatePullRequests with the LLM bug-fix classifier", () => {
  it("drops what the policy calls no fix, and refuses llm mode without a policy", async () => {
    const minedFile = join(root, "mine", "pull-requests.jsonl");
    const prompts: string[] = [];
    const llm = await curatePullRequests({
      minedFile,
      reposDir: join(root, "mine", "git-cache"),
      outDir: join(root, "curate-llm"),
      config: { bugFix: { mode: "llm" }, parquet: false },
      policy: {
        async sample(batch) {
          prompts.push(...batch);
          return batch.map(() => ({ samples: [{ text: "no" }] }));
        },
      },
    });
    const bugFix = llm.funnel.find((s) => s.step === "bug fix");
    expect(bugFix?.countIn).toBeGreaterThan(0);
    expect(bugFix?.count).toBe(0);
    expect(bugFix?.dropped.map((d) => [d.reason, d.count])).toEqual([["not-bug-fix", bugFix?.countIn]]);
    expect(prompts).toHaveLength(bugFix?.countIn ?? -1);
    expect(llm.instances).toBe(0);
    await expect(
      curatePullRequests({
        minedFile,
        reposDir: root,
        outDir: join(root, "x"),
        config: { bugFix: { mode: "llm" } },
      }),
    ).rejects.toThrow(/bugFix\.mode is llm but no policy/);
  });
});

describe("readCurateConfig", () => {
  it("fills defaults and names the file and field of a bad value", async () => {
    const file = join(root, "config.json");
    writeFileSync(file, JSON.stringify({ relevantFiles: { maxRelevantFiles: 5 } }));
    const config = await readCurateConfig(file);
    expect(config.relevantFiles.maxRelevantFiles).toBe(5);
    expect(config.filters.maxChangedLines).toBe(2000);
    appendFileSync(file, "}");
    await expect(readCurateConfig(file)).rejects.toThrow(/config\.json: cannot read the curate config/);
    writeFileSync(file, JSON.stringify({ decontamination: { level: "everything" } }));
    await expect(readCurateConfig(file)).rejects.toThrow(/config\.json: decontamination\.level: /);
  });
});
