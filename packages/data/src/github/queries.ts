import { InternalError } from "@swerl/schema";

/**
 * The GraphQL documents the client sends to GitHub. Every one of them is validated in a test against
 * GitHub's published schema (@octokit/graphql-schema). Fragments are appended to each document only
 * when used, since GraphQL rejects unused fragments.
 */

const FRAGMENTS: Readonly<Record<string, string>> = {
  SwerlRateLimit: "fragment SwerlRateLimit on RateLimit { cost remaining resetAt limit }",
  SwerlPageInfo: "fragment SwerlPageInfo on PageInfo { hasNextPage endCursor }",
  SwerlActor: "fragment SwerlActor on Actor { __typename login }",
  SwerlLabel: "fragment SwerlLabel on Label { name }",
  SwerlComment: "fragment SwerlComment on IssueComment { author { ...SwerlActor } body createdAt }",
  SwerlReview:
    "fragment SwerlReview on PullRequestReview { author { ...SwerlActor } state body submittedAt createdAt }",
  SwerlChangedFile:
    "fragment SwerlChangedFile on PullRequestChangedFile { path additions deletions changeType }",
  SwerlClosingIssue: "fragment SwerlClosingIssue on Issue { number repository { nameWithOwner } }",
  SwerlPullRequest: `fragment SwerlPullRequest on PullRequest {
  number title body state createdAt mergedAt closedAt
  author { ...SwerlActor }
  baseRefName headRefName baseRefOid headRefOid
  mergeCommit { oid }
  labels(first: $nestedPageSize) { pageInfo { ...SwerlPageInfo } nodes { ...SwerlLabel } }
  files(first: $nestedPageSize) { pageInfo { ...SwerlPageInfo } nodes { ...SwerlChangedFile } }
  comments(first: $nestedPageSize) { pageInfo { ...SwerlPageInfo } nodes { ...SwerlComment } }
  reviews(first: $nestedPageSize) { pageInfo { ...SwerlPageInfo } nodes { ...SwerlReview } }
  closingIssuesReferences(first: $nestedPageSize) { pageInfo { ...SwerlPageInfo } nodes { ...SwerlClosingIssue } }
}`,
  SwerlIssue: `fragment SwerlIssue on Issue {
  number title body state createdAt closedAt
  author { ...SwerlActor }
  labels(first: $nestedPageSize) { pageInfo { ...SwerlPageInfo } nodes { ...SwerlLabel } }
  comments(first: $nestedPageSize) { pageInfo { ...SwerlPageInfo } nodes { ...SwerlComment } }
}`,
};

/** Appends the fragments `body` spreads (transitively), each once. */
function withFragments(body: string): string {
  const included = new Set<string>();
  const pending = [body];
  while (pending.length > 0) {
    const text = pending.pop()!;
    for (const m of text.matchAll(/\.\.\.(Swerl\w+)/g)) {
      const name = m[1]!;
      if (included.has(name)) continue;
      const fragment = FRAGMENTS[name];
      if (fragment === undefined) throw new InternalError(`GitHub query uses an undefined fragment ${name}`);
      included.add(name);
      pending.push(fragment);
    }
  }
  return [body, ...[...included].sort().map((name) => FRAGMENTS[name])].join("\n");
}

/** One page of a repository's pull requests (oldest first), with the repository's own fields. */
export const PULL_REQUESTS_QUERY = withFragments(`query SwerlPullRequests(
  $owner: String!, $name: String!, $states: [PullRequestState!], $pageSize: Int!, $after: String, $nestedPageSize: Int!
) {
  rateLimit { ...SwerlRateLimit }
  repository(owner: $owner, name: $name) {
    createdAt description defaultBranchRef { name }
    pullRequests(first: $pageSize, after: $after, states: $states, orderBy: { field: CREATED_AT, direction: ASC }) {
      pageInfo { ...SwerlPageInfo }
      nodes { ...SwerlPullRequest }
    }
  }
}`);

