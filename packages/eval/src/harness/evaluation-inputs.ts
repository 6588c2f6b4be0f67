import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  DatasetError,
  formatZodIssues,
  Prediction,
  readAllRecords,
  resolveDataset,
  SweBenchInstance,
} from "@swerl/schema";
import { z } from "zod";
import { RepositoryEnvironment } from "../executors/executor.js";
import { RepositoryTestSpec, repositorySpec } from "../specs/test-spec.js";
import type { EvaluationConfig } from "./evaluation-config.js";
import { EvaluationInputError, modelDirectoryName, safePathSegment } from "./output-files.js";

/** Spec files the demo world (and `swerl tasks`) write beside their datasets. */
export const SPECS_FILE_NAME = "test-specs.json";

/**
 * The dataset file: `datasetName` as a path, or a Hugging Face dataset name (`princeton-nlp/SWE-bench_Verified`)
 * resolved through the Hub into its cache (`resolveDataset`: HF_ENDPOINT, HF_TOKEN, HF_HOME, offline from the
 * cache) for `split`.
 */
export async function resolveDatasetFile(
  config: Pick<EvaluationConfig, "datasetName" | "split">,
): Promise<string> {
  if (existsSync(config.datasetName)) return config.datasetName;
  let files: string[];
  try {
    files = await resolveDataset(config.datasetName, { split: config.split });
  } catch (error) {
    if (error instanceof DatasetError && error.code === "E_DATASET_NOT_FOUND")
      throw new EvaluationInputError(
        `--dataset_name ${config.datasetName}: no such file, and not a Hub dataset name (owner/name)`,
      );
    throw error;
  }
  if (files.length !== 1)
    throw new EvaluationInputError(
      `--dataset_name ${config.datasetName}: the ${config.split} split has ${files.length} Parquet files (${files.join(", ")}); the harness reads one dataset file: merge them (e.g. DuckDB COPY) and pass its path`,
    );
  return files[0]!;
}

async function readJson<S extends z.ZodType>(file: string, schema: S, flag: string): Promise<z.output<S>> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new EvaluationInputError(`${flag} ${file}: cannot read as JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new EvaluationInputError(`${flag} ${file}: ${formatZodIssues(parsed.error)}`);
  return parsed.data;
}

/** Per-repository environments (interpreter, PATH, variables) from a JSON file. */
export async function loadEnvironments(
  file: string | undefined,
): Promise<Record<string, RepositoryEnvironment>> {
  if (!file) return {};
  return readJson(file, z.record(z.string(), RepositoryEnvironment), "--environments");
}

/**
 * The test spec of each repository of `instances`: the `specs` file, else `test-specs.json` beside the
 * dataset, over the registered ones (official SWE-bench repositories). A repository without one is an
 * error naming them all, before anything runs.
 */
export async function resolveSpecs(
  instances: readonly SweBenchInstance[],
  datasetFile: string,
  specsFile: string | undefined,
): Promise<Map<string, RepositoryTestSpec>> {
  const besides = path.join(path.dirname(datasetFile), SPECS_FILE_NAME);
  const file = specsFile ?? (existsSync(besides) ? besides : undefined);
  const fromFile = file ? await readJson(file, z.record(z.string(), RepositoryTestSpec), "--specs") : {};
  const specs = new Map<string, RepositoryTestSpec>();
  const missing: string[] = [];
  for (const repo of new Set(instances.map((instance) => instance.repo))) {
    const spec = fromFile[repo] ?? tryRegistered(repo);
    if (spec) specs.set(repo, spec);
    else missing.push(repo);
  }
  if (missing.length > 0) {
    throw new EvaluationInputError(
      `no test spec for ${missing.join(", ")}: pass --specs FILE (repository -> { testCommand, parser }) or put ${SPECS_FILE_NAME} beside ${datasetFile}`,
    );
  }
  return specs;
}

function tryRegistered(repo: string): RepositoryTestSpec | undefined {
  try {
    return repositorySpec(repo);
  } catch {
    return undefined;
  }
}

/**
 * The predictions to evaluate, by model then instance id: a file, or `gold` / `empty` over the whole dataset (as
 * the official harness; the selection comes after). Ids not in the dataset are an error naming them,
 * and ids or model names that would leave the output folder are refused.
 */
export async function loadPredictions(
  source: string,
  instances: readonly SweBenchInstance[],
  datasetFile: string,
): Promise<Map<string, Map<string, Prediction>>> {
  let predictions: Prediction[];
  if (source === "gold" || source === "empty") {
    predictions = instances.map((instance) => ({
      instance_id: instance.instance_id,
      model_name_or_path: source,
      model_patch: source === "gold" ? instance.patch : "",
    }));
  } else {
    if (!existsSync(source)) {
      throw new EvaluationInputError(
        `--predictions_path ${source} does not exist (or pass "gold" or "empty")`,
      );
    }
    predictions = await readAllRecords(source, Prediction);
    const known = new Set(instances.map((instance) => instance.instance_id));
    const unknown = predictions.map((p) => p.instance_id).filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new EvaluationInputError(
        `--predictions_path ${source}: ${unknown.length} prediction(s) for instances not in ${datasetFile}: ${unknown.slice(0, 20).join(", ")}${unknown.length > 20 ? ", ..." : ""}`,
      );
    }
  }
  for (const prediction of predictions) {
    safePathSegment(prediction.instance_id, "instance_id");
    modelDirectoryName(prediction.model_name_or_path);
  }
  const byModel = new Map<string, Map<string, Prediction>>();
  for (const prediction of predictions) {
    const group = byModel.get(prediction.model_name_or_path) ?? new Map<string, Prediction>();
    group.set(prediction.instance_id, prediction);
    byModel.set(prediction.model_name_or_path, group);
  }
  return byModel;
}

/** The dataset's instances after `repo` and `instanceIds`; unknown ids are an error naming them. */
export async function selectInstances(
  datasetFile: string,
  config: Pick<EvaluationConfig, "repo" | "instanceIds">,
): Promise<{ all: SweBenchInstance[]; selected: SweBenchInstance[] }> {
  const all = await readAllRecords(datasetFile, SweBenchInstance);
  for (const instance of all) safePathSegment(instance.instance_id, `instance_id in ${datasetFile}`);
  let selected = all;
  if (config.repo) selected = selected.filter((instance) => instance.repo === config.repo);
  if (config.instanceIds.length > 0) {
    const known = new Set(selected.map((instance) => instance.instance_id));
    const unknown = config.instanceIds.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new EvaluationInputError(
        `--instance_ids: not in ${datasetFile}${config.repo ? ` for ${config.repo}` : ""}: ${unknown.join(", ")}`,
      );
    }
    const wanted = new Set(config.instanceIds);
    selected = selected.filter((instance) => wanted.has(instance.instance_id));
  }
  return { all, selected };
}
