import { SwerlError } from "@swerl/schema";

/** Which request failed: the repository and the GraphQL operation (e.g. `SwerlPullRequests`). */
export interface GithubRequestSite {
  repo: string;
  query: string;
}

/** Base of every error the GitHub GraphQL client raises; names the repository and the query. */
export class GithubError extends SwerlError {
  readonly repo: string;
  readonly query: string;

  constructor(code: string, site: GithubRequestSite, detail: string, options?: { cause?: unknown }) {
    super(code, `${site.repo}: ${site.query}: ${detail}`, options);
    this.repo = site.repo;
    this.query = site.query;
  }
}

/** One entry of a GraphQL response's `errors` list, as GitHub sends it. */
export interface GithubGraphqlErrorEntry {
  message: string;
  /** GitHub's error type (`NOT_FOUND`, `RATE_LIMITED`, …) when given. */
  type?: string;
  /** Response path of the field that failed, e.g. `["repository", "pullRequests"]`. */
  path?: ReadonlyArray<string | number>;
}

/** The server answered, but with GraphQL errors (a missing repository, a bad field, …). Not retried. */
export class GithubGraphqlError extends GithubError {
  readonly errors: readonly GithubGraphqlErrorEntry[];
  /** Path of the first error, joined with dots (`repository.pullRequests`), or `""`. */
  readonly path: string;
  /** Type of the first error, when GitHub gave one. */
  readonly type: string | undefined;

  constructor(
    site: GithubRequestSite,
    errors: readonly GithubGraphqlErrorEntry[],
    options?: { cause?: unknown },
  ) {
    const first = errors[0] ?? { message: "GraphQL error without a message" };
    const path = (first.path ?? []).join(".");
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
    const where = path ? `at ${path}: ` : "";
    const kind = first.type ? `${first.type}: ` : "";
    super("E_GITHUB_GRAPHQL", site, `${where}${kind}${first.message}${more}`, options);
    this.errors = errors;
    this.path = path;
    this.type = first.type;
  }
}

/** An HTTP failure that is not worth retrying (401, 404, …) or that outlasted every retry. */
export class GithubHttpError extends GithubError {
  readonly status: number;

  constructor(site: GithubRequestSite, status: number, detail: string, options?: { cause?: unknown }) {
    super("E_GITHUB_HTTP", site, `HTTP ${status}: ${detail}`, options);
    this.status = status;
  }
}

/** Rate-limited (secondary limit, exhausted points) on every allowed attempt, or asked to wait too long. */
export class GithubRateLimitError extends GithubError {
  /** Seconds GitHub asked us to wait the last time. */
  readonly retryAfterSeconds: number;

  constructor(
    site: GithubRequestSite,
    retryAfterSeconds: number,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super("E_GITHUB_RATE_LIMIT", site, detail, options);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The answer did not have the shape the query asks for (a broken proxy or server). */
export class GithubResponseError extends GithubError {
  constructor(site: GithubRequestSite, detail: string, options?: { cause?: unknown }) {
    super("E_GITHUB_RESPONSE", site, detail, options);
  }
}
