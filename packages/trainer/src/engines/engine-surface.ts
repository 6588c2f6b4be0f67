import { SwerlError } from "@swerl/schema";
import { z } from "zod";
import openrlhf0101 from "./surfaces/openrlhf-0.10.1.post2.json" with { type: "json" };
import openrlhf0110 from "./surfaces/openrlhf-0.11.0.json" with { type: "json" };
import verl070 from "./surfaces/verl-0.7.0.json" with { type: "json" };

const Provenance = {
  version: z.string(),
  repository: z.string().url(),
  /** The engine commit the description was extracted from. */
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  extractedBy: z.string(),
  sources: z.array(z.string()),
};

/** verl's PPO trainer config (its `_generated_ppo_trainer.yaml`), as extracted by scripts/extract-engine-surface.py. */
export const VerlSurface = z.object({
  engine: z.literal("verl"),
  ...Provenance,
  keys: z.record(
    z.string(),
    z.object({
      type: z.enum(["any", "bool", "int", "float", "str", "list", "map"]),
      required: z.boolean().optional(),
      open: z.boolean().optional(),
      default: z.unknown().optional(),
    }),
  ),
  /** Keys verl's own checks require in some settings (`when`), and the file holding the check. */
  requiredWhen: z.array(z.object({ key: z.string(), when: z.string(), source: z.string() })),
});
export type VerlSurface = z.infer<typeof VerlSurface>;

/** OpenRLHF's `train_ppo_ray.py` argparse flags. */
export const OpenRlhfSurface = z.object({
  engine: z.literal("openrlhf"),
  ...Provenance,
  flags: z.record(
    z.string(),
    z.object({
      action: z.string(),
      type: z.string().optional(),
      nargs: z.union([z.number(), z.string()]).optional(),
      choices: z.array(z.unknown()).optional(),
      default: z.unknown().optional(),
      required: z.boolean().optional(),
    }),
  ),
});
export type OpenRlhfSurface = z.infer<typeof OpenRlhfSurface>;

export type EngineSurface = VerlSurface | OpenRlhfSurface;

/** The external engines swerl launches. */
export const ExternalEngine = ["verl", "openrlhf"] as const;
export type ExternalEngine = (typeof ExternalEngine)[number];

/**
 * Pinned engine versions, newest first (the default of each engine). OpenRLHF 0.10.2 renamed every flag
 * to dotted groups; 0.10.1.post2 is the last release with the flat names.
 */
export const ENGINE_VERSIONS = {
  verl: { "0.7.0": VerlSurface.parse(verl070) },
  openrlhf: {
    "0.11.0": OpenRlhfSurface.parse(openrlhf0110),
    "0.10.1.post2": OpenRlhfSurface.parse(openrlhf0101),
  },
} as const;

/** An engine pinned to a version: `verl@0.7.0`, `openrlhf@0.11` (a prefix of a pinned version), `openrlhf`. */
export interface EngineTarget {
  engine: ExternalEngine;
  version: string;
  surface: EngineSurface;
  /** `engine@version`. */
  id: string;
}

/** The launch cannot be built or would not start on the engine; names the key or flag. */
export class EngineLaunchError extends SwerlError {
  constructor(
    readonly key: string,
    detail: string,
  ) {
    super("E_ENGINE_LAUNCH", `${key}: ${detail}`);
  }
}

/** Every `engine@version` swerl can launch, newest first per engine. */
export function engineTargets(): string[] {
  return ExternalEngine.flatMap((engine) =>
    Object.keys(ENGINE_VERSIONS[engine]).map((v) => `${engine}@${v}`),
  );
}

/** Resolves `verl`, `verl@0.7.0`, `openrlhf@0.11`, `openrlhf@0.10` to a pinned version and its surface. */
export function resolveEngine(spec: string): EngineTarget {
  const [name, wanted] = spec.split("@", 2) as [string, string | undefined];
  if (!(ExternalEngine as readonly string[]).includes(name))
    throw new EngineLaunchError(
      "engine",
      `unknown engine ${JSON.stringify(spec)}; use one of ${engineTargets().join(", ")}`,
    );
  const engine = name as ExternalEngine;
  const versions = ENGINE_VERSIONS[engine] as Record<string, EngineSurface>;
  const version = Object.keys(versions).find(
    (v) => wanted === undefined || v === wanted || v.startsWith(`${wanted}.`),
  );
  if (!version)
    throw new EngineLaunchError(
      "engine",
      `${engine} ${wanted} is not pinned; use one of ${engineTargets()
        .filter((t) => t.startsWith(engine))
        .join(", ")}`,
    );
  return { engine, version, surface: versions[version]!, id: `${engine}@${version}` };
}

