import { describe, expect, it } from "vitest";
import { attentionBias, packRows } from "./packed-rows.js";

const prompt = [10, 11, 12];
const group = [
  { tokenIds: [...prompt, 20, 21, 22], promptLength: 3 },
  { tokenIds: [99, 98], promptLength: 1 },
  { tokenIds: [...prompt, 30], promptLength: 3 },
];

describe("packRows", () => {
  it("puts a shared prompt once, then per response its last prompt token and the response but its last token", () => {
    const [shared, lone] = packRows(group, true);
    expect(shared).toEqual({
      members: [0, 2],
      tokenIds: [10, 11, 12, 20, 21, 12],
      positions: [0, 1, 2, 3, 4, 2],
      blocks: [0, 0, 1, 1, 1, 2],
      heads: [
        { columns: [2, 3, 4], targets: [20, 21, 22] },
        { columns: [5], targets: [30] },
      ],
    });
    expect(lone).toEqual({
      members: [1],
      tokenIds: [99],
      positions: [0],
      blocks: [1],
      heads: [{ columns: [0], targets: [98] }],
    });
  });

  it("keeps one row per sequence without sharing", () => {
    expect(packRows(group, false).map((r) => r.members)).toEqual([[0], [1], [2]]);
  });

  it("lets a response see the prompt and its own block, causally; padding sees what precedes it", () => {
    const row = packRows(
      [
        { tokenIds: [1, 2, 3, 4, 7], promptLength: 2 },
        { tokenIds: [1, 2, 5, 6, 8], promptLength: 2 },
      ],
      true,
    )[0];
    if (!row) throw new Error("no row");
    expect(row.blocks).toEqual([0, 1, 1, 1, 2, 2, 2]);
    const length = 8;
    const bias = new Float32Array(length * length);
    attentionBias(row, length, bias, 0);
    const seen = Array.from({ length }, (_, q) =>
      Array.from({ length }, (_, k) => (bias[q * length + k] === 0 ? 1 : 0)).join(""),
    );
    expect(seen).toEqual([
      "10000000",
      "11000000",
      "11100000",
      "11110000",
      "10001000",
      "10001100",
      "10001110",
      "11111111",
    ]);
  });
});
