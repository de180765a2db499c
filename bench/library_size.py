"""The real library at its full size: validation, index build, ranking and server memory.

    .venv/bin/python -m bench.library_size [--servers]

Prints how long `guidance validate` takes for the whole library, how long the retrieval index
takes to build, how long a saved edit takes to reach the ranking (live edit), ranking latency over the
development questions, and with --servers the resident memory of the running Rasa server and
actions server after they have answered a few questions (both hold the library and its index).
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (Linux /proc), in MB."""
    total = 0
    pids = [pid]
    try:
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        pids += [int(c) for c in children]
    except FileNotFoundError:
        pass
    for one in pids:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024


def questions() -> list[str]:
    texts = []
    for name in ("devset.yml", "devset_facets.yml"):
        file = BENCH_DIR / name
        if file.exists():
            texts += [q["text"] for q in yaml.safe_load(file.read_text(encoding="utf-8"))["guidance"]]
    return texts


def library_figures() -> None:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "guidance_library", "validate"], cwd=PROJECT_DIR,
                          capture_output=True, text=True)
    validate_s = time.perf_counter() - start
    print(f"guidance validate (whole library, new process): {validate_s:.1f} s, exit {done.returncode}: "
          f"{done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr.strip()[-200:]}")

    from bench.scale import rank_times
    from bot.nlu.finnish import FinnishAnalyzer
    from bot.nlu.retrieval import GuidanceIndex
    from bot.nlu.vectors import WordVectors
    from guidance_library.loader import load_library

    start = time.perf_counter()
    library = load_library()
    load_s = time.perf_counter() - start
    topics = Counter(p.topic for p in library.paths)
    print(f"{len(library.paths)} published paths over {len(topics)} topics "
          f"({sum(t.in_catalogue for t in library.topics.values())} in the catalogue), "
          f"{sum(len(p.examples) for p in library.paths)} example phrasings, {len(library.drafts)} drafts; "
          f"load + validate in-process {load_s:.1f} s")
    analyzer, vectors = FinnishAnalyzer(), WordVectors()
    start = time.perf_counter()
    index = GuidanceIndex(library, analyzer, vectors)
    build_s = time.perf_counter() - start
    asked = questions()
    p50, p95 = rank_times(index, asked)
    print(f"index build {build_s:.1f} s (first build in this process); rank over {len(asked)} questions "
          f"p50 {p50:.1f} ms, p95 {p95:.1f} ms; "
          f"this process peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    live_edit_figures(analyzer, vectors)


def live_edit_figures(analyzer, vectors) -> None:
    """An editor saves a path file; how long until the assistant answers from it (the guidance ranker's
    live library: check every second, quick build with the previous topic classifier, then the full
    build), while a resident's message is ranked every 50 ms (the longest of those shows any stall)."""
    import shutil
    import tempfile

    from bot.nlu.retrieval import GuidanceIndex
    from guidance_library.live import LiveLibrary
    from guidance_library.loader import DEFAULT_PATHS_DIR, LibrarySources

    with tempfile.TemporaryDirectory() as tmp:
        paths_dir = Path(tmp) / "paths"
        shutil.copytree(DEFAULT_PATHS_DIR, paths_dir)
        live = LiveLibrary(LibrarySources(paths_dir=paths_dir), lambda lib: GuidanceIndex(lib, analyzer, vectors),
                           check_interval=1.0,
                           quick_build=lambda lib, previous: GuidanceIndex(lib, analyzer, vectors,
                                                                           classifier=previous.classifier,
                                                                           previous=previous))
        figures = []
        for round_ in range(3):
            file = paths_dir / "omahoito" / "flunssa.yml"
            phrase = f"minne viedä vanhat silmälasit kierrätykseen {round_}"
            text = file.read_text(encoding="utf-8")
            file.write_text(text.replace("examples:\n", f"examples:\n  - {phrase}\n", 1), encoding="utf-8")
            saved = time.perf_counter()
            longest = 0.0
            while time.perf_counter() - saved < 60:
                asked = time.perf_counter()
                index = live.current()
                ranking = index.rank(phrase, 1)
                longest = max(longest, time.perf_counter() - asked)
                if phrase in index.library.get("flunssa").examples and ranking:  # built from the saved file
                    break
                time.sleep(0.05)
            figures.append((time.perf_counter() - saved, longest))
            time.sleep(6)  # let the full build finish before the next edit
    print("live edit, save to served (3 edits): " + ", ".join(f"{s:.1f} s" for s, _ in figures) +
          f"; longest ranking meanwhile {1000 * max(m for _, m in figures):.0f} ms")


def server_figures() -> None:
    from bench.stack import Stack

    model = PROJECT_DIR / "models" / "assistant.tar.gz"
    if not model.exists():
        print("No trained model (models/assistant.tar.gz): run scripts/train first.")
        return
    stack = Stack(model).start()
    try:
        for i, text in enumerate(questions()[:20]):
            stack.say(f"bench-memory-{i}", text)
        rasa, actions = stack.processes[1], stack.processes[0]
        print(f"servers after 20 questions: Rasa {rss_mb(rasa.pid):.0f} MB, actions {rss_mb(actions.pid):.0f} MB resident")
    finally:
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", action="store_true", help="also start the servers and measure their memory")
    args = parser.parse_args()
    library_figures()
    if args.servers:
        server_figures()


if __name__ == "__main__":
    main()
