/**
 * The file formats of the official Agentless (OpenAutoCoder/Agentless) and SWE-RL Agentless Mini
 * (facebookresearch/swe-rl, `src/swerl/agentless_mini/`) tools, as zod schemas of the fields they read and
 * write (key names and types taken from those repositories; unknown fields are kept). Rows are JSON lines.
 */
import { z } from "zod";

/** One prompt and the model's answer to it. */
const Trajectory = z.looseObject({ prompt: z.string(), response: z.string() });

/**
 * `loc.jsonl` (swerl.agentless_mini.localize): per instance, the files each localization sample found
 * and the trajectories. The published ground-truth files (`resources/sweb_*_gt_loc.jsonl`) have one flat
 * list instead; read-official's `localizationLists` reads both.
 */
export const OfficialLocalization = z.looseObject({
  instance_id: z.string(),
  found_files: z.union([z.array(z.array(z.string())), z.array(z.string())]),
  file_traj: z.array(Trajectory).optional(),
});
export type OfficialLocalization = z.infer<typeof OfficialLocalization>;

/**
 * `<output_folder>/output.jsonl` (swerl.agentless_mini.repair): per instance, every sample's generation
 * (`all_generations[0][i]`), the edited files (`file_names[0][i]`) and their original contents
 * (`prev_content[0][i]`), the extracted answers (`raw_output[i]`) and the files each sample was shown.
 */
export const OfficialRepairOutput = z.looseObject({
  instance_id: z.string(),
  raw_output: z.array(z.string()),
  all_generations: z.array(z.array(z.string())),
  traj: z.array(Trajectory),
  prev_content: z.array(z.array(z.array(z.string()))),
  file_names: z.array(z.array(z.array(z.string()))),
  all_indices: z.array(z.number().int()).optional(),
  all_found_files: z.array(z.array(z.string())).optional(),
});
export type OfficialRepairOutput = z.infer<typeof OfficialRepairOutput>;

/** `output_{i}_processed.jsonl`: sample i of every instance as a prediction, with the edit it came from. */
export const OfficialProcessedPatch = z.looseObject({
  model_name_or_path: z.string(),
  instance_id: z.string(),
  model_patch: z.string(),
  raw_model_patch: z.string().optional(),
  original_file_content: z.array(z.string()).optional(),
  edited_files: z.array(z.string()).optional(),
  new_file_content: z.array(z.string()).optional(),
});
export type OfficialProcessedPatch = z.infer<typeof OfficialProcessedPatch>;

/** `output_{i}_normalized.jsonl` (rerank's first step): a processed row with the patch's normalized form. */
export const OfficialNormalizedPatch = OfficialProcessedPatch.extend({ normalized_patch: z.string() });
export type OfficialNormalizedPatch = z.infer<typeof OfficialNormalizedPatch>;

/** `output_{i}_regression_test_results.jsonl`: a processed row with the regression tests the patch fails. */
export const OfficialRegressionResult = OfficialProcessedPatch.extend({
  regression: z.array(z.string()).optional(),
});
export type OfficialRegressionResult = z.infer<typeof OfficialRegressionResult>;

/** The rerank's `--regression_test_file`: per instance, the tests passing on the original code. */
export const OfficialRegressionTests = z.looseObject({
  instance_id: z.string(),
  tests_passing_in_original_repo: z.array(z.string()),
});
export type OfficialRegressionTests = z.infer<typeof OfficialRegressionTests>;

/** `output_{i}_reproduction_test_results.jsonl` as SWE-RL's rerank reads it: one row per instance and test. */
export const OfficialReproductionResult = z.looseObject({
  instance_id: z.string(),
  test_id: z.union([z.number().int(), z.string()]),
  resolved: z.boolean(),
});
export type OfficialReproductionResult = z.infer<typeof OfficialReproductionResult>;
