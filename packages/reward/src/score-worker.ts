import { readlinkSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { InternalError } from "@swerl/schema";
import { runInterruptible, ScoringInterruptedError, watchInterrupts } from "./interrupt.js";
import type { WorkerJob } from "./pool-types.js";
import { calculateSearchReplaceReward } from "./reward.js";

/** Shared instances sent by the pool, kept until it says to forget them. */
const instances = new Map<
  number,
  { codeContext: Record<string, string>; oracleNewContent: Record<string, string> }
>();

const data = workerData as { interrupt?: SharedArrayBuffer; waiting?: SharedArrayBuffer } | undefined;
if (data?.interrupt)
  watchInterrupts(new Int32Array(data.interrupt), data.waiting ? new Int32Array(data.waiting) : undefined);

/** Worker thread of RewardPool: scores one response per message; stops early when the pool asks. */
parentPort!.on("message", (message: WorkerJob | { forget: number[] }) => {
  if (message.forget) for (const id of message.forget) instances.delete(id);
  if (!("id" in message)) return;
  const { id, output, detail } = message;
  try {
    let instance =
      message.codeContext && message.oracleNewContent
        ? { codeContext: message.codeContext, oracleNewContent: message.oracleNewContent }
        : undefined;
    if (message.instance !== undefined) {
      if (instance) instances.set(message.instance, instance);
      else instance = instances.get(message.instance);
    }
    if (!instance)
      throw new InternalError(`reward worker: instance ${message.instance} was not sent to this worker`);
    const { codeContext, oracleNewContent } = instance;
    const result = runInterruptible(id, () =>
      calculateSearchReplaceReward(codeContext, oracleNewContent, output),
    );
    parentPort!.postMessage({
      id,
      result: detail === "reward" ? { reward: result.reward, error: result.error } : result,
    });
  } catch (err) {
    if (err instanceof ScoringInterruptedError)
      parentPort!.postMessage({ id, interrupted: true, ...(err.yielded ? { yielded: true } : {}) });
    else parentPort!.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});

/** This thread's Linux thread id (/proc/thread-self -> /proc/PID/task/TID), for the pool to lower its priority. */
function threadId(): number | undefined {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").at(-1));
    return Number.isInteger(tid) ? tid : undefined;
  } catch {
    return undefined;
  }
}

// Tells the pool this worker has loaded, so that its time limits start now.
parentPort!.postMessage({ ready: true, tid: threadId() });
