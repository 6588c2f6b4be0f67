import { Command } from "commander";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { UsageError } from "../usage-error.js";
import { addConfigOptions, ConfigOptionsError, configCommand, configOptionsOf } from "./config-options.js";

const Example = z.object({
  instances: z.string().describe("RL instances file"),
  n: z.number().int().positive().default(4).describe("samples per instance"),
  temperature: z.number().min(0).default(1).describe("sampling temperature"),
  greedy: z.boolean().default(false).describe("decode greedily"),
  regression: z.boolean().default(true).describe("run regression tests"),
  parse: z.enum(["lenient", "strict"]).default("lenient").describe("repair parser"),
  files: z.array(z.string()).default([]).describe("files to keep"),
  optimizer: z
    .object({ learningRate: z.number().default(1e-4).describe("Adam step size") })
    .prefault({})
    .describe("optimizer"),
  apiKey: z.string().optional().describe("bearer token"),
  workers: z.number().int().positive().default(2).describe("parallel instances"),
});

function parse(argv: string[], spec: Parameters<typeof addConfigOptions<typeof Example>>[2] = {}) {
  const command = new Command("example").exitOverride();
  const flags = addConfigOptions(command, Example, spec);
  let config: z.output<typeof Example> | undefined;
  command.action((raw: Record<string, unknown>) => {
    config = flags.read(raw);
  });
  command.parse(argv, { from: "user" });
  return { config: config!, flags, command };
}

describe("addConfigOptions", () => {
  it("gives every field a kebab-case flag, with the schema's defaults applied when absent", () => {
    const { config, flags } = parse(["--instances", "rl.jsonl"]);
    expect(flags.flags.map((f) => f.flag)).toEqual([
      "--instances",
      "--n",
      "--temperature",
      "--greedy",
      "--regression",
      "--parse",
      "--files",
      "--optimizer.learning-rate",
      "--api-key",
      "--workers",
    ]);
    expect(config).toEqual({
      instances: "rl.jsonl",
      n: 4,
      temperature: 1,
      greedy: false,
      regression: true,
      parse: "lenient",
      files: [],
      optimizer: { learningRate: 1e-4 },
      workers: 2,
    });
  });

  it("coerces numbers, booleans, enums, lists and nested fields", () => {
    const { config } = parse(
      [
        "--instances=x",
        "-n",
        "8",
        "--temperature",
        "0.5",
        "--greedy",
        "--no-regression",
        "--parse",
        "strict",
        "--files",
        "a.py,b.py",
        "--files",
        "c.py",
        "--optimizer.learning-rate",
        "3e-4",
      ],
      { flags: { n: { short: "-n" } } },
    );
    expect(config).toMatchObject({
      n: 8,
      temperature: 0.5,
      greedy: true,
      regression: false,
      parse: "strict",
      files: ["a.py", "b.py", "c.py"],
      optimizer: { learningRate: 3e-4 },
    });
  });

  it("names every bad flag in one usage error", () => {
    expect(() => parse(["--n", "two", "--temperature", "-1", "--instances", "x"])).toThrow(UsageError);
    expect(() => parse(["--n", "two", "--parse", "loose"])).toThrow(
      /--instances: required; --n: expected a number, got "two"; --parse: expected one of lenient, strict, got "loose"/,
    );
    expect(() => parse(["--instances", "x", "--temperature", "-1", "--n", "0"])).toThrow(
      /--n: .*; --temperature: /,
    );
  });

  it("accepts deprecated aliases with a line saying so, and official names", () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const { config } = parse(["--instances", "x", "--concurrency", "3"], {
        flags: { workers: { name: "max_workers", aliases: ["concurrency"] } },
      });
      expect(config.workers).toBe(3);
      expect(stderr.mock.calls.map((c) => String(c[0])).join("")).toContain(
        "--concurrency is deprecated: use --max_workers",
      );
    } finally {
      stderr.mockRestore();
    }
  });

  it("reads environment fallbacks and shows defaults in help", () => {
    process.env.SWERL_TEST_KEY = "secret";
    try {
      const { config, command } = parse(["--instances", "x"], { env: { apiKey: "SWERL_TEST_KEY" } });
      expect(config.apiKey).toBe("secret");
      const help = command.helpInformation();
      expect(help).toContain("samples per instance (default: 4)");
      expect(help).toContain("bearer token (default: $SWERL_TEST_KEY)");
      expect(help).toContain("RL instances file (required)");
    } finally {
      delete process.env.SWERL_TEST_KEY;
    }
  });

  it("refuses fields with no flag form unless omitted with a reason, and specs naming no field", () => {
    const WithRecord = z.object({
      env: z.record(z.string(), z.string()).default({}),
      n: z.number().default(1),
    });
    expect(() => addConfigOptions(new Command("x"), WithRecord)).toThrow(ConfigOptionsError);
    expect(() =>
      addConfigOptions(new Command("x"), WithRecord, { omit: { env: "from the spec file" } }),
    ).not.toThrow();
    expect(() => addConfigOptions(new Command("x"), WithRecord, { flags: { nope: {} } as never })).toThrow(
      /names "nope"/,
    );
  });
});

describe("configCommand", () => {
  it("adds a described subcommand whose flags come from the schema", () => {
    const program = new Command("swerl").exitOverride();
    const { command, flags } = configCommand(program, "example", Example, {
      description: "an example",
      flags: { n: { short: "-n" } },
    });
    expect(program.commands).toEqual([command]);
    expect(command.name()).toBe("example");
    expect(command.description()).toBe("an example");
    expect(configOptionsOf(command)).toBe(flags);
    let config: z.output<typeof Example> | undefined;
    command.exitOverride().action((raw: Record<string, unknown>) => {
      config = flags.read(raw);
    });
    program.parse(["example", "--instances", "rl.jsonl", "-n", "8"], { from: "user" });
    expect(config).toMatchObject({ instances: "rl.jsonl", n: 8, workers: 2 });
  });
});
