import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { FUNNEL_STEPS } from "@swerl/data";
import { writeDemoWorld } from "@swerl/demo";
import { RlInstance, readAllRecords } from "@swerl/schema";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { ReportData } from "../report/report-data.js";
import { captureOutput } from "../testing/capture-output.js";
import { commandTestRoot, swerl } from "../testing/cli.js";

const root = commandTestRoot("swerl-cli-curate-");

const world = path.join(root, "world");
const mined = path.join(root, "mine", "pull-requests.jsonl");
let verdictCounts: Record<string, number>;

beforeAll(async () => {
  verdictCounts = (await writeDemoWorld({ outDir: world, bench: "none" })).groundTruth.verdictCounts;
  const io = captureOutput();
  const args = ["--github-snapshots", path.join(world, "github"), "--repos", path.join(world, "repos")];
  const code = await swerl("mine", ...args, "--out", path.join(root, "mine"));
  vi.restoreAllMocks();
  if (code !== 0) throw new Error(`swerl mine failed: ${io.err()}`);
}, 60_000);

describe("swerl curate", () => {
  it("exits 2 naming a missing required flag, and 1 naming the field of a bad config file", async () => {
    let io = captureOutput();
    expect(await swerl("curate", "--mined", mined, "--out", "o")).toBe(2);
    expect(io.err()).toContain("--repos");
    vi.restoreAllMocks();
    const config = path.join(root, "bad.json");
    writeFileSync(config, JSON.stringify({ filters: { maxChangedLines: "many" } }));
    io = captureOutput();
    const args = ["--mined", mined, "--repos", path.join(world, "repos"), "--out", path.join(root, "x")];
    expect(await swerl("curate", ...args, "--config", config)).toBe(1);
    expect(io.err()).toMatch(/bad\.json: filters\.maxChangedLines: /);
  });

  it("prints the funnel of the demo world, matching its planted verdicts, in the report's shape", async () => {
    const out = path.join(root, "run", "curate");
    const io = captureOutput();
    const args = ["--mined", mined, "--repos", path.join(world, "repos"), "--out", out, "--source", "demo"];
    expect(await swerl("curate", ...args)).toBe(0);
    expect(io.err()).not.toContain("swerl:");
    const table = io.out();
    expect(table).toMatch(/^stage\s+in\s+out/);
    expect(table).toMatch(new RegExp(`dedup\\s+\\d+\\s+\\d+\\s+duplicate-patch ${verdictCounts.duplicate}`));
    expect(table).toMatch(new RegExp(`decontamination\\s+\\d+\\s+${verdictCounts.keep}\\s+swebench-repo 1`));
    expect(table).toContain(`${verdictCounts.keep} RL instances`);
    const instances = await readAllRecords(path.join(out, "rl-instances.parquet"), RlInstance);
    expect(instances).toHaveLength(verdictCounts.keep ?? -1);
    expect(instances.every((i) => i.provenance.source === "demo")).toBe(true);
    expect(readFileSync(path.join(out, "funnel.md"), "utf8")).toMatch(/^\| stage \| in \| out \|/);
    // The pipeline report reads <run>/curate/funnel.json with this schema.
    const funnel = ReportData.shape.funnel.parse(
      JSON.parse(readFileSync(path.join(out, "funnel.json"), "utf8")),
    );
    expect(funnel?.map((f) => f.step)).toEqual([...FUNNEL_STEPS]);
    expect(funnel?.at(-1)?.count).toBe(verdictCounts.keep);
    expect(funnel?.[1]?.note).toMatch(new RegExp(`^dropped .*bot ${verdictCounts.bot}`));
  });

  it("takes a config file's rules, with the flags given on the command line over them", async () => {
    const config = path.join(root, "rules.json");
    writeFileSync(config, JSON.stringify({ filters: { maxChangedLines: 1 }, source: "other" }));
    const out = path.join(root, "run-config", "curate");
    const io = captureOutput();
    const args = ["--mined", mined, "--repos", path.join(world, "repos"), "--out", out, "--config", config];
    expect(await swerl("curate", ...args, "--filters.max-changed-lines", "2000")).toBe(0);
    const instances = await readAllRecords(path.join(out, "rl-instances.jsonl"), RlInstance);
    expect(instances).toHaveLength(verdictCounts.keep ?? -1);
    // with the file's limit of 1 changed line every pull request would be dropped as huge
    expect(io.out()).toContain(`${verdictCounts.keep} RL instances`);
    expect(instances.every((i) => i.provenance.source === "other")).toBe(true);
  });
});
