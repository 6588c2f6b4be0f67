import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError, formatZodIssues, parseConfig } from "./config-error.js";

const Config = z.object({
  n: z.number().int().positive().default(4),
  optimizer: z.object({ learningRate: z.number().positive() }),
  files: z.array(z.string()).default([]),
});

describe("parseConfig", () => {
  it("returns the parsed config with defaults", () => {
    expect(parseConfig(Config, { optimizer: { learningRate: 1e-3 } }, "runThing")).toEqual({
      n: 4,
      optimizer: { learningRate: 1e-3 },
      files: [],
    });
  });

  it("names every failing field path, nested and in arrays, in one error", () => {
    let error: unknown;
    try {
      parseConfig(Config, { n: 0, optimizer: { learningRate: "x" }, files: ["a", 2] }, "runThing");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const config = error as ConfigError;
    expect(config.code).toBe("E_CONFIG");
    expect(config.issues.map((i) => i.path)).toEqual(["n", "optimizer.learningRate", "files.1"]);
    expect(config.message).toMatch(/^runThing: n: .+; optimizer\.learningRate: .+; files\.1: .+$/);
  });

  it("formats paths under a caller's naming", () => {
    const result = Config.safeParse({ n: -1, optimizer: { learningRate: 1 } });
    expect(result.success).toBe(false);
    if (!result.success)
      expect(formatZodIssues(result.error, (p) => ["stages", "grpo", ...p.map(String)].join("."))).toMatch(
        /^stages\.grpo\.n: /,
      );
  });
});
