import {
  type CurateConfigInput,
  type CurateSummary,
  curatePullRequests,
  type FunnelStage,
  readCurateConfig,
} from "@swerl/data";
import type { Command } from "commander";
import { z } from "zod";
import { type Progress, startProgress } from "../progress.js";
import { parseOptions } from "../usage-error.js";

const Options = z.object({
  mined: z.string().min(1),
  repos: z.string().min(1),
  out: z.string().min(1),
  config: z.string().min(1).optional(),
  source: z.enum(["github", "demo", "swe-bench", "other"]).optional(),
  swebench: z.array(z.string().min(1)).optional(),
});

/** The funnel as an aligned plain-text table, for the terminal. */
export function formatFunnel(funnel: readonly FunnelStage[]): string {
  const rows = [
    ["stage", "in", "out", "dropped (reason count)"],
    ...funnel.map((s) => [
      s.step,
      String(s.countIn),
      String(s.count),
      s.dropped.map((d) => `${d.reason} ${d.count}`).join(", "),
    ]),
  ];
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows
    .map((r) =>
      [
        (r[0] ?? "").padEnd(widths[0] ?? 0),
        (r[1] ?? "").padStart(widths[1] ?? 0),
        (r[2] ?? "").padStart(widths[2] ?? 0),
        r[3] ?? "",
      ]
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function formatSummary(summary: CurateSummary): string {
  const files = [summary.instancesFile, summary.parquetFile].filter(Boolean).join(" and ");
  return `${formatFunnel(summary.funnel)}\n\n${summary.instances} RL instances in ${files}\nfunnel: ${summary.funnelFile} (${summary.funnelMarkdownFile}); every drop with its reason in ${summary.droppedFile}\n`;
}

export function registerCurate(program: Command): void {
  program
    .command("curate")
    .description(
      "turn mined pull requests into SWE-RL instances: noise filters, bug-fix classifier, dedup, SWE-bench decontamination, code context; prints the funnel",
    )
    .requiredOption(
      "--mined <file>",
      "mined pull requests (pull-requests.jsonl from `swerl mine`, or Parquet)",
    )
    .requiredOption(
      "--repos <dir>",
      "directory of bare repositories named owner__name.git (e.g. mine's git-cache/)",
    )
    .requiredOption(
      "--out <dir>",
      "output directory: rl-instances.jsonl, rl-instances.parquet, funnel.json, funnel.md, dropped.jsonl",
    )
    .option(
      "--config <file>",
      "JSON: filters, bugFix, dedup, decontamination, relevantFiles, source, parquet",
    )
    .option("--source <source>", "provenance.source of the instances: github, demo, swe-bench or other")
    .option(
      "--swebench <files...>",
      "SWE-bench JSONL files to decontaminate against (default: $SWERL_SWEBENCH_DIR, else the 12 SWE-bench repositories)",
    )
    .addHelpText(
      "after",
      `
Mining problems (errors.jsonl beside --mined), unreadable records, missing repositories and commits
are counted in the funnel with their locations and skipped; they never stop the run.

Examples:
  $ swerl curate --mined runs/demo/mine/pull-requests.jsonl --repos runs/demo/world/repos \\
      --out runs/demo/curate --source demo
  $ swerl curate --mined runs/gh/mine/pull-requests.jsonl --repos runs/gh/mine/git-cache --out runs/gh/curate \\
      --config curate.json --swebench data/swe-bench_verified.test.jsonl data/swe-bench_lite.test.jsonl

A config file sets any subset, e.g.:
  { "filters": { "maxChangedLines": 500 }, "relevantFiles": { "maxRelevantFiles": 5 },
    "decontamination": { "level": "instance" } }`,
    )
    .action(async (raw: unknown) => {
      const options = parseOptions(Options, raw);
      const config = options.config ? await readCurateConfig(options.config) : undefined;
      const input: CurateConfigInput = config ?? {};
      if (options.swebench) input.decontamination = { ...input.decontamination, files: options.swebench };
      let progress: Progress | undefined;
      let done = 0;
      try {
        const summary = await curatePullRequests({
          minedFile: options.mined,
          reposDir: options.repos,
          outDir: options.out,
          config: input,
          source: options.source,
          onProgress: (p) => {
            progress ??= startProgress({ label: "curate", total: 0, unit: "pull requests" });
            progress.setTotal(p.read);
            progress.tick(p.read - done, { instances: p.instances, dropped: p.dropped });
            done = p.read;
          },
        });
        progress?.stop();
        progress = undefined;
        process.stdout.write(formatSummary(summary));
      } finally {
        progress?.stop();
      }
    });
}
