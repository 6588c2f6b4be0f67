import type { z } from "zod";
import { findIssueLinks } from "../issue-links.js";
import { GithubError, type GithubGraphqlErrorEntry } from "./errors.js";
import {
  ISSUES_QUERY,
  issueAlias,
  issuesByNumberQuery,
  NESTED_CONNECTIONS,
  type NestedConnection,
  nestedConnectionQuery,
  PULL_REQUESTS_QUERY,
} from "./queries.js";
import {
  type ConnectionPage,
  type IssueNode,
  IssuesByNumberResponse,
  IssuesResponse,
  NestedNode,
  nestedConnectionResponse,
  type PullRequestNode,
  PullRequestsResponse,
  toIssue,
  toPullRequest,
} from "./responses.js";
import type { RepositorySnapshot, SnapshotIssue, SnapshotPullRequest } from "./snapshot.js";
import { GithubTransport, type GithubTransportOptions, type GithubUsage } from "./transport.js";

/** Options of {@link fetchRepositorySnapshot} and {@link githubSnapshots}. */
export interface FetchSnapshotOptions extends GithubTransportOptions {
  /** Pull requests (and issues) per page, 1–100 (default 25). */
  pageSize?: number;
  /** Items per page of nested connections (files, comments, reviews, labels, closing issues), 1–100 (default 50). */
  nestedPageSize?: number;
  /** Pull request states to fetch (default `["MERGED"]`). */
  states?: ReadonlyArray<"OPEN" | "CLOSED" | "MERGED">;
  /**
   * Which issues to fetch: `referenced` (default) = the repository's issues the fetched pull requests
   * close or mention with a closing keyword; `all` = every issue of the repository.
   */
  issues?: "referenced" | "all";
  /** Told after every answered query. */
  onProgress?: (progress: GithubProgress) => void;
}

/** Progress of a fetch: counts for the current repository and the client's spending so far. */
export interface GithubProgress {
  repo: string;
  /** The operation just answered, e.g. `SwerlPullRequests`. */
  query: string;
  pullRequests: number;
  issues: number;
  usage: Readonly<GithubUsage>;
}

/** Most issue numbers asked for in one aliased query. */
const ISSUES_PER_QUERY = 50;

function pageSizeOf(value: number | undefined, fallback: number, name: string): number {
  const size = value ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > 100) {
    throw new RangeError(`${name} must be an integer from 1 to 100 (GitHub's page limit), got ${size}`);
  }
  return size;
}

/** One repository's fetch: its transport, page sizes and counters. */
class RepositoryFetch {
  readonly owner: string;
  readonly name: string;
  readonly pageSize: number;
  readonly nestedPageSize: number;
  pullRequests = 0;
  issues = 0;

  constructor(
    readonly repo: string,
    readonly transport: GithubTransport,
    readonly options: FetchSnapshotOptions,
  ) {
    const [owner, name] = repo.split("/");
    if (!owner || !name || repo.split("/").length !== 2) {
      throw new RangeError(`expected a repository as owner/name, got ${JSON.stringify(repo)}`);
    }
    this.owner = owner;
    this.name = name;
    this.pageSize = pageSizeOf(options.pageSize, 25, "pageSize");
    this.nestedPageSize = pageSizeOf(options.nestedPageSize, 50, "nestedPageSize");
  }

  progress(query: string): void {
    this.options.onProgress?.({
      repo: this.repo,
      query,
      pullRequests: this.pullRequests,
      issues: this.issues,
      usage: this.transport.usage,
    });
  }

  async run(): Promise<RepositorySnapshot> {
    const snapshot = await this.pullRequestPages();
    const issues =
      this.options.issues === "all"
        ? await this.allIssues()
        : await this.issuesByNumber(referencedIssues(snapshot));
    snapshot.issues = issues.sort((a, b) => a.number - b.number);
    return snapshot;
  }

