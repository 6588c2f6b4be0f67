#!/usr/bin/env node
// `pnpm test`: makes sure the references the tests compare against are on the machine, then runs vitest.
//
// Exact-behaviour tests ask real references at test time: python3's difflib (reward), numpy (model
// and optimizer maths), jinja2 (chat templates), and Debian's chromium (report.html). On a fresh
// Debian machine this installs what is missing with apt-get (as root), then puts a python3 that has
// numpy and jinja2 first on PATH for the tests.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pinnedPnpmPath } from "./pinned-pnpm.mjs";

const PY_MODULES = ["numpy", "jinja2"];
const APT_PACKAGES = { numpy: "python3-numpy", jinja2: "python3-jinja2" };

function pythonHas(python, modules) {
  const r = spawnSync(python, ["-c", `import ${modules.join(", ")}`], { stdio: "ignore" });
  return r.status === 0;
}

function findPython() {
  for (const candidate of ["python3", "/usr/bin/python3"])
    if (pythonHas(candidate, PY_MODULES)) return candidate;
  return null;
}

function aptInstall(packages) {
  const canApt = process.getuid?.() === 0 && existsSync("/usr/bin/apt-get");
  if (!canApt || packages.length === 0) return false;
  console.error(`test setup: installing ${packages.join(" ")} with apt-get`);
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
  execFileSync("apt-get", ["install", "-y", "-qq", ...packages], {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  return true;
}

let python = findPython();
const missing = [];
if (!python) missing.push(...PY_MODULES.map((m) => APT_PACKAGES[m]));
if (!existsSync(process.env.SWERL_CHROMIUM ?? "/usr/bin/chromium")) missing.push("chromium");
if (missing.length && aptInstall(missing)) python = findPython();
if (!python) {
  console.error(
    `test setup: no python3 with ${PY_MODULES.join(" and ")}; install ${Object.values(APT_PACKAGES).join(" ")} (Debian) or the pip packages, then run again`,
  );
  process.exit(1);
}

// Tests that build packages run turbo, which calls `pnpm`: make that the pinned one.
const env = { ...process.env, PATH: pinnedPnpmPath() };
if (python !== "python3") {
  // Tests call `python3`: make it the interpreter that has the references.
  const bin = mkdtempSync(join(tmpdir(), "swerl-python-"));
  symlinkSync(python, join(bin, "python3"));
  env.PATH = `${bin}:${env.PATH}`;
}
const vitest = spawnSync("vitest", ["run", ...process.argv.slice(2)], {
  stdio: "inherit",
  env,
  shell: false,
});
process.exit(vitest.status ?? 1);
