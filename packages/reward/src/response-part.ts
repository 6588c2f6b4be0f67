/**
 * Where the response starts in what an RL engine sends. OpenRLHF sends the decoded prompt + response as
 * `query` with the untruncated `prompt`; when the engine left-truncated a long prompt the query no longer
 * starts with it, but still holds the prompt's end. verl's glue sends the response alone with an empty prompt.
 */
export type ResponseSource =
  /** The query starts with the prompt. */
  | "prompt"
  /** The prompt was left-truncated: the response follows the prompt's last characters. */
  | "truncated-prompt"
  /** No usable prompt: the response follows the last assistant turn of a known chat template. */
  | "chat-template"
  /** The prompt is empty: the query is the response. */
  | "response";

/** The generation prompts of common chat templates (what precedes the assistant's answer). */
export const ASSISTANT_TURN_MARKERS = [
  "<|im_start|>assistant\n", // ChatML: Qwen, many others
  "<|start_header_id|>assistant<|end_header_id|>\n\n", // Llama 3
  "<|start_header_id|>assistant<|end_header_id|>",
  "<｜Assistant｜>", // DeepSeek
  "<start_of_turn>model\n", // Gemma
  "<|assistant|>\n", // Phi, swerl's plain layout
  "<|assistant|>",
  "[/INST]", // Mistral, Llama 2
] as const;

const TAIL_LENGTHS = [512, 256, 128, 64, 32];

/** The response part of `query`, or null when it cannot be found. */
export function responsePart(
  query: string,
  prompt: string | undefined,
): { response: string; source: ResponseSource } | null {
  if (prompt === "") return { response: query, source: "response" };
  if (prompt !== undefined) {
    if (query.startsWith(prompt)) return { response: query.slice(prompt.length), source: "prompt" };
    for (const length of TAIL_LENGTHS) {
      if (prompt.length < length) continue;
      const tail = prompt.slice(-length);
      const at = query.indexOf(tail);
      if (at >= 0) return { response: query.slice(at + length), source: "truncated-prompt" };
    }
  }
  let best: { at: number; marker: string } | null = null;
  for (const marker of ASSISTANT_TURN_MARKERS) {
    const at = query.lastIndexOf(marker);
    if (at >= 0 && (!best || at + marker.length > best.at + best.marker.length)) best = { at, marker };
  }
  return best ? { response: query.slice(best.at + best.marker.length), source: "chat-template" } : null;
}
