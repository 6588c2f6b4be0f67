// Harness overhead per instance: everything evaluateInstance does except the test command itself
// (checkout, three-step patch apply, test-file reset, test patch, parse, grade, files, cleanup), with the
// local executor and, when a Docker engine answers (DOCKER_HOST), in Docker (container create/start/
// remove from the instance image), in the same run.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { SweBenchInstance } from "@swerl/schema";
import {
  buildImages,
  DockerClient,
  DockerExecutor,
  type Executor,
  evaluateInstance,
  LocalExecutor,
  registerRepositorySpec,
} from "../src/index.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const root = mkdtempSync(path.join(tmpdir(), "swerl-eval-bench-"));
const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=b", "-c", "user.email=b@b", ...args], {
    cwd,
    encoding: "utf8",
  }).trim();

// a repository of realistic size: 300 modules
const src = path.join(root, "src");
mkdirSync(path.join(src, "pkg"), { recursive: true });
for (let i = 0; i < 300; i += 1)
  writeFileSync(path.join(src, "pkg", `mod${i}.py`), `def f${i}(x):\n    return x + ${i}\n`.repeat(20));
writeFileSync(path.join(src, "calc.py"), "def add(a, b):\n    return a - b\n");
git(src, "init", "-q", "-b", "main");
git(src, "add", ".");
git(src, "commit", "-q", "-m", "base");
const base = git(src, "rev-parse", "HEAD");
writeFileSync(path.join(src, "calc.py"), "def add(a, b):\n    return a + b\n");
const patch = execFileSync("git", ["diff"], { cwd: src, encoding: "utf8" });
git(src, "checkout", "-q", "--", ".");
writeFileSync(
  path.join(src, "test_calc.py"),
  "import unittest\nfrom calc import add\nclass T(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(add(2, 2), 4)\n",
);
git(src, "add", "-N", ".");
const testPatch = execFileSync("git", ["diff"], { cwd: src, encoding: "utf8" });
const repos = path.join(root, "repos");
mkdirSync(repos);
git(root, "clone", "-q", "--bare", src, path.join(repos, "bench__calc.git"));
registerRepositorySpec("bench/calc", { testCommand: "python3 -m unittest -v", parser: "unittest" });

const instance = SweBenchInstance.parse({
  instance_id: "bench__calc-1",
  repo: "bench/calc",
  base_commit: base,
  patch,
  test_patch: testPatch,
  problem_statement: "",
  version: "1",
  FAIL_TO_PASS: ["test_add (test_calc.T.test_add)"],
  PASS_TO_PASS: [],
});
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const ms = (x: number) => `${x.toFixed(0)} ms`;

async function measure(name: string, executor: Executor): Promise<number> {
  const overhead: number[] = [];
  const tests: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const outcome = await evaluateInstance(
      instance,
      { instance_id: instance.instance_id, model_name_or_path: "gold", model_patch: patch },
      { executor, instanceDir: path.join(root, "out", name, String(run)), timeoutMs: 60_000 },
    );
    if (outcome.status !== "resolved")
      throw new Error(`bench instance not resolved (${name}): ${outcome.status} ${outcome.error}`);
    overhead.push(outcome.overheadMs);
    tests.push(outcome.testMs);
  }
  await executor.close();
  console.log(
    `${name}: harness overhead per instance median ${ms(median(overhead))}, max ${ms(Math.max(...overhead))}; test command median ${ms(median(tests))}`,
  );
  return median(overhead);
}

console.log(
  `runs: ${RUNS} each (301-file repository, unittest, gold patch); load: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);
const local = await measure("local", new LocalExecutor({ reposDir: repos }));
const client = new DockerClient();
const docker = await client.apiVersion().then(
  () => true,
  () => false,
);
client.close();
if (docker) {
  const dataset = path.join(root, "bench.jsonl");
  writeFileSync(dataset, `${JSON.stringify(instance)}\n`);
  const started = performance.now();
  const built = await buildImages({ datasetName: dataset, repos });
  console.log(
    `images: ${built.steps.map((s) => `${s.level} ${s.cached ? "cached" : `${s.seconds.toFixed(1)} s`}`).join(", ")} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
  const image = built.images.get(instance.instance_id) as string;
  const inDocker = await measure("docker", new DockerExecutor({ image: () => image }));
  console.log(`docker / local overhead: ${(inDocker / local).toFixed(2)}`);
} else {
  console.log("docker: no engine at DOCKER_HOST; skipped");
}
rmSync(root, { recursive: true, force: true });
