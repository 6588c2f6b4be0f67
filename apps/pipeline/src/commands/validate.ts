import { DatasetConfig, type RecordError, readRecords, resolveDataset } from "@swerl/schema";
import type { Command } from "commander";
import { z } from "zod";
import { configCommand } from "../cli/config-options.js";
import { recordKindNames, recordKinds } from "../record-kinds.js";

/** What one `swerl validate` checks: the record kind, how to report, and a Hub dataset's split. */
export const ValidateConfig = z
  .object({
    kind: z.enum(recordKindNames).describe("record kind to check the files against"),
    all: z.boolean().default(false).describe("report every bad record instead of stopping at the first"),
  })
  .extend(DatasetConfig.shape);

export function registerValidate(program: Command): void {
  const { command, flags } = configCommand(program, "validate", ValidateConfig, {
    flags: { kind: { short: "-k" }, split: { placeholder: "<split>" }, revision: { placeholder: "<rev>" } },
  });
  command
    .description("check record files (JSONL, JSON, Parquet) or a Hub dataset against a swerl schema")
    .argument("<files...>", "files to check, or Hugging Face dataset names (owner/name)")
    .addHelpText(
      "after",
      `
A dataset name is downloaded through the Hub (HF_ENDPOINT, HF_TOKEN, HF_HOME) into its cache;
HF_HUB_OFFLINE=1 reads the cache only.

Examples:
  $ swerl validate --kind swe-bench princeton-nlp/SWE-bench_Verified --split test
  $ swerl validate --kind swe-bench data/swe-bench_verified.test.parquet
  $ swerl validate --kind prediction --all runs/demo/agentless/all_preds.jsonl`,
    )
    .action(async (inputs: string[], raw: Record<string, unknown>) => {
      const options = flags.read(raw);
      const schema = recordKinds[options.kind];
      let bad = 0;
      for (const input of inputs) {
        for (const file of await resolveDataset(input, {
          split: options.split,
          revision: options.revision,
        })) {
          let good = 0;
          const onInvalid = options.all
            ? (error: RecordError) => {
                bad++;
                process.stderr.write(`${error.message}\n`);
              }
            : undefined;
          for await (const _ of readRecords(file, schema, onInvalid ? { onInvalid } : {})) good++;
          process.stdout.write(`${file}: ${good} valid ${options.kind} records\n`);
        }
      }
      if (bad > 0) {
        process.stderr.write(`${bad} invalid records\n`);
        process.exitCode = 1;
      }
    });
}
