import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PipelineConfig } from "../pipeline/config.js";
import type { Stage } from "../pipeline/stage.js";
import { renderCharts } from "./charts.js";
import { collectReportData } from "./collect.js";
import { renderReportHtml } from "./html.js";
import type { ReportData } from "./report-data.js";

/**
 * Writes `report.json` and `report.html` for a run into `outDir`; returns the data. `writtenBy` names
 * the stage writing the report, whose own row says so instead of "not run".
 */
export async function writeRunReport(
  runDir: string,
  outDir: string,
  config: PipelineConfig,
  stages: readonly Stage[],
  writtenBy?: string,
): Promise<ReportData> {
  const data = await collectReportData(runDir, config, stages, writtenBy);
  const charts = await renderCharts(data);
  await writeFile(join(outDir, "report.json"), `${JSON.stringify(data, null, 2)}\n`);
  await writeFile(join(outDir, "report.html"), renderReportHtml(data, charts));
  return data;
}
