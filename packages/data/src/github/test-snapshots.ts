import type { RepositorySnapshot, SnapshotActor, SnapshotPullRequest } from "./snapshot.js";

/**
 * Deterministic snapshots for the client/server tests: enough pull requests, files, comments, reviews,
 * labels and closing references that small page sizes force every kind of pagination, plus the awkward
 * cases (bots, deleted authors, unmerged and open PRs, a closing reference to an issue the snapshot
 * lacks, a keyword link to an issue that is not a closing reference).
 */
export function testSnapshot(repo: string, pullRequests: number): RepositorySnapshot {
  const oid = (n: number, salt: number) =>
    ((n * 2654435761 + salt * 40503) >>> 0).toString(16).padStart(8, "0").repeat(5);
  const people: (SnapshotActor | null)[] = [
    { login: "ada", type: "User" },
    { login: "dependabot[bot]", type: "Bot" },
    null,
    { login: "acme", type: "Organization" },
  ];
  const when = (day: number, hour = 0) =>
    `2024-0${1 + (day % 9)}-${String(1 + (day % 27)).padStart(2, "0")}T${String(hour).padStart(2, "0")}:00:00Z`;
  const issues: RepositorySnapshot["issues"] = [];
  const prs: SnapshotPullRequest[] = [];
  for (let i = 0; i < pullRequests; i++) {
    const issueNumber = 1 + i * 3;
    const number = issueNumber + 1;
    const state = i % 5 === 3 ? "CLOSED" : i % 7 === 6 ? "OPEN" : "MERGED";
    issues.push({
      number: issueNumber,
      title: `Crash number ${i}`,
      body: `Steps:\n1. run it ${i} times\n\`\`\`\nTraceback …\n\`\`\``,
      author: people[i % 4]!,
      state: i % 2 === 0 ? "CLOSED" : "OPEN",
      createdAt: when(i),
      closedAt: i % 2 === 0 ? when(i, 5) : null,
      labels: Array.from({ length: i % 4 }, (_, k) => `label-${k}`),
      comments: Array.from({ length: (i * 2) % 5 }, (_, k) => ({
        author: people[(i + k) % 4]!,
        body: `comment ${k} on issue ${issueNumber} 🐛`,
        createdAt: when(i, 1 + k),
      })),
    });
    // Every third PR also closes an issue the snapshot does not hold (only its number is known).
    const closing = i % 3 === 0 ? [issueNumber, 9000 + i] : [issueNumber];
    prs.push({
      number,
      title: `Fix crash ${i}`,
      body:
        i % 4 === 1 && i > 1
          ? `Fixes #${issueNumber}. Also resolves #${issueNumber - 3}`
          : `Fixes #${issueNumber}`,
      author: people[(i + 1) % 4]!,
      state,
      createdAt: when(i, 2),
      mergedAt: state === "MERGED" ? when(i, 6) : null,
      closedAt: state === "OPEN" ? null : when(i, 6),
      baseRefName: "main",
      headRefName: `fix/${i}`,
      baseRefOid: oid(number, 1),
      headRefOid: oid(number, 2),
      mergeCommitOid: state === "MERGED" ? oid(number, 3) : null,
      labels: Array.from({ length: (i % 3) + 1 }, (_, k) => `kind-${k}`),
      files: Array.from({ length: 1 + ((i * 5) % 7) }, (_, k) => ({
        path: k % 2 ? `tests/test_mod${k}.py` : `src/mod${k}.py`,
        additions: k * 3 + i,
        deletions: k,
        changeType: (["MODIFIED", "ADDED", "DELETED", "RENAMED"] as const)[(i + k) % 4]!,
      })),
      comments: Array.from({ length: i % 4 }, (_, k) => ({
        author: people[k % 4]!,
        body: `pr comment ${k}`,
        createdAt: when(i, 3 + k),
      })),
      reviews: Array.from({ length: (i + 1) % 4 }, (_, k) => ({
        author: people[(k + 1) % 4]!,
        state: (["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED"] as const)[k % 4]!,
        body: k ? `review ${k}` : "",
        submittedAt: when(i, 4 + k),
      })),
      closingIssues: closing,
    });
  }
  return {
    repo,
    defaultBranch: "trunk",
    description: `Test repository ${repo}`,
    createdAt: "2023-12-01T00:00:00Z",
    pullRequests: prs,
    issues,
  };
}
