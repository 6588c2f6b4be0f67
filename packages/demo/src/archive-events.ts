import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";

/** An event before ids are given out (ids follow the global time order). */
export interface PendingEvent {
  createdAt: string;
  type: string;
  actor: string;
  repo: string;
  payload: Record<string, unknown>;
}

/** A stable positive id for a login or repository name (GitHub ids are numbers). */
export function stableId(text: string): number {
  return (createHash("sha256").update(text).digest().readUInt32BE(0) % 90_000_000) + 1_000_000;
}

export function archiveUser(login: string, type: "User" | "Bot" = "User"): Record<string, unknown> {
  return {
    login,
    id: stableId(login),
    type,
    url: `https://api.github.com/users/${login}`,
    html_url: `https://github.com/${login}`,
  };
}

function archiveActor(login: string): Record<string, unknown> {
  return {
    id: stableId(login),
    login,
    display_login: login,
    gravatar_id: "",
    url: `https://api.github.com/users/${login}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${stableId(login)}?`,
  };
}

/** The hourly file an event belongs to: `YYYY-MM-DD-H.json.gz` (hour without a leading zero, as GH Archive names them). */
export function archiveFileName(createdAt: string): string {
  const date = new Date(createdAt);
  return `${date.toISOString().slice(0, 10)}-${date.getUTCHours()}.json.gz`;
}

/**
 * Writes events as GH Archive hourly files (modern 2015+ format: `{id,type,actor,repo,payload,public,
 * created_at}`, one JSON object per line, gzip). Events are ordered by time (stable for ties) and get
 * increasing ids in that order. Returns the file names written.
 */
export async function writeArchiveFiles(dir: string, events: readonly PendingEvent[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const ordered = events
    .map((event, index) => ({ event, index }))
    .sort((a, b) => a.event.createdAt.localeCompare(b.event.createdAt) || a.index - b.index)
    .map(({ event }) => event);
  const byFile = new Map<string, string[]>();
  ordered.forEach((event, i) => {
    const line = JSON.stringify({
      id: String(30_000_000_000 + i),
      type: event.type,
      actor: archiveActor(event.actor),
      repo: { id: stableId(event.repo), name: event.repo, url: `https://api.github.com/repos/${event.repo}` },
      payload: event.payload,
      public: true,
      created_at: event.createdAt,
    });
    const file = archiveFileName(event.createdAt);
    const lines = byFile.get(file) ?? [];
    lines.push(line);
    byFile.set(file, lines);
  });
  const names = [...byFile.keys()].sort();
  for (const name of names) {
    const text = `${(byFile.get(name) as string[]).join("\n")}\n`;
    await writeFile(path.join(dir, name), gzipSync(text, { level: 6 }));
  }
  return names;
}
