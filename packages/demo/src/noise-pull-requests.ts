import type { FileChanges, PlannedPullRequest } from "./world-plan.js";

/** The maintainer who merges, releases and backports in every demo repository. */
export const MAINTAINER = "mira";

export function pythonInitialFiles(repo: string, description: string): FileChanges {
  const name = repo.split("/")[1] as string;
  return {
    "README.md": `# ${name}\n\n${description}\n\nRun the tests with \`python3 -m unittest discover -s tests -t .\`.\n`,
    "pyproject.toml": `[project]\nname = "${name}"\nversion = "0.1.0"\nrequires-python = ">=3.9"\n`,
    ".gitignore": "__pycache__/\n*.pyc\n",
    ".github/workflows/ci.yml": `name: ci\non: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v3\n      - run: python3 -m unittest discover -s tests -t .\n`,
    "src/__init__.py": "",
  };
}

export function javascriptInitialFiles(repo: string, description: string): FileChanges {
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

export function noise(
  fields: Omit<PlannedPullRequest, keyof NoiseFields | "baseRef" | "issues" | "linkStyle"> &
    Partial<Pick<PlannedPullRequest, "issues" | "linkStyle">>,
): PlannedPullRequest {
  return { ...NO_BUG, baseRef: "main", issues: [], linkStyle: null, ...fields };
}

/**
 * The pull requests of a Python repository that curation must drop (a huge data file, no linked issue, a
 * bot, a version bump, an empty commit, a backport of `prs[0]`), each with the verdict it gets.
 */
export function pythonNoise(
  repo: string,
  description: string,
  prs: PlannedPullRequest[],
): PlannedPullRequest[] {
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
  return extra;
}

/** The first JavaScript repository's noise: a lock-file-only change and a version bump. */
export function javascriptNoise(initial: FileChanges): PlannedPullRequest[] {
  return [
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
}
