"""Times the SWE-RL reward in CPython (difflib) on the benchmark's cases, in this process.

Reads {"cases": [...], "repeat": R} on stdin; prints {"seconds": wall, "cpuSeconds": process CPU
time, "rewards": [...], "errors": [...]} (rewards and errors of the last repetition).
"""
import json
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "src" / "testing"))
oracle = __import__("python-oracle")

job = json.load(sys.stdin)
cases, repeat = job["cases"], job["repeat"]
start = time.perf_counter()
cpu_start = time.process_time()
for _ in range(repeat):
    answers = [oracle.reward_answer(c) for c in cases]
seconds = time.perf_counter() - start
cpu_seconds = time.process_time() - cpu_start
print(
    json.dumps(
        {
            "seconds": seconds,
            "cpuSeconds": cpu_seconds,
            "rewards": [a["reward"] for a in answers],
            "errors": [a.get("error") for a in answers],
        }
    )
)