  async pullRequestPages(): Promise<RepositorySnapshot> {
    const query = "SwerlPullRequests";
    const pullRequests: SnapshotPullRequest[] = [];
    let repository: { createdAt: string; description: string; defaultBranch: string } | undefined;
    let after: string | null = null;
    do {
      const page: z.output<typeof PullRequestsResponse> = await this.transport.query(
        { repo: this.repo, query },
        PULL_REQUESTS_QUERY,
        {
          owner: this.owner,
          name: this.name,
          states: this.options.states ?? ["MERGED"],
          pageSize: this.pageSize,
          after,
          nestedPageSize: this.nestedPageSize,
        },
        PullRequestsResponse,
      );
      const r = page.repository;
      repository ??= {
        createdAt: r.createdAt,
        description: r.description ?? "",
        defaultBranch: r.defaultBranchRef?.name ?? "main",
      };
      for (const node of r.pullRequests.nodes) {
        pullRequests.push(toPullRequest(await this.completePullRequest(node), this.repo));
        this.pullRequests += 1;
      }
      this.progress(query);
      after = r.pullRequests.pageInfo.hasNextPage ? r.pullRequests.pageInfo.endCursor : null;
    } while (after !== null);
    return {
      repo: this.repo,
      ...repository!,
      pullRequests: pullRequests.sort((a, b) => a.number - b.number),
      issues: [],
    };
  }

  async completePullRequest(node: PullRequestNode): Promise<PullRequestNode> {
    const c = NESTED_CONNECTIONS;
    return {
      ...node,
      labels: await this.rest(c.pullRequestLabels, node.number, node.labels),
      files: await this.rest(c.pullRequestFiles, node.number, node.files),
      comments: await this.rest(c.pullRequestComments, node.number, node.comments),
      reviews: await this.rest(c.pullRequestReviews, node.number, node.reviews),
      closingIssuesReferences: await this.rest(
        c.pullRequestClosingIssues,
        node.number,
        node.closingIssuesReferences,
      ),
    };
  }

  async completeIssue(node: IssueNode): Promise<IssueNode> {
    const c = NESTED_CONNECTIONS;
    return {
      ...node,
      labels: await this.rest(c.issueLabels, node.number, node.labels),
      comments: await this.rest(c.issueComments, node.number, node.comments),
    };
  }

  /** `first` followed by every further page of `connection` on pull request or issue `number`. */
  async rest<F extends keyof typeof NestedNode, T extends z.output<(typeof NestedNode)[F]>>(
    connection: NestedConnection & { fragment: F },
    number: number,
    first: ConnectionPage<T>,
  ): Promise<ConnectionPage<T>> {
    const nodes = [...first.nodes];
    let pageInfo = first.pageInfo;
    if (!pageInfo.hasNextPage) return first;
    const document = nestedConnectionQuery(connection);
    const schema = nestedConnectionResponse(
      connection.owner,
      connection.field,
      NestedNode[connection.fragment],
    );
    while (pageInfo.hasNextPage) {
      const answer = await this.transport.query(
        { repo: this.repo, query: connection.operation },
        document,
        {
          owner: this.owner,
          name: this.name,
          number,
          pageSize: this.nestedPageSize,
          after: pageInfo.endCursor,
        },
        schema,
      );
      const owner = answer.repository[connection.owner] as Record<string, ConnectionPage<T>>;
      const page = owner[connection.field]!;
      nodes.push(...page.nodes);
      pageInfo = page.pageInfo;
      this.progress(connection.operation);
    }
    return { pageInfo, nodes };
  }

  async allIssues(): Promise<SnapshotIssue[]> {
    const query = "SwerlIssues";
    const issues: SnapshotIssue[] = [];
    let after: string | null = null;
    do {
      const page: z.output<typeof IssuesResponse> = await this.transport.query(
        { repo: this.repo, query },
        ISSUES_QUERY,
        {
          owner: this.owner,
          name: this.name,
          pageSize: this.pageSize,
          after,
          nestedPageSize: this.nestedPageSize,
        },
        IssuesResponse,
      );
      const connection = page.repository.issues;
      for (const node of connection.nodes) {
        issues.push(toIssue(await this.completeIssue(node)));
        this.issues += 1;
      }
      this.progress(query);
      after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
    } while (after !== null);
    return issues;
  }

