import { describe, expect, it } from "vitest";
import { isValidPython, normalizePython } from "./python-parser.js";

describe("Python syntax", () => {
  it("tells valid from broken code", async () => {
    expect(await isValidPython("def f(x):\n    return x + 1\n")).toBe(true);
    expect(await isValidPython("def f(x)\n    return x +\n")).toBe(false);
  });

  it("normalizes away comments, docstrings and layout but keeps code and string literals", async () => {
    const a = 'def f(x):\n    """Add one."""\n    # bump\n    return x + 1  # done\n';
    const b = "def f( x ):\n\n    return (x\n            + 1)\n";
    const c = "def f(x):\n    return x + 2\n";
    const d = 'def f(x):\n    return "x + 1"\n';
    expect(await normalizePython(a)).toBe(await normalizePython("def f(x):\n    return x + 1\n"));
    expect(await normalizePython(b)).not.toBe(await normalizePython(c));
    expect(await normalizePython(a)).not.toBe(await normalizePython(c));
    expect(await normalizePython(d)).toContain('"x + 1"');
  });
});
