import { type BugFamily, type BugSite, type Language, renderBug } from "./bug-families.js";
import type { DemoLinkStyle, DemoVerdict } from "./ground-truth.js";
import {
  javascriptInitialFiles,
  javascriptNoise,
  pythonInitialFiles,
  pythonNoise,
} from "./noise-pull-requests.js";
import { SeededRandom } from "./seeded-random.js";

/** Files to write (`string`) or delete (`null`), relative to the repository root. */
export type FileChanges = Record<string, string | null>;

export interface PlannedIssue {
  title: string;
  body: string;
  author: string;
  labels: string[];
  /** A maintainer's comment made before the fix is opened (becomes the task's hints). */
  comment?: string;
}

/** The numbers a PR's text can refer to, known once the timeline runs. */
export interface PullRequestRefs {
  repo: string;
  issues: number[];
  /** For a backport: the number of the original PR. */
  original?: number;
}

export interface PlannedPullRequest {
  title: string;
  body: (refs: PullRequestRefs) => string;
  author: string;
  authorType: "User" | "Bot";
  branch: string;
  baseRef: string;
  /** Issues opened for this PR just before it. */
  issues: PlannedIssue[];
  linkStyle: DemoLinkStyle | null;
  /** The commit on the PR branch; `{}` makes an empty commit. */
  changes: FileChanges;
  commitMessage: string;
  verdict: DemoVerdict;
  labels: string[];
  family: BugFamily | null;
  split: "train" | "test" | null;
  sourceFile: string | null;
  testFile: string | null;
  buggyLine: string | null;
  fixedLine: string | null;
  /** A backport repeats this PR's change on another branch and links the same issues. */
  backportOf?: PlannedPullRequest;
}

export interface RepositoryPlan {
  repo: string;
  language: Language;
  description: string;
  /** First commit on the default branch. */
  initialFiles: FileChanges;
  /** Commits pushed straight to the default branch after the first one. */
  pushes: { message: string; changes: FileChanges }[];
  /** Branch cut from the default branch after the pushes (backports target it). */
  releaseBranch?: string;
  /** In creation order; consecutive pairs are opened together and merged one after the other. */
  pullRequests: PlannedPullRequest[];
  /** Minutes after the world's start when this repository's history begins. */
  startMinute: number;
}

const CONTRIBUTORS = ["alice", "bob", "carol", "dave", "erin", "farid", "gwen", "hiro"];
const REPORTERS = ["ivan", "jun", "kemal", "lena", "marta", "nils"];

const PYTHON_MODULES = [
  "utils",
  "text",
  "stats",
  "paging",
  "timefmt",
  "tags",
  "helpers",
  "strings",
  "core",
  "metrics",
  "format",
  "misc",
  "paths",
  "units",
  "convert",
  "table",
];

const FAMILIES: BugFamily[] = [
  "off-by-one",
  "wrong-operator",
  "missing-empty-guard",
  "wrong-default",
  "swapped-arguments",
  "missing-strip",
];

const PYTHON_REPOS = ["acme/textkit", "acme/mathkit", "orbit/toolbox"];
const JS_REPOS = ["orbit/jsutil", "orbit/webkit"];
/**
 * Good fixes per family and language; the last of each is held out (test split). Enough training fixes
 * per family that a from-scratch model sees each family's lines in several files of both languages.
 */
const PYTHON_FIXES_PER_FAMILY = 7;
const JS_FIXES_PER_FAMILY = 4;
/** A SWE-bench repository name: its PR must be removed by decontamination. */
const CONTAMINATED_REPO = "psf/requests";

function linkedBody(style: DemoLinkStyle, explanation: string, variant: number): PlannedPullRequest["body"] {
  return (refs) => {
    const [first, ...more] = refs.issues;
    const extra = more.map((n) => `, fixes #${n}`).join("");
    switch (style) {
      case "keyword":
        return variant % 2 === 0
          ? `${explanation}\n\nFixes #${first}${extra}`
          : `Closes #${first}${extra}.\n\n${explanation}`;
      case "cross-reference":
        return `${explanation}\n\nResolves ${refs.repo}#${first}${extra}`;
      case "url":
        return `Fix https://github.com/${refs.repo}/issues/${first}${extra}\n\n${explanation}`;
      case "closing-reference":
        return explanation;
    }
  };
}

