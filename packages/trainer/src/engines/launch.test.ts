import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningRewardServer, startRewardServer } from "@swerl/reward";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GrpoConfig } from "../config.js";
import { buildOracleResponse } from "../oracle-response.js";
import {
  ENGINE_VERSIONS,
  EngineLaunchError,
  type OpenRlhfSurface,
  resolveEngine,
  type VerlSurface,
  validateOpenRlhfArgs,
  validateVerlOverrides,
} from "./engine-surface.js";
import { planEngineRun, shellLine } from "./launch.js";
import type { LaunchData } from "./launch-plan.js";
import { PRESET_OPTION_TABLE, renderOptionTable } from "./option-table.js";
import { verlRewardGlue } from "./verl-launch.js";

const label = {
  instanceId: "demo__calc-1",
  codeContext: { "calc.py": "def add(a, b):\n    return a - b\n" },
  oracleNewContent: { "calc.py": "def add(a, b):\n    return a + b\n" },
};
const data: LaunchData = {
  trainFile: "swerl_train.parquet",
  validationFile: "swerl_val.parquet",
  trainPrompts: 11_000,
  maxPromptLength: 12_288,
};
const cluster = { nodes: 2, gpusPerNode: 8, tensorParallelSize: 4 };
const targets = ["verl@0.7.0", "openrlhf@0.11", "openrlhf@0.10.1"] as const;

