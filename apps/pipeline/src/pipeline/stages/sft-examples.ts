import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  buildAgentlessRepairPrompt,
  buildLocalizationPrompts,
  listRepositoryFiles,
  localizableFiles,
} from "@swerl/agentless";
import { mirrorDirectoryName } from "@swerl/eval";
import { isTestPath, RlInstance, readRecords } from "@swerl/schema";
import { buildOracleResponse, OracleResponseError, type SftExample } from "@swerl/trainer";

/** What `writeAgentlessExamples` wrote. */
export interface AgentlessExamplesSummary {
  localization: number;
  repair: number;
  /** Training instances without a source file to localize, or whose repair cannot be written as blocks. */
  skipped: string[];
}

const pick = (files: Readonly<Record<string, string>>, paths: readonly string[]) =>
  Object.fromEntries(paths.map((p) => [p, files[p] ?? ""]));

/** The answer to a localization prompt: the files, most likely first, in a fenced block. */
export function localizationResponse(files: readonly string[]): string {
  return `<think>\nThe issue names the file to edit.\n</think>\n<solution>\n\`\`\`\n${files.join("\n")}\n\`\`\`\n</solution>`;
}

/**
 * SFT examples in the form Agentless Mini prompts the policy at evaluation time, built from the training
 * instances only: for each, its localization prompts (the issue and the repository's source files at the
 * base commit, in `views` layouts) answered with the source files the fix edits, and its repair prompt
 * over those files alone answered with the oracle's SEARCH/REPLACE edits of them (test files left out,
 * as Agentless repairs code and tests come from the benchmark). Held-out instances never enter: the
 * caller passes the training split.
 */
export async function writeAgentlessExamples(options: {
  instancesFile: string;
  /** Bare mirrors named `owner__name.git` holding each instance's base commit. */
  reposDir: string;
  outFile: string;
  /** Localization views per instance (Agentless's sample 0, 1, ...). */
  views: number;
  /** Files a localization may name (Agentless's `maxFiles`). */
  maxFiles: number;
  seed: number;
}): Promise<AgentlessExamplesSummary> {
  const examples: SftExample[] = [];
  const summary: AgentlessExamplesSummary = { localization: 0, repair: 0, skipped: [] };
  for await (const instance of readRecords(options.instancesFile, RlInstance)) {
    const id = instance.instanceId;
    const gold = Object.keys(instance.oracleNewContent)
      .filter((p) => !isTestPath(p) && instance.codeContext[p] !== instance.oracleNewContent[p])
      .sort();
    const { repo, baseCommit } = instance.provenance;
    if (gold.length === 0 || !repo || !baseCommit) {
      summary.skipped.push(id);
      continue;
    }
    let response: string;
    try {
      response = buildOracleResponse(
        {
          instanceId: id,
          codeContext: pick(instance.codeContext, gold),
          oracleNewContent: pick(instance.oracleNewContent, gold),
        },
        { contextLines: 0 },
      );
    } catch (err) {
      if (!(err instanceof OracleResponseError)) throw err;
      summary.skipped.push(id);
      continue;
    }
    const files = localizableFiles(
      await listRepositoryFiles(join(options.reposDir, mirrorDirectoryName(repo)), baseCommit),
      repo,
    );
    const localization = buildLocalizationPrompts(instance.problemStatement, files, {
      samples: options.views,
      maxFiles: options.maxFiles,
      maxPromptTokens: Number.MAX_SAFE_INTEGER,
      seed: options.seed,
      instanceId: id,
    });
    localization.conversations.forEach((messages, view) => {
      examples.push({
        id: `${id}/localize/${view}`,
        messages,
        response: localizationResponse(gold.slice(0, options.maxFiles)),
      });
    });
    summary.localization += localization.conversations.length;
    const repair = buildAgentlessRepairPrompt(
      id,
      instance.problemStatement,
      gold,
      pick(instance.codeContext, gold),
      { maxPromptTokens: Number.MAX_SAFE_INTEGER },
    );
    examples.push({ id: `${id}/repair`, messages: repair.messages, response });
    summary.repair++;
  }
  await writeFile(options.outFile, examples.map((e) => `${JSON.stringify(e)}\n`).join(""));
  return summary;
}
