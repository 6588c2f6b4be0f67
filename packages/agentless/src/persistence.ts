import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { z } from "zod";

/** The stages, in the order they run over all instances. */
export const AGENTLESS_STAGES = ["localize", "repair", "reproduce", "regression", "rerank"] as const;
export type AgentlessStage = (typeof AGENTLESS_STAGES)[number];

function safeId(instanceId: string): string {
  return instanceId.replace(/[^\w.-]+/g, "_");
}

/** `instances/<id>.json`: everything one instance did, written by the rerank stage. */
export function traceFile(outDir: string, instanceId: string): string {
  return path.join(outDir, "instances", `${safeId(instanceId)}.json`);
}

/** `instances/<id>/<stage>.json`: one stage of one instance, read back by a rerun with the same configuration. */
export function stageFile(outDir: string, instanceId: string, stage: AgentlessStage): string {
  return path.join(outDir, "instances", safeId(instanceId), `${stage}.json`);
}

/** `instances/<id>/<name>.samples.jsonl`: the samples of one sampling step, appended as they arrive. */
export function journalFile(outDir: string, instanceId: string, name: string): string {
  return path.join(outDir, "instances", safeId(instanceId), `${name}.samples.jsonl`);
}

/** Writes JSON through a temporary file and a rename, so that a reader never sees half a file. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(tmp, file);
}

/** A stage file written by a run with the same configuration, or null (absent, broken, or another configuration). */
export async function readStage<S extends z.ZodType<{ config: string }>>(
  file: string,
  schema: S,
  config: string,
): Promise<z.output<S> | null> {
  if (!existsSync(file)) return null;
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch {
    return null;
  }
  const parsed = schema.safeParse(json);
  return parsed.success && parsed.data.config === config ? parsed.data : null;
}
