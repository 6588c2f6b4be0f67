import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAllRecords } from "../codecs/records-file.js";
import { SweBenchInstance } from "../records/swe-bench-instance.js";
import { DatasetError, resolveDataset } from "./resolve-dataset.js";

const fixtures = join(import.meta.dirname, "../../fixtures/swe-bench");
const NAME = "princeton-nlp/SWE-bench_Lite";
const SHA = "0123456789abcdef0123456789abcdef01234567";
/** The Hub repository as served: path -> bytes (SWE-bench's layout: data/<split>-00000-of-00001.parquet). */
const FILES: Record<string, Buffer> = {
  "README.md": Buffer.from("# SWE-bench Lite\n"),
  "data/dev-00000-of-00001.parquet": readFileSync(join(fixtures, "swe-bench_lite.dev.parquet")),
  "data/test-00000-of-00001.parquet": readFileSync(join(fixtures, "swe-bench_lite.test.parquet")),
};
const oid = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** A minimal Hugging Face Hub: the four routes @huggingface/hub uses to download a dataset file. */
function hub(): { server: Server; requests: string[] } {
  const requests: string[] = [];
  const prefix = `/api/datasets/${NAME}`;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    requests.push(`${req.method} ${url.pathname}`);
    const json = (body: unknown) => {
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== "Bearer hf_test") {
      res.statusCode = 401;
      return json({ error: "Invalid credentials" });
    }
    if (url.pathname === `${prefix}/revision/main`) {
      return json({ _id: "x", id: NAME, sha: SHA, private: false, lastModified: "2024-01-01T00:00:00Z" });
    }
    if (url.pathname === `${prefix}/tree/${SHA}`) {
      return json(
        Object.entries(FILES).map(([path, b]) => ({ type: "file", path, oid: oid(b), size: b.length })),
      );
    }
    if (url.pathname === `${prefix}/paths-info/${SHA}` && req.method === "POST") {
      let body = "";
      req.on("data", (d) => {
        body += d;
      });
      req.on("end", () => {
        const { paths } = JSON.parse(body) as { paths: string[] };
        json(
          paths.map((path) => {
            const b = FILES[path] as Buffer;
            return {
              type: "file",
              path,
              oid: oid(b),
              size: b.length,
              lfs: { oid: oid(b), size: b.length },
              lastCommit: { id: SHA, title: "t", date: "2024-01-01T00:00:00Z" },
            };
          }),
        );
      });
      return;
    }
    const resolve = `/datasets/${NAME}/resolve/${SHA}/`;
    if (url.pathname.startsWith(resolve)) {
      const b = FILES[url.pathname.slice(resolve.length)];
      if (!b) {
        res.statusCode = 404;
        res.setHeader("X-Error-Code", "EntryNotFound");
        return res.end();
      }
      res.setHeader("ETag", `"${oid(b)}"`);
      const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "");
      if (range) {
        const [start, end] = [Number(range[1]), Math.min(Number(range[2]), b.length - 1)];
        res.statusCode = 206;
        res.setHeader("Content-Range", `bytes ${start}-${end}/${b.length}`);
        return res.end(b.subarray(start, end + 1));
      }
      return res.end(b);
    }
    res.statusCode = 404;
    res.setHeader("X-Error-Code", "RepoNotFound");
    json({ error: "not found" });
  });
  return { server, requests };
}

describe("resolveDataset", () => {
  const { server, requests } = hub();
  let hubUrl = "";
  let cacheDir = "";
  beforeAll(async () => {
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    hubUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    cacheDir = await mkdtemp(join(tmpdir(), "swerl-hub-"));
  });
  afterAll(async () => {
    await new Promise((ok) => server.close(ok));
    await rm(cacheDir, { recursive: true, force: true });
  });

  it("returns a local file as is", async () => {
    const file = join(fixtures, "swe-bench_lite.dev.parquet");
    expect(await resolveDataset(file, { hubUrl, cacheDir })).toEqual([file]);
  });

  it("downloads a split by name into the Hub cache, pinned to the commit", async () => {
    const files = await resolveDataset(NAME, { split: "dev", hubUrl, cacheDir, accessToken: "hf_test" });
    const storage = join(cacheDir, "datasets--princeton-nlp--SWE-bench_Lite");
    expect(files).toEqual([join(storage, "snapshots", SHA, "data/dev-00000-of-00001.parquet")]);
    expect(readFileSync(files[0] as string)).toEqual(FILES["data/dev-00000-of-00001.parquet"]);
    expect((await readFile(join(storage, "refs", "main"), "utf8")).trim()).toBe(SHA);
    const records = await readAllRecords(files[0] as string, SweBenchInstance);
    expect(records).toHaveLength(23);
    expect(requests).toContain(`GET /api/datasets/${NAME}/revision/main`);
  });

  it("reads from the cache offline, without asking the Hub", async () => {
    const before = requests.length;
    const files = await resolveDataset(NAME, { split: "dev", hubUrl, cacheDir, offline: true });
    expect(files[0]).toMatch(/data\/dev-00000-of-00001\.parquet$/);
    expect(requests.length).toBe(before);
    // An unreachable Hub falls back to the cache too.
    const down = await resolveDataset(NAME, {
      split: "dev",
      hubUrl: "http://127.0.0.1:9",
      cacheDir,
      accessToken: "hf_test",
    });
    expect(down).toEqual(files);
  });

  it("offline with no cache: a typed error naming dataset, split, endpoint and cache", async () => {
    const empty = await mkdtemp(join(tmpdir(), "swerl-hub-empty-"));
    try {
      const err = await resolveDataset(NAME, { split: "test", hubUrl, cacheDir: empty, offline: true }).catch(
        (e) => e,
      );
      expect(err).toBeInstanceOf(DatasetError);
      expect(err.code).toBe("E_DATASET_NOT_CACHED");
      for (const part of [NAME, "split test", hubUrl, empty]) expect(err.message).toContain(part);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it("an unknown split lists the splits found", async () => {
    const err = await resolveDataset(NAME, {
      split: "train",
      hubUrl,
      cacheDir,
      accessToken: "hf_test",
    }).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.code).toBe("E_DATASET_SPLIT");
    expect(err.message).toContain("splits found: dev, test");
  });

  it("a refused token is an E_DATASET_HUB error", async () => {
    const err = await resolveDataset(NAME, { hubUrl, cacheDir, accessToken: "hf_wrong" }).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.code).toBe("E_DATASET_HUB");
  });
});
