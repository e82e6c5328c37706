"""`bench_startup` for two checkouts at once, launches interleaved, so both see the same load.

    .venv/bin/python bench/bench_startup_ab.py --other /path/to/src [--runs 3] [--compiled]

Run from a worktree: "branch" is the code on PYTHONPATH (this checkout's src/ if unset);
"other" is the code at --other, or the installed copy with --other installed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from collections import defaultdict
from pathlib import Path

import bench_startup

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--other", default="installed", help="a src/ directory, or 'installed'")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=90.0)
    parser.add_argument("--compiled", action="store_true", help="keep bytecode (see bench_startup)")
    args = parser.parse_args()
    paths = {
        "other": None if args.other == "installed" else args.other,
        "branch": os.environ.get("PYTHONPATH") or str(ROOT / "src"),
    }
    caches = {k: Path(tempfile.mkdtemp()) if args.compiled else None for k in paths}
    results: dict[str, dict[str, list[float]]] = {k: defaultdict(list) for k in paths}
    loads: list[float] = []

    def launch(which: str) -> dict[str, float]:
        if paths[which] is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = str(paths[which])
        return bench_startup.one_run(args.timeout, caches[which])

    if args.compiled:
        for which in paths:
            launch(which)  # writes the bytecode; not counted
    for run in range(args.runs):
        for which in paths:
            stages = launch(which)
            loads.append(os.getloadavg()[0])
            for stage, at in stages.items():
                results[which][stage].append(at)
            frame, data = stages.get("screen: first frame"), stages.get("screen: first data")
            shown = [f"{t:.2f} s" if t is not None else "none" for t in (frame, data)]
            print(
                f"run {run + 1} {which}: first frame {shown[0]}, first data {shown[1]}", flush=True
            )
    print(
        f"\nmedian of {args.runs} runs each, seconds since launch "
        f"(load {min(loads):.2f}-{max(loads):.2f}, bytecode {'kept' if args.compiled else 'as is'}):"
    )
    print(f"{'other':>7} {'branch':>7}  stage")
    rows = [*bench_startup.STAGES]
    rows += [
        ("screen: first frame", "on screen: first frame"),
        ("screen: first data", "on screen: first data"),
    ]
    for stage, label in rows:
        cells = [
            f"{statistics.median(results[k][stage]):7.2f}" if results[k].get(stage) else "      -"
            for k in paths
        ]
        print(f"{cells[0]} {cells[1]}  {label}")


if __name__ == "__main__":
    main()