/** Link styles of the good PRs, in turn; `closing-reference` only twice in the world. */
const LINK_STYLES: DemoLinkStyle[] = ["keyword", "cross-reference", "keyword", "url", "keyword", "url"];

interface GoodFix {
  site: BugSite;
  split: "train" | "test";
}

function goodPullRequest(
  fix: GoodFix,
  index: number,
  style: DemoLinkStyle,
  extraIssue: boolean,
  random: SeededRandom,
): { pr: PlannedPullRequest; push: { message: string; changes: FileChanges } } {
  const bug = renderBug(fix.site);
  const author = CONTRIBUTORS[index % CONTRIBUTORS.length] as string;
  const explanation = `Changes \`${bug.buggyLine.trim()}\` to \`${bug.fixedLine.trim()}\` in ${bug.sourcePath} and adds a test.`;
  const issues: PlannedIssue[] = [
    {
      title: bug.issueTitle,
      body: bug.issueBody,
      author: REPORTERS[random.int(REPORTERS.length)] as string,
      labels: ["bug"],
      ...(index % 3 === 0 ? { comment: "Confirmed on main, thanks for the report." } : {}),
    },
  ];
  if (extraIssue) {
    issues.push({
      title: `Another report: ${bug.issueTitle}`,
      body: `Same problem here with ${bug.functionName} in ${bug.sourcePath}.`,
      author: REPORTERS[(index + 1) % REPORTERS.length] as string,
      labels: ["bug"],
    });
  }
  return {
    push: {
      message: `Add ${bug.functionName}`,
      changes: { [bug.sourcePath]: bug.buggySource, [bug.testPath]: bug.testBefore },
    },
    pr: {
      title: bug.prTitle,
      body: linkedBody(style, explanation, index),
      author,
      authorType: "User",
      branch: `fix-${bug.functionName.replaceAll("_", "-").toLowerCase()}`,
      baseRef: "main",
      issues,
      linkStyle: style,
      changes: { [bug.sourcePath]: bug.fixedSource, [bug.testPath]: bug.testAfter },
      commitMessage: bug.prTitle,
      verdict: "keep",
      labels: [],
      family: fix.site.family,
      split: fix.split,
      sourceFile: bug.sourcePath,
      testFile: bug.testPath,
      buggyLine: bug.buggyLine,
      fixedLine: bug.fixedLine,
    },
  };
}

/** Interleaves noise into the fixes at evenly spread, seed-dependent positions. */
function mix(
  random: SeededRandom,
  good: PlannedPullRequest[],
  extra: PlannedPullRequest[],
): PlannedPullRequest[] {
  const out = [...good];
  for (const pr of extra) {
    const backportOf = pr.backportOf;
    const after = backportOf ? out.indexOf(backportOf) + 1 : 0;
    out.splice(after + random.int(out.length - after + 1), 0, pr);
  }
  return out;
}

/**
 * The whole demo world as data, from a seed: which bug goes into which file of which repository, the
 * order of events, who does what. Running it (writeDemoWorld) only replays it through git.
 */
