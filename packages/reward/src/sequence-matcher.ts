import { checkInterrupt } from "./interrupt.js";
import { SuffixAutomatonScratch } from "./suffix-automaton.js";

/** A run of equal elements: `a[a .. a+size) == b[b .. b+size)`. */
export interface Match {
  a: number;
  b: number;
  size: number;
}

export type OpcodeTag = "replace" | "delete" | "insert" | "equal";
/** `[tag, i1, i2, j1, j2]`: how to turn `a[i1:i2]` into `b[j1:j2]`. */
export type Opcode = [OpcodeTag, number, number, number, number];

/** A sequence the matcher compares: a string (by Unicode code point) or an array of strings (e.g. lines). */
export type Sequence = string | readonly string[];

export interface SequenceMatcherOptions {
  /** Elements of `b` to ignore when seeding matches (Python's `isjunk`). */
  isjunk?: (element: string) => boolean;
  /** Python's popularity heuristic for `b` of 200+ elements (default true, as in difflib). */
  autojunk?: boolean;
}

/**
 * Below this many cell pairs ((ahi - alo) * (bhi - blo)) difflib's own row-by-row search is faster
 * than building a suffix automaton; above it the automaton's linear time wins (see decisions.md).
 */
let automatonThreshold = 1 << 15;
/** The automaton's transition table is dense: only for small alphabets (characters, not lines). */
const MAX_AUTOMATON_ALPHABET = 256;
const MAX_AUTOMATON_CELLS = 1 << 23;

/** For tests: force (0) or forbid (Infinity) the suffix-automaton search; returns the previous value. */
export function setAutomatonThreshold(cells: number): number {
  const previous = automatonThreshold;
  automatonThreshold = cells;
  return previous;
}

// Scratch shared by every matcher of this thread (construction and searches are synchronous).
// Code point -> id while one matcher interns its strings; reset to -1 for the code points it used.
const bmpIds = new Int32Array(0x10000).fill(-1);
const astralIds = new Map<number, number>();
const touchedBmp: number[] = [];
let stringAlphabet = 0;

/**
 * A string's code points as ids: with `assign`, unseen code points get the next id (b's side);
 * without, they get -1 (a's side). Lone surrogates count as one element each, as in Python.
 */
function internString(text: string, assign: boolean, elementOf: string[], keepElements: boolean): Int32Array {
  const length = text.length;
  const out = new Int32Array(length);
  let n = 0;
  for (let i = 0; i < length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = (cp - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
        i++;
      }
    }
    let id: number;
    if (cp < 0x10000) {
      id = bmpIds[cp]!;
      if (id === -1 && assign) {
        id = stringAlphabet++;
        bmpIds[cp] = id;
        touchedBmp.push(cp);
        if (keepElements) elementOf.push(String.fromCharCode(cp));
      }
    } else {
      id = astralIds.get(cp) ?? -1;
      if (id === -1 && assign) {
        id = stringAlphabet++;
        astralIds.set(cp, id);
        if (keepElements) elementOf.push(String.fromCodePoint(cp));
      }
    }
    out[n++] = id;
  }
  return n === length ? out : out.slice(0, n);
}

function resetStringIds(): void {
  for (const cp of touchedBmp) bmpIds[cp] = -1;
  touchedBmp.length = 0;
  astralIds.clear();
  stringAlphabet = 0;
}

// Match lengths by b index + 1, valid for the row stamped beside them (see findLongestMatch). Row
// stamps are unique across matchers, so one pair of arrays serves them all.
let runLength = new Int32Array(1024);
let runRow = new Int32Array(1024);
let rowCounter = 0;
let automaton: SuffixAutomatonScratch | null = null;

function elementsOf(seq: Sequence): string[] {
  return typeof seq === "string" ? Array.from(seq) : [...seq];
}

/**
 * A port of CPython's `difflib.SequenceMatcher` (3.11) that gives the same answers for any input.
 * Elements are interned to integers and the longest-match search runs over typed arrays, so it is
 * much faster than the original while following its algorithm (and its tie-breaking) step by step.
 */
export class SequenceMatcher {
  private readonly aInput: Sequence;
  private readonly bInput: Sequence;
  private aElements: readonly string[] | null = null;
  private bElements: readonly string[] | null = null;
  private readonly aIds: Int32Array;
  private readonly bIds: Int32Array;
  /** element id -> ascending indices in b (undefined for junk, popular or absent elements). */
  private readonly b2j: Array<Int32Array | undefined>;
  private readonly junk: Uint8Array;
  /** Whether each position of b holds a junk element (Python's `isbjunk(b[j])`). */
  private readonly bIsJunk: Uint8Array;
  private matchingBlocks: Match[] | null = null;
  private opcodes: Opcode[] | null = null;
  private fullBCount: Map<number, number> | null = null;
  /** Every element of b is indexed (no junk, nothing popular): the automaton gives difflib's answer. */
  private readonly bFullyIndexed: boolean;
  private readonly alphabetSize: number;