const intLike = /^-?\d+$/;
const floatLike = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function checkType(key: string, type: string, value: string): void {
  const ok =
    type === "any" ||
    type === "str" ||
    (type === "bool" && /^(true|false|True|False)$/.test(value)) ||
    (type === "int" && intLike.test(value)) ||
    (type === "float" && floatLike.test(value)) ||
    (type === "list" && /^\[.*\]$/.test(value)) ||
    (type === "map" && /^\{.*\}$/.test(value));
  if (!ok) throw new EngineLaunchError(key, `${JSON.stringify(value)} is not a ${type}`);
}

/**
 * Checks Hydra overrides (`key=value`) against a verl surface: every key must exist (or sit under an open
 * map) with a value of its type, and every required key (`???`, and those verl's checks require) be set.
 */
export function validateVerlOverrides(
  surface: VerlSurface,
  overrides: readonly string[],
): Map<string, string> {
  const set = new Map<string, string>();
  for (const override of overrides) {
    const eq = override.indexOf("=");
    if (eq <= 0) throw new EngineLaunchError(override, "not a key=value override");
    const key = override.slice(0, eq);
    const value = override.slice(eq + 1);
    const entry = surface.keys[key];
    if (!entry) {
      const open = Object.entries(surface.keys).some(([k, e]) => e.open && key.startsWith(`${k}.`));
      if (!open)
        throw new EngineLaunchError(
          key,
          `not a key of verl ${surface.version}'s PPO trainer config (commit ${surface.commit.slice(0, 10)})`,
        );
    } else checkType(key, entry.type, value);
    if (set.has(key)) throw new EngineLaunchError(key, "set twice");
    set.set(key, value);
  }
  for (const [key, entry] of Object.entries(surface.keys))
    if (entry.required && !set.has(key))
      throw new EngineLaunchError(
        key,
        `required by verl ${surface.version} (its default is ???) but not set`,
      );
  const dynamic = set.get("actor_rollout_ref.actor.use_dynamic_bsz") === "True";
  const kl = set.get("actor_rollout_ref.actor.use_kl_loss") === "True";
  for (const rule of surface.requiredWhen) {
    const applies = !dynamic && (!rule.when.includes("reference policy") || kl);
    if (applies && !set.has(rule.key))
      throw new EngineLaunchError(rule.key, `required by verl's check in ${rule.source} when ${rule.when}`);
  }
  return set;
}

/**
 * Checks OpenRLHF argv (after `-m openrlhf.cli.train_ppo_ray`) against its flags: every flag must exist,
 * switches take no value, others the number of values argparse reads, typed as declared.
 */
export function validateOpenRlhfArgs(
  surface: OpenRlhfSurface,
  args: readonly string[],
): Map<string, string[]> {
  const set = new Map<string, string[]>();
  let i = 0;
  while (i < args.length) {
    const flag = args[i]!;
    const entry = surface.flags[flag];
    if (!entry)
      throw new EngineLaunchError(
        flag,
        `not a flag of OpenRLHF ${surface.version}'s train_ppo_ray.py (commit ${surface.commit.slice(0, 10)})`,
      );
    const arity = entry.action === "store" ? (typeof entry.nargs === "number" ? entry.nargs : 1) : 0;
    const values = args.slice(i + 1, i + 1 + arity);
    if (values.length < arity || values.some((v) => v.startsWith("--")))
      throw new EngineLaunchError(flag, `takes ${arity} value(s)`);
    for (const value of values) {
      if (entry.type === "int" && !intLike.test(value))
        throw new EngineLaunchError(flag, `${value} is not an int`);
      if (entry.type === "float" && !floatLike.test(value))
        throw new EngineLaunchError(flag, `${value} is not a float`);
      if (entry.choices && !entry.choices.includes(value))
        throw new EngineLaunchError(flag, `${value} is not one of ${entry.choices.join(", ")}`);
    }
    if (set.has(flag)) throw new EngineLaunchError(flag, "given twice");
    set.set(flag, values);
    i += 1 + arity;
  }
  for (const [flag, entry] of Object.entries(surface.flags))
    if (entry.required && !set.has(flag)) throw new EngineLaunchError(flag, "required but not given");
  return set;
}
