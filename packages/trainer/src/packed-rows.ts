import type { ResponseSequence } from "./training-engine.js";

/**
 * One row of a training micro-batch. A sequence alone is its tokens but the last (the last is only a
 * target). A group of sequences with the same prompt (GRPO's G samples of one prompt) shares it: the
 * prompt's columns but its last once, then per member a block of the prompt's last token and the
 * response but its last token, each block seeing the shared columns and its own earlier columns only, at
 * the positions it would have alone. Every column of a block is a head row, so no column is scored twice
 * (the backward pass scatters head-row gradients without summing).
 */
export interface PackedRow {
  /** Indices of the sequences in this row, in the order their head rows come. */
  members: number[];
  /** Token id of each column. */
  tokenIds: number[];
  /** RoPE position of each column (its position in its own sequence). */
  positions: number[];
  /** Per column, 0 for the shared prompt columns, k for the k-th member's block. */
  blocks: number[];
  /** Per member, the columns whose next token it scores and those tokens. */
  heads: Array<{ columns: number[]; targets: number[] }>;
}

/** Whether a row shares a prompt (its attention is not plain causal). */
export const isShared = (row: PackedRow): boolean => row.members.length > 1;

/** The row of sequences with one prompt (one sequence: plain causal, as its blocks see all earlier columns). */
function packGroup(indices: number[], sequences: readonly ResponseSequence[]): PackedRow {
  const first = sequences[indices[0] as number] as ResponseSequence;
  const p = first.promptLength;
  const row: PackedRow = {
    members: indices,
    tokenIds: first.tokenIds.slice(0, p - 1),
    positions: Array.from({ length: p - 1 }, (_, t) => t),
    blocks: new Array<number>(p - 1).fill(0),
    heads: [],
  };
  indices.forEach((index, k) => {
    const s = sequences[index] as ResponseSequence;
    const columns: number[] = [];
    const targets: number[] = [];
    for (let t = p - 1; t < s.tokenIds.length - 1; t++) {
      columns.push(row.tokenIds.length);
      row.tokenIds.push(s.tokenIds[t] as number);
      row.positions.push(t);
      row.blocks.push(k + 1);
      targets.push(s.tokenIds[t + 1] as number);
    }
    row.heads.push({ columns, targets });
  });
  return row;
}

/**
 * The rows of a set of sequences: with `sharePrompts`, sequences whose prompt tokens are identical go in
 * one row (in order of first appearance); otherwise, and for a prompt seen once, one row per sequence.
 */
export function packRows(sequences: readonly ResponseSequence[], sharePrompts: boolean): PackedRow[] {
  if (!sharePrompts) return sequences.map((_, i) => packGroup([i], sequences));
  const groups = new Map<string, number[]>();
  sequences.forEach((s, i) => {
    const key = s.tokenIds.slice(0, s.promptLength).join(",");
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  });
  return [...groups.values()].map((indices) => packGroup(indices, sequences));
}

/**
 * Additive attention bias of a row padded to `length` columns, [length, length] row-major: 0 where query
 * column q may see key column k (k <= q, and k in the prompt or in q's own block), -1e9 elsewhere. Padding
 * columns (past the row) see what comes before them, which no real column sees.
 */
export function attentionBias(row: PackedRow, length: number, out: Float32Array, offset: number): void {
  const used = row.tokenIds.length;
  for (let q = 0; q < length; q++) {
    const base = offset + q * length;
    const block = row.blocks[q];
    for (let k = 0; k < length; k++) {
      const visible = k <= q && (q >= used || row.blocks[k] === 0 || row.blocks[k] === block);
      out[base + k] = visible ? 0 : -1e9;
    }
  }
}