  constructor(a: Sequence, b: Sequence, options: SequenceMatcherOptions = {}) {
    this.aInput = a;
    this.bInput = b;
    // b's distinct elements become dense ids 0..k-1 in order of first appearance; an element of a
    // that b lacks gets -1 (it can match nothing, and a's elements are only ever compared with b's).
    const elementOf: string[] = [];
    let k: number;
    if (typeof a === "string" && typeof b === "string") {
      this.bIds = internString(b, true, elementOf, options.isjunk !== undefined);
      this.aIds = internString(a, false, elementOf, false);
      k = stringAlphabet;
      resetStringIds();
    } else {
      const ids = new Map<string, number>();
      const bs = typeof b === "string" ? Array.from(b) : b;
      const bIds = new Int32Array(bs.length);
      for (let j = 0; j < bs.length; j++) {
        const element = bs[j]!;
        let id = ids.get(element);
        if (id === undefined) {
          id = elementOf.length;
          ids.set(element, id);
          elementOf.push(element);
        }
        bIds[j] = id;
      }
      const as = typeof a === "string" ? Array.from(a) : a;
      const aIds = new Int32Array(as.length);
      for (let i = 0; i < as.length; i++) aIds[i] = ids.get(as[i]!) ?? -1;
      this.bIds = bIds;
      this.aIds = aIds;
      k = elementOf.length;
    }
    const nb = this.bIds.length;
    const bIds = this.bIds;
    const counts = new Int32Array(k);
    for (let j = 0; j < nb; j++) counts[bIds[j]!]!++;
    this.junk = new Uint8Array(k);
    // Every id of b occurs in b, so every id is kept unless it is junk or popular.
    const keep = new Uint8Array(k).fill(1);
    let fullyIndexed = true;
    if (options.isjunk) {
      for (let id = 0; id < k; id++) {
        if (options.isjunk(elementOf[id]!)) {
          this.junk[id] = 1;
          keep[id] = 0;
          fullyIndexed = false;
        }
      }
    }
    if ((options.autojunk ?? true) && nb >= 200) {
      const ntest = Math.floor(nb / 100) + 1;
      for (let id = 0; id < k; id++) {
        if (counts[id]! > ntest) {
          keep[id] = 0;
          fullyIndexed = false;
        }
      }
    }
    // One buffer of indices, a view per element, filled in ascending j.
    const all = new Int32Array(nb);
    const offsets = new Int32Array(k + 1);
    for (let id = 0; id < k; id++) offsets[id + 1] = offsets[id]! + counts[id]!;
    const fill = offsets.slice(0, k);
    for (let j = 0; j < nb; j++) all[fill[bIds[j]!]!++] = j;
    const b2j = new Array<Int32Array | undefined>(k);
    for (let id = 0; id < k; id++)
      b2j[id] = keep[id] ? all.subarray(offsets[id]!, offsets[id + 1]!) : undefined;
    this.b2j = b2j;
    this.bIsJunk = new Uint8Array(nb);
    if (options.isjunk) for (let j = 0; j < nb; j++) this.bIsJunk[j] = this.junk[bIds[j]!]!;
    this.alphabetSize = k;
    this.bFullyIndexed = fullyIndexed;
  }

  /** The first sequence as elements (characters by code point, or the given strings). */
  get a(): readonly string[] {
    this.aElements ??= elementsOf(this.aInput);
    return this.aElements;
  }

  get b(): readonly string[] {
    this.bElements ??= elementsOf(this.bInput);
    return this.bElements;
  }

