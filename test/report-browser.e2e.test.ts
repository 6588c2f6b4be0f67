import { existsSync } from "node:fs";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { PipelineConfig, pipelineStages, writeRunReport } from "@swerl/pipeline";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";

const CHROMIUM = process.env.SWERL_CHROMIUM ?? "/usr/bin/chromium";
// CI installs Debian's chromium and sets SWERL_REQUIRE_BROWSER=1, so there this test cannot be skipped.
const available = existsSync(CHROMIUM);
if (!available && process.env.SWERL_REQUIRE_BROWSER === "1") {
  throw new Error(`SWERL_REQUIRE_BROWSER=1 but no browser at ${CHROMIUM}: apt-get install chromium`);
}
const artifacts = resolve(import.meta.dirname, "../test-results");

const title = available
  ? "report.html in a real browser"
  : `report.html in a real browser (skipped: no browser at ${CHROMIUM}; set SWERL_CHROMIUM to one)`;

describe.skipIf(!available)(title, () => {
  it("renders every chart as a visible SVG, offline, and saves a screenshot", async () => {
    const runDir = await mkdtemp(join(tmpdir(), "swerl-report-browser-"));
    await mkdir(join(runDir, "grpo"), { recursive: true });
    await mkdir(join(runDir, "curate"), { recursive: true });
    const rows = Array.from({ length: 12 }, (_, step) =>
      JSON.stringify({
        step,
        phase: "grpo",
        time: "2026-01-01T00:00:00Z",
        loss: 1 / (step + 1),
        rewardMean: step / 12,
        rewardStd: 0.1,
        formatErrorRate: 0.6 * 0.8 ** step,
        kl: step / 200,
        responseLengthMean: 80 + 3 * step,
        stepSeconds: 1.5,
      }),
    );
    await writeFile(join(runDir, "grpo/metrics.jsonl"), `${rows.join("\n")}\n`);
    await mkdir(join(runDir, "sft"), { recursive: true });
    const sftRows = Array.from({ length: 20 }, (_, i) =>
      JSON.stringify({
        step: i + 1,
        phase: "sft",
        time: "2026-01-01T00:00:00Z",
        loss: 6 / (i + 1),
        stepSeconds: 1,
      }),
    );
    await writeFile(join(runDir, "sft/metrics.jsonl"), `${sftRows.join("\n")}\n`);
    await writeFile(
      join(runDir, "curate/funnel.json"),
      JSON.stringify([
        { step: "pull requests", count: 60 },
        { step: "with linked issue", count: 41 },
        { step: "RL instances", count: 30 },
      ]),
    );
    await writeRunReport(runDir, runDir, PipelineConfig.parse({ runId: "browser" }), pipelineStages);

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const requests: string[] = [];
      page.on("request", (r) => {
        if (!r.url().startsWith("file:")) requests.push(r.url());
      });
      await page.goto(pathToFileURL(join(runDir, "report.html")).href);
      const charts = await page.$$eval("figure[data-chart]", (figures) =>
        figures.map((f) => {
          const svg = f.querySelector("svg");
          const box = svg?.getBoundingClientRect();
          return {
            id: f.getAttribute("data-chart"),
            width: box?.width ?? 0,
            height: box?.height ?? 0,
            marks: svg?.querySelectorAll("path, rect").length ?? 0,
          };
        }),
      );
      expect(charts.map((c) => c.id).sort()).toEqual([
        "format",
        "funnel",
        "grpo-loss",
        "kl",
        "length",
        "loss",
        "reward",
      ]);
      for (const c of charts) {
        expect(c.width).toBeGreaterThan(100);
        expect(c.height).toBeGreaterThan(100);
        expect(c.marks).toBeGreaterThan(3);
      }
      expect(requests).toEqual([]);
      await mkdir(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, "report.png"), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
