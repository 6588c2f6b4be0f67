/**
 * Closing references in pull-request text, following GitHub's documented keywords:
 * close/closes/closed, fix/fixes/fixed, resolve/resolves/resolved, each followed by
 * `#N`, `owner/repo#N` or an issue URL `https://github.com/owner/repo/issues/N`.
 */
export interface IssueLink {
  /** `owner/name` of the repository holding the issue (the PR's own repository for bare `#N`). */
  repo: string;
  /** Issue number. */
  number: number;
  /** The keyword as written, lower-cased (e.g. `fixes`). */
  keyword: string;
  /** Whether the issue was given as a URL rather than `#N` / `owner/repo#N`. */
  url: boolean;
}

const KEYWORD = "(close[sd]?|fix(?:e[sd])?|resolve[sd]?)";
const REPO = "([A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+)";
const TARGET = `(?:https?://github\\.com/${REPO}/issues/(\\d+)|(?:${REPO})?#(\\d+))`;
const CLOSING = new RegExp(`(?<![\\w/])${KEYWORD}:?\\s+${TARGET}(?![\\w/])`, "gi");

/**
 * Every closing reference in `text`, in order of appearance, without duplicates.
 * `repo` is the pull request's own `owner/name`, used for bare `#N` references.
 */
export function findIssueLinks(text: string, repo: string): IssueLink[] {
  const links: IssueLink[] = [];
  const seen = new Set<string>();
  for (const m of text.matchAll(CLOSING)) {
    const keyword = (m[1] ?? "").toLowerCase();
    const target = m[2] ?? m[4] ?? repo;
    const number = Number(m[3] ?? m[5]);
    const key = `${target.toLowerCase()}#${number}`;
    if (!Number.isSafeInteger(number) || number <= 0 || seen.has(key)) continue;
    seen.add(key);
    links.push({ repo: target, number, keyword, url: m[3] !== undefined });
  }
  return links;
}
