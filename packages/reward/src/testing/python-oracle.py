"""Computes expected answers with CPython's own difflib for the differential tests.

Reads a JSON list of cases on stdin and writes a JSON list of answers. The reward cases use a
small reference of the SWE-RL reward written from the SWE-RL reward specification (docs/specs/reward.md) on top of
difflib, summing per-file similarities in the order the TypeScript port uses (the original
iterates a set, whose order varies between Python processes).
"""
import difflib
import json
import re
import sys

JUNK = {
    "none": None,
    "space": lambda x: x == " ",
    "line": difflib.IS_LINE_JUNK,
    "char": difflib.IS_CHARACTER_JUNK,
}


def matcher_answer(case):
    a, b = case["a"], case["b"]
    sm = difflib.SequenceMatcher(JUNK[case.get("junk", "none")], a, b, autojunk=case.get("autojunk", True))
    m = sm.find_longest_match(0, len(a), 0, len(b))
    return {
        "ratio": sm.ratio(),
        "quick": sm.quick_ratio(),
        "realQuick": sm.real_quick_ratio(),
        "blocks": [[x.a, x.b, x.size] for x in sm.get_matching_blocks()],
        "opcodes": [list(o) for o in sm.get_opcodes()],
        "grouped": [[list(o) for o in g] for g in sm.get_grouped_opcodes(case.get("n", 3))],
        "longest": [m.a, m.b, m.size],
    }


class Bad(Exception):
    pass


def split_answer(output):
    for tag in ("<think>", "</think>", "<solution>", "</solution>"):
        if output.count(tag) != 1:
            raise Bad("count of %s is not 1" % tag)
    thought = output.split("<think>", 1)[1].split("</think>", 1)[0].strip()
    answer = output.split("<solution>", 1)[1].split("</solution>", 1)[0].strip()
    if not thought:
        raise Bad("Thought is empty")
    return thought, answer


PATTERN = r"```.*?\n### (.*)\n<<<<<<< SEARCH\n([\s\S]*?)\n=======\n([\s\S]*?)\n>>>>>>> REPLACE\n```"


def change(old, new):
    lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(), fromfile="old", tofile="new", lineterm="", n=3))
    return "\n".join(lines[2:])


def patch_of(context, contents):
    out = {}
    for path, new in contents.items():
        c = change(context.get(path, ""), new)
        if c:
            out[path] = c
    return out


def reward_answer(case):
    context, oracle, output = case["context"], case["oracle"], case["output"]
    try:
        thought, answer = split_answer(output)
        edits = {}
        for path, search, replace in re.findall(PATTERN, answer):
            edits.setdefault(path, []).append((search, replace))
        if not edits:
            raise Bad("No valid search blocks found")
        new_content = {}
        for path, pairs in edits.items():
            text = "\n" + context.get(path, "")
            for search, replace in pairs:
                if search == replace:
                    raise Bad("Search and replace blocks are identical")
                if "\n" + search not in text:
                    raise Bad("Search block not found in the code: " + "\n" + search)
                text = text.replace("\n" + search, "\n" + replace)
            new_content[path] = text[1:]
    except Bad as e:
        return {"reward": -1.0, "error": str(e)}
    oracle_patch = patch_of(context, oracle)
    pred_patch = patch_of(context, new_content)
    paths = list(oracle_patch) + [p for p in pred_patch if p not in oracle_patch]
    sims = []
    for p in paths:
        pc, oc = pred_patch.get(p, ""), oracle_patch.get(p, "")
        sims.append(0.0 if not pc or not oc else difflib.SequenceMatcher(None, pc, oc, autojunk=False).ratio())
    reward = sum(sims) / len(sims) if sims else 1.0
    return {"reward": reward, "error": None, "predPatch": pred_patch, "oraclePatch": oracle_patch, "similarities": sims}


def answer(case):
    kind = case["kind"]
    if kind == "matcher":
        return matcher_answer(case)
    if kind == "unified":
        return list(difflib.unified_diff(case["a"], case["b"], **case["options"]))
    if kind == "splitlines":
        return case["text"].splitlines()
    if kind == "strip":
        return case["text"].strip()
    if kind == "reward":
        return reward_answer(case)
    raise ValueError(kind)


if __name__ == "__main__":
    json.dump([answer(c) for c in json.load(sys.stdin)], sys.stdout)