/** One page of all of a repository's issues (oldest first). */
export const ISSUES_QUERY = withFragments(`query SwerlIssues(
  $owner: String!, $name: String!, $pageSize: Int!, $after: String, $nestedPageSize: Int!
) {
  rateLimit { ...SwerlRateLimit }
  repository(owner: $owner, name: $name) {
    issues(first: $pageSize, after: $after, orderBy: { field: CREATED_AT, direction: ASC }) {
      pageInfo { ...SwerlPageInfo }
      nodes { ...SwerlIssue }
    }
  }
}`);

/** The response alias under which {@link issuesByNumberQuery} returns issue `number`. */
export function issueAlias(number: number): string {
  return `issue${number}`;
}

/**
 * Several issues by number in one request (aliased `issueOrPullRequest` fields, so a number that turns
 * out to be a pull request answers without an error). Numbers are inlined: they are validated integers.
 */
export function issuesByNumberQuery(numbers: readonly number[]): string {
  const fields = numbers.map((n) => {
    if (!Number.isSafeInteger(n) || n <= 0)
      throw new InternalError(
        `issuesByNumberQuery: not an issue number: ${n} (issue numbers are positive integers)`,
      );
    return `    ${issueAlias(n)}: issueOrPullRequest(number: ${n}) { __typename ... on Issue { ...SwerlIssue } }`;
  });
  return withFragments(`query SwerlIssuesByNumber($owner: String!, $name: String!, $nestedPageSize: Int!) {
  rateLimit { ...SwerlRateLimit }
  repository(owner: $owner, name: $name) {
${fields.join("\n")}
  }
}`);
}

/** A connection of a pull request or an issue that can hold more items than one page. */
export interface NestedConnection {
  /** `pullRequest` or `issue`: the object under `repository` that owns the connection. */
  owner: "pullRequest" | "issue";
  /** The connection field, e.g. `files`. */
  field: string;
  /** The operation name of its follow-up query, e.g. `SwerlPullRequestFiles`. */
  operation: string;
  /** The fragment each node is selected with. */
  fragment: string;
}

function nested<F extends string>(
  owner: NestedConnection["owner"],
  field: string,
  fragment: F,
): NestedConnection & { fragment: F } {
  const ownerName = owner === "pullRequest" ? "PullRequest" : "Issue";
  const fieldName = field.replace(/^./, (c) => c.toUpperCase());
  return { owner, field, operation: `Swerl${ownerName}${fieldName}`, fragment };
}

/** Every nested connection the client follows past its first page. */
export const NESTED_CONNECTIONS = {
  pullRequestLabels: nested("pullRequest", "labels", "SwerlLabel"),
  pullRequestFiles: nested("pullRequest", "files", "SwerlChangedFile"),
  pullRequestComments: nested("pullRequest", "comments", "SwerlComment"),
  pullRequestReviews: nested("pullRequest", "reviews", "SwerlReview"),
  pullRequestClosingIssues: nested("pullRequest", "closingIssuesReferences", "SwerlClosingIssue"),
  issueLabels: nested("issue", "labels", "SwerlLabel"),
  issueComments: nested("issue", "comments", "SwerlComment"),
};

/** The follow-up query for the next page of one nested connection of one pull request or issue. */
export function nestedConnectionQuery(connection: NestedConnection): string {
  return withFragments(`query ${connection.operation}(
  $owner: String!, $name: String!, $number: Int!, $pageSize: Int!, $after: String
) {
  rateLimit { ...SwerlRateLimit }
  repository(owner: $owner, name: $name) {
    ${connection.owner}(number: $number) {
      ${connection.field}(first: $pageSize, after: $after) {
        pageInfo { ...SwerlPageInfo }
        nodes { ...${connection.fragment} }
      }
    }
  }
}`);
}

/** Every fixed query by operation name, plus a sample of the by-number query (for validation). */
export function githubQueries(): Record<string, string> {
  const queries: Record<string, string> = {
    SwerlPullRequests: PULL_REQUESTS_QUERY,
    SwerlIssues: ISSUES_QUERY,
    SwerlIssuesByNumber: issuesByNumberQuery([1, 2, 30]),
  };
  for (const connection of Object.values(NESTED_CONNECTIONS)) {
    queries[connection.operation] = nestedConnectionQuery(connection);
  }
  return queries;
}