  /**
   * The longest matching block in `a[alo:ahi]` and `b[blo:bhi]`, earliest in `a` then in `b` among
   * the longest, extended over junk as difflib does.
   */
  findLongestMatch(alo = 0, ahi = this.aIds.length, blo = 0, bhi = this.bIds.length): Match {
    const { aIds, bIds, b2j, bIsJunk } = this;
    checkInterrupt();
    if (this.bFullyIndexed) {
      // Without junk the answer is the longest common block, earliest in a then in b. When one range
      // is a prefix of the other, no block can be longer and none starts earlier: answer at once
      // (common in the reward, where predicted and oracle changes are often equal).
      const most = Math.min(ahi - alo, bhi - blo);
      let p = 0;
      while (p < most && aIds[alo + p] === bIds[blo + p]) p++;
      if (p === most) return { a: alo, b: blo, size: most };
    }
    if (
      this.bFullyIndexed &&
      this.alphabetSize <= MAX_AUTOMATON_ALPHABET &&
      (ahi - alo) * (bhi - blo) >= automatonThreshold &&
      SuffixAutomatonScratch.tableSize(bhi - blo, this.alphabetSize) <= MAX_AUTOMATON_CELLS
    ) {
      // No junk: the longest block cannot be extended, so the automaton's answer is final.
      automaton ??= new SuffixAutomatonScratch();
      const [a, b, size] = automaton.longestMatch(aIds, alo, ahi, bIds, blo, bhi, this.alphabetSize);
      return { a, b, size };
    }
    let besti = alo;
    let bestj = blo;
    let bestsize = 0;
    // difflib keeps, per row i, a dict j -> length of the match ending at a[i], b[j]. Here one array
    // holds those lengths at j + 1, stamped with the row that wrote them: a length counts only if it
    // was written by row i - 1. Walking b's indices in descending order reads each previous-row entry
    // before this row can overwrite it. Within a row difflib keeps the first (smallest j) of the
    // longest; the descending walk gets the same by letting equal lengths move to smaller j.
    if (runLength.length <= bIds.length) {
      const size = Math.max(bIds.length + 1, 2 * runLength.length);
      runLength = new Int32Array(size);
      runRow = new Int32Array(size);
      rowCounter = 0;
    }
    if (rowCounter > 0x3fffffff) {
      runRow.fill(0);
      rowCounter = 0;
    }
    let row = rowCounter + 2;
    const lengths = runLength;
    const rows = runRow;
    // Indices walked since the last interrupt check: long rows (a common element of a long b) check sooner.
    let walked = 0;
    for (let i = alo; i < ahi; i++, row++) {
      if ((i & 15) === 0 || walked > 65536) {
        // Keep the row stamps consistent for the next matcher in case this one stops here.
        rowCounter = row;
        walked = 0;
        checkInterrupt();
      }
      const id = aIds[i]!;
      if (id < 0) continue;
      const indices = b2j[id];
      if (indices === undefined) continue;
      // The indices are ascending: find the last one below bhi, walk down to blo.
      let lo = 0;
      let hi = indices.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (indices[mid]! < bhi) lo = mid + 1;
        else hi = mid;
      }
      walked += lo;
      let rowBest = 0;
      let rowBestJ = 0;
      const previous = row - 1;
      for (let x = lo - 1; x >= 0; x--) {
        const j = indices[x]!;
        if (j < blo) break;
        const k = (rows[j] === previous ? lengths[j]! : 0) + 1;
        lengths[j + 1] = k;
        rows[j + 1] = row;
        if (k >= rowBest) {
          rowBest = k;
          rowBestJ = j;
        }
      }
      if (rowBest > bestsize) {
        besti = i - rowBest + 1;
        bestj = rowBestJ - rowBest + 1;
        bestsize = rowBest;
      }
    }
    rowCounter = row;

