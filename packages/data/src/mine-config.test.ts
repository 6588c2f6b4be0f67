import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@swerl/schema";
import { beforeAll, describe, expect, it } from "vitest";
import { MineConfig, mineFromConfig } from "./mine-config.js";
import { minePullRequests } from "./mine-pull-requests.js";
import { buildFixtureWorld, type FixtureWorld } from "./testing/fixture-world.js";

let root: string;
let world: FixtureWorld;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "swerl-mine-config-"));
  world = buildFixtureWorld(root);
});

describe("mineFromConfig", () => {
  it("mines what minePullRequests mines from the same sources, with the config's defaults", async () => {
    const direct = await minePullRequests({
      gharchive: [world.archiveDir],
      reposDir: world.reposDir,
      outDir: join(root, "direct"),
    });
    const progress: string[] = [];
    const viaConfig = await mineFromConfig(
      { gharchive: [world.archiveDir], reposDir: world.reposDir, outDir: join(root, "config"), shard: "0/1" },
      { onProgress: (p) => progress.push(p.phase) },
    );
    expect(readFileSync(viaConfig.pullRequestsFile, "utf8")).toBe(
      readFileSync(direct.pullRequestsFile, "utf8"),
    );
    expect(viaConfig.mined).toBe(direct.mined);
    expect(progress.length).toBeGreaterThan(0);
    expect(MineConfig.parse({ reposDir: "r", outDir: "o" })).toMatchObject({
      concurrency: 4,
      cloneConcurrency: 4,
    });
  });

  it("names the missing source, a GraphQL crawl without repositories, and a bad shard", async () => {
    const base = { reposDir: world.reposDir, outDir: join(root, "bad") };
    await expect(mineFromConfig(base)).rejects.toThrow(ConfigError);
    await expect(mineFromConfig(base)).rejects.toThrow(/give at least one source/);
    await expect(mineFromConfig({ ...base, graphqlUrl: "http://127.0.0.1:1" })).rejects.toThrow(
      /repositories: graphqlUrl needs/,
    );
    await expect(mineFromConfig({ ...base, gharchive: ["a"], shard: "4/4" })).rejects.toThrow(
      /^mineFromConfig: shard: expected i\/N with 0 <= i < N/,
    );
    await expect(
      mineFromConfig({ ...base, graphqlUrl: "http://127.0.0.1:1", repositories: ["not a repo"] }),
    ).rejects.toThrow(/repositories\.0: expected owner\/name/);
  });
});
