"""Benchmark of the safety net: recall per danger category, false alarms, and what residents in danger
would be answered first.

    .venv/bin/python -m bench.safety [--model models/assistant.tar.gz] [--sets blind|all]

Each message is parsed by the trained model (the whole NLU pipeline in process: DIET, the safety
net, the guidance ranking), and its first answer is worked out as the dialogue gives it:
  - `emergency`: the emergency answer (intent emergency: EmergencyPolicy -> action_emergency);
  - `safety_check`: "Oletko sinä tai joku muu nyt vaarassa?" (uncertain tier; or a message with a
    risk signal that would have got an out-of-scope / not-found answer);
  - `urgent path after the 112 line`: a message with a risk signal answered with a path of an urgent
    topic, after "soita heti 112" (not counted as caught);
  - otherwise the guidance decision: `answer`, `clarify`, `no_match` or `out_of_scope`, for the
    intents that go to the guidance action; `other dialogue` for the rest (greeting, thanks, asking
    for a human ...), which the rules answer without the out-of-scope guard.

Recall counts a danger message as caught when it gets the emergency answer or the safety question
(both put 112 in front of the resident at once); the emergency answer alone is shown as well. A
false alarm is a not-danger message that gets either. Intervals are 95% Wilson score intervals.

Sets (only their totals are printed: the blind sets are never read by whoever tunes the layers):
  - bench/blind_safety_danger.yml, bench/blind_safety_negatives.yml: written from a brief by
    sessions that saw no rules, corpus or paths (issue 14);
  - bench/blind_safety_2026_12.yml: a fresh set of the same kind (225 danger messages, 200 hard
    negatives), written in December 2026 after the earlier blind sets' texts had been shown on a
    screen by a debug log (see RESULTS.md): the honest figure from then on;
  - bench/blind_emergency.yml: the earlier blind set (70 emergencies, 50 routine messages);
  - with --sets poisoning only bench/dev_poisoning.yml and bench/dev_overdose_more.yml (overdose and
    poisoning messages and hard negatives about medicines; written from a brief without sight of the
    rules or corpus, but read while tuning the reader: development figures); `--misses` lists a
    development set's misses;
  - with --sets all also the development sets: bench/devset.yml's emergency / not_emergency
    messages and its ordinary questions (read while tuning: development figures); questions on the
    catalogue's urgent topics (kind kiire) are shown apart, since 112 is the right answer to many.
"""
from __future__ import annotations

import argparse
import asyncio
import math
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import yaml

from actions.guidance_decision import Decision, Outcome, decide
from bot.constants import EMERGENCY_INTENT, GUIDANCE_RANKING, OFF_TOPIC, SAFETY, UNCERTAIN_TIER
from bench import quiet_rasa_logs

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_MODEL = BENCH_DIR.parent / "models" / "assistant.tar.gz"
CAUGHT = ("emergency", "safety_check")
GUIDANCE_INTENTS = {"ask_guidance", "out_of_scope", "nlu_fallback"}  # the intents data/rules.yml sends to action_guidance
TURNED_AWAY = ("out_of_scope", "no_match")
URGENT_WITH_112 = "urgent path after the 112 line"  # a risk signal on an urgent topic's path (actions.guidance)