  async issuesByNumber(numbers: readonly number[]): Promise<SnapshotIssue[]> {
    const query = "SwerlIssuesByNumber";
    const issues: SnapshotIssue[] = [];
    for (let i = 0; i < numbers.length; i += ISSUES_PER_QUERY) {
      const batch = numbers.slice(i, i + ISSUES_PER_QUERY);
      const aliases = new Set(batch.map(issueAlias));
      // A mentioned number that does not exist answers NOT_FOUND at its alias: skip it, keep the rest.
      const missing = (e: GithubGraphqlErrorEntry) =>
        e.type === "NOT_FOUND" && e.path?.[0] === "repository" && aliases.has(String(e.path[1]));
      const answer = await this.transport.query(
        { repo: this.repo, query },
        issuesByNumberQuery(batch),
        { owner: this.owner, name: this.name, nestedPageSize: this.nestedPageSize },
        IssuesByNumberResponse,
        missing,
      );
      for (const number of batch) {
        const node = answer.repository[issueAlias(number)];
        if (node?.__typename !== "Issue") continue;
        issues.push(toIssue(await this.completeIssue(node)));
        this.issues += 1;
      }
      this.progress(query);
    }
    return issues;
  }
}

/** Numbers of the repository's own issues its pull requests close or mention with a closing keyword. */
function referencedIssues(snapshot: RepositorySnapshot): number[] {
  const numbers = new Set<number>();
  const own = snapshot.repo.toLowerCase();
  for (const pr of snapshot.pullRequests) {
    for (const n of pr.closingIssues) numbers.add(n);
    for (const link of findIssueLinks(`${pr.title}\n${pr.body}`, snapshot.repo)) {
      if (link.repo.toLowerCase() === own) numbers.add(link.number);
    }
  }
  for (const pr of snapshot.pullRequests) numbers.delete(pr.number);
  return [...numbers].sort((a, b) => a - b);
}

/**
 * Fetches one repository from GitHub's GraphQL API as a {@link RepositorySnapshot}: its pull requests
 * (merged ones by default) with every nested connection paged to the end, and the issues they reference.
 * Pull requests and issues come sorted by number.
 */
export async function fetchRepositorySnapshot(
  repo: string,
  options: FetchSnapshotOptions = {},
  transport: GithubTransport = new GithubTransport(options),
): Promise<RepositorySnapshot> {
  return new RepositoryFetch(repo, transport, options).run();
}

/** Options of {@link githubSnapshots}: those of a single fetch, plus what to do when one repository fails. */
export interface GithubSnapshotsOptions extends FetchSnapshotOptions {
  /** Told about a repository that failed (its error names it); the rest continue. Without it the first failure throws. */
  onError?: (error: GithubError) => void;
  /** Receives the shared request and cost counters once every repository is done. */
  onDone?: (usage: Readonly<GithubUsage>) => void;
}

/**
 * Snapshots of several repositories, one after another (GitHub asks clients not to run queries
 * concurrently), through one transport whose `usage` totals the cost of all of them.
 */
export async function* githubSnapshots(
  repos: Iterable<string> | AsyncIterable<string>,
  options: GithubSnapshotsOptions = {},
): AsyncGenerator<RepositorySnapshot> {
  const transport = new GithubTransport(options);
  for await (const repo of repos) {
    try {
      yield await fetchRepositorySnapshot(repo, options, transport);
    } catch (error) {
      if (!(options.onError && error instanceof GithubError)) throw error;
      options.onError(error);
    }
  }
  options.onDone?.(transport.usage);
}
