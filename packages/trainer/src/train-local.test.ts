import { describe, expect, it } from "vitest";
import { TrainerConfigError } from "./errors.js";
import { trainOptionsFromConfig } from "./train-config-file.js";
import { LOCAL_SFT_DEFAULTS, parseTrainLocalConfig } from "./train-local.js";

describe("parseTrainLocalConfig", () => {
  it("fills every phase from the tuned defaults", () => {
    const config = parseTrainLocalConfig({});
    if (!config.sft || !config.grpo) throw new Error("both phases expected");
    expect(config.sft).toMatchObject({
      steps: LOCAL_SFT_DEFAULTS.steps,
      batchSize: 4,
      oracleContextLines: 0,
    });
    expect(config.grpo.grpo).toMatchObject({
      advantage: "dr-grpo",
      aggregation: "constant",
      promptsPerBatch: 4,
      rolloutsPerPrompt: 4,
      klBeta: 0.01,
      equalRewardGroups: "drop",
    });
    expect(config.model).toEqual({ config: {}, seed: 0, corpusInstances: 200 });
  });

  it("merges overrides key by key, nested objects included, and skips a phase given false", () => {
    const config = parseTrainLocalConfig({
      sft: { optimizer: { learningRate: 1e-4 } },
      grpo: false,
    });
    expect(config.grpo).toBe(false);
    if (!config.sft) throw new Error("sft expected");
    expect(config.sft.optimizer).toMatchObject({ learningRate: 1e-4, maxGradNorm: 1 });
    expect(config.sft.steps).toBe(LOCAL_SFT_DEFAULTS.steps);
    const grpo = parseTrainLocalConfig({ grpo: { grpo: { rolloutsPerPrompt: 8 } } }).grpo;
    expect(grpo && [grpo.grpo.rolloutsPerPrompt, grpo.grpo.klBeta]).toEqual([8, 0.01]);
  });

  it("names the bad key", () => {
    expect(() => parseTrainLocalConfig({ sft: { stepz: 1 } }, "run.json")).toThrow(TrainerConfigError);
    expect(() => parseTrainLocalConfig({ sft: { stepz: 1 } }, "run.json")).toThrow(/run\.json: sft.*stepz/);
    expect(() => parseTrainLocalConfig({ grpo: { grpo: { epsLow: 2 } } }, "run.json")).toThrow(
      /run\.json: grpo.*epsLow/,
    );
  });
});

describe("trainOptionsFromConfig (swerl train --config)", () => {
  it("resolves paths against the file's directory and runs only the phases given", () => {
    const options = trainOptionsFromConfig(
      { instancesFile: "rl.jsonl", outDir: "../out", sft: { steps: 2 } },
      "run.json",
      "/runs/a",
    );
    expect(options).toEqual({
      instancesFile: "/runs/a/rl.jsonl",
      outDir: "/runs/out",
      config: { sft: { steps: 2 }, grpo: false },
    });
    expect(trainOptionsFromConfig({ instancesFile: "x", outDir: "o" }, "run.json", "/r").config).toEqual({
      sft: {},
      grpo: {},
    });
    expect(() => trainOptionsFromConfig({ instancesFile: "x" }, "run.json", "/r")).toThrow(
      /run\.json: outDir/,
    );
  });
});
