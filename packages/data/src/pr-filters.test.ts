import { describe, expect, it } from "vitest";
import { FilterConfig, noiseReason, type PullRequestFacts } from "./pr-filters.js";

const good: PullRequestFacts = {
  author: "alice",
  title: "Fix off-by-one in range parsing",
  files: [
    { path: "src/range.py", additions: 2, deletions: 1 },
    { path: "tests/test_range.py", additions: 8, deletions: 0 },
  ],
  linkedIssues: 1,
};

describe("noiseReason", () => {
  it("keeps an ordinary bug fix", () => {
    expect(noiseReason(good)).toBeUndefined();
  });

  it("names the reason for each kind of noise", () => {
    expect(noiseReason({ ...good, author: "dependabot[bot]" })).toBe("bot");
    expect(noiseReason({ ...good, author: "ci-helper", authorIsBot: true })).toBe("bot");
    expect(noiseReason({ ...good, title: "Bump version to 1.2.3" })).toBe("version-bump");
    expect(noiseReason({ ...good, title: "v2.0.1" })).toBe("version-bump");
    expect(noiseReason({ ...good, files: [] })).toBe("empty");
    expect(
      noiseReason({ ...good, files: [{ path: "web/package-lock.json", additions: 900, deletions: 40 }] }),
    ).toBe("lock-file-only");
    expect(noiseReason({ ...good, files: [{ path: "a.py", additions: 5000, deletions: 0 }] })).toBe("huge");
    expect(noiseReason({ ...good, linkedIssues: 0 })).toBe("no-linked-issue");
  });

  it("uses configured thresholds", () => {
    const config = FilterConfig.parse({ maxChangedLines: 5, requireLinkedIssue: false });
    expect(noiseReason(good, config)).toBe("huge");
    expect(noiseReason({ ...good, files: good.files.slice(0, 1), linkedIssues: 0 }, config)).toBeUndefined();
    expect(() => FilterConfig.parse({ maxChangedLines: -1 })).toThrow();
  });
});
