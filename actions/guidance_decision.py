"""Decides what to do with a guidance ranking: answer, ask back, or say honestly there is none."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Mapping, Sequence

OUT_OF_SCOPE_INTENT = "out_of_scope"


class Outcome(str, Enum):
    """The four ways a guidance question can end."""

    ANSWER = "answer"
    CLARIFY = "clarify"
    NO_MATCH = "no_match"
    OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class Thresholds:
    """Score limits, calibrated on held-out folds of the library's examples
    (`bench.tune_weights --mode thresholds`; see bench/RESULTS.md)."""

    answer: float = 0.16        # top score at or above this may be answered directly ...
    margin: float = 0.05        # ... if it leads the runner-up (of another topic) by at least this much
    clarify: float = 0.12       # below this nothing fits
    clarify_window: float = 0.05  # runners-up this close to the top are offered too
    out_of_scope: float = 0.6   # DIET confidence for out_of_scope ...
    health_match: float = 0.32  # ... unless a guidance path matches at least this well


@dataclass(frozen=True)
class Decision:
    """What to do, and with which paths (best first)."""

    outcome: Outcome
    path_ids: tuple[str, ...] = ()
    also: tuple[str, ...] = ()  # with ANSWER: close paths of the same topic, offered first as follow-ups


DEFAULT_THRESHOLDS = Thresholds()


def decide(ranking: Sequence[Mapping[str, Any]], intent: str | None, intent_confidence: float,
           thresholds: Thresholds = DEFAULT_THRESHOLDS, max_choices: int = 3, off_topic: bool = False) -> Decision:
    """Answer, ask back with 2-3 paths, or no match; never a health path for off-topic talk."""
    top = float(ranking[0]["score"]) if ranking else 0.0
    if off_topic or (intent == OUT_OF_SCOPE_INTENT and intent_confidence >= thresholds.out_of_scope
                     and top < thresholds.health_match):
        return Decision(Outcome.OUT_OF_SCOPE)
    if top < thresholds.clarify:
        return Decision(Outcome.NO_MATCH)
    runner_up = float(ranking[1]["score"]) if len(ranking) > 1 else 0.0
    if top >= thresholds.answer and top - runner_up >= thresholds.margin:
        return Decision(Outcome.ANSWER, (str(ranking[0]["id"]),))
    topic = ranking[0].get("topic")
    other_topic = max((float(r["score"]) for r in ranking if r.get("topic") != topic), default=0.0)
    if topic and top >= thresholds.answer and top - other_topic >= thresholds.margin:
        # Only facets of one topic are close (e.g. booking vs fees): answer the best, offer the others.
        siblings = tuple(str(r["id"]) for r in ranking[1:]
                         if r.get("topic") == topic and float(r["score"]) >= top - thresholds.clarify_window)
        return Decision(Outcome.ANSWER, (str(ranking[0]["id"]),), siblings[:max_choices - 1])
    return Decision(Outcome.CLARIFY, clarify_choices(ranking, top, thresholds, max_choices))


def clarify_choices(ranking: Sequence[Mapping[str, Any]], top: float, thresholds: Thresholds,
                    max_choices: int) -> tuple[str, ...]:
    """2-3 paths to ask back with: one per topic (its main path unless a facet is clearly better),
    those close to the top; at least two."""
    floor = max(thresholds.clarify, top - thresholds.clarify_window)
    score = {str(r["id"]): float(r["score"]) for r in ranking}
    choices: list[str] = []
    topics: list[Any] = []
    for entry in ranking:
        if float(entry["score"]) < floor and len(choices) >= 2:
            break
        topic = entry.get("topic")
        if topic is not None and topic in topics:
            continue
        best = str(entry["id"])
        main = str(topic) if topic is not None else None
        if main and main != best and score.get(main, -1.0) >= score[best] - thresholds.clarify_window:
            best = main
        choices.append(best)
        topics.append(topic)
        if len(choices) == max_choices:
            break
    return tuple(choices)
