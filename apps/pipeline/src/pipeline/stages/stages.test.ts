import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RlInstance, readAllRecords, SweBenchInstance, writeRecords } from "@swerl/schema";
import { describe, expect, it } from "vitest";
import { startProgress } from "../../progress.js";
import { PipelineConfig } from "../config.js";
import type { Stage, StageContext } from "../stage.js";
import { curateStage, INSTANCES_FILE } from "./curate.js";
import { demoStage } from "./demo.js";
import { mineStage } from "./mine.js";
import { reportStage } from "./report.js";
import { TASKS_FILE, tasksStage } from "./tasks.js";
import { grpoStage } from "./train.js";

async function contextFor(stage: string, options: Record<string, unknown>) {
  const runDir = await mkdtemp(join(tmpdir(), "swerl-stage-"));
  const dir = join(runDir, `${stage}.partial`);
  await mkdir(dir);
  const logs: string[] = [];
  const context: StageContext = {
    runId: "t",
    runDir,
    dir,
    config: PipelineConfig.parse({ runId: "t", outDir: runDir }),
    options,
    input: (name) => join(runDir, name),
    progress: (label, total, unit) => startProgress({ label, total, unit, lineInterval: 1e6 }),
    log: (line) => logs.push(line),
    signal: new AbortController().signal,
  };
  return { context, runDir, dir, logs };
}

const instance = RlInstance.parse({
  instanceId: "acme__calc-1",
  problemStatement: "add() subtracts",
  codeContext: { "calc.py": "def add(a, b):\n    return a - b\n" },
  oracleNewContent: { "calc.py": "def add(a, b):\n    return a + b\n" },
  oraclePatch: "",
  provenance: { source: "demo", repo: "acme/calc" },
});

describe("grpo stage", () => {
  it("prepares a verl run (dataset, glue, submit.sh naming the finished directory) instead of training", async () => {
    const { context, runDir, dir } = await contextFor("grpo", {
      engine: "verl",
      rewardUrl: "http://head:8000",
    });
    await mkdir(join(runDir, "sft"));
    // More than one batch of the SWE-RL preset's 32 prompts, so the launch validates.
    const instances = Array.from({ length: 40 }, (_, i) => ({
      ...instance,
      instanceId: `acme__calc-${i + 1}`,
      provenance: { ...instance.provenance, pullNumber: i + 1 },
    }));
    await writeRecords(join(runDir, "sft", "train-instances.jsonl"), RlInstance, instances);
    const summary = await grpoStage.run!(context);
    expect(String(summary.engine)).toMatch(/^verl@/);
    expect(summary.prompts).toBeGreaterThanOrEqual(32);
    const submit = await readFile(join(dir, "submit.sh"), "utf8");
    expect(submit).toContain("ray job submit");
    expect(submit).toContain(join(runDir, "grpo", "verl"));
    expect(submit).not.toContain(".partial");
    expect(existsSync(join(dir, "verl", "swerl_reward.py"))).toBe(true);
    // (The dataset's columns are checked against verl's schema in @swerl/trainer's tests.)
    expect((await stat(join(dir, "verl", "swerl_train.parquet"))).size).toBeGreaterThan(0);
  });

  it("names the bad field of its config section", async () => {
    const { context } = await contextFor("grpo", { engine: "deepspeed" });
    await expect(grpoStage.run!(context)).rejects.toThrow(/stages\.grpo\.engine: /);
  });
});

describe("demo, mine and curate stages", () => {
  it("name the bad field of their sections before any work", async () => {
    const cases = [
      [mineStage, { shard: "4/4" }, /stages\.mine\.shard: expected i\/N/],
      [mineStage, { cloneConcurrency: 0 }, /stages\.mine\.cloneConcurrency: /],
      [
        curateStage,
        { config: { filters: { maxChangedLines: "many" } } },
        /stages\.curate\.config\.filters\.maxChangedLines: /,
      ],
      [demoStage, { bench: "all" }, /stages\.demo: .*bench/],
      [reportStage(() => []), { title: "x" }, /stages\.report: .*title/],
    ] as const;
    for (const [stage, options, message] of cases) {
      const { context } = await contextFor(stage.name, options);
      await expect(stage.run!(context), stage.name).rejects.toThrow(message);
    }
  });

  it("write the demo world, mine it from the local GraphQL server, build tasks and curate the rest", async () => {
    const { context, runDir } = await contextFor("demo", {});
    /** Runs `stage` with `options` as the runner does: in `<name>.partial`, renamed when it finishes. */
    const run = async (stage: Stage, options: Record<string, unknown>) => {
      const dir = join(runDir, `${stage.name}.partial`);
      await mkdir(dir, { recursive: true });
      const summary = await stage.run!({ ...context, dir, options });
      await rename(dir, join(runDir, stage.name));
      return summary;
    };
    const world = await run(demoStage, { workers: 2 });
    const mined = await run(mineStage, {});
    expect(mined).toMatchObject({ source: "graphql", demoWorld: true, repositories: world.repositories });
    expect(mined.mined).toBe(world.pullRequests);
    const tasks = await run(tasksStage, { workers: 2, timeoutSeconds: 120 });
    const taskIds = (await readAllRecords(join(runDir, "tasks", TASKS_FILE), SweBenchInstance)).map(
      (t) => t.instance_id,
    );
    expect(taskIds.length).toBe(tasks.tasks);
    expect(taskIds.length).toBeGreaterThan(0);
    const curated = await run(curateStage, {});
    const instances = await readAllRecords(join(runDir, "curate", INSTANCES_FILE), RlInstance);
    expect(curated).toMatchObject({ heldOutForEvaluation: taskIds.length, instances: instances.length });
    expect(instances.length).toBeGreaterThan(0);
    expect(instances.filter((i) => taskIds.includes(i.instanceId))).toEqual([]);
    // no mine manifest says the pull requests came from the demo world: GitHub's provenance
    expect(new Set(instances.map((i) => i.provenance.source))).toEqual(new Set(["github"]));
  }, 240_000);
});
