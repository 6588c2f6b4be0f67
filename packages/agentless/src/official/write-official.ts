import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { gitPatch } from "../git-patch.js";
import type {
  LocalizeRecord,
  RegressionRecord,
  RepairedSample,
  RepairRecord,
  ReproduceRecord,
} from "../records.js";
import { answerOf, normalizeFile } from "../repair.js";
import type {
  OfficialLocalization,
  OfficialNormalizedPatch,
  OfficialProcessedPatch,
  OfficialRegressionResult,
  OfficialRegressionTests,
  OfficialRepairOutput,
  OfficialReproductionResult,
} from "./formats.js";

/** `reproduction_tests.jsonl`: swerl's own (the official test generation is not released). */
const ReproductionTestRow = z.object({
  instance_id: z.string(),
  test_id: z.number().int(),
  script: z.string().nullable(),
  verdict_on_original: z.enum(["reproduced", "resolved", "other"]).nullable(),
  selected: z.boolean(),
});
type ReproductionTestRow = z.infer<typeof ReproductionTestRow>;

/** Everything one instance's stages left, for the official files. */
export interface InstanceRecords {
  instanceId: string;
  localize: LocalizeRecord;
  repair: RepairRecord;
  reproduce: ReproduceRecord;
  regression: RegressionRecord;
}

/** Where the official files go under a run's output directory. */
export const OFFICIAL_FILES = {
  loc: "loc.jsonl",
  repairDir: "repair",
  regressionTests: "regression_tests.jsonl",
  reproductionTests: "reproduction_tests.jsonl",
} as const;

async function writeJsonl(file: string, rows: readonly unknown[]): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, rows.map((row) => `${JSON.stringify(row)}\n`).join(""));
}

/** The official `normalized_patch` of a candidate: the diff of its files' normalized contents (empty when they normalize the same). */
async function normalizedPatch(c: RepairedSample): Promise<string> {
  if (c.status !== "ok") return "";
  const before: Record<string, string> = {};
  const after: Record<string, string> = {};
  for (const [i, file] of c.editedFiles.entries()) {
    before[file] = `${await normalizeFile(file, c.prevContent[i] ?? "")}\n`;
    after[file] = `${await normalizeFile(file, c.newContent[i] ?? "")}\n`;
  }
  return gitPatch(before, after);
}

function processed(model: string, instanceId: string, c: RepairedSample | undefined): OfficialProcessedPatch {
  if (!c) return { model_name_or_path: model, instance_id: instanceId, model_patch: "" };
  return {
    model_name_or_path: model,
    instance_id: instanceId,
    model_patch: c.status === "ok" ? c.patch : "",
    raw_model_patch: c.patch,
    original_file_content: c.prevContent,
    edited_files: c.editedFiles,
    new_file_content: c.newContent,
  };
}

/**
 * Writes the official Agentless / SWE-RL files of a run: `loc.jsonl`; `repair/output.jsonl` and, per
 * sample i, `repair/output_{i}_processed.jsonl`, `_normalized.jsonl`, `_regression_test_results.jsonl`
 * and `_reproduction_test_results.jsonl` (SWE-RL's rerank inputs: `--patch_folder <out>/repair`);
 * `regression_tests.jsonl` (its `--regression_test_file`); and swerl's own `reproduction_tests.jsonl`.
 */
export async function writeOfficialFiles(
  outDir: string,
  model: string,
  instances: readonly InstanceRecords[],
) {
  const loc: OfficialLocalization[] = instances.map(({ instanceId, localize }) => ({
    instance_id: instanceId,
    found_files: localize.foundFiles,
    file_traj: localize.prompts.map((prompt, i) => ({ prompt, response: localize.responses[i] ?? "" })),
  }));
  await writeJsonl(path.join(outDir, OFFICIAL_FILES.loc), loc);
  const repairDir = path.join(outDir, OFFICIAL_FILES.repairDir);
  const outputs: OfficialRepairOutput[] = instances
    .filter(({ repair }) => repair.candidates.length > 0)
    .map(({ instanceId, repair }) => ({
      instance_id: instanceId,
      raw_output: repair.candidates.map((c) => answerOf(c.response)),
      all_generations: [repair.candidates.map((c) => c.response)],
      traj: repair.candidates.map((c) => ({ prompt: repair.prompts[c.list] ?? "", response: c.response })),
      prev_content: [repair.candidates.map((c) => c.prevContent)],
      file_names: [repair.candidates.map((c) => c.editedFiles)],
      all_indices: repair.candidates.map((c) => c.sample),
      all_found_files: repair.candidates.map((c) => repair.lists[c.list] ?? []),
    }));
  await writeJsonl(path.join(repairDir, "output.jsonl"), outputs);
  const samples = Math.max(0, ...instances.map(({ repair }) => repair.candidates.length));
  const normalized = new Map<RepairedSample, string>();
  for (const { repair } of instances)
    for (const c of repair.candidates) normalized.set(c, await normalizedPatch(c));
  for (let i = 0; i < samples; i++) {
    const rows = instances.map(({ instanceId, repair, regression, reproduce }) => {
      const c = repair.candidates[i];
      const result =
        c?.status === "ok" ? regression.results.find((r) => r.normalizedKey === c.normalizedKey) : undefined;
      return { instanceId, c, result, regression, reproduce };
    });
    const processedRows = rows.map(({ instanceId, c }) => processed(model, instanceId, c));
    await writeJsonl(path.join(repairDir, `output_${i}_processed.jsonl`), processedRows);
    const normalizedRows: OfficialNormalizedPatch[] = rows.map(({ c }, k) => ({
      ...processedRows[k]!,
      normalized_patch: c ? normalized.get(c)! : "",
    }));
    await writeJsonl(path.join(repairDir, `output_${i}_normalized.jsonl`), normalizedRows);
    const regressionRows: OfficialRegressionResult[] = rows.map(({ result, regression }, k) => ({
      ...processedRows[k]!,
      ...(regression.suite ? { regression: result?.failedTests ?? [] } : {}),
    }));
    await writeJsonl(path.join(repairDir, `output_${i}_regression_test_results.jsonl`), regressionRows);
    const reproductionRows: OfficialReproductionResult[] = rows.flatMap(({ instanceId, result, reproduce }) =>
      reproduce.selected.map((test) => ({
        instance_id: instanceId,
        test_id: test,
        resolved: result?.resolvedTests?.includes(test) ?? false,
      })),
    );
    await writeJsonl(path.join(repairDir, `output_${i}_reproduction_test_results.jsonl`), reproductionRows);
  }
  const regressionTests: OfficialRegressionTests[] = instances
    .filter(({ regression }) => regression.suite !== null)
    .map(({ instanceId, regression }) => ({
      instance_id: instanceId,
      tests_passing_in_original_repo: regression.suite!,
    }));
  await writeJsonl(path.join(outDir, OFFICIAL_FILES.regressionTests), regressionTests);
  const tests: ReproductionTestRow[] = instances.flatMap(({ instanceId, reproduce }) =>
    reproduce.tests.map((t) => ({
      instance_id: instanceId,
      test_id: t.sample,
      script: t.script,
      verdict_on_original: t.onOriginal,
      selected: reproduce.selected.includes(t.sample),
    })),
  );
  await writeJsonl(path.join(outDir, OFFICIAL_FILES.reproductionTests), tests);
}
