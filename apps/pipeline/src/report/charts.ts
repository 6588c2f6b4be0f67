import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { ReportData } from "./report-data.js";

/** Renders a vega-lite spec to a standalone SVG string, offline (no canvas, no network). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const WIDTH = 330;
const HEIGHT = 180;

function lineChart(
  title: string,
  rows: Array<Record<string, number | string>>,
  y: string,
  yTitle: string,
  band?: { lower: string; upper: string },
): TopLevelSpec {
  const line = {
    mark: { type: "line" as const, point: rows.length < 40 },
    encoding: {
      x: { field: "step", type: "quantitative" as const, title: "step" },
      y: { field: y, type: "quantitative" as const, title: yTitle },
      color: { field: "phase", type: "nominal" as const, title: "phase" },
    },
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    width: WIDTH,
    height: HEIGHT,
    data: { values: rows },
    layer: band
      ? [
          {
            mark: { type: "area", opacity: 0.2 },
            encoding: {
              x: { field: "step", type: "quantitative" },
              y: { field: band.lower, type: "quantitative" },
              y2: { field: band.upper },
              color: { field: "phase", type: "nominal" },
            },
          },
          line,
        ]
      : [line],
  } as TopLevelSpec;
}

/** Steps averaged by a chart's trend line: one GRPO step's mean over a few prompts is noisy. */
const TREND_WINDOW = 5;

function trailingMean(values: ReadonlyArray<number | undefined>): number | null {
  const known = values.filter((v): v is number => typeof v === "number");
  return known.length ? known.reduce((a, b) => a + b, 0) / known.length : null;
}

/** Adds a dashed line of `field` (a trailing mean) over a layered line chart. */
function withTrend(spec: TopLevelSpec, field: string, title = "reward"): TopLevelSpec {
  const layered = spec as TopLevelSpec & { layer: unknown[] };
  return {
    ...layered,
    layer: [
      ...layered.layer,
      {
        mark: { type: "line", strokeDash: [6, 3], color: "#d62728" },
        encoding: {
          x: { field: "step", type: "quantitative" },
          y: { field, type: "quantitative", title },
        },
      },
    ],
  } as TopLevelSpec;
}

export interface RenderedChart {
  id: string;
  title: string;
  svg: string;
}

/** The report's charts, for whichever data the run produced. */
export async function renderCharts(data: ReportData): Promise<RenderedChart[]> {
  const charts: Array<{ id: string; title: string; spec: TopLevelSpec }> = [];
  const grpo = data.training.grpo.map((r, i, all) => ({
    ...r,
    rewardLow: (r.rewardMean ?? 0) - (r.rewardStd ?? 0),
    rewardHigh: (r.rewardMean ?? 0) + (r.rewardStd ?? 0),
    rewardTrend: trailingMean(all.slice(Math.max(0, i - TREND_WINDOW + 1), i + 1).map((x) => x.rewardMean)),
  }));
  const has = (key: string, list: ReadonlyArray<Record<string, unknown>>) =>
    list.some((r) => typeof r[key] === "number");
  if (grpo.length && has("rewardMean", grpo)) {
    charts.push({
      id: "reward",
      title: `Reward (mean ± std per step; dashed: mean of the last ${TREND_WINDOW} steps)`,
      spec: withTrend(
        lineChart("Reward", grpo as never, "rewardMean", "reward", {
          lower: "rewardLow",
          upper: "rewardHigh",
        }),
        "rewardTrend",
      ),
    });
  }
  if (data.training.heldout.length) {
    // One x axis across both phases: GRPO's steps continue after SFT's last step.
    const sftSteps = Math.max(0, ...data.training.sft.map((r) => r.step));
    const heldout = data.training.heldout.map((r) => ({
      ...r,
      step: r.phase === "grpo" ? sftSteps + r.step : r.step,
    }));
    charts.push({
      id: "heldout",
      title: "Held-out reward (instances never trained on)",
      spec: lineChart("Held-out reward", heldout as never, "rewardMean", "mean reward"),
    });
    charts.push({
      id: "heldout-format",
      title: "Held-out format-error rate",
      spec: lineChart("Held-out format errors", heldout as never, "formatErrorRate", "rate"),
    });
  }
  // GRPO's curves on GRPO's own step axis, each with its trailing-mean trend; SFT's loss on SFT's.
  const grpoCurve = (
    id: string,
    title: string,
    key: "formatErrorRate" | "kl" | "responseLengthMean" | "loss",
    yTitle: string,
  ) => {
    if (!has(key, grpo)) return;
    const trend = `${key}Trend`;
    const withTrendRows = grpo.map((r, i) => ({
      ...r,
      [trend]: trailingMean(grpo.slice(Math.max(0, i - TREND_WINDOW + 1), i + 1).map((x) => x[key])),
    }));
    charts.push({
      id,
      title: `GRPO ${title} per step (dashed: mean of the last ${TREND_WINDOW} steps)`,
      spec: withTrend(lineChart(`GRPO ${title}`, withTrendRows as never, key, yTitle), trend, yTitle),
    });
  };
  grpoCurve("format", "format-error rate", "formatErrorRate", "rate");
  grpoCurve("kl", "KL to the SFT policy", "kl", "KL");
  grpoCurve("length", "response length", "responseLengthMean", "tokens");
  grpoCurve("grpo-loss", "loss", "loss", "loss");
  if (data.training.sft.length)
    charts.push({
      id: "loss",
      title: "SFT loss per step (mean negative log-likelihood per response token)",
      spec: lineChart("SFT loss", data.training.sft as never, "loss", "loss"),
    });
  if (data.funnel?.length) {
    charts.push({
      id: "funnel",
      title: "Data funnel",
      spec: {
        $schema: "https://vega.github.io/schema/vega-lite/v6.json",
        title: "Data funnel",
        width: WIDTH,
        data: { values: data.funnel.map((f, i) => ({ ...f, order: i })) },
        mark: "bar",
        encoding: {
          y: { field: "step", type: "nominal", sort: { field: "order" }, title: null },
          x: { field: "count", type: "quantitative", title: "instances" },
        },
      },
    });
  }
  const out: RenderedChart[] = [];
  for (const chart of charts)
    out.push({ id: chart.id, title: chart.title, svg: await renderSvg(chart.spec) });
  return out;
}
