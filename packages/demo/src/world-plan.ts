import { type BugFamily, type BugSite, type Language, renderBug } from "./bug-families.js";
import type { DemoLinkStyle, DemoVerdict } from "./ground-truth.js";
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

export const MAINTAINER = "mira";
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
const JS_REPO = "orbit/jsutil";
/** A SWE-bench repository name: its PR must be removed by decontamination. */
const CONTAMINATED_REPO = "psf/requests";

function pythonInitialFiles(repo: string, description: string): FileChanges {
  const name = repo.split("/")[1] as string;
  return {
    "README.md": `# ${name}\n\n${description}\n\nRun the tests with \`python3 -m unittest discover -s tests -t .\`.\n`,
    "pyproject.toml": `[project]\nname = "${name}"\nversion = "0.1.0"\nrequires-python = ">=3.9"\n`,
    ".gitignore": "__pycache__/\n*.pyc\n",
    ".github/workflows/ci.yml": `name: ci\non: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v3\n      - run: python3 -m unittest discover -s tests -t .\n`,
    "src/__init__.py": "",
  };
}

function javascriptInitialFiles(repo: string, description: string): FileChanges {
  const name = repo.split("/")[1] as string;
  const lock = (version: string) =>
    `${JSON.stringify(
      {
        name,
        version: "0.1.0",
        lockfileVersion: 3,
        requires: true,
        packages: { "": { name, version: "0.1.0", license: "MIT" }, _meta: { npm: version } },
      },
      null,
      2,
    )}\n`;
  return {
    "README.md": `# ${name}\n\n${description}\n\nRun the tests with \`node --test\`.\n`,
    "package.json": `${JSON.stringify({ name, version: "0.1.0", type: "module", license: "MIT", scripts: { test: "node --test" } }, null, 2)}\n`,
    "package-lock.json": lock("10.2.0"),
    ".gitignore": "node_modules/\n",
    ".github/workflows/ci.yml": `name: ci\non: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v3\n      - run: node --test\n`,
  };
}

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

type NoiseFields = Pick<
  PlannedPullRequest,
  "family" | "split" | "sourceFile" | "testFile" | "buggyLine" | "fixedLine" | "labels"
>;
const NO_BUG: NoiseFields = {
  family: null,
  split: null,
  sourceFile: null,
  testFile: null,
  buggyLine: null,
  fixedLine: null,
  labels: [],
};

