// The demo world's bench in Docker: images built from Debian packages (python3, nodejs), gold 12/12,
// empty 0, through the `swerl eval` command with the official flags; images cached on a second build.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { writeDemoWorld } from "@swerl/demo";
import { buildImages } from "@swerl/eval";
import { main } from "@swerl/pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerUnavailable, ensureBaseImage, leftoverContainers } from "./docker-helpers.js";

const skip = await dockerUnavailable();
const root = mkdtempSync(path.join(tmpdir(), "swerl-docker-demo-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.skipIf(skip !== undefined)(`demo bench in Docker${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let bench = "";
  let repos = "";
  beforeAll(async () => {
    const world = await writeDemoWorld({ outDir: path.join(root, "world"), bench: "test" });
    bench = world.benchFile as string;
    repos = world.reposDir;
    await ensureBaseImage(bench);
  }, 900_000);

  it("builds the images once: a second build finds every level cached", async () => {
    const first = await buildImages({ datasetName: bench, repos });
    expect(first.images.size).toBe(12);
    const again = await buildImages({ datasetName: bench, repos });
    expect(again.steps.every((step) => step.cached)).toBe(true);
    // One environment image per repository of the bench.
    const instances = readFileSync(bench, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { repo: string });
    const environments = new Set(instances.map((i) => i.repo));
    expect(again.steps.filter((s) => s.level === "environment").length).toBe(environments.size);
  }, 900_000);

  it("resolves 12/12 gold patches and 0 empty ones, with swerl eval --executor docker", async () => {
    const write = process.stdout.write.bind(process.stdout);
    let out = "";
    process.stdout.write = ((chunk: string) => {
      out += chunk;
      return true;
    }) as typeof process.stdout.write;
    try {
      for (const predictions of ["gold", "empty"]) {
        const code = await main([
          "node",
          "swerl",
          "eval",
          "--dataset_name",
          bench,
          "--predictions_path",
          predictions,
          "--executor",
          "docker",
          "--max_workers",
          "2",
          "--run_id",
          "docker",
          "--log-dir",
          path.join(root, "logs"),
          "--report_dir",
          path.join(root, "reports"),
        ]);
        expect(code, out).toBe(0);
      }
    } finally {
      process.stdout.write = write;
    }
    const gold = JSON.parse(readFileSync(path.join(root, "reports", "gold.docker.json"), "utf8"));
    const empty = JSON.parse(readFileSync(path.join(root, "reports", "empty.docker.json"), "utf8"));
    expect(gold.resolved_instances, out).toBe(12);
    expect(gold.error_instances).toBe(0);
    expect(empty.resolved_instances).toBe(0);
    expect(empty.empty_patch_instances).toBe(12);
    expect(await leftoverContainers()).toEqual([]);
  }, 900_000);
});
