import {
  CurateRunConfig,
  type CurateSummary,
  curatePullRequests,
  type FunnelStage,
  readCurateConfig,
} from "@swerl/data";
import { type Command, Option } from "commander";
import { configCommand } from "../cli/config-options.js";
import { type Progress, startProgress } from "../progress.js";

/** The leaves of a parsed config as dotted paths (`filters.maxChangedLines`), arrays kept whole. */
function leafValues(value: Record<string, unknown>, prefix = ""): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    if (v && typeof v === "object" && !Array.isArray(v))
      Object.assign(out, leafValues(v as Record<string, unknown>, `${prefix}${key}.`));
    else out[`${prefix}${key}`] = v;
  }
  return out;
}

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
  const { command, flags } = configCommand(program, "curate", CurateRunConfig, {
    description:
      "turn mined pull requests into SWE-RL instances: noise filters, bug-fix classifier, dedup, SWE-bench decontamination, code context; prints the funnel",
    flags: {
      minedFile: { name: "mined", placeholder: "<file>" },
      miningErrorsFile: { name: "mining-errors", placeholder: "<file>" },
      reposDir: { name: "repos", placeholder: "<dir>" },
      outDir: { name: "out", placeholder: "<dir>" },
      "decontamination.files": { name: "swebench", placeholder: "<files...>" },
      "decontamination.datasetsDir": { placeholder: "<dir>" },
    },
  });
  command
    // wide enough that every flag's help and default stay on one line
    .configureHelp({ helpWidth: 160 })
    .addOption(
      new Option(
        "--config <file>",
        "JSON: any subset of the rules (filters, bugFix, dedup, decontamination, relevantFiles, ...); flags override it",
      ),
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
    .action(async (raw: Record<string, unknown>) => {
      // The config file's values (validated, naming the file) under the flags given on the command line.
      const fromFile = typeof raw.config === "string" ? leafValues(await readCurateConfig(raw.config)) : {};
      const given = new Set(flags.flags.filter((f) => raw[f.attribute] !== undefined).map((f) => f.path));
      const { minedFile, miningErrorsFile, reposDir, outDir, ...config } = flags.read(
        raw,
        Object.fromEntries(Object.entries(fromFile).filter(([path]) => !given.has(path))),
      );
      let progress: Progress | undefined;
      let done = 0;
      try {
        const summary = await curatePullRequests({
          minedFile,
          ...(miningErrorsFile ? { miningErrorsFile } : {}),
          reposDir,
          outDir,
          config,
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
