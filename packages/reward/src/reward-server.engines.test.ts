import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningRewardServer, startRewardServer } from "./reward-server.js";

// A label as @swerl/trainer writes it into engine datasets (camelCase RL instance fields, JSON-encoded).
const label = JSON.stringify({
  instanceId: "demo__a-1",
  codeContext: { "a.py": "y = 2\n" },
  oracleNewContent: { "a.py": "y = 3\n" },
});
const answer = (r: string) =>
  `<think>t</think><solution>\`\`\`python\n### a.py\n<<<<<<< SEARCH\ny = 2\n=======\n${r}\n>>>>>>> REPLACE\n\`\`\`</solution>`;
// The prompt OpenRLHF builds with --apply_chat_template for a ChatML model (Qwen): system + user turns and
// the generation prompt; the user turn is long, as swerl's repair prompts are.
const prompt = `<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nFix the issue.\n${"def f():\n    pass\n".repeat(400)}<|im_end|>\n<|im_start|>assistant\n`;

interface Answer {
  rewards: number[];
  scores: number[];
  extra_logs: Record<string, number[]>;
}

describe("reward server as the engines call it", () => {
  let server: RunningRewardServer;
  beforeAll(async () => {
    server = await startRewardServer({ port: 0, workers: 1 });
  });
  afterAll(() => server.close());
  const post = (body: unknown) =>
    fetch(`${server.url}/get_reward`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("OpenRLHF 0.11's SingleTurnAgentExecutor: one sample, query = decoded prompt + response with special tokens", async () => {
    // openrlhf/utils/agent.py: payload {"query": [decode(prompt_ids + action_ids, skip_special_tokens=False)],
    // "prompts": [prompt], "labels": [label]}; it reads "rewards", "scores" and "extra_logs".
    const res = await post({
      query: [`${prompt}${answer("y = 3")}<|im_end|>`],
      prompts: [prompt],
      labels: [label],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Answer;
    expect(body.rewards).toEqual([1]);
    expect(body.scores).toEqual([1]);
    expect(body.extra_logs).toEqual({
      format_error: [0],
      timed_out: [0],
      prompt_truncated: [0],
      response_from_chat_template: [0],
    });
  });

  it("scores a left-truncated prompt on its response, and reports the truncation", async () => {
    // agent.py keeps prompt_token_ids[-max_prompt_length:] when the prompt is too long: the query then
    // starts mid-prompt while `prompts` still holds the whole prompt.
    const truncated = prompt.slice(Math.floor(prompt.length / 2));
    const body = (await (
      await post({ query: [`${truncated}${answer("y = 3")}<|im_end|>`], prompts: [prompt], labels: [label] })
    ).json()) as Answer;
    expect(body.rewards).toEqual([1]);
    expect(body.extra_logs.prompt_truncated).toEqual([1]);
  });

  it("finds the response after the last assistant turn when no prompts are sent", async () => {
    const llama3 =
      "<|start_header_id|>user<|end_header_id|>\n\nFix it<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
    const body = (await (
      await post({
        query: [`${prompt}${answer("y = 3")}`, `${llama3}${answer("y = 3")}<|eot_id|>`],
        labels: [label, label],
      })
    ).json()) as Answer;
    expect(body.rewards).toEqual([1, 1]);
    expect(body.extra_logs.response_from_chat_template).toEqual([1, 1]);
  });

  it("answers 422 naming the query when the response cannot be found, never a silent -1", async () => {
    const res = await post({ query: ["no template here", answer("y = 3")], labels: [label, label] });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /^query\[0, 1\]: cannot find the response: no prompts were sent/,
    );
  });

  it("swerl's verl glue: the response alone with an empty prompt", async () => {
    const body = (await (
      await post({ query: [answer("y = 3")], prompts: [""], labels: [label] })
    ).json()) as Answer;
    expect(body.rewards).toEqual([1]);
  });
});
