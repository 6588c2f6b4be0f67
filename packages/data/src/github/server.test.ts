import { parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadGithubSchema } from "./github-schema.js";
import { queryCost } from "./query-cost.js";
import { type RunningGithubGraphqlServer, startGithubGraphqlServer } from "./server.js";
import { RepositorySnapshot } from "./snapshot.js";
import { testSnapshot } from "./test-snapshots.js";

let server: RunningGithubGraphqlServer;

beforeAll(async () => {
  server = await startGithubGraphqlServer({
    snapshots: [RepositorySnapshot.parse(testSnapshot("acme/alpha", 6))],
    maxBodyBytes: 4096,
    pointsPerHour: 400,
  });
});

afterAll(() => server?.close());

async function post(body: string, path = "/graphql") {
  const response = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as Record<string, unknown>,
  };
}

const gql = (query: string, variables?: Record<string, unknown>) =>
  post(JSON.stringify({ query, variables }));

describe("startGithubGraphqlServer", () => {
  it("answers a query from the snapshot with rate-limit accounting and GitHub's headers", async () => {
    const { status, headers, json } = await gql(
      `query { rateLimit { cost limit remaining used nodeCount }
        repository(owner: "ACME", name: "alpha") { nameWithOwner defaultBranchRef { name }
          pullRequest(number: 2) { number author { __typename login } mergeCommit { oid } files(first: 100) { totalCount } }
          issueOrPullRequest(number: 1) { __typename ... on Issue { title } } } }`,
    );
    expect(status).toBe(200);
    const data = json.data as { rateLimit: Record<string, number>; repository: Record<string, unknown> };
    expect(data.repository).toEqual({
      nameWithOwner: "acme/alpha",
      defaultBranchRef: { name: "trunk" },
      pullRequest: {
        number: 2,
        author: { __typename: "Bot", login: "dependabot[bot]" },
        mergeCommit: { oid: testSnapshot("acme/alpha", 1).pullRequests[0]!.mergeCommitOid },
        files: { totalCount: 1 },
      },
      issueOrPullRequest: { __typename: "Issue", title: "Crash number 0" },
    });
    expect(data.rateLimit).toMatchObject({ cost: 1, limit: 400, nodeCount: 100 });
    expect(headers.get("x-ratelimit-remaining")).toBe(String(data.rateLimit.remaining));
    expect(headers.get("x-ratelimit-resource")).toBe("graphql");
  });

  it("pages with cursors and refuses unbounded or oversized pages as GitHub does", async () => {
    const page = (after: string | null) =>
      gql(
        `query($after: String) { repository(owner: "acme", name: "alpha") {
          pullRequests(first: 4, after: $after) { pageInfo { hasNextPage endCursor } nodes { number } } } }`,
        { after },
      );
    const first = (await page(null)).json.data as {
      repository: {
        pullRequests: { pageInfo: { hasNextPage: boolean; endCursor: string }; nodes: unknown[] };
      };
    };
    expect(first.repository.pullRequests.nodes).toEqual([2, 5, 8, 11].map((number) => ({ number })));
    expect(first.repository.pullRequests.pageInfo.hasNextPage).toBe(true);
    const second = (await page(first.repository.pullRequests.pageInfo.endCursor)).json.data;
    expect(second).toMatchObject({
      repository: {
        pullRequests: { pageInfo: { hasNextPage: false }, nodes: [{ number: 14 }, { number: 17 }] },
      },
    });
    const unbounded = await gql(
      `{ repository(owner: "acme", name: "alpha") { pullRequests { totalCount } } }`,
    );
    expect((unbounded.json.errors as { message: string }[])[0]!.message).toBe(
      "You must provide a `first` or `last` value to properly paginate the `pullRequests` connection.",
    );
    const huge = await gql(
      `{ repository(owner: "acme", name: "alpha") { issues(first: 101) { totalCount } } }`,
    );
    expect((huge.json.errors as { message: string }[])[0]!.message).toBe(
      "Requesting 101 records on the `issues` connection exceeds the `first` limit of 100 records.",
    );
  });

  it("resolves fields the snapshot lacks to null, or to an explicit error when non-null", async () => {
    const { json } = await gql(
      `{ repository(owner: "acme", name: "alpha") { pullRequest(number: 2) { milestone { title } updatedAt } } }`,
    );
    expect(json.data).toEqual({ repository: { pullRequest: null } });
    expect(json.errors).toMatchObject([
      {
        message:
          "PullRequest.updatedAt is not served by swerl's local GitHub server (snapshots do not record it)",
        path: ["repository", "pullRequest", "updatedAt"],
      },
    ]);
  });

  it("rejects queries the schema does not allow, and mutations", async () => {
    const bad = await gql(`{ repository(owner: "acme", name: "alpha") { stars } }`);
    expect(bad.status).toBe(200);
    expect((bad.json.errors as { message: string }[])[0]!.message).toBe(
      'Cannot query field "stars" on type "Repository".',
    );
    const mutation = await gql(`mutation { addStar(input: { starrableId: "x" }) { clientMutationId } }`);
    expect(mutation.json.errors).toEqual([
      { message: "swerl's local GitHub server is read-only; it does not run mutations" },
    ]);
  });

  it("answers malformed JSON with 400 and the parser's reason, and bounds the body", async () => {
    const malformed = await post('{"query": ');
    expect(malformed.status).toBe(400);
    expect(malformed.json.message).toBe("Problems parsing JSON");
    expect(String(malformed.json.cause)).toMatch(/JSON/);
    const big = await post(JSON.stringify({ query: `{ rateLimit { cost } } #${"x".repeat(5000)}` }));
    expect(big.status).toBe(413);
    expect(big.json.message).toBe("Request body is larger than 4096 bytes");
    expect((await post("{}", "/nope")).status).toBe(404);
  });

  it("charges points until the hourly budget runs out, then answers RATE_LIMITED", async () => {
    // 1 + 100 + 100·100 requests = 101 points a query against this server's budget of 400.
    const expensive = `{ rateLimit { cost remaining } repository(owner: "acme", name: "alpha") {
      pullRequests(first: 100) { nodes { number closingIssuesReferences(first: 100) { nodes { number labels(first: 100) { totalCount } } } } } } }`;
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push((await gql(expensive)).json);
    const costs = answers.map(
      (a) => (a.data as { rateLimit?: { cost: number } } | undefined)?.rateLimit?.cost,
    );
    expect(costs.filter((c) => c === 101).length).toBeGreaterThanOrEqual(2);
    expect(answers.at(-1)!.errors).toMatchObject([{ type: "RATE_LIMITED" }]);
  });
});

describe("queryCost", () => {
  it("matches GitHub's worked example (5101 requests, 51 points)", async () => {
    const schema = await loadGithubSchema();
    const document = parse(`query { viewer { login repositories(first: 100) { edges { node { id
      issues(first: 50) { edges { node { id labels(first: 60) { edges { node { id name } } } } } } } } } } }`);
    const operation = document.definitions[0]!;
    if (operation.kind !== "OperationDefinition") throw new Error("expected an operation");
    expect(queryCost(schema, operation, new Map(), {})).toEqual({ requests: 5101, cost: 51, nodes: 305100 });
  });
});
