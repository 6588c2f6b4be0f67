import type { RenderedChart } from "./charts.js";
import type { ReportData } from "./report-data.js";

function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/** Markup already escaped, for a table cell. */
interface Html {
  html: string;
}

function table(head: string[], rows: Array<Array<string | number | Html>>): string {
  const cell = (c: string | number | Html) => (typeof c === "object" ? c.html : escapeHtml(String(c)));
  return `<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${cell(c)}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

/** `heldoutRewardAfter` -> "held-out reward after"; `goldResolved` -> "gold resolved". */
function label(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/_/g, " ")
    .toLowerCase()
    .replace(/\bheldout\b/g, "held-out");
}

function formatValue(value: unknown): string | null {
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toFixed(3);
  if (typeof value === "string" || typeof value === "boolean") return String(value);
  if (value === null) return "—";
  return null;
}

/** A stage's summary as labelled values, one per line (nested objects one level down, under their label). */
function summaryHtml(summary: Record<string, unknown> | null): string {
  if (!summary) return "";
  const items: string[] = [];
  const item = (key: string, value: string) =>
    items.push(`<li><span class="k">${escapeHtml(label(key))}</span> ${escapeHtml(value)}</li>`);
  for (const [key, value] of Object.entries(summary)) {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      const parts = Object.entries(value)
        .map(([k, v]) => {
          const shown = formatValue(v);
          return shown === null ? null : `${label(k)} ${shown}`;
        })
        .filter((x): x is string => x !== null);
      if (parts.length) item(key, parts.join(", "));
    } else {
      const shown = formatValue(value);
      if (shown !== null) item(key, shown);
    }
  }
  return `<ul class="numbers">${items.join("")}</ul>`;
}

function section(title: string, body: string): string {
  return `<section><h2>${escapeHtml(title)}</h2>${body}</section>`;
}

function missing(what: string): string {
  return `<p class="missing">${escapeHtml(what)}</p>`;
}

const STYLE = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:24px 40px}header h1{margin:0;font-size:24px}
header p{margin:4px 0 0;color:#b8c0d0}main{max-width:1000px;margin:0 auto;padding:16px 40px 60px}
section{background:#fff;border-radius:8px;padding:16px 24px;margin:20px 0;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2{font-size:18px;margin:0 0 12px}table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #e4e7ec}th{background:#f0f2f5;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:16px}.chart{flex:1 1 420px;margin:0}.big{font-size:32px;font-weight:700}
.numbers{list-style:none;margin:0;padding:0;font-size:13px}.numbers .k{color:#5a6478}
.missing{color:#8a94a6;font-style:italic}.note{background:#fff6e0;border-left:4px solid #e0a800;padding:8px 12px}pre{background:#f0f2f5;padding:12px;overflow:auto;font-size:12px}
`;

function heldoutText(data: ReportData): string {
  const rows = data.training.heldout;
  const first = rows[0];
  const last = rows.at(-1);
  if (!first || !last || first === last) return "";
  return ` Held-out mean reward ${first.rewardMean.toFixed(3)} (${first.phase} step ${first.step}) → ${last.rewardMean.toFixed(3)} (${last.phase} step ${last.step}); format errors ${pct(first.formatErrorRate)} → ${pct(last.formatErrorRate)}.`;
}

/** One self-contained page: styles inline, charts as inline SVG, no script and no network. */
export function renderReportHtml(data: ReportData, charts: readonly RenderedChart[]): string {
  const chart = (id: string) => {
    const c = charts.find((x) => x.id === id);
    return c
      ? `<figure class="chart" data-chart="${c.id}"><figcaption>${escapeHtml(c.title)}</figcaption>${c.svg}</figure>`
      : "";
  };
  const stages = table(
    ["stage", "status", "seconds", "what", "numbers"],
    data.stages.map((s) => [
      s.name,
      s.status,
      s.seconds === null ? "" : s.seconds.toFixed(1),
      s.description,
      { html: summaryHtml(s.summary) },
    ]),
  );
  const funnel = data.funnel?.length
    ? `${table(
        ["step", "instances", "note"],
        data.funnel.map((f) => [f.step, f.count, f.note ?? ""]),
      )}<div class="charts">${chart("funnel")}</div>`
    : missing("The data stages have not produced a funnel in this run.");
  const training =
    data.training.sft.length || data.training.grpo.length
      ? `<p>${data.training.sft.length} SFT steps, ${data.training.grpo.length} GRPO steps.${heldoutText(data)}</p><div class="charts">${[
          "heldout",
          "heldout-format",
          "reward",
          "format",
          "kl",
          "length",
          "grpo-loss",
          "loss",
        ]
          .map(chart)
          .join("")}</div>`
      : missing("No training metrics in this run.");
  const num = (x: number | null) => (x === null ? "—" : x.toFixed(3));
  const phaseNames = { base: "base (before SFT)", sft: "after SFT", grpo: "after GRPO" } as const;
  const phases = data.phases.some((p) => p.heldoutReward !== null)
    ? `${table(
        ["policy", "held-out reward", "format accuracy", "held-out instances", "tasks resolved"],
        data.phases.map((p) => [
          phaseNames[p.phase],
          num(p.heldoutReward),
          p.formatAccuracy === null ? "—" : pct(p.formatAccuracy),
          p.heldoutInstances ?? "—",
          p.resolvedInstances === null ? "not run" : `${p.resolvedInstances} / ${p.totalTasks}`,
        ]),
      )}<p>Greedy answers on the same held-out RL instances for every policy. Agentless Mini and the harness run the final policy only (localization: ${escapeHtml(data.headline.localization ?? "not run")}).</p>`
    : missing("No held-out evaluation in this run.");
  const leak = data.leakage;
  const leakage = leak
    ? leak.leaks.length
      ? `<p class="note"><strong>${leak.leaks.length} leaks:</strong> held-out tasks found in training data.</p>${table(
          ["task", "what", "training file", "path"],
          leak.leaks.map((l) => [l.task, l.what, l.file, l.path ?? ""]),
        )}`
      : `<p>None of the ${leak.tasks} held-out tasks' ids, issue texts, fix and test patches or ${leak.postFixFiles} post-fix files occurs in the training data (${leak.trainingFiles.map(escapeHtml).join(", ")}).</p>`
    : missing("No held-out tasks in this run yet.");
  const oracle = data.stages.find((s) => s.name === "agentless")?.summary?.localizedBy === "oracle";
  const oracleNote = oracle
    ? `<p class="note"><strong>Oracle localization:</strong> Agentless Mini was given the gold patch's files instead of the policy's choice (SWE-bench's oracle retrieval setting), so repair and selection are measured on their own. These are not Agentless results.</p>`
    : "";
  const ev = data.evaluation;
  const evaluation = ev
    ? `${oracleNote}<p class="big">${pct(ev.resolvedRate)} resolved</p><p>${ev.report.resolved_instances} of ${ev.report.total_instances} tasks resolved (${ev.report.submitted_instances} submitted); ${ev.report.unresolved_instances} unresolved, ${ev.report.empty_patch_instances} empty patches, ${ev.report.error_instances} errors.</p>${table(
        ["repository", "resolved", "total", "rate"],
        ev.perRepository.map((r) => [r.repo, r.resolved, r.total, pct(r.total ? r.resolved / r.total : 0)]),
      )}`
    : missing("No SWE-bench evaluation in this run.");
  const loc = data.localization;
  const localization = loc
    ? oracleNote +
      table(
        ["instances", "all gold files found", "any found", "none found"],
        [
          [
            loc.instances,
            pct(loc.allFound / (loc.instances || 1)),
            pct(loc.anyFound / (loc.instances || 1)),
            pct(loc.noneFound / (loc.instances || 1)),
          ],
        ],
      )
    : missing("No localization results in this run.");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>swerl run ${escapeHtml(data.runId)}</title><style>${STYLE}</style></head>
<body><header><h1>swerl run “${escapeHtml(data.runId)}”</h1><p>generated ${escapeHtml(data.generatedAt)}</p></header><main>
${section("Stages", stages)}
${section("Data funnel", funnel)}
${section("Base vs SFT vs GRPO", phases)}
${section("Training", training)}
${section("Evaluation", evaluation)}
${section("Localization", localization)}
${section("Held-out leakage check", leakage)}
${section("Configuration", `<pre>${escapeHtml(JSON.stringify(data.config, null, 2))}</pre>`)}
</main></body></html>
`;
}
