import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { appendFile, mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Policy } from "@swerl/rollout";
import { z } from "zod";

/** One request: the samples it draws (their indices), its prompt, and its sampling. */
export interface SampleRequest {
  samples: readonly number[];
  prompt: string;
  temperature: number;
  /** The request's seed: the run's seed plus its first sample index, so a sample's draw does not depend on which requests are left. */
  seed: number;
}

const JournalLine = z.object({
  config: z.string(),
  prompt: z.string(),
  sample: z.number().int(),
  text: z.string(),
});

const digest = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 16);

/**
 * The requests of `samples` samples over one prompt, `perRequest` samples each; sample i's request has
 * seed `seed + <its first sample>`.
 */
export function chunkRequests(
  samples: readonly number[],
  perRequest: number,
  prompt: string,
  temperature: number,
  seed: number,
): SampleRequest[] {
  const requests: SampleRequest[] = [];
  for (let i = 0; i < samples.length; i += perRequest) {
    const chunk = samples.slice(i, i + perRequest);
    requests.push({ samples: chunk, prompt, temperature, seed: seed + chunk[0]! });
  }
  return requests;
}

/**
 * Sends the requests whose samples are not in `journal` yet (all at once: the policy bounds how many are
 * in flight and retries), appends each answered request's samples to the journal as it arrives, and
 * returns every sample's text. A sample counts as done when the journal has it for the same `config` and
 * prompt, so a stopped run resumes without asking for a finished sample again. When a request fails, the
 * others still finish (and are kept) before the error is thrown.
 */
export async function sampleWithJournal(
  policy: Policy,
  journal: string,
  config: string,
  requests: readonly SampleRequest[],
  maxTokens: number,
): Promise<Map<number, string>> {
  const done = new Map<number, string>();
  const prompts = new Map(requests.map((r) => [r.prompt, digest(r.prompt)]));
  const wanted = new Map(requests.flatMap((r) => r.samples.map((s) => [s, prompts.get(r.prompt)!] as const)));
  if (existsSync(journal)) {
    for (const line of (await readFile(journal, "utf8")).split("\n")) {
      if (!line.trim()) continue;
      let parsed: z.infer<typeof JournalLine>;
      try {
        parsed = JournalLine.parse(JSON.parse(line));
      } catch {
        continue; // a line cut short by a stopped run
      }
      if (parsed.config === config && wanted.get(parsed.sample) === parsed.prompt)
        done.set(parsed.sample, parsed.text);
    }
  }
  const missing = requests.filter((r) => r.samples.some((s) => !done.has(s)));
  if (missing.length === 0) return done;
  await mkdir(path.dirname(journal), { recursive: true });
  const results = await Promise.allSettled(
    missing.map(async (request) => {
      const [group] = await policy.sample([request.prompt], {
        n: request.samples.length,
        temperature: request.temperature,
        seed: request.seed,
        maxTokens,
      });
      const texts = request.samples.map((_, i) => group?.samples[i]?.text ?? "");
      const prompt = prompts.get(request.prompt)!;
      await appendFile(
        journal,
        texts
          .map((text, i) => `${JSON.stringify({ config, prompt, sample: request.samples[i], text })}\n`)
          .join(""),
      );
      for (const [i, s] of request.samples.entries()) done.set(s, texts[i]!);
    }),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return done;
}
