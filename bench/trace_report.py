"""What the slowest key presses waited for, from a `bench_keypress.py --trace FILE` log.

    .venv/bin/python bench/trace_report.py FILE [--top 5] [--role cockpit]

For every key the traced app received: the time from the key to the first frame before the
next key that shows a screen other than the one before the key (an open or a close), or
else to the first frame at all (a key that changes the screen in place), and what ran in
between: callbacks
over 8 ms, garbage collections (in every process: the sandbox's only delay its answers),
other frames. Then the collections by process and generation. See bench/trace/ for the log.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Entry:
    at: float
    role: str
    pid: str
    event: str
    fields: tuple[str, ...]

    def describe(self, since: float) -> str:
        return f"  {1000 * (self.at - since):+8.1f} ms  {self.role:8} {self.event} " + " ".join(
            self.fields
        )


def read(path: Path) -> list[Entry]:
    entries = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 4:
            entries.append(Entry(float(parts[0]), parts[1], parts[2], parts[3], tuple(parts[4:])))
    return sorted(entries, key=lambda e: e.at)


@dataclass(frozen=True)
class Press:
    key: str
    waited: float
    first: int
    answered: int


def presses(entries: list[Entry], role: str) -> list[Press]:
    """Each key of `role`, with the frame that answered it (see the module's docstring)."""
    found = []
    shown: str | None = None
    for index, entry in enumerate(entries):
        if entry.role != role:
            continue
        if entry.event == "frame":
            shown = entry.fields[0]
        elif entry.event == "key":
            frames = []
            for j in range(index + 1, len(entries)):
                if entries[j].role != role:
                    continue
                if entries[j].event == "key":
                    break  # what came after the next key answers that one
                if entries[j].event == "frame":
                    frames.append(j)
            if not frames:
                continue
            other = [j for j in frames if entries[j].fields[0] != shown]
            answer = other[0] if other else frames[0]
            found.append(Press(entry.fields[0], entries[answer].at - entry.at, index, answer))
    return found


def report(path: Path, top: int = 5, role: str = "cockpit") -> str:
    entries = read(path)
    lines = []
    slowest = sorted(presses(entries, role), key=lambda p: p.waited, reverse=True)[:top]
    for press in slowest:
        key = entries[press.first]
        lines.append(f"{press.key}: {1000 * press.waited:.1f} ms to its frame")
        for entry in entries[press.first : press.answered + 1]:
            if entry.event != "key" or entry is key:
                lines.append(entry.describe(key.at))
    collections: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for entry in entries:
        if entry.event == "gc":
            collections[(entry.role, entry.pid, entry.fields[0])].append(float(entry.fields[1]))
    lines.append("collections over 1 ms: process, generation: count, total, longest")
    for (who, pid, generation), took in sorted(collections.items()):
        lines.append(
            f"  {who} {pid} gen {generation}: {len(took)}, {sum(took):.0f} ms, {max(took):.1f} ms"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", type=Path)
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("--role", default="cockpit", choices=("cockpit", "bare"))
    args = parser.parse_args()
    print(report(args.log, args.top, args.role))


if __name__ == "__main__":
    main()
