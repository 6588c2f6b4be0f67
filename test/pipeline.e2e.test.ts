import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");
const artifacts = resolve(root, "test-results");
const CHROMIUM = process.env.SWERL_CHROMIUM ?? "/usr/bin/chromium";

/** The demo preset on a small budget: every stage runs for real, with few steps and samples. */
const SMALL_BUDGET = {
  runId: "e2e",
  stages: {
    sft: {
      heldoutInstances: 4,
      sft: { steps: 4, batchSize: 2, checkpointEvery: 1, heldout: { maxTokens: 32 } },
    },
    grpo: {
      grpo: {
        steps: 2,
        checkpointEvery: 1,
        grpo: { promptsPerBatch: 2, rolloutsPerPrompt: 2, constantNormalizer: 32 },
        sampling: { maxTokens: 32 },
        heldout: { maxTokens: 32 },
      },
    },
    agentless: { numSamples: 1, numTests: 0, samplesPerRequest: 1, maxTokens: 32 },
  },
};

interface Run {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

function startPipeline(configFile: string, outDir: string): Run {
  const child = spawn(
    process.execPath,
    [
      "--conditions=@swerl/source",
      "--import",
      "tsx",
      "apps/pipeline/src/cli.ts",
      "pipeline",
      "--config",
      configFile,
      "--out",
      outDir,
    ],
    { cwd: root, env: { ...process.env, CI: "true" }, detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  let text = "";
  child.stdout?.on("data", (d: Buffer) => {
    text += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    text += d.toString();
  });
  const exit = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  return { child, output: () => text, exit };
}

async function waitForFile(run: Run, file: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(file)) {
    if (run.child.exitCode !== null)
      throw new Error(`pipeline exited before ${file} existed:\n${run.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${file}:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const json = async (file: string) => JSON.parse(await readFile(file, "utf8"));
const lines = async (file: string) =>
  (await readFile(file, "utf8"))
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe("swerl pipeline on the demo preset", () => {
  it("runs every stage, survives a kill in the middle of SFT, resumes without redoing finished stages, and reports", async () => {
    const dir = await mkdtemp(join(tmpdir(), "swerl-pipeline-e2e-"));
    const configFile = join(dir, "config.json");
    await writeFile(configFile, JSON.stringify(SMALL_BUDGET));
    const runDir = join(dir, "e2e");

    // 1. Killed (SIGKILL, no chance to clean up) once SFT has checkpointed its second step.
    const first = startPipeline(configFile, dir);
    await waitForFile(
      first,
      join(runDir, "sft.partial", "checkpoints", "step-2", "trainer-state.json"),
      600_000,
    );
    process.kill(-first.child.pid!, "SIGKILL");
    await first.exit;
    for (const stage of ["demo", "mine", "tasks", "curate"])
      expect(existsSync(join(runDir, stage, "manifest.json")), stage).toBe(true);
    expect(existsSync(join(runDir, "sft"))).toBe(false);
    expect(existsSync(join(runDir, "sft.partial"))).toBe(true);
    const manifestsBefore = await Promise.all(
      ["demo", "mine", "tasks", "curate"].map((s) => readFile(join(runDir, s, "manifest.json"), "utf8")),
    );

    // 2. The same command again: finished stages reused, SFT continued from its checkpoint.
    const second = startPipeline(configFile, dir);
    expect(await second.exit, second.output()).toBe(0);
    const log = second.output();
    for (const stage of ["demo", "mine", "tasks", "curate"])
      expect(log).toMatch(new RegExp(`${stage}: finished earlier`));
    expect(log).toMatch(/sft: continuing the work of an interrupted run/);
    const manifestsAfter = await Promise.all(
      ["demo", "mine", "tasks", "curate"].map((s) => readFile(join(runDir, s, "manifest.json"), "utf8")),
    );
    expect(manifestsAfter).toEqual(manifestsBefore);
    const sftManifest = await json(join(runDir, "sft", "manifest.json"));
    expect(sftManifest.summary.resumedFrom).toBeGreaterThan(0);

    // 3. Every artifact, checked against the stage that made it.
    const tasks = await lines(join(runDir, "tasks", "tasks.jsonl"));
    expect(tasks.length).toBe(12);
    const instances = await lines(join(runDir, "curate", "rl-instances.jsonl"));
    const taskIds = new Set(tasks.map((t) => t.instance_id));
    expect(instances.length).toBeGreaterThan(0);
    expect(instances.filter((i) => taskIds.has(i.instanceId))).toEqual([]);
    expect(new Set(instances.map((i) => i.provenance.source))).toEqual(new Set(["demo"]));
    const sftMetrics = await lines(join(runDir, "sft", "metrics.jsonl"));
    expect(sftMetrics.map((m) => m.step)).toEqual([1, 2, 3, 4]);
    const grpoMetrics = await lines(join(runDir, "grpo", "metrics.jsonl"));
    expect(grpoMetrics.map((m) => m.step)).toEqual([1, 2]);
    for (const m of grpoMetrics) expect(typeof m.rewardMean).toBe("number");
    const predictions = await lines(join(runDir, "agentless", "all_preds.jsonl"));
    expect(predictions.map((p) => p.instance_id).sort()).toEqual([...taskIds].sort());
    const evaluation = await json(join(runDir, "eval", "report.json"));
    expect(evaluation.total_instances).toBe(12);
    const evalManifest = await json(join(runDir, "eval", "manifest.json"));
    expect(evalManifest.summary.goldResolved).toBe("12/12");

    // SFT learnt Agentless's prompts built from the training split only; Agentless localized with the policy.
    const examples = await lines(join(runDir, "sft", "agentless-examples.jsonl"));
    const trainIds = new Set(
      (await lines(join(runDir, "sft", "train-instances.jsonl"))).map((i) => i.instanceId),
    );
    expect(examples.length).toBe(3 * trainIds.size);
    for (const e of examples) expect(trainIds.has(e.id.split("/")[0]), e.id).toBe(true);
    const agentlessManifest = await json(join(runDir, "agentless", "manifest.json"));
    expect(agentlessManifest.summary.localizedBy).toBe("policy");

    const report = await json(join(runDir, "report.json"));
    // No held-out task's id, issue, patches or post-fix files in anything the run trained on.
    expect(report.leakage.tasks).toBe(12);
    expect(report.leakage.trainingFiles).toEqual([
      "sft/train-instances.jsonl",
      "sft/agentless-examples.jsonl",
    ]);
    expect(report.leakage.postFixFiles).toBe(24);
    expect(report.leakage.leaks).toEqual([]);
    expect(report.headline).toEqual({
      heldout_reward_base: expect.any(Number),
      heldout_reward_after_sft: expect.any(Number),
      heldout_reward_after_grpo: expect.any(Number),
      resolved_instances: evaluation.resolved_instances,
      total_instances: 12,
      localization: "policy",
    });
    expect(report.phases.map((p: { phase: string }) => p.phase)).toEqual(["base", "sft", "grpo"]);
    expect(report.funnel).toEqual(
      (await json(join(runDir, "curate", "funnel.json"))).map((f: { step: string; count: number }) =>
        expect.objectContaining({ step: f.step, count: f.count }),
      ),
    );
    expect(report.training.sft.length).toBe(4);
    expect(report.training.grpo.length).toBe(2);
    expect(report.evaluation.report.resolved_instances).toBe(evaluation.resolved_instances);
    expect(report.stages.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
      ...["demo", "mine", "tasks", "curate", "sft", "grpo", "agentless", "eval"].map((s) => [s, "done"]),
      ["report", "writing this report"],
    ]);

    // 4. The page itself, in a real browser when there is one (CI requires it: report-browser test).
    if (existsSync(CHROMIUM)) {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
        await page.goto(pathToFileURL(join(runDir, "report.html")).href);
        expect(await page.locator("figure[data-chart] svg").count()).toBeGreaterThan(3);
        await page.screenshot({ path: join(artifacts, "pipeline-report.png"), fullPage: true });
      } finally {
        await browser.close();
      }
    }
  }, 1_200_000);
});
