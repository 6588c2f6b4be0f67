import { parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { loadGithubIntrospectionSchema, loadGithubSchema } from "./github-schema.js";
import { githubQueries, issuesByNumberQuery } from "./queries.js";

describe("queries against GitHub's published schema", () => {
  const queries = Object.entries(githubQueries());

  it("covers the page, issue and every nested-connection query", () => {
    expect(queries.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        "SwerlPullRequests",
        "SwerlIssues",
        "SwerlIssuesByNumber",
        "SwerlPullRequestFiles",
        "SwerlPullRequestLabels",
        "SwerlPullRequestComments",
        "SwerlPullRequestReviews",
        "SwerlPullRequestClosingIssuesReferences",
        "SwerlIssueLabels",
        "SwerlIssueComments",
      ]),
    );
  });

  it.each(queries)("%s validates against the SDL and the introspection JSON", async (_name, query) => {
    const document = parse(query);
    expect(validate(await loadGithubSchema(), document).map((e) => e.message)).toEqual([]);
    expect(validate(await loadGithubIntrospectionSchema(), document).map((e) => e.message)).toEqual([]);
    expect(query).toContain("rateLimit { ...SwerlRateLimit }");
  });

  it("rejects a query the schema does not allow, so the check can fail", async () => {
    const bad = parse(PULL_REQUEST_TYPO);
    expect(validate(await loadGithubSchema(), bad).map((e) => e.message)).toEqual([
      'Cannot query field "mergedCommit" on type "PullRequest". Did you mean "mergeCommit" or "mergedAt"?',
    ]);
  });

  it("refuses a non-integer issue number instead of inlining it", () => {
    expect(() => issuesByNumberQuery([1, 0.5])).toThrow("not an issue number: 0.5");
  });
});

const PULL_REQUEST_TYPO = `query { repository(owner: "a", name: "b") { pullRequest(number: 1) { mergedCommit { oid } } } }`;
