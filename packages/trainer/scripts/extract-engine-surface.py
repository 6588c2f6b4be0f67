#!/usr/bin/env python3
"""Extract an RL engine's configuration surface from its source checkout into swerl's vendored JSON.

    python3 extract-engine-surface.py verl CHECKOUT > verl-0.7.0.json
    python3 extract-engine-surface.py openrlhf CHECKOUT > openrlhf-0.11.0.json

CHECKOUT is a git work tree or bare repository (with --rev REV, files are read with `git show REV:path`).
Standard library only. What is read:

- verl: verl/trainer/config/_generated_ppo_trainer.yaml (the flattened PPO trainer config verl generates
  from ppo_trainer.yaml): every key as a dotted path with the type of its default; `???` (OmegaConf's
  MISSING) marks a required key; `{}` maps are open (any sub-key may be added). The micro-batch keys that
  verl's checks require when dynamic batch sizes are off are found by looking for those checks in
  verl/utils/config.py and verl/workers/config/actor.py (the script fails when they are not there).
- OpenRLHF: openrlhf/cli/train_ppo_ray.py: every `parser.add_argument` flag with its type, action,
  nargs, default and whether argparse requires it.
"""
import argparse
import ast
import json
import re
import subprocess
import sys
from pathlib import Path


def read(checkout: str, rev: str | None, path: str) -> str:
    if rev:
        return subprocess.run(
            ["git", "--git-dir" if not (Path(checkout) / ".git").exists() else "-C", checkout, "show", f"{rev}:{path}"],
            check=True, capture_output=True, text=True,
        ).stdout
    return (Path(checkout) / path).read_text(encoding="utf-8")


def commit_of(checkout: str, rev: str | None) -> str:
    flag = "-C" if (Path(checkout) / ".git").exists() else "--git-dir"
    out = subprocess.run(["git", flag, checkout, "rev-parse", f"{rev or 'HEAD'}^{{commit}}"],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


# ---------------------------------------------------------------- a reader for OmegaConf's YAML output
def scalar(text: str):
    text = text.strip()
    if text in ("null", "~", ""):
        return None
    if text in ("true", "false"):
        return text == "true"
    if text == "{}":
        return {}
    if text == "[]":
        return []
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1].replace("''", "'") if text[0] == "'" else json.loads(text)
    if re.fullmatch(r"[-+]?\d+", text):
        return int(text)
    if re.fullmatch(r"[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?", text) or text in (".inf", "-.inf"):
        return float(text.replace(".inf", "inf"))
    return text


def parse_yaml(text: str):
    """Block mappings, block sequences of scalars, flow {} / [] and plain multi-line scalars: what
    OmegaConf.to_yaml writes for verl's trainer config. Anything else stops the script."""
    lines = [l for l in text.split("\n") if l.strip() and not l.lstrip().startswith("#")]
    pos = 0

    def indent(line: str) -> int:
        return len(line) - len(line.lstrip(" "))

    def block(level: int):
        nonlocal pos
        if pos < len(lines) and lines[pos].lstrip().startswith("- ") and indent(lines[pos]) == level:
            items = []
            while pos < len(lines) and indent(lines[pos]) == level and lines[pos].lstrip().startswith("- "):
                items.append(scalar(lines[pos].lstrip()[2:]))
                pos += 1
            return items
        mapping = {}
        while pos < len(lines) and indent(lines[pos]) == level:
            line = lines[pos].strip()
            m = re.match(r"^('[^']*'|[^:]+):(?: (.*))?$", line)
            if not m:
                sys.exit(f"unsupported YAML line {pos + 1}: {line}")
            key = m.group(1).strip("'")
            value = m.group(2)
            pos += 1
            if value is None or value == "":
                if pos < len(lines) and (indent(lines[pos]) > level or
                                         (indent(lines[pos]) == level and lines[pos].lstrip().startswith("- "))):
                    mapping[key] = block(indent(lines[pos]))
                else:
                    mapping[key] = None
            else:
                # a plain scalar continued on deeper-indented lines
                while pos < len(lines) and indent(lines[pos]) > level and not re.match(r"^\s*[\w.'-]+:( |$)", lines[pos]):
                    value += " " + lines[pos].strip()
                    pos += 1
                mapping[key] = scalar(value)
        return mapping

    result = block(0)
    if pos != len(lines):
        sys.exit(f"unsupported YAML structure at line {pos + 1}: {lines[pos]}")
    return result


def type_of(value) -> str:
    if value == "???":
        return "any"
    if isinstance(value, str) and value.startswith("${"):
        return "any"
    if value is None:
        return "any"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "map"
    return "str"


def flatten(tree, prefix=""):
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            yield from flatten(value, path + ".")
        else:
            yield path, value


# Checks in verl's Python code that make a null key required (dynamic batch sizes off), and where.
VERL_CHECKS = [
    ("verl/workers/config/actor.py", r"Please set at least one of 'actor\.ppo_micro_batch_size' or",
     "actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu", "actor_rollout_ref.actor.use_dynamic_bsz=false"),
    ("verl/utils/config.py", r'"actor_rollout_ref\.rollout": "log_prob_micro_batch_size"',
     "actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu", "actor_rollout_ref.actor.use_dynamic_bsz=false"),
    ("verl/utils/config.py", r'"actor_rollout_ref\.ref": "log_prob_micro_batch_size"',
     "actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu",
     "actor_rollout_ref.actor.use_dynamic_bsz=false and a reference policy (actor_rollout_ref.actor.use_kl_loss=true)"),
]


