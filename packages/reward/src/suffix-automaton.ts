/**
 * The longest common substring of two ranges of integer sequences in linear time, with difflib's
 * tie-breaking: earliest start in `a`, then earliest start in `b`.
 *
 * A suffix automaton of `b[blo:bhi]` is built, then `a[alo:ahi]` is walked through it, keeping the
 * longest suffix of `a[..i]` that occurs in the b range. Every state records the first end position
 * of its strings in b; since all strings of a state end at the same positions, the earliest
 * occurrence of the current match is known in O(1). For each end position i the walk finds the
 * longest match ending there, exactly what difflib's row i computes; taking the first strictly
 * longer one, and the first end position in b, gives difflib's answer when b has no junk.
 *
 * Transitions are a dense table (state x alphabet), reused across calls (and matchers) and reset
 * only for the states a call creates, so it is meant for small alphabets (characters of code, not
 * lines). Elements of `a` below 0 occur nowhere in `b` and break any match.
 */
export class SuffixAutomatonScratch {
  private next = new Int32Array(0);
  private length = new Int32Array(0);
  private link = new Int32Array(0);
  private firstEnd = new Int32Array(0);

  /** Cells of the transition table a matcher of this size would allocate. */
  static tableSize(maxLength: number, alphabet: number): number {
    return (2 * maxLength + 2) * alphabet;
  }

  /** `[i, j, size]` of the longest common block; `[alo, blo, 0]` when there is none. */
  longestMatch(
    a: Int32Array,
    alo: number,
    ahi: number,
    b: Int32Array,
    blo: number,
    bhi: number,
    alphabet: number,
  ): [number, number, number] {
    const k = alphabet;
    const states = 2 * (bhi - blo) + 2;
    if (this.length.length < states) {
      const room = Math.max(states, 2 * this.length.length);
      this.length = new Int32Array(room);
      this.link = new Int32Array(room);
      this.firstEnd = new Int32Array(room);
    }
    if (this.next.length < states * k) {
      this.next = new Int32Array(Math.max(states * k, Math.min(2 * this.next.length, 1 << 23)));
    }
    const { next, length, link, firstEnd } = this;
    next.fill(-1, 0, k);
    length[0] = 0;
    link[0] = -1;
    firstEnd[0] = -1;
    let size = 1;
    let last = 0;
    for (let j = blo; j < bhi; j++) {
      const c = b[j]!;
      const cur = size++;
      length[cur] = length[last]! + 1;
      firstEnd[cur] = j;
      next.fill(-1, cur * k, cur * k + k);
      let p = last;
      while (p !== -1 && next[p * k + c] === -1) {
        next[p * k + c] = cur;
        p = link[p]!;
      }
      if (p === -1) {
        link[cur] = 0;
      } else {
        const q = next[p * k + c]!;
        if (length[p]! + 1 === length[q]) {
          link[cur] = q;
        } else {
          const clone = size++;
          length[clone] = length[p]! + 1;
          next.copyWithin(clone * k, q * k, q * k + k);
          link[clone] = link[q]!;
          firstEnd[clone] = firstEnd[q]!;
          while (p !== -1 && next[p * k + c] === q) {
            next[p * k + c] = clone;
            p = link[p]!;
          }
          link[q] = clone;
          link[cur] = clone;
        }
      }
      last = cur;
    }

    let besti = alo;
    let bestj = blo;
    let bestsize = 0;
    let state = 0;
    let matched = 0;
    for (let i = alo; i < ahi; i++) {
      const c = a[i]!;
      if (c < 0) {
        state = 0;
        matched = 0;
        continue;
      }
      while (state !== 0 && next[state * k + c] === -1) {
        state = link[state]!;
        matched = length[state]!;
      }
      const to = next[state * k + c]!;
      if (to === -1) {
        matched = 0;
        continue;
      }
      state = to;
      matched++;
      if (matched > bestsize) {
        bestsize = matched;
        besti = i - matched + 1;
        bestj = firstEnd[state]! - matched + 1;
      }
    }
    return [besti, bestj, bestsize];
  }
}
