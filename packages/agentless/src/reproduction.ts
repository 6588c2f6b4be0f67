import { z } from "zod";

/** What a reproduction test says about the code it ran on, by the line it prints. */
export const ReproductionVerdict = z.enum(["reproduced", "resolved", "other"]);
export type ReproductionVerdict = z.infer<typeof ReproductionVerdict>;

/** The lines a generated reproduction test prints, as the reproduction prompt asks. */
export const REPRODUCED_LINE = "Issue reproduced";
export const RESOLVED_LINE = "Issue resolved";
export const OTHER_LINE = "Other issues";

/**
 * Reads a reproduction test's verdict from its output. The last of the three verdict lines printed
 * wins; a test that printed none (it crashed, or timed out) says "other".
 */
export function reproductionVerdict(output: string): ReproductionVerdict {
  let verdict: ReproductionVerdict = "other";
  for (const line of output.split(/\r?\n/)) {
    const text = line.trim();
    if (text === REPRODUCED_LINE) verdict = "reproduced";
    else if (text === RESOLVED_LINE) verdict = "resolved";
    else if (text === OTHER_LINE) verdict = "other";
  }
  return verdict;
}

/** The reproduction-test prompt: the issue and the localized code, asking for one standalone script. */
export function buildReproductionPrompt(
  problemStatement: string,
  files: Readonly<Record<string, string>>,
): string {
  const context = Object.entries(files)
    .map(([path, content]) => `### ${path}\n${content}`)
    .join("\n");
  return [
    "Below is an issue reported against a repository, and the code most relevant to it.",
    "Write one standalone Python script that checks whether the issue is present. It must:",
    `- print exactly "${REPRODUCED_LINE}" when the behaviour described in the issue happens,`,
    `- print exactly "${RESOLVED_LINE}" when the code behaves as the issue says it should,`,
    `- print exactly "${OTHER_LINE}" when something else goes wrong.`,
    "Put the script in a single ```python block.",
    "",
    "--- BEGIN ISSUE ---",
    problemStatement.trim(),
    "--- END ISSUE ---",
    "",
    "--- BEGIN CODE ---",
    context,
    "--- END CODE ---",
  ].join("\n");
}

/** The script of a reproduction-test answer: the last ```python block (or the last fenced block). */
export function extractTestScript(answer: string): string | null {
  const solution = /<solution>([\s\S]*?)(?:<\/solution>|$)/.exec(answer)?.[1] ?? answer;
  const blocks = [...solution.matchAll(/```(\w*)\n([\s\S]*?)```/g)];
  const python = blocks.filter((b) => b[1] === "python" || b[1] === "py");
  const chosen = (python.length ? python : blocks).at(-1);
  return chosen ? chosen[2]! : null;
}

export interface GeneratedTest {
  /** Sample index of the answer that produced the test. */
  sample: number;
  /** The test's code normalized (comments, docstrings and layout removed), to find agreeing tests. */
  normalized: string;
  /** Its verdict on the original, unpatched code. */
  onOriginal: ReproductionVerdict;
}

/**
 * Keeps the tests that reproduce the issue on the original code, groups identical ones (after
 * normalization) and returns the samples of the `keep` largest groups' earliest members: the tests
 * most samples agree on. Ties go to the group whose earliest member came first.
 */
export function selectReproductionTests(tests: readonly GeneratedTest[], keep = 1): number[] {
  const groups = new Map<string, number[]>();
  for (const test of [...tests].sort((a, b) => a.sample - b.sample)) {
    if (test.onOriginal !== "reproduced") continue;
    const group = groups.get(test.normalized) ?? [];
    group.push(test.sample);
    groups.set(test.normalized, group);
  }
  return [...groups.values()]
    .sort((a, b) => b.length - a.length || a[0]! - b[0]!)
    .slice(0, keep)
    .map((g) => g[0]!);
}
