import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { ChatMessage } from "@swerl/rollout";
import { writeRecords } from "@swerl/schema";
import { z } from "zod";

/** What the reward needs to score a response: the instance's files before and after the oracle fix. */
export const RewardLabel = z.object({
  instanceId: z.string().min(1),
  codeContext: z.record(z.string(), z.string()),
  oracleNewContent: z.record(z.string(), z.string()),
});
export type RewardLabel = z.infer<typeof RewardLabel>;

/**
 * One training prompt for an external engine: the chat messages (rollout's `buildRepairPrompt`, the
 * same system + user turns the local engine trains on; the engine applies the model's chat template)
 * and the label the reward reads.
 */
export interface EnginePrompt {
  messages: ChatMessage[];
  label: RewardLabel;
}

/**
 * One row of a verl RL dataset (its `RLHFDataset` columns): a chat `prompt`, the `data_source` that selects
 * the reward function, `reward_model.ground_truth` handed to `compute_score`, and `extra_info`.
 */
export const VerlRow = z.object({
  data_source: z.string(),
  prompt: z.array(z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() })).min(1),
  ability: z.string(),
  reward_model: z.object({ style: z.literal("rule"), ground_truth: z.string() }),
  extra_info: z.object({ split: z.string(), index: z.number().int().nonnegative(), instance_id: z.string() }),
});
export type VerlRow = z.infer<typeof VerlRow>;

/** One line of an OpenRLHF prompt file, read with `--input_key input --label_key label --apply_chat_template`. */
export const OpenRlhfRow = z.object({ input: z.array(ChatMessage).min(1), label: z.string() });
export type OpenRlhfRow = z.infer<typeof OpenRlhfRow>;

export const SWERL_DATA_SOURCE = "swerl";

export function toVerlRows(prompts: readonly EnginePrompt[], split: string): VerlRow[] {
  return prompts.map((p, index) =>
    VerlRow.parse({
      data_source: SWERL_DATA_SOURCE,
      prompt: p.messages,
      ability: "software-engineering",
      reward_model: { style: "rule", ground_truth: JSON.stringify(RewardLabel.parse(p.label)) },
      extra_info: { split, index, instance_id: p.label.instanceId },
    }),
  );
}

const VERL_COLUMNS = {
  data_source: "VARCHAR",
  prompt: "STRUCT(role VARCHAR, content VARCHAR)[]",
  ability: "VARCHAR",
  reward_model: "STRUCT(style VARCHAR, ground_truth VARCHAR)",
  extra_info: 'STRUCT(split VARCHAR, "index" BIGINT, instance_id VARCHAR)',
};

const sql = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * Writes a verl dataset as Parquet with native nested columns (a list of role/content structs and
 * structs for `reward_model`/`extra_info`), as verl's loader expects; not JSON text columns.
 */
export async function writeVerlDataset(
  file: string,
  prompts: readonly EnginePrompt[],
  split = "train",
): Promise<number> {
  const rows = toVerlRows(prompts, split);
  await mkdir(dirname(file), { recursive: true });
  const staging = `${file}.${process.pid}.jsonl`;
  await writeFile(staging, rows.map((r) => JSON.stringify(r)).join("\n"));
  const columns = Object.entries(VERL_COLUMNS)
    .map(([name, type]) => `${name}: ${sql(type)}`)
    .join(", ");
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    await connection.run(
      `COPY (SELECT * FROM read_json(${sql(staging)}, format = 'newline_delimited', columns = {${columns}})) TO ${sql(file)} (FORMAT parquet)`,
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(staging, { force: true });
  }
  return rows.length;
}

/** Writes an OpenRLHF prompt file: JSONL with `input` (the chat messages) and `label` (the reward label as JSON). */
export async function writeOpenRlhfDataset(file: string, prompts: readonly EnginePrompt[]): Promise<number> {
  return writeRecords(
    file,
    OpenRlhfRow,
    prompts.map((p) => ({ input: p.messages, label: JSON.stringify(RewardLabel.parse(p.label)) })),
  );
}
