import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ReplayMissError, ReplayPolicy } from "./replay-policy.js";

describe("ReplayPolicy", () => {
  const policy = new ReplayPolicy([
    { match: ["issue A", "which files"], responses: ["a.py"] },
    { instanceId: "demo__x-1", responses: ["first", "second"] },
    { match: "issue A", responses: ["patch for A"] },
  ]);

  it("answers the first entry whose substrings (and instance id) the prompt contains, cycling responses", async () => {
    const groups = await policy.sample(["issue A: which files?", "issue A: fix it", "task demo__x-1"], {
      n: 3,
    });
    expect(groups.map((g) => g.samples.map((s) => s.text))).toEqual([
      ["a.py", "a.py", "a.py"],
      ["patch for A", "patch for A", "patch for A"],
      ["first", "second", "first"],
    ]);
    expect(groups[0]!.samples[0]!.tokenIds).toEqual([97, 46, 112, 121]);
    expect(groups[0]!.promptTokenIds).toHaveLength("issue A: which files?".length);
    await expect(policy.sample(["nothing"], {})).rejects.toBeInstanceOf(ReplayMissError);
  });

  it("cuts at stop strings and at maxTokens bytes without splitting a character", async () => {
    const emoji = new ReplayPolicy([{ responses: ["ab€cd</solution>tail"] }]);
    const [stopped] = await emoji.sample(["x"], { stop: ["</solution>"] });
    expect(stopped!.samples[0]).toMatchObject({ text: "ab€cd", finishReason: "stop" });
    const [cut] = await emoji.sample(["x"], { maxTokens: 4 });
    expect(cut!.samples[0]).toMatchObject({ text: "ab", tokenIds: [97, 98], finishReason: "length" });
  });

  it("reads JSONL scripts and names the bad line", async () => {
    const dir = await mkdtemp(join(tmpdir(), "swerl-replay-"));
    const good = join(dir, "good.jsonl");
    await writeFile(good, `${JSON.stringify({ match: "q", responses: ["r"] })}\n`);
    const loaded = await ReplayPolicy.fromFile(good, { model: "m" });
    expect((await loaded.sample(["q?"], {}))[0]!.samples[0]!.text).toBe("r");
    const bad = join(dir, "bad.jsonl");
    await writeFile(
      bad,
      `${JSON.stringify({ match: "q", responses: ["r"] })}\n{"match":"x","responses":[]}\n`,
    );
    await expect(ReplayPolicy.fromFile(bad)).rejects.toThrow(/bad\.jsonl:2: responses/);
  });
});
