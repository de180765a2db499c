"""Benchmark: this pipeline vs stock Rasa on the same library and the same unseen questions.

    .venv/bin/python -m bench.accuracy [--stock per-topic|per-path|none]

(a) this project's pipeline (Voikko tokenizer, spaCy vectors, DIET for dialogue intents,
    GuidanceRanker for paths); (b) stock Rasa: WhitespaceTokenizer + CountVectorsFeaturizer
    (words and char n-grams) + DIETClassifier with one intent per catalogue topic (default) or
    per path, trained on the same path examples. Both are trained cold here and asked the
    development sets, whose questions were written separately from the path examples:
    bench/devset.yml (3 per topic) and bench/devset_facets.yml (4 per topic about specific
    facets: fees, children, cancelling, relatives ...). Prints top-1/top-3 topic accuracy,
    training time and parse latency, how the dialogue would act on each answer, and the
    emergency detection rates on the development, held-out and blind sets. Beside the topic level,
    the path level (single questions labelled with their right paths) and the conversation level
    (follow-ups: the last turn scored), answered / asked back with it / wrong / not found, from the
    blind sets of bench.followups run through our model (`--path-sets`).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml

from actions.guidance_decision import Outcome, decide
from guidance_library.loader import load_library
from bench import quiet_rasa_logs

PROJECT_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = PROJECT_DIR / "bench"
RASA = str(Path(sys.executable).parent / "rasa")
GUIDED_INTENTS = {"ask_guidance", "nlu_fallback", "out_of_scope", "start_assessment"}  # -> action_guidance


def dialogue_outcome(parse: dict, topic_of: dict[str, str], topic: str | None = None) -> str:
    """What the bot does with one parsed message (as data/rules.yml and action_guidance do)."""
    intent = parse["intent"]["name"]
    if intent == "emergency":
        return "emergency override"
    if intent not in GUIDED_INTENTS:
        return f"dialogue action for '{intent}'"
    decision = decide(parse["guidance_ranking"], intent, parse["intent"]["confidence"],
                      off_topic=bool(parse.get("off_topic")))
    if decision.outcome is Outcome.ANSWER:
        if topic is None:
            return "answered with a path"
        return "answered right" if topic_of[decision.path_ids[0]] == topic else "answered WRONG"
    if decision.outcome is Outcome.CLARIFY:
        if topic is None:
            return "asked back with paths"
        offered = [topic_of[i] for i in decision.path_ids]
        return "asked back, right one offered" if topic in offered else "asked back, right one missing"
    return decision.outcome.value


def train(args: list[str], cache_dir: Path) -> float:
    """Run `rasa train ...` with a cold cache; return wall seconds."""
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
           "RASA_CACHE_DIRECTORY": str(cache_dir)}
    start = time.perf_counter()
    subprocess.run([RASA, "train", *args, "--quiet"], cwd=PROJECT_DIR, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def stock_project(workdir: Path, epochs: int, per: str) -> tuple[Path, Path]:
    """Write stock Rasa's config and NLU data (one intent per topic or per guidance path)."""
    library = load_library()
    config = {"recipe": "default.v1", "language": "fi", "assistant_id": "stock",
              "pipeline": [{"name": "WhitespaceTokenizer"}, {"name": "CountVectorsFeaturizer"},
                           {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
                           {"name": "DIETClassifier", "epochs": epochs, "random_seed": 7}],
              "policies": []}
    examples: dict[str, list[str]] = {}
    for p in library.paths:
        examples.setdefault(p.topic if per == "per-topic" else p.id, []).extend((p.title, *p.examples))
    nlu = {"version": "3.1", "nlu": [
        {"intent": name, "examples": "".join(f"- {e}\n" for e in dict.fromkeys(texts))}
        for name, texts in examples.items()]}
    (workdir / "config.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    (workdir / "nlu.yml").write_text(yaml.safe_dump(nlu, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return workdir / "config.yml", workdir / "nlu.yml"


def parse_all(model: Path, texts: list[str]) -> tuple[list[dict], list[float]]:
    """Parse every text in-process with the model's full NLU graph; return results and seconds."""
    from rasa.core.agent import Agent

    quiet_rasa_logs()  # no message text on the screen

    agent = Agent.load(str(model))

    async def run() -> tuple[list[dict], list[float]]:
        await agent.parse_message("lämmittely")  # first call warms caches
        results, times = [], []
        for text in texts:
            start = time.perf_counter()
            results.append(await agent.parse_message(text))
            times.append(time.perf_counter() - start)
        return results, times

    return asyncio.run(run())


def topic_accuracy(rankings: list[list[str]], truth: list[str]) -> tuple[float, float]:
    """Top-1 and top-3 share of questions whose catalogue topic is ranked there."""
    top1 = sum(r[:1] == [t] for r, t in zip(rankings, truth)) / len(truth)
    top3 = sum(t in r[:3] for r, t in zip(rankings, truth)) / len(truth)
    return top1, top3


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def print_topic_level(sets: dict, truth: list, topic_of: dict, ours: list, ours_rank: list, ours_cost: tuple,
                      stock_rank: list, stock_cost: tuple | None, stock_kind: str) -> None:
    """Each development set's topic top-1/top-3, training and parse time, and what the dialogue does."""
    start = 0
    for name, qs in sets.items():
        part = slice(start, start + len(qs))
        start += len(qs)
        rows = [("(a) this pipeline", *topic_accuracy(ours_rank[part], truth[part]), *ours_cost)]
        if stock_cost is not None:
            rows.append((f"(b) stock Rasa, intent {stock_kind}", *topic_accuracy(stock_rank[part], truth[part]),
                         *stock_cost))
        print(f"\n{name}: {len(qs)} questions")
        print(f"{'':34} {'top-1':>7} {'top-3':>7} {'train s':>8} {'parse p50 ms':>13} {'parse p95 ms':>13}")
        for label, top1, top3, seconds, times in rows:
            print(f"{label:34} {top1:7.1%} {top3:7.1%} {seconds:8.1f} {1000 * statistics.median(times):13.1f} "
                  f"{1000 * percentile(times, 0.95):13.1f}")
        outcomes = Counter(dialogue_outcome(p, topic_of, t) for p, t in zip(ours[part], truth[part]))
        print("What the dialogue does with them:")
        for outcome, count in outcomes.most_common():
            print(f"  {outcome:32} {count:4d}  {count / len(qs):6.1%}")


def main() -> None:
    """Train both, ask both, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stock-epochs", type=int, default=100)
    parser.add_argument("--stock", choices=("per-topic", "per-path", "none"), default="per-topic")
    parser.add_argument("--path-sets", default="followups,facets",
                        help="path- and conversation-level sets of bench.followups to run on our model ('' for none)")
    args = parser.parse_args()
    devset = yaml.safe_load((BENCH_DIR / "devset.yml").read_text(encoding="utf-8"))
    facets = yaml.safe_load((BENCH_DIR / "devset_facets.yml").read_text(encoding="utf-8"))["guidance"]
    library = load_library()
    topic_of = {p.id: p.topic for p in library.paths}
    topic_of.update({t: t for t in library.topics})  # stock per-topic intents
    sets = {"devset.yml": devset["guidance"], "devset_facets.yml": facets}
    questions = [q["text"] for q in devset["guidance"] + facets]
    truth = [q["topic"] for q in devset["guidance"] + facets]

    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        ours_model = tmp_dir / "ours.tar.gz"
        ours_train = train(["--config", "bot/config.yml", "--domain", "bot/domain.yml", "--data", "data",
                            "--out", str(tmp_dir), "--fixed-model-name", "ours"], tmp_dir / "cache-ours")
        extra = (devset["out_of_scope"] + devset["emergency"] + devset["not_emergency"])
        ours, ours_times = parse_all(ours_model, questions + extra)
        path_level = path_level_report(ours_model, [n for n in args.path_sets.split(",") if n])
        stock = []
        if args.stock != "none":
            config, nlu = stock_project(tmp_dir, args.stock_epochs, args.stock)
            stock_train = train(["nlu", "--config", str(config), "--nlu", str(nlu), "--out", str(tmp_dir),
                                 "--fixed-model-name", "stock"], tmp_dir / "cache-stock")
            stock, stock_times = parse_all(tmp_dir / "stock.tar.gz", questions)

    ours_rank = [[r["topic"] for r in p["guidance_ranking"]] for p in ours[:len(questions)]]
    stock_rank = [[topic_of[i["name"]] for i in p["intent_ranking"] if i["name"] in topic_of]
                  for p in stock]
    print(f"Library: {len(library.paths)} paths over {len({p.topic for p in library.paths})} topics; "
          f"development questions: " + ", ".join(f"{name} {len(qs)}" for name, qs in sets.items()))
    print_topic_level(sets, truth, topic_of, ours, ours_rank, (ours_train, ours_times),
                      stock_rank, (stock_train, stock_times) if stock else None, args.stock)

    if path_level:
        print("\nPath level (single questions, one right path) and conversation level (follow-ups, the last "
              "turn scored), through the running assistant (bench.followups):" + path_level)
    offset = len(questions)
    oos = ours[offset:offset + len(devset["out_of_scope"])]
    oos_outcomes = Counter(dialogue_outcome(p, topic_of) for p in oos)
    print(f"\nOut-of-scope questions ({len(oos)}): " + ", ".join(f"{k} {v}" for k, v in oos_outcomes.most_common()))
    emergency_report(ours[offset + len(oos):], devset)


def path_level_report(model: Path, names: list[str]) -> str:
    """bench.followups' sets run on `model` (assistant and actions server on loopback); the printed report."""
    import contextlib
    import io

    from bench.followups import run_sets
    from bench.stack import Stack

    if not names:
        return ""
    out = io.StringIO()
    stack = Stack(model, workdir=PROJECT_DIR / "var" / "bench-accuracy").start()
    try:
        with contextlib.redirect_stdout(out):
            run_sets(stack, names)
    finally:
        stack.stop()
    return out.getvalue()


def emergency_report(parsed_tail: list[dict], devset: dict) -> None:
    """Share of emergencies caught and of routine messages wrongly flagged, per set."""
    n_em = len(devset["emergency"])
    flagged = [p["intent"]["name"] == "emergency" for p in parsed_tail]
    print("\nEmergency override (full NLU):")
    print(f"  development set: caught {sum(flagged[:n_em])}/{n_em}, "
          f"routine flagged {sum(flagged[n_em:])}/{len(devset['not_emergency'])}")
    from bot.nlu.emergency import detect_emergency
    from bot.nlu.finnish import FinnishAnalyzer
    from guidance_library.emergency import load_emergency_rules

    analyzer, rules = FinnishAnalyzer(), load_emergency_rules()
    for name in ("holdout.yml", "blind_emergency.yml"):
        data = yaml.safe_load((BENCH_DIR / name).read_text(encoding="utf-8"))
        caught = sum(detect_emergency(m, analyzer, rules) is not None for m in data["emergency"])
        false = sum(detect_emergency(m, analyzer, rules) is not None for m in data["not_emergency"])
        print(f"  {name} (rules only): caught {caught}/{len(data['emergency'])}, "
              f"routine flagged {false}/{len(data['not_emergency'])}")


if __name__ == "__main__":
    main()