describe("engine versions", () => {
  it("resolves names, prefixes and the newest default, and names the pinned ones when asked for another", () => {
    expect(resolveEngine("verl").id).toBe("verl@0.7.0");
    expect(resolveEngine("openrlhf").id).toBe("openrlhf@0.11.0");
    expect(resolveEngine("openrlhf@0.10").id).toBe("openrlhf@0.10.1.post2");
    expect(() => resolveEngine("openrlhf@0.9.7")).toThrow(/openrlhf@0.11.0, openrlhf@0.10.1.post2/);
    expect(() => resolveEngine("trl")).toThrow(EngineLaunchError);
  });
  it("each vendored surface names the commit it was extracted from", () => {
    for (const surface of [
      ...Object.values(ENGINE_VERSIONS.verl),
      ...Object.values(ENGINE_VERSIONS.openrlhf),
    ])
      expect(surface.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(ENGINE_VERSIONS.verl["0.7.0"].keys["actor_rollout_ref.rollout.name"]).toMatchObject({
      required: true,
    });
  });
});

describe.each(targets)("planEngineRun on %s, 2 nodes x 8 GPUs", (engine) => {
  it.each(["paper", "dapo", "dr-grpo"])(
    "builds the %s preset, every key checked against the surface",
    (preset) => {
      const plan = planEngineRun({ engine, grpo: { preset }, ...cluster }, data, "/w");
      expect(plan.command.slice(0, 3)).toEqual(["ray", "job", "submit"]);
      // re-validate what was emitted, independently of the builder
      const target = resolveEngine(engine);
      if (target.engine === "verl")
        validateVerlOverrides(target.surface as VerlSurface, plan.engineArgs.slice(3));
      else validateOpenRlhfArgs(target.surface as OpenRlhfSurface, plan.engineArgs.slice(3));
      // DAPO's group dropping is never silently lost
      if (preset === "dapo")
        expect(plan.unsupported.map((u) => u.option)).toContain("grpo.equalRewardGroups");
      expect(plan.checkpointDir).toBe("/w/checkpoints");
    },
  );
});

describe("verl launch", () => {
  const plan = planEngineRun({ engine: "verl", ...cluster }, data, "/w");
  it("sets everything verl 0.7.0 needs to start and to leave a model", () => {
    expect(plan.engineArgs).toEqual(
      expect.arrayContaining([
        "actor_rollout_ref.rollout.name=vllm",
        "actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=1",
        "actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu=4",
        "actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu=4",
        "data.val_files=swerl_val.parquet",
        "data.max_prompt_length=12288",
        "data.max_response_length=4096",
        "trainer.save_freq=100",
        "trainer.default_local_dir=/w/checkpoints",
        "trainer.logger=[console]",
        "trainer.nnodes=2",
        "trainer.n_gpus_per_node=8",
        "trainer.total_training_steps=1600",
        "trainer.total_epochs=5",
        "actor_rollout_ref.rollout.tensor_model_parallel_size=4",
        "data.train_batch_size=32",
        "actor_rollout_ref.rollout.n=16",
        "actor_rollout_ref.actor.optim.weight_decay=0",
        "actor_rollout_ref.actor.loss_agg_mode=seq-mean-token-mean",
      ]),
    );
    expect(plan.exportHint).toContain("global_step_1600/actor");
    expect(plan.modelOutput).toBe("/w/checkpoints/model");
  });
  it("fails naming a key the engine does not have, or a required one left out", () => {
    const surface = resolveEngine("verl").surface as VerlSurface;
    const args = plan.engineArgs.slice(3);
    expect(() => validateVerlOverrides(surface, [...args, "trainer.save_frequency=5"])).toThrow(
      /^trainer.save_frequency: not a key of verl 0.7.0/,
    );
    expect(() =>
      validateVerlOverrides(
        surface,
        args.filter((a) => !a.startsWith("actor_rollout_ref.rollout.name=")),
      ),
    ).toThrow(/^actor_rollout_ref.rollout.name: required/);
    expect(() =>
      validateVerlOverrides(
        surface,
        args.filter((a) => !a.startsWith("actor_rollout_ref.ref.log_prob_micro")),
      ),
    ).toThrow(/^actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu: required by verl's check/);
    expect(() =>
      validateVerlOverrides(surface, [
        ...args.filter((a) => !a.startsWith("data.train_batch_size")),
        "data.train_batch_size=x",
      ]),
    ).toThrow(/not a int/);
  });
  it("fails when a key it emits is renamed in the description", () => {
    const surface = structuredClone(resolveEngine("verl").surface as VerlSurface);
    surface.keys["trainer.save_every"] = surface.keys["trainer.save_freq"]!;
    delete surface.keys["trainer.save_freq"];
    expect(() => validateVerlOverrides(surface, plan.engineArgs.slice(3))).toThrow(
      /^trainer.save_freq: not a key/,
    );
  });
  it("refuses a batch verl cannot split over the GPUs", () => {
    expect(() => planEngineRun({ engine: "verl", nodes: 3, gpusPerNode: 7 }, data, "/w")).toThrow(
      /data.train_batch_size/,
    );
  });
});

describe("OpenRLHF launch", () => {
  it("0.11: dotted flags, vLLM engines, the prompt length and a saved HF model", () => {
    const plan = planEngineRun(
      { engine: "openrlhf@0.11", ...cluster },
      { ...data, trainFile: "p.jsonl", validationFile: "v.jsonl" },
      "/w",
    );
    const line = shellLine(plan.command);
    expect(line).toContain("--reward.remote_url http://127.0.0.1:8000/get_reward");
    expect(line).toContain("--vllm.num_engines 4 --vllm.tensor_parallel_size 4");
    expect(line).toContain("--data.max_len 16384 --rollout.max_new_tokens 4096");
    expect(line).toContain("--eval.dataset v.jsonl");
    expect(line).toContain("--ckpt.output_dir /w/checkpoints/model");
    expect(line).toContain("--actor.lr_scheduler constant");
    expect(plan.unsupported.map((u) => u.option)).toEqual(["grpo.aggregation", "grpo.advantageEpsilon"]);
    expect(plan.steps).toBe(1600 + (343 - (1600 % 343)));
  });
  it("0.10.1: the same run under the flat names, the LR schedule reported", () => {
    const plan = planEngineRun({ engine: "openrlhf@0.10.1", ...cluster }, data, "/w");
    const line = shellLine(plan.command);
    expect(line).toContain("--pretrain meta-llama/Llama-3.3-70B-Instruct");
    expect(line).toContain("--remote_rm_url http://127.0.0.1:8000/get_reward");
    expect(line).toContain("--vllm_num_engines 4");
    expect(line).not.toContain("--actor.");
    expect(plan.unsupported.map((u) => u.option)).toContain("lr schedule (constant)");
  });
  it("fails naming a flag the release does not have", () => {
    const surface = resolveEngine("openrlhf@0.10.1").surface as OpenRlhfSurface;
    expect(() => validateOpenRlhfArgs(surface, ["--generate_max_len", "1024"])).toThrow(
      /^--generate_max_len: not a flag of OpenRLHF 0.10.1.post2/,
    );
    const renamed = structuredClone(resolveEngine("openrlhf@0.11").surface as OpenRlhfSurface);
    delete renamed.flags["--vllm.num_engines"];
    expect(() => validateOpenRlhfArgs(renamed, ["--vllm.num_engines", "4"])).toThrow(
      /^--vllm.num_engines: not a flag/,
    );
  });
});

describe("the preset option table", () => {
  it("covers every GrpoConfig option and is the one in the trainer README", async () => {
    const options = new Set(
      PRESET_OPTION_TABLE.flatMap((r) =>
        r.option.split(", ").map((o) => o.replace(/^(beta2)$/, "optimizer.$1")),
      ),
    );
    for (const key of Object.keys(GrpoConfig.shape).filter((k) => k !== "optimizer"))
      expect(options).toContain(key);
    for (const key of Object.keys(GrpoConfig.shape.optimizer.unwrap().shape))
      expect(options).toContain(`optimizer.${key}`);
    const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
    expect(readme).toContain(renderOptionTable());
  });
});

describe("the verl reward glue", () => {
  let server: RunningRewardServer;
  let dir = "";
  beforeAll(async () => {
    server = await startRewardServer({ port: 0, workers: 1 });
    dir = await mkdtemp(join(tmpdir(), "swerl-launch-"));
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  it("is reached by the generated verl reward function run in real Python", async () => {
    await writeFile(join(dir, "swerl_reward.py"), verlRewardGlue(server.url));
    const script = `import json, sys; sys.path.insert(0, sys.argv[1]); import swerl_reward as r
print(json.dumps([r.compute_score("swerl", sys.argv[2], sys.argv[3]), r.compute_score("swerl", "junk", sys.argv[3])]))`;
    // execFileSync blocks the event loop the server runs on, so run Python asynchronously.
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        "python3",
        ["-c", script, dir, buildOracleResponse(label), JSON.stringify(label)],
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      ),
    );
    expect(JSON.parse(out)).toEqual([1, -1]);
  });
});
