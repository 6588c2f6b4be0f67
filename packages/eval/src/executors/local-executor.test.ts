import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExecutorError } from "./errors.js";
import { commandEnvironment, LocalExecutor, pruneStaleWorkDirs } from "./local-executor.js";

const git = (cwd: string, ...args: string[]): string =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], {
    cwd,
    encoding: "utf8",
  }).trim();

let root: string;
let reposDir: string;
let firstCommit: string;
let secondCommit: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "swerl-exec-test-"));
  const source = path.join(root, "source");
  mkdirSync(source);
  git(source, "init", "-q", "-b", "main");
  writeFileSync(path.join(source, "value.txt"), "one\n");
  git(source, "add", ".");
  git(source, "commit", "-q", "-m", "first");
  firstCommit = git(source, "rev-parse", "HEAD");
  writeFileSync(path.join(source, "value.txt"), "two\n");
  git(source, "commit", "-q", "-am", "second");
  secondCommit = git(source, "rev-parse", "HEAD");
  reposDir = path.join(root, "repos");
  mkdirSync(reposDir);
  git(root, "clone", "-q", "--bare", source, path.join(reposDir, "acme__widget.git"));
});

/** Running (not exited; a zombie awaiting its reaper counts as exited), polled for up to a second. */
async function stillRunning(pid: number): Promise<boolean> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    let state = "gone";
    try {
      state = readFileSync(`/proc/${pid}/stat`, "utf8")
        .replace(/^.*\) /s, "")
        .charAt(0);
    } catch {
      return false;
    }
    if (state === "Z") return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("LocalExecutor", () => {
  it("checks out the base commit in its own repository and removes it on dispose", async () => {
    const executor = new LocalExecutor({ reposDir, workDir: path.join(root, "work-a") });
    const a = await executor.prepare({ repo: "acme/widget", baseCommit: firstCommit });
    const b = await executor.prepare({ repo: "acme/widget", baseCommit: secondCommit });
    expect(readFileSync(path.join(a.dir, "value.txt"), "utf8")).toBe("one\n");
    expect(readFileSync(path.join(b.dir, "value.txt"), "utf8")).toBe("two\n");
    await a.writeFile("value.txt", "changed\n");
    expect(readFileSync(path.join(b.dir, "value.txt"), "utf8")).toBe("two\n");
    const head = await a.run({ command: "git rev-parse HEAD && git status --porcelain", timeoutMs: 10_000 });
    expect(head.log).toBe(`${firstCommit}\n M value.txt\n`);
    await a.dispose();
    await a.dispose();
    expect(existsSync(a.dir)).toBe(false);
    const worktrees = git(root, "--git-dir", path.join(reposDir, "acme__widget.git"), "worktree", "list");
    expect(worktrees).not.toContain(b.dir); // the user's mirror is not touched
    await executor.close();
    expect(existsSync(b.dir)).toBe(false);
  });

  it("captures stdout and stderr in one log with the exit code", async () => {
    const executor = new LocalExecutor({ reposDir });
    const ws = await executor.prepare({ repo: "acme/widget", baseCommit: firstCommit });
    const result = await ws.run({
      command: "echo out; sleep 0.05; echo err >&2; sleep 0.05; echo out2; exit 3",
      timeoutMs: 10_000,
    });
    expect(result).toMatchObject({ exitCode: 3, signal: null, timedOut: false, log: "out\nerr\nout2\n" });
    await executor.close();
  });

  it("feeds stdin to the command", async () => {
    const executor = new LocalExecutor({ reposDir });
    const ws = await executor.prepare({ repo: "acme/widget", baseCommit: firstCommit });
    const result = await ws.run({ command: "tr a-z A-Z", stdin: "patch text\n", timeoutMs: 10_000 });
    expect(result.log).toBe("PATCH TEXT\n");
    await executor.close();
  });

  it("kills the whole process group when the time limit passes", async () => {
    const executor = new LocalExecutor({ reposDir });
    const ws = await executor.prepare({ repo: "acme/widget", baseCommit: firstCommit });
    const pidFile = path.join(root, "background.pid");
    const started = Date.now();
    const result = await ws.run({
      command: `sleep 60 & echo $! > ${pidFile}; echo started; wait`,
      timeoutMs: 300,
    });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode === null || result.signal !== null || result.exitCode !== 0).toBe(true);
    expect(result.log).toBe("started\n");
    expect(Date.now() - started).toBeLessThan(5_000);
    const backgroundPid = Number(readFileSync(pidFile, "utf8"));
    expect(await stillRunning(backgroundPid)).toBe(false);
    await executor.close();
  });

  it("kills background children left behind when the command exits", async () => {
    const executor = new LocalExecutor({ reposDir });
    const ws = await executor.prepare({ repo: "acme/widget", baseCommit: firstCommit });
    const pidFile = path.join(root, "left.pid");
    const result = await ws.run({ command: `sleep 60 & echo $! > ${pidFile}; echo done`, timeoutMs: 10_000 });
    expect(result).toMatchObject({ exitCode: 0, timedOut: false, log: "done\n" });
    expect(result.durationMs).toBeLessThan(5_000);
    expect(await stillRunning(Number(readFileSync(pidFile, "utf8")))).toBe(false);
    await executor.close();
  });

  it("applies the repository environment: interpreter, PATH, variables", async () => {
    const binDir = path.join(root, "fake-bin");
    mkdirSync(binDir, { recursive: true });
    writeFileSync(path.join(binDir, "python"), '#!/bin/sh\necho fake-python "$@"\n', { mode: 0o755 });
    const executor = new LocalExecutor({
      reposDir,
      environments: {
        "acme/widget": { interpreter: path.join(binDir, "python"), env: { WIDGET_MODE: "test" } },
      },
    });
    const ws = await executor.prepare({ repo: "acme/widget", baseCommit: firstCommit });
    const result = await ws.run({
      command: 'python -V; echo "$WIDGET_MODE $EXTRA $SWERL_INTERPRETER"',
      timeoutMs: 10_000,
      env: { EXTRA: "x" },
    });
    expect(result.log).toBe(`fake-python -V\ntest x ${path.join(binDir, "python")}\n`);
    await executor.close();
  });

  it("runs at most `concurrency` commands at once", async () => {
    const executor = new LocalExecutor({ reposDir, concurrency: 2 });
    const spaces = await Promise.all(
      [0, 1, 2, 3].map(() => executor.prepare({ repo: "acme/widget", baseCommit: secondCommit })),
    );
    const counter = path.join(root, "running");
    mkdirSync(counter, { recursive: true });
    const results = await Promise.all(
      spaces.map((ws, index) =>
        ws.run({
          command: `touch ${counter}/${index}; ls ${counter} | wc -l; sleep 0.3; rm ${counter}/${index}`,
          timeoutMs: 10_000,
        }),
      ),
    );
    const seen = results.map((result) => Number(result.log.trim()));
    expect(Math.max(...seen)).toBeLessThanOrEqual(2);
    expect(new Set(spaces.map((ws) => ws.dir)).size).toBe(4);
    await executor.close();
  });

  it("names the missing mirror or commit in its errors", async () => {
    const executor = new LocalExecutor({ reposDir });
    await expect(executor.prepare({ repo: "acme/missing", baseCommit: firstCommit })).rejects.toThrow(
      /no mirror for acme\/missing: expected a bare git repository at .*acme__missing\.git/,
    );
    const bad = executor.prepare({ repo: "acme/widget", baseCommit: "0".repeat(40) });
    await expect(bad).rejects.toBeInstanceOf(ExecutorError);
    await expect(bad).rejects.toThrow(`commit ${"0".repeat(40)} is not in`);
    await executor.close();
  });

  it("holds no answer key: only the base commit and its ancestors, no refs, remote, reflog", async () => {
    const executor = new LocalExecutor({ reposDir });
    const ws = await executor.prepare({ repo: "acme/widget", baseCommit: firstCommit });
    const probe = await ws.run({
      command:
        "git log --all --reflog --format=%H; git remote; git for-each-ref; ls .git/FETCH_HEAD 2>&1; git cat-file -t " +
        secondCommit,
      timeoutMs: 10_000,
    });
    expect(probe.log).toContain(`${firstCommit}\n`);
    expect(probe.log).not.toMatch(new RegExp(`${secondCommit}\\n`));
    expect(probe.log).toContain("No such file");
    expect(probe.log).toMatch(/could not get object info|Not a valid object name/);
    await executor.close();
  });

  it("gives commands a scrubbed environment: no tokens of the user", async () => {
    process.env.GITHUB_TOKEN = "ghp_secret_of_the_user";
    process.env.OPENAI_API_KEY = "sk-secret";
    try {
      const executor = new LocalExecutor({ reposDir });
      const ws = await executor.prepare({ repo: "acme/widget", baseCommit: firstCommit });
      const env = await ws.run({ command: "env", timeoutMs: 10_000 });
      await executor.close();
      expect(env.log).not.toContain("secret");
      expect(env.log).toMatch(/^PATH=/m);
    } finally {
      delete process.env.GITHUB_TOKEN;
      delete process.env.OPENAI_API_KEY;
    }
  });

  it("makes python and python3 resolve to the repository's interpreter, even through env", async () => {
    const python = execFileSync("python3", ["-c", "import sys; print(sys.executable)"], {
      encoding: "utf8",
    }).trim();
    const executor = new LocalExecutor({
      reposDir,
      environments: { "acme/widget": { interpreter: python } },
    });
    const ws = await executor.prepare({ repo: "acme/widget", baseCommit: firstCommit });
    await ws.writeFile("which.py", "#!/usr/bin/env python\nimport sys\nprint(sys.executable)\n");
    const ran = await ws.run({
      command: 'chmod +x which.py && ./which.py && readlink -f "$(command -v python3)"',
      timeoutMs: 10_000,
    });
    await executor.close();
    const [viaEnv, viaPath] = ran.log.trim().split("\n");
    expect(viaEnv).toMatch(/\/\.bin-[0-9a-f]{12}\/python$/);
    expect(viaPath).toBe(execFileSync("readlink", ["-f", python], { encoding: "utf8" }).trim());
  });

  it("removes work directories of dead runs", async () => {
    const parent = path.join(root, "tmp-parent");
    const stale = path.join(parent, "swerl-eval-stale");
    const live = path.join(parent, "swerl-eval-live");
    mkdirSync(stale, { recursive: true });
    mkdirSync(live, { recursive: true });
    writeFileSync(path.join(stale, ".swerl-owner"), "999999999\n");
    writeFileSync(path.join(live, ".swerl-owner"), `${process.pid}\n`);
    expect(await pruneStaleWorkDirs(parent)).toEqual([stale]);
    expect(existsSync(live)).toBe(true);
  });

  it("refuses to write outside the workspace", async () => {
    const executor = new LocalExecutor({ reposDir });
    const ws = await executor.prepare({ repo: "acme/widget", baseCommit: firstCommit });
    await expect(ws.writeFile("../escape.txt", "x")).rejects.toThrow("outside the workspace");
    await executor.close();
  });
});

describe("commandEnvironment", () => {
  it("keeps allow-listed host variables, puts the interpreter shim and paths first, command variables last", () => {
    const env = commandEnvironment(
      { PATH: "/usr/bin", HOME: "/home/u", HF_TOKEN: "hf_x", A: "inherited", B: "inherited" },
      { interpreter: "/venv/bin/python", path: ["/tools"], env: { A: "repo" } },
      { B: "command" },
      "/shims/.bin-x",
    );
    expect(env).toEqual({
      PATH: "/shims/.bin-x:/tools:/usr/bin",
      HOME: "/home/u",
      A: "repo",
      B: "command",
      SWERL_INTERPRETER: "/venv/bin/python",
    });
  });
});
