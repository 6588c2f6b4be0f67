// Four real SWE-bench Verified sympy instances, evaluated in Docker and locally: gold resolved, a no-op
// patch and a wrong patch unresolved, and the same per-test outcomes from both executors. Needs the
// trimmed sympy mirror (SWERL_SWEBENCH_REPOS, a directory holding sympy__sympy.git.tar) and a Docker
// engine (DOCKER_HOST; .ci/run starts one).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildImages, type InstanceOutcome, runEvaluation } from "@swerl/eval";
import { readAllRecords, SweBenchInstance } from "@swerl/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerUnavailable, ensureBaseImage, leftoverContainers, untar } from "./docker-helpers.js";

const VERIFIED = path.resolve(
  import.meta.dirname,
  "../packages/schema/fixtures/swe-bench/swe-bench_verified.test.jsonl.gz",
);
const IDS = ["sympy__sympy-24213", "sympy__sympy-24539", "sympy__sympy-24562", "sympy__sympy-24661"];
const REPOS = process.env.SWERL_SWEBENCH_REPOS;
if (!REPOS && process.env.SWERL_REQUIRE_SWEBENCH_REPOS === "1") {
  throw new Error("SWERL_REQUIRE_SWEBENCH_REPOS=1 but SWERL_SWEBENCH_REPOS is not set");
}
const noDocker = await dockerUnavailable();
const skip = !REPOS ? "SWERL_SWEBENCH_REPOS is not set (a directory holding sympy__sympy.git.tar)" : noDocker;

const root = mkdtempSync(path.join(tmpdir(), "swerl-docker-sympy-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.skipIf(skip !== undefined)(`sympy in Docker and locally${skip ? ` (skipped: ${skip})` : ""}`, () => {
  const repos = path.join(root, "repos");
  const dataset = path.join(root, "sympy.jsonl");
  const predictions = path.join(root, "predictions.jsonl");
  let instances: SweBenchInstance[] = [];

  beforeAll(async () => {
    execFileSync("mkdir", ["-p", repos]);
    untar(path.join(REPOS as string, "sympy__sympy.git.tar"), repos);
    instances = (await readAllRecords(VERIFIED, SweBenchInstance)).filter((i) => IDS.includes(i.instance_id));
    writeFileSync(dataset, instances.map((i) => JSON.stringify(i)).join("\n"));
    // three models: gold, a no-op (a comment in the file the fix edits), a wrong fix (another instance's)
    const records = instances.flatMap((instance, index) => {
      const file = /^diff --git a\/(\S+)/m.exec(instance.patch)?.[1] as string;
      const first = execFileSync(
        "git",
        ["--git-dir", path.join(repos, "sympy__sympy.git"), "show", `${instance.base_commit}:${file}`],
        {
          encoding: "utf8",
        },
      ).split("\n")[0];
      const noop = `diff --git a/${file} b/${file}\n--- a/${file}\n+++ b/${file}\n@@ -1 +1,2 @@\n+# no-op\n ${first}\n`;
      const other = instances[(index + 1) % instances.length] as SweBenchInstance;
      return [
        { instance_id: instance.instance_id, model_name_or_path: "gold", model_patch: instance.patch },
        { instance_id: instance.instance_id, model_name_or_path: "noop", model_patch: noop },
        { instance_id: instance.instance_id, model_name_or_path: "wrong", model_patch: other.patch },
      ];
    });
    writeFileSync(predictions, records.map((r) => JSON.stringify(r)).join("\n"));
    await ensureBaseImage(dataset);
    await buildImages({ datasetName: dataset, repos });
  }, 900_000);

  const byModel = (runs: Awaited<ReturnType<typeof runEvaluation>>["runs"]) =>
    new Map(runs.map((run) => [run.model, new Map(run.outcomes.map((o) => [o.instanceId, o]))]));

  it("gives the official verdicts in Docker and locally, with the same per-test outcomes", async () => {
    const common = { datasetName: dataset, predictionsPath: predictions, workers: 2, timeoutSeconds: 600 };
    const docker = await runEvaluation({
      ...common,
      runId: "docker",
      executor: "docker",
      logDir: path.join(root, "logs"),
      reportDir: path.join(root, "reports"),
    });
    expect(await leftoverContainers()).toEqual([]);
    const local = await runEvaluation({
      ...common,
      runId: "local",
      executor: "local",
      repos,
      environments: writeEnvironments(),
      logDir: path.join(root, "logs"),
      reportDir: path.join(root, "reports"),
    });
    const d = byModel(docker.runs);
    const l = byModel(local.runs);
    for (const run of [d, l]) {
      expect([...(run.get("gold")?.values() ?? [])].map((o) => o.status)).toEqual(IDS.map(() => "resolved"));
      expect([...(run.get("noop")?.values() ?? [])].map((o) => o.status)).toEqual(
        IDS.map(() => "unresolved"),
      );
      expect([...(run.get("wrong")?.values() ?? [])].map((o) => o.status)).toEqual(
        IDS.map(() => "unresolved"),
      );
    }
    for (const model of ["gold", "noop", "wrong"]) {
      for (const id of IDS) {
        const inDocker = d.get(model)?.get(id) as InstanceOutcome;
        const onHost = l.get(model)?.get(id) as InstanceOutcome;
        expect(inDocker.report?.tests_status, `${model} ${id}`).toEqual(onHost.report?.tests_status);
      }
    }
    // the official layout
    const dir = path.join(root, "logs", "docker", "gold", "sympy__sympy-24213");
    for (const file of ["patch.diff", "eval.sh", "report.json", "test_output.txt", "run_instance.log"])
      expect(existsSync(path.join(dir, file)), file).toBe(true);
    expect(
      JSON.parse(readFileSync(path.join(root, "reports", "gold.docker.json"), "utf8")).resolved_instances,
    ).toBe(4);
  }, 1_800_000);

  function writeEnvironments(): string {
    const file = path.join(root, "environments.json");
    // sympy's bin/test starts with `#!/usr/bin/env python`: the interpreter's shim makes that python3
    writeFileSync(file, JSON.stringify({ "sympy/sympy": { interpreter: "/usr/bin/python3" } }));
    return file;
  }
});
