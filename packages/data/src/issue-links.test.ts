import { describe, expect, it } from "vitest";
import { findIssueLinks } from "./issue-links.js";

describe("findIssueLinks", () => {
  it("recognises every GitHub closing keyword with a bare #N", () => {
    const words = ["close", "closes", "closed", "fix", "fixes", "fixed", "resolve", "resolves", "resolved"];
    for (const [i, w] of words.entries()) {
      expect(findIssueLinks(`${w.toUpperCase()} #${i + 1}`, "acme/lib")).toEqual([
        { repo: "acme/lib", number: i + 1, keyword: w, url: false },
      ]);
    }
  });

  it("resolves cross-repository references and issue URLs", () => {
    const text = "Fixes other/thing#12, closes: https://github.com/acme/lib/issues/7";
    expect(findIssueLinks(text, "acme/lib")).toEqual([
      { repo: "other/thing", number: 12, keyword: "fixes", url: false },
      { repo: "acme/lib", number: 7, keyword: "closes", url: true },
    ]);
  });

  it("ignores mentions without a keyword, non-keywords and pull URLs", () => {
    const text = "See #3. prefix #4, fixing #5, Fix https://github.com/acme/lib/pull/6, hotfix #8";
    expect(findIssueLinks(text, "acme/lib")).toEqual([]);
  });

  it("reports each issue once, in order of appearance", () => {
    expect(findIssueLinks("fix #2 and fixes #1; also closes #2", "a/b").map((l) => l.number)).toEqual([2, 1]);
  });
});
