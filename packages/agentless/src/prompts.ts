import {
  buildRepairPrompt,
  type ChatMessage,
  PromptBudgetError,
  type RepairPrompt,
  SYSTEM_PROMPT,
  seededUniform,
  type TokenCounter,
} from "@swerl/rollout";
import { buildLocalizationPrompt } from "./localization.js";
import { renderRepositoryList, renderRepositoryTree } from "./repository-view.js";
import { buildReproductionPrompt } from "./reproduction.js";

export interface PromptBudget {
  /** Upper bound on the tokens of a prompt's message contents (system + user). */
  maxPromptTokens: number;
  /** Counts tokens; UTF-16 code units when absent (as `buildRepairPrompt`). */
  countTokens?: TokenCounter;
}

export interface LocalizationPrompts {
  /** One conversation per localization sample (sample 0 shows the tree sorted, later ones reformatted and shuffled). */
  conversations: ChatMessage[][];
  /** The view each conversation shows. */
  views: LocalizationView[];
  /** Source files left out of the tree to meet the budget, least relevant first. */
  droppedFiles: string[];
  /** Tokens of the largest conversation. */
  tokens: number;
}

const chars: TokenCounter = (text) => text.length;

function conversationTokens(messages: readonly ChatMessage[], count: TokenCounter): number {
  return messages.reduce((sum, m) => sum + count(m.content), 0);
}

/** How many of a path's words (split on / . _ -) occur in the issue: files the issue talks about first. */
function relevance(path: string, issueWords: ReadonlySet<string>): number {
  return path
    .toLowerCase()
    .split(/[/._-]+/)
    .filter((w) => w.length >= 3 && issueWords.has(w)).length;
}

/** A seeded Fisher-Yates shuffle of sibling names; a fresh stream per call so each directory differs. */
function shuffler(seed: number, sample: number): (names: string[]) => string[] {
  let call = 0;
  return (names) => {
    const out = [...names];
    const stream = call++;
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(seededUniform(seed, [sample, stream], i) * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  };
}

/** How a localization sample's view of the tree is laid out. */
export type LocalizationView = "tree" | "shuffled-tree" | "shuffled-list";

/**
 * The view of sample `sample`: sample 0 the sorted indented tree; later samples alternate a flat list of
 * full paths (odd samples) and the indented tree (even samples), both with a seeded shuffle.
 */
export function localizationView(sample: number): LocalizationView {
  if (sample === 0) return "tree";
  return sample % 2 === 1 ? "shuffled-list" : "shuffled-tree";
}

/**
 * The localization conversations of one instance: the system prompt of the repair task (think, then
 * answer) and the issue with the repository's files. Sample 0 lists the tree sorted; later samples see
 * reformatted and reshuffled views of the same files (see `localizationView`), so several samples do not
 * all read the same text. When the largest view does not fit the budget, the files whose path shares the
 * fewest words with the issue are left out (fewest first; then the later path) until it fits; when the
 * issue alone does not fit, `PromptBudgetError`.
 */
export function buildLocalizationPrompts(
  problemStatement: string,
  files: readonly string[],
  options: PromptBudget & { samples: number; maxFiles: number; seed?: number; instanceId?: string },
): LocalizationPrompts {
  const count = options.countTokens ?? chars;
  const views = Array.from({ length: options.samples }, (_, sample) => localizationView(sample));
  const conversation = (
    shown: readonly string[],
    view: LocalizationView,
    order?: (n: string[]) => string[],
  ): ChatMessage[] => [
    { role: "system", content: SYSTEM_PROMPT },
    {
      role: "user",
      content: buildLocalizationPrompt(
        problemStatement,
        view === "shuffled-list" ? renderRepositoryList(shown, order) : renderRepositoryTree(shown, order),
        options.maxFiles,
      ),
    },
  ];
  // shuffling changes no line, so the sorted layouts measure every view
  const layouts = [...new Set(views.map((v) => (v === "shuffled-list" ? "shuffled-list" : "tree")))] as const;
  const largest = (shown: readonly string[]) =>
    Math.max(...layouts.map((view) => conversationTokens(conversation(shown, view), count)));
  let shown = [...files];
  let droppedFiles: string[] = [];
  if (largest(shown) > options.maxPromptTokens) {
    const empty = largest([]);
    if (empty > options.maxPromptTokens)
      throw new PromptBudgetError(options.instanceId ?? "localization", empty, options.maxPromptTokens);
    const words = new Set(problemStatement.toLowerCase().split(/[^a-z0-9]+/));
    // most relevant first; keep the longest prefix of this order that fits (binary search)
    const ranked = [...files].sort((a, b) => relevance(b, words) - relevance(a, words) || (a < b ? -1 : 1));
    let lo = 0;
    let hi = ranked.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (largest(ranked.slice(0, mid)) <= options.maxPromptTokens) lo = mid;
      else hi = mid - 1;
    }
    shown = ranked.slice(0, lo).sort();
    droppedFiles = ranked.slice(lo).reverse();
  }
  const conversations = views.map((view, sample) =>
    conversation(shown, view, sample === 0 ? undefined : shuffler(options.seed ?? 0, sample)),
  );
  const tokens = Math.max(...conversations.map((c) => conversationTokens(c, count)));
  return { conversations, views, droppedFiles, tokens };
}

/**
 * The repair prompt of Agentless: rollout's `buildRepairPrompt` (the prompt used in training) over the
 * localized files' full contents. The most likely file is treated as the one to modify, so it is never
 * dropped; the others are dropped largest first when over the budget (then `PromptBudgetError`).
 */
export function buildAgentlessRepairPrompt(
  instanceId: string,
  problemStatement: string,
  localized: readonly string[],
  contents: Readonly<Record<string, string>>,
  budget: PromptBudget,
): RepairPrompt {
  const codeContext = Object.fromEntries(localized.map((p) => [p, contents[p] ?? ""]));
  const first = localized[0];
  return buildRepairPrompt(
    {
      instanceId,
      problemStatement,
      codeContext,
      oracleNewContent: first === undefined ? {} : { [first]: codeContext[first] ?? "" },
    },
    { maxPromptTokens: budget.maxPromptTokens, countTokens: budget.countTokens },
  );
}

/** The reproduction-test conversation over the files the repair prompt showed. */
export function buildReproductionConversation(
  problemStatement: string,
  shown: Readonly<Record<string, string>>,
): ChatMessage[] {
  return [
    { role: "system", content: SYSTEM_PROMPT },
    { role: "user", content: buildReproductionPrompt(problemStatement, shown) },
  ];
}