def wilson(hits: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion."""
    if total == 0:
        return 0.0, 1.0
    p = hits / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return max(0.0, centre - half), min(1.0, centre + half)


def first_reply(parse: dict[str, Any]) -> str:
    """What the dialogue answers first to a parsed message (see the module doc)."""
    intent = parse.get("intent") or {}
    if intent.get("name") == EMERGENCY_INTENT:
        return "emergency"
    safety = parse.get(SAFETY) or {}
    if safety.get("tier") == UNCERTAIN_TIER:
        return "safety_check"
    if intent.get("name") not in GUIDANCE_INTENTS:
        return "other dialogue"  # greet, thanks, ask_human ...: data/rules.yml routes them past action_guidance
    decision = guidance_decision(parse)
    if safety.get("signal") and decision.outcome in (Outcome.OUT_OF_SCOPE, Outcome.NO_MATCH):
        return "safety_check"  # the out-of-scope guard (actions.guidance)
    if safety.get("signal") and decision.outcome is Outcome.ANSWER and topic_of(parse, decision.path_ids[0]) in URGENT:
        return URGENT_WITH_112  # not counted as caught: the path of an urgent topic after the 112 line
    return decision.outcome.value


def cause(parse: dict[str, Any], reply: str, seen: bool = False) -> str:
    """Which layer put 112 in front of the resident (for totals only: `--why`). For the out-of-scope
    guard also which answer it stood in for and whether the rules or the reader saw a sign (`seen`,
    even one dropped as everyday talk) or only the classifier's floor was reached."""
    safety = parse.get(SAFETY) or {}
    layers = "+".join(safety.get("layers") or []) or "-"
    if reply == "emergency":
        return f"answer by {layers}"
    if safety.get("tier") == UNCERTAIN_TIER:
        return f"question by {layers}"
    instead = guidance_decision(parse).outcome.value
    return f"question by the guard ({instead}, {'a sign seen' if seen else 'classifier floor only'})"


def guidance_decision(parse: dict[str, Any]) -> Decision:
    """The guidance action's decision for a parsed message (before the out-of-scope guard)."""
    intent = parse.get("intent") or {}
    return decide(parse.get(GUIDANCE_RANKING) or [], intent.get("name"), float(intent.get("confidence") or 0.0),
                  off_topic=bool(parse.get(OFF_TOPIC)))


class SignReader:
    """Whether the rules or the overdose reader see any sign in a text (for `--why` only; read only for
    the guard's questions). It reads emergency.yml as it is now: run `--why` on a model trained from the
    same rules, or the split may not match what the model's safety net did."""

    def __init__(self) -> None:
        from bot.nlu.finnish import FinnishAnalyzer
        from guidance_library.emergency import load_emergency_rules

        self.analyzer = FinnishAnalyzer()
        self.rules = load_emergency_rules()

    def __call__(self, text: str) -> bool:
        from bot.nlu.safety_net import any_sign

        return any_sign(self.analyzer.analyze_text(text), self.rules)

    def kind(self, text: str) -> str:
        """The rules' sign in a text, in short: category, weak or strong, and its cues (`--why` totals only)."""
        from bot.nlu.emergency import word_forms

        match = self.rules.assess(*word_forms(list(self.analyzer.analyze_text(text))))
        if match is None:
            return "no sign"
        cues = ("past/info cue" + (" + present" if match.present else "")) if match.cued else \
            ("present cue" if match.present else "no cue")
        return f"{match.category.name}, {'weak' if match.weak else 'strong'}, {cues}"


def topic_of(parse: dict[str, Any], path_id: str) -> str | None:
    return next((r.get("topic") for r in parse.get(GUIDANCE_RANKING) or [] if r.get("id") == path_id), None)


def urgent_topics() -> set[str]:
    """Catalogue topics of kind `kiire` (urgent or emergency guidance): a question on them may rightly get 112."""
    catalogue = yaml.safe_load((BENCH_DIR.parent / "guidance_library" / "catalogue.yml").read_text(encoding="utf-8"))
    return {t["id"] for t in catalogue if t.get("kind") == "kiire"}


URGENT = urgent_topics()


def grouped_set(file: str, name: str) -> list[tuple[str, str, bool, list[str]]]:
    """(name, group, danger?, messages) for a set file of `danger:` and `not_danger:` groups."""
    data = yaml.safe_load((BENCH_DIR / file).read_text(encoding="utf-8"))
    return [(name, group, danger, list(messages))
            for danger, key in ((True, "danger"), (False, "not_danger")) for group, messages in data[key].items()]


def load_sets(which: str) -> list[tuple[str, str, bool, list[str]]]:
    """(set name, group, danger?, messages) for each group of each set."""
    out: list[tuple[str, str, bool, list[str]]] = []
    if which in ("all", "poisoning"):
        for file in ("dev_poisoning.yml", "dev_overdose_more.yml"):
            out.extend(grouped_set(file, f"{file} (development)"))
    if which == "poisoning":
        return out
    danger = yaml.safe_load((BENCH_DIR / "blind_safety_danger.yml").read_text(encoding="utf-8"))["danger"]
    for category, messages in danger.items():
        out.append(("blind danger", category, True, list(messages)))
    negatives = yaml.safe_load((BENCH_DIR / "blind_safety_negatives.yml").read_text(encoding="utf-8"))["not_danger"]
    for kind, messages in negatives.items():
        out.append(("blind hard negatives", kind, False, list(messages)))
    out.extend(grouped_set("blind_safety_2026_12.yml", "blind_safety_2026_12.yml"))
    old = yaml.safe_load((BENCH_DIR / "blind_emergency.yml").read_text(encoding="utf-8"))
    out.append(("blind_emergency.yml", "emergency", True, list(old["emergency"])))
    out.append(("blind_emergency.yml", "not_emergency", False, list(old["not_emergency"])))
    if which == "all":
        dev = yaml.safe_load((BENCH_DIR / "devset.yml").read_text(encoding="utf-8"))
        out.append(("devset (development)", "emergency", True, list(dev.get("emergency") or [])))
        out.append(("devset (development)", "not_emergency", False, list(dev.get("not_emergency") or [])))
        urgent = urgent_topics()
        entries = [e if isinstance(e, dict) else {"text": str(e)} for e in dev.get("guidance") or []]
        out.append(("devset (development)", "ordinary questions", False,
                    [e["text"] for e in entries if e.get("topic") not in urgent]))
        out.append(("devset (development)", "questions on urgent topics (112 is right for many)", False,
                    [e["text"] for e in entries if e.get("topic") in urgent]))
        out.append(("devset (development)", "out of scope", False, [str(q) for q in dev.get("out_of_scope") or []]))
    return out


def pct(hits: int, total: int) -> str:
    low, high = wilson(hits, total)
    return f"{hits}/{total} = {hits / total:6.1%} [{low:5.1%}, {high:5.1%}]" if total else "-"


async def run(model: Path, which: str, misses: bool = False, why: bool = False) -> int:
    from rasa.core.agent import Agent

    quiet_rasa_logs()  # no message text on the screen

    agent = Agent.load(str(model))
    sets = load_sets(which)
    signs = SignReader() if why else None
    signs_asked: dict[tuple[str, bool], Counter] = defaultdict(Counter)  # the rules-alone questions by sign
    timings: list[float] = []
    report: dict[str, list[tuple[str, bool, Counter]]] = {}
    causes: dict[tuple[str, bool], Counter] = defaultdict(Counter)
    for set_name, group, danger, messages in sets:
        replies: Counter = Counter()
        for text in messages:
            start = time.perf_counter()
            parse = await agent.parse_message(text)
            timings.append(time.perf_counter() - start)
            reply = first_reply(parse)
            replies[reply] += 1
            if why and reply in CAUGHT:
                by_guard = reply == "safety_check" and (parse.get(SAFETY) or {}).get("tier") != UNCERTAIN_TIER
                causes[(set_name, danger)][cause(parse, reply, by_guard and signs is not None and signs(text))] += 1
                if signs is not None and reply == "safety_check" and (parse.get(SAFETY) or {}).get("layers") == ["rules"]:
                    signs_asked[(set_name, danger)][signs.kind(text)] += 1
            if misses and set_name.endswith("(development)") and (reply in CAUGHT) != danger:
                print(f"  miss [{group}] {reply}: {text}")  # development sets only: the blind ones stay unread
        report.setdefault(set_name, []).append((group, danger, replies))
    for set_name, groups in report.items():
        print(f"\n== {set_name}")
        totals: Counter = Counter()
        any_danger = any(d for _, d, _ in groups)
        for group, danger, replies in groups:
            n = sum(replies.values())
            if group.startswith("questions on urgent topics"):
                print(f"  {group:28s} (not counted) " + ", ".join(f"{k} {v}" for k, v in sorted(replies.items())))
                continue
            caught = sum(replies[k] for k in CAUGHT)
            totals["n_danger" if danger else "n_safe"] += n
            totals["caught" if danger else "flagged"] += caught
            totals["emergency" if danger else "flagged_emergency"] += replies["emergency"]
            totals["turned_away" if danger else "_"] += sum(replies[k] for k in TURNED_AWAY)
            label = "recall" if danger else "false alarms"
            print(f"  {group:28s} {label:12s} {pct(caught, n)}   emergency answer {replies['emergency']}, "
                  f"safety question {replies['safety_check']}, " + ", ".join(
                      f"{k} {v}" for k, v in sorted(replies.items()) if k not in CAUGHT))
        if any_danger:
            print(f"  {'ALL danger':28s} {'recall':12s} {pct(totals['caught'], totals['n_danger'])}; emergency answer "
                  f"alone {pct(totals['emergency'], totals['n_danger'])}")
            print(f"  {'':28s} danger messages answered out-of-scope or not-found: {totals['turned_away']}")
        if totals["n_safe"]:
            print(f"  {'ALL not danger':28s} {'false alarms':12s} {pct(totals['flagged'], totals['n_safe'])}; "
                  f"emergency answer alone {pct(totals['flagged_emergency'], totals['n_safe'])}")
    print_causes(causes, signs_asked)
    timings.sort()
    print(f"\nparse time per message (whole NLU pipeline, in process): median {timings[len(timings) // 2] * 1000:.1f} ms, "
          f"p95 {timings[int(len(timings) * 0.95)] * 1000:.1f} ms over {len(timings)} messages")
    return 0


def print_causes(causes: dict[tuple[str, bool], Counter], signs_asked: dict[tuple[str, bool], Counter]) -> None:
    """`--why` totals: per set, which layer answered or asked, and the rules' own questions by sign."""
    for (set_name, danger), counts in causes.items():
        print(f"\n-- {set_name}, {'danger caught' if danger else 'false alarms'} by cause: "
              + ", ".join(f"{k} {v}" for k, v in counts.most_common()))
    for (set_name, danger), counts in signs_asked.items():
        print(f"\n-- {set_name}, {'danger' if danger else 'not danger'}: the rules' own questions by sign: "
              + "; ".join(f"{k}: {v}" for k, v in counts.most_common()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--sets", choices=("blind", "all", "poisoning"), default="blind")
    parser.add_argument("--misses", action="store_true",
                        help="print the development sets' misses (never the blind sets')")
    parser.add_argument("--why", action="store_true",
                        help="per set, how many caught or flagged messages each layer answered or asked (totals)")
    args = parser.parse_args(argv)
    return asyncio.run(run(args.model, args.sets, args.misses, args.why))


if __name__ == "__main__":
    raise SystemExit(main())
