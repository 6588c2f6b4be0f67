import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { builtinContamination, contaminationReason, loadContamination } from "./decontamination.js";

const files = ["swe-bench_lite.test.jsonl.gz", "swe-bench_verified.test.jsonl.gz"].map((f) =>
  resolve(import.meta.dirname, "../../schema/fixtures/swe-bench", f),
);

describe("decontamination against the real SWE-bench files", () => {
  it("collects the same repos and instances as Python's json module", async () => {
    const got = await loadContamination(files);
    const script = `import gzip,json,sys
r=set();i=set()
for f in sys.argv[1:]:
  for l in gzip.open(f,'rt'):
    if l.strip():
      d=json.loads(l); r.add(d["repo"].lower()); i.add(d["instance_id"])
print(json.dumps([sorted(r), len(i)]))`;
    const [repos, instances] = JSON.parse(execFileSync("python3", ["-c", script, ...files]).toString());
    expect([...got.repos].sort()).toEqual(repos);
    expect(got.instances.size).toBe(instances);
    expect(contaminationReason("django/django", 1, got)).toBe("swebench-repo");
    expect(contaminationReason("django/django", 1, got, "instance")).toBeUndefined();
    const id = [...got.instances][0] ?? "";
    const m = /^(.+)__(.+)-(\d+)$/.exec(id);
    expect(contaminationReason(`${m?.[1]}/${m?.[2]}`, Number(m?.[3]), got, "instance")).toBe(
      "swebench-instance",
    );
    expect(contaminationReason("acme/lib", 1, got)).toBeUndefined();
  });
});

describe("the built-in SWE-bench repository list", () => {
  it("is exactly the repositories of the SWE-bench Lite and Verified files", async () => {
    const got = await loadContamination(files);
    expect([...builtinContamination().repos].sort()).toEqual([...got.repos].sort());
  });
});