    // Widen the match by equal elements on both sides: non-junk ones first, then junk ones (difflib's two
    // passes, so that junk never starts a match but may extend one).
    for (const junk of [0, 1]) {
      while (
        besti > alo &&
        bestj > blo &&
        bIsJunk[bestj - 1] === junk &&
        aIds[besti - 1] === bIds[bestj - 1]
      ) {
        besti--;
        bestj--;
        bestsize++;
      }
      while (
        besti + bestsize < ahi &&
        bestj + bestsize < bhi &&
        bIsJunk[bestj + bestsize] === junk &&
        aIds[besti + bestsize] === bIds[bestj + bestsize]
      ) {
        bestsize++;
      }
    }
    return { a: besti, b: bestj, size: bestsize };
  }

  /** Non-overlapping matching blocks in order, adjacent ones merged, ending with `{a: len(a), b: len(b), size: 0}`. */
  getMatchingBlocks(): Match[] {
    if (this.matchingBlocks) return this.matchingBlocks;
    const la = this.aIds.length;
    const lb = this.bIds.length;
    const queue: Array<[number, number, number, number]> = [[0, la, 0, lb]];
    const blocks: Match[] = [];
    while (queue.length) {
      const [alo, ahi, blo, bhi] = queue.pop()!;
      const m = this.findLongestMatch(alo, ahi, blo, bhi);
      if (m.size) {
        blocks.push(m);
        if (alo < m.a && blo < m.b) queue.push([alo, m.a, blo, m.b]);
        if (m.a + m.size < ahi && m.b + m.size < bhi) queue.push([m.a + m.size, ahi, m.b + m.size, bhi]);
      }
    }
    blocks.sort((x, y) => x.a - y.a || x.b - y.b || x.size - y.size);
    const merged: Match[] = [];
    let i1 = 0;
    let j1 = 0;
    let k1 = 0;
    for (const { a: i2, b: j2, size: k2 } of blocks) {
      if (i1 + k1 === i2 && j1 + k1 === j2) k1 += k2;
      else {
        if (k1) merged.push({ a: i1, b: j1, size: k1 });
        i1 = i2;
        j1 = j2;
        k1 = k2;
      }
    }
    if (k1) merged.push({ a: i1, b: j1, size: k1 });
    merged.push({ a: la, b: lb, size: 0 });
    this.matchingBlocks = merged;
    return merged;
  }

  getOpcodes(): Opcode[] {
    if (this.opcodes) return this.opcodes;
    let i = 0;
    let j = 0;
    const answer: Opcode[] = [];
    for (const { a: ai, b: bj, size } of this.getMatchingBlocks()) {
      let tag: OpcodeTag | "" = "";
      if (i < ai && j < bj) tag = "replace";
      else if (i < ai) tag = "delete";
      else if (j < bj) tag = "insert";
      if (tag) answer.push([tag, i, ai, j, bj]);
      i = ai + size;
      j = bj + size;
      if (size) answer.push(["equal", ai, i, bj, j]);
    }
    this.opcodes = answer;
    return answer;
  }

  /** Opcodes grouped into hunks with up to `n` lines of context (difflib's `get_grouped_opcodes`). */
  getGroupedOpcodes(n = 3): Opcode[][] {
    let codes: Opcode[] = this.getOpcodes().map((c) => [...c] as Opcode);
    if (codes.length === 0) codes = [["equal", 0, 1, 0, 1]];
    const first = codes[0]!;
    if (first[0] === "equal")
      codes[0] = [
        "equal",
        Math.max(first[1], first[2] - n),
        first[2],
        Math.max(first[3], first[4] - n),
        first[4],
      ];
    const last = codes[codes.length - 1]!;
    if (last[0] === "equal") {
      codes[codes.length - 1] = [
        "equal",
        last[1],
        Math.min(last[2], last[1] + n),
        last[3],
        Math.min(last[4], last[3] + n),
      ];
    }
    const nn = n + n;
    const groups: Opcode[][] = [];
    let group: Opcode[] = [];
    for (const code of codes) {
      let [tag, i1, i2, j1, j2] = code;
      if (tag === "equal" && i2 - i1 > nn) {
        group.push([tag, i1, Math.min(i2, i1 + n), j1, Math.min(j2, j1 + n)]);
        groups.push(group);
        group = [];
        i1 = Math.max(i1, i2 - n);
        j1 = Math.max(j1, j2 - n);
      }
      group.push([tag, i1, i2, j1, j2]);
    }
    if (group.length && !(group.length === 1 && group[0]![0] === "equal")) groups.push(group);
    return groups;
  }

  /** `2 * M / T`: M matched elements, T the total length of both sequences (1.0 when both are empty). */
  ratio(): number {
    let matches = 0;
    for (const m of this.getMatchingBlocks()) matches += m.size;
    return calculateRatio(matches, this.aIds.length + this.bIds.length);
  }

  /** An upper bound on `ratio()` from element counts alone. */
  quickRatio(): number {
    if (!this.fullBCount) {
      this.fullBCount = new Map();
      for (const id of this.bIds) this.fullBCount.set(id, (this.fullBCount.get(id) ?? 0) + 1);
    }
    const avail = new Map<number, number>();
    let matches = 0;
    for (const id of this.aIds) {
      const numb = avail.has(id) ? avail.get(id)! : (this.fullBCount.get(id) ?? 0);
      avail.set(id, numb - 1);
      if (numb > 0) matches++;
    }
    return calculateRatio(matches, this.aIds.length + this.bIds.length);
  }

  /** An upper bound on `ratio()` from the lengths alone. */
  realQuickRatio(): number {
    const la = this.aIds.length;
    const lb = this.bIds.length;
    return calculateRatio(Math.min(la, lb), la + lb);
  }
}

function calculateRatio(matches: number, length: number): number {
  return length ? (2.0 * matches) / length : 1.0;
}
