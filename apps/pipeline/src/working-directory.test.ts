import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { userWorkingDirectory } from "./working-directory.js";

const root = resolve(import.meta.dirname, "../../..");

describe("the user's working directory", () => {
  it("is INIT_CWD when run through the root package's swerl or pipeline script", () => {
    expect(userWorkingDirectory({ npm_lifecycle_event: "swerl", INIT_CWD: "/home/u/data" }, root)).toBe(
      "/home/u/data",
    );
    expect(userWorkingDirectory({ npm_lifecycle_event: "pipeline", INIT_CWD: "/x" }, root)).toBe("/x");
    expect(userWorkingDirectory({ npm_lifecycle_event: "test", INIT_CWD: "/x" }, root)).toBe(root);
    expect(userWorkingDirectory({}, "/here")).toBe("/here");
  });

  it("resolves a relative path on the command line against it (the CLI as `pnpm swerl` starts it)", () => {
    const dir = mkdtempSync(join(tmpdir(), "swerl-init-cwd-"));
    writeFileSync(
      join(dir, "preds.jsonl"),
      `${JSON.stringify({ instance_id: "a__b-1", model_name_or_path: "m", model_patch: "" })}\n`,
    );
    const out = execFileSync(
      process.execPath,
      [
        "--conditions=@swerl/source",
        "--import",
        "tsx",
        "apps/pipeline/src/cli.ts",
        "validate",
        "--kind",
        "prediction",
        "preds.jsonl",
      ],
      { cwd: root, env: { ...process.env, npm_lifecycle_event: "swerl", INIT_CWD: dir }, encoding: "utf8" },
    );
    expect(out).toBe("preds.jsonl: 1 valid prediction records\n");
  });
});
