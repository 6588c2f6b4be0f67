import type { RlInstance } from "@swerl/schema";

const PATHS = ["calc/ops.py", "calc/arith.py", "lib/numbers.py", "lib/math_utils.py"];
const NAMES = [
  "combine",
  "merge",
  "blend",
  "mix",
  "join_values",
  "apply",
  "reduce_pair",
  "fold",
  "pair_total",
  "compute",
  "evaluate",
  "measure",
  "weigh",
  "score",
  "tally",
  "accumulate",
];
const OPERATORS = ["+", "-", "*", "//", "%"];
/** (wrong, right) operator pairs; the first two have disjoint operators. */
const FAMILIES: ReadonlyArray<readonly [string, string]> = [
  ["-", "+"],
  ["//", "*"],
  ["+", "-"],
  ["*", "//"],
];
const ARGS = [
  ["a", "b"],
  ["x", "y"],
  ["left", "right"],
  ["first", "second"],
];

/**
 * Small SWE-RL instances of one kind: a module of three two-argument functions, one returning the wrong
 * operator; the issue names the function, the expected and the actual expression. Deterministic in
 * `seed`; ids `toy__calc-<seed>-<i>`. The trainer's stand-in for mined instances in tests and the demo.
 * `variety` narrows the file paths and argument names drawn from (the first N of each), and with
 * `families` draws (wrong, right) operator pairs from the first N of FAMILIES only, so that, as in the
 * demo world's bug families, the buggy line and its fix repeat across instances and the issue's words
 * tell which family it is: what a small model trained for minutes on a CPU can learn.
 */
export function toyInstances(
  count: number,
  seed: number,
  variety: { paths?: number; args?: number; families?: number } = {},
): RlInstance[] {
  const paths = PATHS.slice(0, variety.paths ?? PATHS.length);
  const argSets = ARGS.slice(0, variety.args ?? ARGS.length);
  let state = (seed * 2654435761 + 1) >>> 0 || 1;
  const next = (n: number) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
  const pick = <T>(items: readonly T[]): T => items[next(items.length)] as T;
  const instances: RlInstance[] = [];
  for (let i = 0; i < count; i++) {
    const path = pick(paths);
    const names = new Set<string>();
    while (names.size < 3) names.add(pick(NAMES));
    const ops = new Set<string>();
    const family = variety.families ? pick(FAMILIES.slice(0, variety.families)) : null;
    const bug = family ? next(3) : 0;
    if (family) {
      // The right operator at the bug's position, two others that are neither wrong nor right.
      const others = OPERATORS.filter((op) => !family.includes(op));
      while (ops.size < 2) ops.add(pick(others));
      const order = [...ops];
      order.splice(bug, 0, family[1]);
      ops.clear();
      for (const op of order) ops.add(op);
    } else while (ops.size < 3) ops.add(pick(OPERATORS));
    const [a, b] = pick(argSets) as [string, string];
    const fns = [...names].map((name, k) => ({ name, op: [...ops][k] as string }));
    const target = fns[family ? bug : next(3)] as { name: string; op: string };
    const bugIndex = fns.indexOf(target);
    let wrong = family ? family[0] : pick(OPERATORS);
    while (!family && (wrong === target.op || [...ops].includes(wrong))) wrong = pick(OPERATORS);
    const render = (buggy: boolean) =>
      fns
        .map(
          ({ name, op }, k) =>
            `def ${name}(${a}, ${b}):\n    return ${a} ${buggy && k === bugIndex ? wrong : op} ${b}\n`,
        )
        .join("\n\n");
    const before = render(true);
    const after = render(false);
    const instanceId = `toy__calc-${seed}-${i}`;
    instances.push({
      instanceId,
      problemStatement: `${target.name} gives the wrong result\n\n\`${target.name}(${a}, ${b})\` in ${path} should return \`${a} ${target.op} ${b}\` but it returns \`${a} ${wrong} ${b}\`.`,
      codeContext: { [path]: before },
      oracleNewContent: { [path]: after },
      oraclePatch: "",
      provenance: { source: "other", repo: "toy/calc", issueNumbers: [] },
    });
  }
  return instances;
}
