import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, vi } from "vitest";
import { main } from "../program.js";

/** Runs `swerl ...args` in this process; resolves to its exit code. */
export function swerl(...args: string[]): Promise<number> {
  return main(["node", "swerl", ...args]);
}

/**
 * The set-up of a command's test file: a temporary directory removed after its tests, and after each
 * test the output spies ({@link captureOutput}) restored and `process.exitCode` cleared.
 */
export function commandTestRoot(prefix: string): string {
  const root = mkdtempSync(path.join(tmpdir(), prefix));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });
  return root;
}
