import { InternalError } from "@swerl/schema";
import { z } from "zod";

/** The stages of the funnel, in order. */
export const FUNNEL_STEPS = [
  "mined",
  "noise filters",
  "bug fix",
  "dedup",
  "decontamination",
  "code context",
] as const;
export type FunnelStep = (typeof FUNNEL_STEPS)[number];

/** One row of `funnel.json`: `{ step, count, note }` (what the pipeline report reads) plus the detail. */
export const FunnelStage = z.object({
  step: z.string(),
  /** Pull requests (or problems) entering this stage. */
  countIn: z.number().int().nonnegative(),
  /** Pull requests leaving it. */
  count: z.number().int().nonnegative(),
  note: z.string().optional(),
  dropped: z.array(
    z.object({
      reason: z.string(),
      count: z.number().int().nonnegative(),
      /** Up to five instance ids (or `file:line` locations). */
      examples: z.array(z.string()),
    }),
  ),
});
export type FunnelStage = z.infer<typeof FunnelStage>;

/** One pull request the curation removed, as written to `dropped.jsonl`. */
export const DroppedPullRequest = z.object({
  id: z.string(),
  step: z.string(),
  reason: z.string(),
  detail: z.string().optional(),
});
export type DroppedPullRequest = z.infer<typeof DroppedPullRequest>;

/** Counts in, out and dropped (with reasons and examples) at every step of the curation. */
export class Funnel {
  readonly #stages = new Map<
    string,
    { countIn: number; count: number; dropped: Map<string, { count: number; examples: string[] }> }
  >();
  constructor(steps: readonly string[]) {
    for (const s of steps) this.#stages.set(s, { countIn: 0, count: 0, dropped: new Map() });
  }
  #stage(step: string) {
    const s = this.#stages.get(step);
    if (!s) throw new InternalError(`curate: unknown funnel step ${step}`);
    return s;
  }
  pass(step: string, n = 1) {
    const s = this.#stage(step);
    s.countIn += n;
    s.count += n;
  }
  drop(step: string, reason: string, example: string) {
    const s = this.#stage(step);
    s.countIn += 1;
    const d = s.dropped.get(reason) ?? { count: 0, examples: [] };
    d.count += 1;
    if (d.examples.length < 5) d.examples.push(example);
    s.dropped.set(reason, d);
  }
  rows(): FunnelStage[] {
    return [...this.#stages].map(([step, s]) => {
      const dropped = [...s.dropped]
        .map(([reason, d]) => ({ reason, count: d.count, examples: d.examples }))
        .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1));
      const note = dropped.length
        ? `dropped ${dropped.map((d) => `${d.reason} ${d.count}`).join(", ")}`
        : undefined;
      return { step, countIn: s.countIn, count: s.count, ...(note ? { note } : {}), dropped };
    });
  }
}

/** The funnel as a Markdown table (`funnel.md`). */
export function funnelMarkdown(funnel: readonly FunnelStage[]): string {
  const lines = ["| stage | in | out | dropped | reasons (examples) |", "|---|---:|---:|---:|---|"];
  for (const s of funnel) {
    const reasons = s.dropped
      .map(
        (d) => `${d.reason} ${d.count} (${d.examples.slice(0, 2).join(", ")}${d.count > 2 ? ", ..." : ""})`,
      )
      .join("; ");
    lines.push(`| ${s.step} | ${s.countIn} | ${s.count} | ${s.countIn - s.count} | ${reasons} |`);
  }
  return `${lines.join("\n")}\n`;
}
