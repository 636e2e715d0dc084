"""Seating bench: how long auto-assign takes to seat a whole cohort.

Seats N students (none placed yet) in two delegations, five sectors and four working groups, with
G working groups each and a brief for every delegation and sector, R times, through the same pure
function the console and the API call (app.instructor.seating.auto_assign).

    .venv/bin/python -m bench.seating --n 500

The output ends with one line, in this fixed form so that runs can be compared:

seating students=500 groups_each=2 runs=5 best_ms=20.6 median_ms=29.2

Target: well under 100 ms for 500 students, so auto-assign answers at once on the console.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.instructor.seating import BriefOption, Student, auto_assign

DELEGATIONS = ("US", "PRC")
SECTORS = ("government", "military", "academia", "ngo", "private")
GROUPS = ("FT", "CY", "DI", "BIO")
BRIEFS = tuple(BriefOption(f"{d}-{s}", d, s) for d in DELEGATIONS for s in SECTORS)


def seat_once(students: list[Student], groups_each: int) -> float:
    started = time.perf_counter()
    auto_assign(
        students,
        delegations=DELEGATIONS,
        sectors=SECTORS,
        groups=GROUPS,
        briefs=BRIEFS,
        groups_per_student=groups_each,
        reseat_all=False,
        seed=7,
    )
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=500, help="students")
    parser.add_argument("--groups-each", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    students = [
        Student(participant_id=i, name=f"Student {i:04d}", delegation=None, sector=None)
        for i in range(1, args.n + 1)
    ]
    times = [seat_once(students, args.groups_each) * 1000 for _ in range(args.runs)]
    print(
        f"seating students={args.n} groups_each={args.groups_each} runs={args.runs}"
        f" best_ms={min(times):.1f} median_ms={statistics.median(times):.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
