import { logSoftmax } from "./log-softmax.js";

export interface TokenSamplingOptions {
  /** 0 means greedy (argmax, lowest id on ties). */
  temperature: number;
  /** Keep only the k most likely tokens; 0 or absent keeps all. */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p; 1 or absent keeps all. */
  topP?: number;
}

export interface SampledToken {
  tokenId: number;
  /**
   * log-probability of the token under the sampling distribution before truncation: log-softmax of
   * logits / temperature (of the raw logits when greedy).
   */
  logprob: number;
}

/**
 * Picks the next token from one position's logits with a caller-supplied uniform draw `u` in [0, 1):
 * temperature, then top-k, then top-p (nucleus) truncation (ties at the cut broken by lower token id), then
 * inverse-CDF sampling over the kept tokens in token-id order, so the choice is deterministic given `u`.
 * Linear in the vocabulary plus one numeric sort when truncating.
 */
export function sampleToken(
  logits: ArrayLike<number>,
  options: TokenSamplingOptions,
  u: number,
): SampledToken {
  if (options.temperature === 0) {
    let best = 0;
    for (let i = 1; i < logits.length; i++) if ((logits[i] as number) > (logits[best] as number)) best = i;
    return { tokenId: best, logprob: logSoftmax(logits)[best] as number };
  }
  const logprobs = logSoftmax(logits, options.temperature);
  const n = logprobs.length;
  const topK = options.topK && options.topK > 0 ? Math.min(options.topK, n) : n;
  const topP = options.topP ?? 1;
  // The kept set is every token above a threshold log-probability plus, at the threshold, the lowest
  // ids needed to make up the count; found with one native numeric sort instead of sorting ids.
  let threshold = Number.NEGATIVE_INFINITY;
  let tiesAllowed = n;
  if (topK < n || topP < 1) {
    const sorted = Float64Array.from(logprobs).sort().reverse();
    let kept = topK;
    if (topP < 1) {
      let cumulative = 0;
      for (let i = 0; i < kept; i++) {
        cumulative += Math.exp(sorted[i] as number);
        if (cumulative >= topP) {
          kept = i + 1;
          break;
        }
      }
    }
    threshold = sorted[kept - 1] as number;
    tiesAllowed = kept - sorted.indexOf(threshold);
  }
  // exp of each kept log-probability, 0 for the others, computed once for the mass and the draw
  const weights = new Float64Array(n);
  let mass = 0;
  let lastKept = 0;
  for (let id = 0; id < n; id++) {
    const logprob = logprobs[id] as number;
    if (logprob > threshold || (logprob === threshold && tiesAllowed-- > 0)) {
      const weight = Math.exp(logprob);
      weights[id] = weight;
      mass += weight;
      lastKept = id;
    }
  }
  // Adding a dropped token's 0 leaves the running sum as it was, so the first id that passes the target
  // is always a kept one.
  const target = u * mass;
  let cumulative = 0;
  let chosen = lastKept;
  for (let id = 0; id < n; id++) {
    cumulative += weights[id] as number;
    if (target < cumulative) {
      chosen = id;
      break;
    }
  }
  return { tokenId: chosen, logprob: logprobs[chosen] as number };
}