def verl_surface(checkout: str, rev: str | None) -> dict:
    source = "verl/trainer/config/_generated_ppo_trainer.yaml"
    tree = parse_yaml(read(checkout, rev, source))
    keys = {}
    for path, value in flatten(tree):
        entry = {"type": type_of(value)}
        if value == "???":
            entry["required"] = True
        elif not (isinstance(value, str) and value.startswith("${")):
            entry["default"] = value
        if value == {}:
            entry["open"] = True
        keys[path] = entry
    conditional = []
    for file, pattern, key, when in VERL_CHECKS:
        text = read(checkout, rev, file)
        if not re.search(pattern, text):
            sys.exit(f"verl's check for {key} is no longer in {file}; update VERL_CHECKS")
        if key not in keys:
            sys.exit(f"{key} is not a key of {source}")
        conditional.append({"key": key, "when": when, "source": file})
    return {"sources": [source] + sorted({c["source"] for c in conditional}), "keys": keys,
            "requiredWhen": conditional}


# ---------------------------------------------------------------- OpenRLHF's argparse flags
def literal(node, env=None):
    """A default's value: a literal, or an expression over the loop variables (`1e-6 if prefix == ...`)."""
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError):
        pass
    try:
        names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        if names <= set(env or {}) | {"int", "float"}:
            return eval(compile(ast.Expression(node), "<default>", "eval"),
                        {"__builtins__": {}, "int": int, "float": float}, dict(env or {}))
    except Exception:  # noqa: BLE001 - anything not evaluable is kept as source text
        pass
    return ast.unparse(node)


def text_of(node, env):
    """A flag name: a string constant, or an f-string over the enclosing loop variables."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(value.value)
            elif isinstance(value, ast.FormattedValue) and isinstance(value.value, ast.Name) and value.value.id in env:
                parts.append(str(env[value.value.id]))
            else:
                return None
        return "".join(parts)
    return None


def add_argument_calls(node, env):
    """Every add_argument call with the loop variables it runs under (`for prefix in ("actor", "critic")`)."""
    if isinstance(node, ast.For) and isinstance(node.target, ast.Name):
        try:
            values = ast.literal_eval(node.iter)
        except (ValueError, SyntaxError):
            values = None
        if isinstance(values, (tuple, list)):
            for value in values:
                for child in node.body:
                    yield from add_argument_calls(child, {**env, node.target.id: value})
            return
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add_argument":
        yield node, env
    for child in ast.iter_child_nodes(node):
        yield from add_argument_calls(child, env)


def openrlhf_surface(checkout: str, rev: str | None) -> dict:
    source = "openrlhf/cli/train_ppo_ray.py"
    tree = ast.parse(read(checkout, rev, source))
    flags = {}
    for node, env in add_argument_calls(tree, {}):
        names = [text_of(a, env) for a in node.args]
        if None in names:
            sys.exit(f"{source}:{node.lineno}: a flag name swerl cannot read: {ast.unparse(node)}")
        kw = {k.arg: k.value for k in node.keywords if k.arg}
        action = literal(kw["action"]) if "action" in kw else "store"
        entry = {"action": action}
        if "type" in kw:
            entry["type"] = ast.unparse(kw["type"])
        elif action == "store":
            entry["type"] = "str"
        if "nargs" in kw:
            entry["nargs"] = literal(kw["nargs"])
        if "choices" in kw:
            entry["choices"] = literal(kw["choices"], env)
        if "default" in kw:
            default = literal(kw["default"], env)
            entry["default"] = list(default) if isinstance(default, tuple) else default
        if "required" in kw and literal(kw["required"]) is True:
            entry["required"] = True
        for name in names:
            if name.startswith("--"):
                flags[name] = entry
    return {"sources": [source], "flags": dict(sorted(flags.items()))}


def finite(value):
    """JSON has no infinity: float('inf') defaults are written as the string "inf"."""
    if isinstance(value, float) and value != value * 0:
        return str(value)
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v) for v in value]
    return value


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    cli.add_argument("engine", choices=["verl", "openrlhf"])
    cli.add_argument("checkout", help="the engine's git checkout (work tree or bare repository)")
    cli.add_argument("--rev", help="read files at this git revision (tag or commit) instead of the work tree")
    cli.add_argument("--version", required=True, help="the engine version this revision is, e.g. 0.7.0")
    args = cli.parse_args()
    surface = (verl_surface if args.engine == "verl" else openrlhf_surface)(args.checkout, args.rev)
    out = {
        "engine": args.engine,
        "version": args.version,
        "repository": "https://github.com/volcengine/verl" if args.engine == "verl"
        else "https://github.com/OpenRLHF/OpenRLHF",
        "commit": commit_of(args.checkout, args.rev),
        "extractedBy": "packages/trainer/scripts/extract-engine-surface.py",
        **surface,
    }
    json.dump(finite(out), sys.stdout, indent=1, sort_keys=False, allow_nan=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