function noise(
  fields: Omit<PlannedPullRequest, keyof NoiseFields | "baseRef" | "issues" | "linkStyle"> &
    Partial<Pick<PlannedPullRequest, "issues" | "linkStyle">>,
): PlannedPullRequest {
  return { ...NO_BUG, baseRef: "main", issues: [], linkStyle: null, ...fields };
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
  // 5 Python instances per family over 3 Python repos; instance 4 is held out (test split).
  const pythonFixes: GoodFix[][] = PYTHON_REPOS.map(() => []);
  const jsFixes: GoodFix[] = [];
  const variantOffset = random.int(8);
  FAMILIES.forEach((family, f) => {
    for (let k = 0; k < 5; k++) {
      pythonFixes[(f + k) % 3]?.push({
        site: { family, language: "python", variant: (variantOffset + k) % 8, module: "" },
        split: k === 4 ? "test" : "train",
      });
    }
    for (let k = 0; k < 2; k++) {
      jsFixes.push({
        site: { family, language: "javascript", variant: (variantOffset + 5 + k) % 8, module: "" },
        split: k === 1 ? "test" : "train",
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
    [JS_REPO]: "Small JavaScript helpers.",
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
    const extra: PlannedPullRequest[] = [];
    if (repo === "acme/textkit") {
      const words = Array.from({ length: 2100 }, (_, i) => `word${String(i).padStart(4, "0")}`).join("\n");
      extra.push(
        noise({
          title: "Add a word list for the spell checker",
          body: (refs) => `Adds data/words.txt (2100 words).\n\nCloses #${refs.issues[0]}`,
          author: "carol",
          authorType: "User",
          branch: "word-list",
          issues: [
            {
              title: "Ship a word list",
              body: "The spell checker needs a word list.",
              author: "jun",
              labels: ["enhancement"],
            },
          ],
          linkStyle: "keyword",
          changes: { "data/words.txt": `${words}\n` },
          commitMessage: "Add word list",
          verdict: "huge",
        }),
        noise({
          title: "Improve README wording",
          body: () => "Small wording fixes.",
          author: "bob",
          authorType: "User",
          branch: "readme-wording",
          changes: {
            "README.md": `# textkit\n\nSmall, dependency-free text helpers.\n\nRun the tests with \`python3 -m unittest discover -s tests -t .\`.\n`,
          },
          commitMessage: "Reword README",
          verdict: "no-linked-issue",
        }),
        noise({
          title: "Bump actions/checkout from 3 to 4",
          body: () => "Bumps [actions/checkout](https://github.com/actions/checkout) from 3 to 4.",
          author: "dependabot[bot]",
          authorType: "Bot",
          branch: "dependabot/github_actions/actions/checkout-4",
          changes: {
            ".github/workflows/ci.yml": (
              pythonInitialFiles(repo, description)[".github/workflows/ci.yml"] as string
            ).replace("checkout@v3", "checkout@v4"),
          },
          commitMessage: "Bump actions/checkout from 3 to 4",
          verdict: "bot",
        }),
      );
    }
    if (repo === "acme/mathkit") {
      const original = prs[0] as PlannedPullRequest;
      extra.push(
        noise({
          title: "Bump version to 0.2.0",
          body: () => "Release 0.2.0.",
          author: MAINTAINER,
          authorType: "User",
          branch: "release-0.2.0",
          changes: {
            "pyproject.toml": (pythonInitialFiles(repo, description)["pyproject.toml"] as string).replace(
              "0.1.0",
              "0.2.0",
            ),
          },
          commitMessage: "Bump version to 0.2.0",
          verdict: "version-bump",
        }),
        noise({
          title: "Re-run CI",
          body: () => "Empty commit to trigger the CI again.",
          author: "dave",
          authorType: "User",
          branch: "rerun-ci",
          changes: {},
          commitMessage: "Trigger CI",
          verdict: "empty",
        }),
        {
          ...original,
          title: `[release-0.1] ${original.title}`,
          body: (refs) => `Backport of #${refs.original} to release-0.1.\n\nFixes #${refs.issues[0]}`,
          author: MAINTAINER,
          branch: `backport-${original.branch}`,
          baseRef: "release-0.1",
          issues: [],
          linkStyle: "keyword",
          verdict: "duplicate",
          split: null,
          backportOf: original,
        },
      );
    }
    if (repo === "orbit/toolbox") {
      extra.push(
        noise({
          title: "Update dependency black to v24",
          body: () => "This PR updates black to v24.",
          author: "renovate[bot]",
          authorType: "Bot",
          branch: "renovate/black-24.x",
          changes: { "requirements-dev.txt": "black==24.2.0\n" },
          commitMessage: "Update dependency black to v24",
          verdict: "bot",
        }),
        noise({
          title: "Document the helpers",
          body: () => "Lists the helpers in the README.",
          author: "erin",
          authorType: "User",
          branch: "docs-helpers",
          changes: {
            "README.md": `# toolbox\n\n${description}\n\nEvery helper lives in its own module under src/.\n\nRun the tests with \`python3 -m unittest discover -s tests -t .\`.\n`,
          },
          commitMessage: "Document helpers",
          verdict: "no-linked-issue",
        }),
      );
    }
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

  {
    const description = descriptions[JS_REPO] as string;
    const { pushes, prs } = buildGood(assignModules(jsFixes));
    const initial = javascriptInitialFiles(JS_REPO, description);
    const extra = [
      noise({
        title: "Refresh package-lock.json",
        body: () => "Regenerated with npm 10.5.",
        author: "gwen",
        authorType: "User",
        branch: "refresh-lock",
        changes: {
          "package-lock.json": (initial["package-lock.json"] as string).replace("10.2.0", "10.5.0"),
        },
        commitMessage: "Refresh lock file",
        verdict: "lock-file-only",
      }),
      noise({
        title: "Release 0.1.1",
        body: () => "Version 0.1.1.",
        author: MAINTAINER,
        authorType: "User",
        branch: "release-0.1.1",
        changes: { "package.json": (initial["package.json"] as string).replace('"0.1.0"', '"0.1.1"') },
        commitMessage: "Release 0.1.1",
        verdict: "version-bump",
      }),
    ];
    plans.push({
      repo: JS_REPO,
      language: "javascript",
      description,
      initialFiles: initial,
      pushes,
      pullRequests: mix(random, prs, extra),
      startMinute: 3 * 47,
    });
  }

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
      startMinute: 4 * 47,
    });
  }
  return plans;
}
