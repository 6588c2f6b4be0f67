#!/usr/bin/env node
// Runs a command with the project's pinned pnpm (package.json "packageManager") first on PATH, so tools
// that call `pnpm` themselves (turbo running package scripts, publint packing) never pick up whatever
// `pnpm` happens to be installed, such as a corepack shim that cannot download.
//
//   node scripts/pinned-pnpm.mjs turbo run build
//
// Imported, `pinnedPnpmPath()` returns a PATH with that pnpm first (scripts/test.mjs uses it).
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const pinned = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).packageManager; // pnpm@10.34.8
const version = pinned.split("@")[1];

/** The pnpm that runs this script, when it is the pinned one (its CLI file), else undefined. */
function runningPinnedPnpm() {
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: set by the running package manager, not a task input
  const execpath = process.env.npm_execpath;
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: set by the running package manager, not a task input
  const userAgent = process.env.npm_config_user_agent ?? "";
  return execpath && /pnpm/.test(execpath) && userAgent.startsWith(`pnpm/${version} `) ? execpath : undefined;
}

/** PATH with a directory holding a `pnpm` that runs the pinned version first. */
export function pinnedPnpmPath(path = process.env.PATH ?? "") {
  const bin = mkdtempSync(join(tmpdir(), "swerl-pnpm-"));
  const execpath = runningPinnedPnpm();
  const script = execpath
    ? `#!/bin/sh\nexec "${process.execPath}" "${execpath}" "$@"\n`
    : `#!/bin/sh\nexec npx -y ${pinned} "$@"\n`;
  writeFileSync(join(bin, "pnpm"), script);
  chmodSync(join(bin, "pnpm"), 0o755);
  return `${bin}${delimiter}${join(root, "node_modules", ".bin")}${delimiter}${path}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [command, ...args] = process.argv.slice(2);
  if (!command) {
    process.stderr.write("usage: node scripts/pinned-pnpm.mjs <command> [args...]\n");
    process.exit(2);
  }
  const result = spawnSync(command, args, {
    stdio: "inherit",
    env: { ...process.env, PATH: pinnedPnpmPath() },
  });
  process.exit(result.status ?? 1);
}
