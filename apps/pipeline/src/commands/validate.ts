import { type RecordError, readRecords } from "@swerl/schema";
import type { Command } from "commander";
import { z } from "zod";
import { recordKindNames, recordKinds } from "../record-kinds.js";
import { parseOptions } from "../usage-error.js";

const Options = z.object({
  kind: z.enum(recordKindNames),
  all: z.boolean().default(false),
});

export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description("check record files (JSONL, JSON, Parquet) against a swerl schema")
    .argument("<files...>", "files to check")
    .requiredOption("-k, --kind <kind>", `record kind: ${recordKindNames.join(", ")}`)
    .option("--all", "report every bad record instead of stopping at the first")
    .addHelpText(
      "after",
      `
Examples:
  $ swerl validate --kind swe-bench data/swe-bench_verified.test.parquet
  $ swerl validate --kind prediction --all runs/demo/agentless/all_preds.jsonl`,
    )
    .action(async (files: string[], raw: unknown) => {
      const options = parseOptions(Options, raw);
      const schema = recordKinds[options.kind];
      let bad = 0;
      for (const file of files) {
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
      if (bad > 0) {
        process.stderr.write(`${bad} invalid records\n`);
        process.exitCode = 1;
      }
    });
}