export function planWorld(seed: number): RepositoryPlan[] {
  const random = new SeededRandom(seed);
  // PYTHON_FIXES_PER_FAMILY Python fixes per family over 3 Python repos, JS_FIXES_PER_FAMILY over the JS
  // repositories; the last of each family and language is held out (test split).
  const pythonFixes: GoodFix[][] = PYTHON_REPOS.map(() => []);
  const jsFixes: GoodFix[][] = JS_REPOS.map(() => []);
  const variantOffset = random.int(8);
  FAMILIES.forEach((family, f) => {
    for (let k = 0; k < PYTHON_FIXES_PER_FAMILY; k++) {
      pythonFixes[(f + k) % PYTHON_REPOS.length]?.push({
        site: { family, language: "python", variant: (variantOffset + k) % 8, module: "" },
        split: k === PYTHON_FIXES_PER_FAMILY - 1 ? "test" : "train",
      });
    }
    for (let k = 0; k < JS_FIXES_PER_FAMILY; k++) {
      jsFixes[(f + k) % JS_REPOS.length]?.push({
        site: { family, language: "javascript", variant: (variantOffset + 5 + k) % 8, module: "" },
        split: k === JS_FIXES_PER_FAMILY - 1 ? "test" : "train",
      });
    }
  });
  const assignModules = (fixes: GoodFix[]) => {
    const modules = random.shuffle(PYTHON_MODULES);
    fixes.forEach((fix, i) => {
      fix.site.module = modules[i] as string;
    });
    return random.shuffle(fixes);
  };

  let goodIndex = 0;
  let closingReferences = 0;
  const plans: RepositoryPlan[] = [];
  const descriptions: Record<string, string> = {
    "acme/textkit": "Small text helpers.",
    "acme/mathkit": "Small numeric helpers.",
    "orbit/toolbox": "Assorted helpers for scripts.",
    "orbit/jsutil": "Small JavaScript helpers.",
    "orbit/webkit": "JavaScript helpers for web pages.",
    [CONTAMINATED_REPO]: "HTTP for humans (a demo stand-in with the name of a SWE-bench repository).",
  };
  const buildGood = (fixes: GoodFix[]) => {
    const pushes: { message: string; changes: FileChanges }[] = [];
    const prs: PlannedPullRequest[] = [];
    for (const fix of fixes) {
      let style = LINK_STYLES[goodIndex % LINK_STYLES.length] as DemoLinkStyle;
      if (goodIndex % 17 === 5 && closingReferences < 2) {
        style = "closing-reference";
        closingReferences++;
      }
      const { pr, push } = goodPullRequest(fix, goodIndex, style, goodIndex === 7, random);
      pushes.push(push);
      prs.push(pr);
      goodIndex++;
    }
    return { pushes, prs };
  };

  PYTHON_REPOS.forEach((repo, r) => {
    const description = descriptions[repo] as string;
    const { pushes, prs } = buildGood(assignModules(pythonFixes[r] as GoodFix[]));
    const extra = pythonNoise(repo, description, prs);
    plans.push({
      repo,
      language: "python",
      description,
      initialFiles: pythonInitialFiles(repo, description),
      pushes,
      ...(repo === "acme/mathkit" ? { releaseBranch: "release-0.1" } : {}),
      pullRequests: mix(random, prs, extra),
      startMinute: r * 47,
    });
  });

  JS_REPOS.forEach((repo, r) => {
    const description = descriptions[repo] as string;
    const { pushes, prs } = buildGood(assignModules(jsFixes[r] as GoodFix[]));
    const initial = javascriptInitialFiles(repo, description);
    plans.push({
      repo,
      language: "javascript",
      description,
      initialFiles: initial,
      pushes,
      pullRequests: mix(random, prs, r === 0 ? javascriptNoise(initial) : []),
      startMinute: (PYTHON_REPOS.length + r) * 47,
    });
  });

  {
    const description = descriptions[CONTAMINATED_REPO] as string;
    const fix: GoodFix = {
      site: { family: "missing-strip", language: "python", variant: 0, module: "utils" },
      split: "train",
    };
    const { pushes, prs } = buildGood([fix]);
    const pr = prs[0] as PlannedPullRequest;
    plans.push({
      repo: CONTAMINATED_REPO,
      language: "python",
      description,
      initialFiles: pythonInitialFiles(CONTAMINATED_REPO, description),
      pushes,
      pullRequests: [{ ...pr, verdict: "contaminated", split: null }],
      startMinute: (PYTHON_REPOS.length + JS_REPOS.length) * 47,
    });
  }
  return plans;
}
