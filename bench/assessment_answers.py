"""How well free-text questionnaire answers are read: bench/assessment_answers.yml, written blind.

    .venv/bin/python -m bench.assessment_answers [--show-misses]

For each scale (PHQ-9/GAD-7 frequency, AUDIT-C drinking frequency and drinks per day) prints how
many answers were read as the right option, as a wrong option (the harmful case), or not read
(the bot asks again, which is safe), and for the unclear answers how many were wrongly guessed.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import yaml

from guidance_library.instruments import match_answer
from guidance_library.loader import DEFAULT_INSTRUMENTS_DIR, load_instruments

BENCH_FILE = Path(__file__).resolve().parent / "assessment_answers.yml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    instruments, problems = load_instruments(DEFAULT_INSTRUMENTS_DIR)
    if problems:
        raise SystemExit("\n".join(str(p) for p in problems))
    items = {"frequency": instruments["phq9"].items[0], "drinking_frequency": instruments["auditc"].item("frequency"),
             "drinks_per_day": instruments["auditc"].item("quantity"), "unclear": instruments["phq9"].items[0]}
    data = yaml.safe_load(BENCH_FILE.read_text(encoding="utf-8"))
    times = []
    for scale, answers in data.items():
        right = wrong = unread = 0
        misses = []
        for answer in answers:
            start = time.perf_counter()
            option = match_answer(items[scale], str(answer["text"]))
            times.append(time.perf_counter() - start)
            expected = answer["points"]
            if option is None:
                unread += expected is not None
                right += expected is None
                if expected is not None:
                    misses.append(f"    not read: {answer['text']!r} (expected {expected})")
            elif option.points == expected:
                right += 1
            else:
                wrong += 1
                misses.append(f"    WRONG: {answer['text']!r} -> {option.points} (expected {expected})")
        n = len(answers)
        label = "left unread (right)" if scale == "unclear" else "read right"
        print(f"{scale:20} {n:4d} answers: {label} {right} ({right / n:.0%}), wrong option {wrong} ({wrong / n:.0%})"
              + ("" if scale == "unclear" else f", not read (asked again) {unread} ({unread / n:.0%})"))
        if args.show_misses:
            print("\n".join(misses))
    times.sort()
    print(f"matching time p50 {1e6 * statistics.median(times):.0f} µs, max {1e6 * times[-1]:.0f} µs")


if __name__ == "__main__":
    main()
