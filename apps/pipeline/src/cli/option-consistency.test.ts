// One definition per option: every command's flags come from its package's config schema, and every
// pipeline stage's options from the same schemas, with the same defaults. A command or stage that is
// not generated yet is listed below with the reason; the list only shrinks.
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { pipelineStages } from "../pipeline/stages.js";
import { buildProgram } from "../program.js";
import { configOptionsOf, describeConfig } from "./config-options.js";

/** Commands whose flags are not generated from a config schema, and why. */
const HAND_WRITTEN: Record<string, string> = {
  images: "a command group: its `images build` flags are generated from ImageBuildConfig",
};

/** Stages whose options do not declare their schema yet, and why. */
const UNDECLARED_STAGES: Record<string, string> = {};

/** Stage options that default to a value of the run's config instead of their package's, and why. */
const RUN_DEFAULTS: Record<string, string> = {
  "demo.seed": "the demo world's seed is the run's seed (config.seed) unless the stage sets its own",
};

describe("one definition per option", () => {
  const program = buildProgram();

  it("lists only commands that exist", () => {
    const names = new Set(program.commands.map((c) => c.name()));
    for (const name of Object.keys(HAND_WRITTEN)) expect(names, name).toContain(name);
    const stages = new Set(pipelineStages.map((s) => s.name));
    for (const name of Object.keys(UNDECLARED_STAGES)) expect(stages, name).toContain(name);
  });

  for (const command of program.commands) {
    const name = command.name();
    it(`swerl ${name}: every config field has a flag, with the schema's help and default`, () => {
      const binding = configOptionsOf(command);
      if (!binding) {
        expect(HAND_WRITTEN[name], `swerl ${name} has hand-written flags and no reason listed`).toBeTruthy();
        return;
      }
      expect(HAND_WRITTEN[name], `swerl ${name} is generated now: drop it from HAND_WRITTEN`).toBeUndefined();
      const flagged = new Set(binding.flags.map((f) => f.path));
      for (const field of describeConfig(binding.schema)) {
        const omittedBy = Object.entries(binding.omitted).find(
          ([path]) => field.path === path || field.path.startsWith(`${path}.`),
        );
        if (omittedBy) {
          expect(omittedBy[1].length, `${name}: omit.${omittedBy[0]} needs a reason`).toBeGreaterThan(0);
          continue;
        }
        expect(flagged.has(field.path), `swerl ${name}: config field ${field.path} has no flag`).toBe(true);
      }
      const help = command.helpInformation();
      for (const flag of binding.flags) {
        expect(flag.description, `swerl ${name} ${flag.flag}: describe the field in its schema`).not.toBe("");
        const option = command.options.find((o) => o.long === flag.flag);
        expect(option, flag.flag).toBeDefined();
        expect(
          option!.defaultValue,
          `${flag.flag}: the schema applies defaults, not commander`,
        ).toBeUndefined();
        if (typeof flag.defaultValue === "number" || typeof flag.defaultValue === "string")
          expect(help, `${flag.flag} help shows the schema default`).toContain(
            `(default: ${flag.defaultValue})`,
          );
      }
    });
  }

  for (const stage of pipelineStages) {
    it(`stage ${stage.name}: options derive from package configs with the same defaults`, () => {
      if (!stage.options) {
        expect(UNDECLARED_STAGES[stage.name], `stage ${stage.name} declares no options schema`).toBeTruthy();
        return;
      }
      expect(
        UNDECLARED_STAGES[stage.name],
        `stage ${stage.name} declares its schema: drop it from the list`,
      ).toBeUndefined();
      const packageDefaults = new Map<string, unknown>();
      for (const schema of stage.configFrom ?? [])
        for (const field of describeConfig(schema as z.ZodObject))
          packageDefaults.set(field.path, field.defaultValue);
      for (const field of describeConfig(stage.options)) {
        if (!packageDefaults.has(field.path)) continue;
        if (RUN_DEFAULTS[`${stage.name}.${field.path}`]) {
          expect(
            field.defaultValue,
            `stage ${stage.name}: ${field.path} takes the run's value`,
          ).toBeUndefined();
          continue;
        }
        expect(
          isDeepStrictEqual(field.defaultValue, packageDefaults.get(field.path)),
          `stage ${stage.name}: ${field.path} defaults to ${JSON.stringify(field.defaultValue)}, its package to ${JSON.stringify(packageDefaults.get(field.path))}; set a different value in the preset instead`,
        ).toBe(true);
      }
    });
  }
});
