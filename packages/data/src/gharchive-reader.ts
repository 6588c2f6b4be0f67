import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { createGunzip } from "node:zlib";
import { RecordError } from "@swerl/schema";

/** One GH Archive event as read: its raw JSON object and the 1-based line it came from. */
export interface ArchiveEvent {
  line: number;
  type: string;
  event: Record<string, unknown>;
}

export interface ReadArchiveOptions {
  /** Event types to keep (e.g. `PullRequestEvent`); all types when omitted. */
  types?: ReadonlySet<string>;
  /** Called for each bad line or a truncated/corrupt file; reading continues after bad lines. */
  onError?: (error: RecordError) => void;
}

/** A local file, or the body of an http(s) download; `undefined` (reported) when the download fails. */
async function openSource(file: string, report: (error: RecordError) => void): Promise<Readable | undefined> {
  if (!/^https?:\/\//.test(file)) return createReadStream(file);
  try {
    const response = await fetch(file);
    if (!response.ok || !response.body) {
      report(new RecordError({ file }, "", `download failed: HTTP ${response.status}`));
      return undefined;
    }
    return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  } catch (e) {
    report(new RecordError({ file }, "", `download failed: ${(e as Error).message}`));
    return undefined;
  }
}

/**
 * Streams the events of one GH Archive hourly file (`*.json.gz`, newline-delimited JSON): a local
 * path or an http(s) URL (e.g. `https://data.gharchive.org/2015-01-01-15.json.gz`).
 * With `types`, lines that do not even contain a wanted type's name are skipped unparsed (fast path).
 * Malformed lines are reported with `file:line` and skipped; a truncated or corrupt gzip stream
 * is reported once and ends the file after the last complete line.
 */
export async function* readArchiveFile(
  file: string,
  options: ReadArchiveOptions = {},
): AsyncGenerator<ArchiveEvent> {
  const report = options.onError ?? (() => {});
  const gunzip = createGunzip();
  let streamError: unknown;
  const source = await openSource(file, report);
  if (!source) return;
  source.on("error", (e) => gunzip.destroy(e));
  gunzip.on("error", (e) => {
    streamError = e;
  });
  const lines = createInterface({ input: source.pipe(gunzip), crlfDelay: Number.POSITIVE_INFINITY });
  const wanted = options.types ? [...options.types] : undefined;
  let line = 0;
  try {
    for await (const text of lines) {
      line += 1;
      if (text.trim() === "") continue;
      // Cheap pre-filter: an event of a wanted type must contain that type's name somewhere.
      if (wanted && !wanted.some((t) => text.includes(t))) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        report(new RecordError({ file, line }, "", `malformed JSON: ${(e as Error).message}`));
        continue;
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        report(new RecordError({ file, line }, "", "event is not a JSON object"));
        continue;
      }
      const event = parsed as Record<string, unknown>;
      if (typeof event.type !== "string") {
        report(new RecordError({ file, line }, "type", "missing event type"));
        continue;
      }
      if (options.types && !options.types.has(event.type)) continue;
      yield { line, type: event.type, event };
    }
  } catch (e) {
    streamError ??= e;
  }
  if (streamError !== undefined) {
    const detail = streamError instanceof Error ? streamError.message : String(streamError);
    report(
      new RecordError(
        { file, line: line + 1 },
        "",
        `truncated or corrupt gzip (${detail}); kept ${line} lines`,
      ),
    );
  }
}
