#!/usr/bin/env node
// The `swerl` command of the published package: runs the built CLI. It exists before `pnpm build`, so a
// workspace install can link it (a bin pointing into dist/ cannot be linked until dist/ is built).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const cli = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write(
    "swerl: this checkout is not built; run `pnpm build`, or `pnpm swerl …` to run the CLI from source\n",
  );
  process.exit(1);
}
await import(cli.href);
