import { closeSync, openSync, readFileSync, readSync } from "node:fs";

/** Nanoseconds on a CPU, the first field of a Linux schedstat file. */
const nanoseconds = (text: string): number | undefined => {
  const ns = Number(text.slice(0, text.indexOf(" ")));
  return Number.isFinite(ns) && ns >= 0 ? ns : undefined;
};

/**
 * A thread of this process's CPU time so far in ms, from Linux's /proc/<pid>/task/<tid>/schedstat;
 * undefined elsewhere.
 */
export function threadCpuMs(tid: number | undefined): number | undefined {
  if (tid === undefined) return undefined;
  try {
    const ns = nanoseconds(readFileSync(`/proc/${process.pid}/task/${tid}/schedstat`, "latin1"));
    return ns === undefined ? undefined : ns / 1e6;
  } catch {
    return undefined;
  }
}

/**
 * A clock of the calling thread's own CPU time in ms (Linux: /proc/thread-self/schedstat, kept open and
 * read again from its start, about 2 µs a reading); undefined where there is none.
 */
export function ownThreadCpuClock(): (() => number) | undefined {
  let fd: number;
  try {
    fd = openSync("/proc/thread-self/schedstat", "r");
  } catch {
    return undefined;
  }
  const buffer = Buffer.alloc(64);
  const read = (): number | undefined => {
    try {
      return nanoseconds(buffer.toString("latin1", 0, readSync(fd, buffer, 0, buffer.length, 0)));
    } catch {
      return undefined;
    }
  };
  if (read() === undefined) {
    closeSync(fd);
    return undefined;
  }
  return () => (read() ?? 0) / 1e6;
}
