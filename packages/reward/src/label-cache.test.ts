import { describe, expect, it } from "vitest";
import { LabelCache } from "./label-cache.js";
import { InstanceLabel } from "./reward-input.js";

const label = (i: number) =>
  JSON.stringify({
    code_context: { "a.py": `x = ${i}\n` },
    oracle_new_content: { "a.py": `x = ${i + 1}\n` },
  });

describe("LabelCache", () => {
  it("parses a label text once and gives the same frozen objects for it after", () => {
    const cache = new LabelCache(1 << 20);
    let parses = 0;
    const parse = (text: string) => {
      parses++;
      return InstanceLabel.parse(JSON.parse(text));
    };
    const first = cache.get(label(1), parse);
    const again = cache.get(label(1), parse);
    expect(parses).toBe(1);
    expect(again).toBe(first);
    expect(again.code_context).toBe(first.code_context);
    expect(Object.isFrozen(first.code_context) && Object.isFrozen(first.oracle_new_content)).toBe(true);
    expect(first.oracle_new_content).toEqual({ "a.py": "x = 2\n" });
  });

  it("drops the least recently used labels past its size, and keeps none larger than itself", () => {
    const size = label(1).length;
    const cache = new LabelCache(2 * size);
    const parsed: string[] = [];
    const parse = (text: string) => {
      parsed.push(text);
      return InstanceLabel.parse(JSON.parse(text));
    };
    cache.get(label(1), parse);
    cache.get(label(2), parse);
    cache.get(label(1), parse); // 1 is now the most recent
    cache.get(label(3), parse); // drops 2
    expect(cache.size).toBe(2);
    cache.get(label(1), parse);
    cache.get(label(2), parse);
    expect(parsed).toEqual([label(1), label(2), label(3), label(2)]);
    const small = new LabelCache(size - 1);
    small.get(label(1), parse);
    expect(small.size).toBe(0);
  });
});
