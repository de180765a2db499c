"""Answer, ask back, or say honestly: the decision on a ranking."""
from __future__ import annotations

from actions.guidance_decision import Outcome, Thresholds, decide

T = Thresholds(answer=0.3, margin=0.05, clarify=0.15, clarify_window=0.05, out_of_scope=0.6, health_match=0.3)


def rank(*scores):
    return [{"id": f"p{i}", "topic": f"t{i}", "score": s} for i, s in enumerate(scores)]


def test_a_clear_winner_is_answered():
    assert decide(rank(0.5, 0.2), "ask_guidance", 0.9, T).path_ids == ("p0",)
    assert decide(rank(0.5, 0.2), "ask_guidance", 0.9, T).outcome is Outcome.ANSWER


def test_close_runners_up_are_offered_as_choices():
    decision = decide(rank(0.40, 0.38, 0.36, 0.2), "ask_guidance", 0.9, T)
    assert decision.outcome is Outcome.CLARIFY
    assert decision.path_ids == ("p0", "p1", "p2")


def test_a_weak_lone_match_is_offered_with_the_next_one():
    decision = decide(rank(0.2, 0.1), None, 0.0, T)
    assert decision.outcome is Outcome.CLARIFY and decision.path_ids == ("p0", "p1")


def test_nothing_fits_is_said_honestly():
    assert decide(rank(0.1, 0.05), "ask_guidance", 0.9, T).outcome is Outcome.NO_MATCH
    assert decide([], "nlu_fallback", 0.3, T).outcome is Outcome.NO_MATCH


def test_out_of_scope_is_never_answered_with_a_weakly_matching_health_path():
    assert decide(rank(0.25, 0.1), "out_of_scope", 0.95, T).outcome is Outcome.OUT_OF_SCOPE


def test_a_strong_health_match_overrides_an_unsure_out_of_scope_guess():
    assert decide(rank(0.5, 0.1), "out_of_scope", 0.95, T).outcome is Outcome.ANSWER
    assert decide(rank(0.25, 0.1), "out_of_scope", 0.4, T).outcome is Outcome.CLARIFY


def test_an_animal_question_is_out_of_scope_whatever_the_ranking():
    assert decide(rank(0.6, 0.1), "ask_guidance", 0.99, T, off_topic=True).outcome is Outcome.OUT_OF_SCOPE


def test_close_facets_of_one_topic_are_answered_with_the_others_offered():
    ranking = [{"id": "hammas", "topic": "hammas", "score": 0.40}, {"id": "hammas-maksut", "topic": "hammas", "score": 0.38},
               {"id": "neuvola", "topic": "neuvola", "score": 0.30}]
    decision = decide(ranking, "ask_guidance", 0.9, T)
    assert decision.outcome is Outcome.ANSWER
    assert decision.path_ids == ("hammas",) and decision.also == ("hammas-maksut",)
    ranking[2]["score"] = 0.37  # another topic is close too: ask back
    assert decide(ranking, "ask_guidance", 0.9, T).outcome is Outcome.CLARIFY
    ranking[2]["score"] = 0.30
    assert decide([dict(r, score=r["score"] - 0.2) for r in ranking], "ask_guidance", 0.9, T).outcome is Outcome.CLARIFY


def test_asking_back_offers_one_path_per_topic_preferring_its_main_path():
    ranking = [{"id": "hammas", "topic": "hammas", "score": 0.35},
               {"id": "lapset-pelko", "topic": "lapset", "score": 0.32},
               {"id": "hammas-yleissairaus", "topic": "hammas", "score": 0.31},
               {"id": "lapset", "topic": "lapset", "score": 0.30}]
    decision = decide(ranking, "ask_guidance", 0.9, T)
    assert decision.outcome is Outcome.CLARIFY and decision.path_ids == ("hammas", "lapset")
    ranking[3]["score"] = 0.2  # the facet is clearly better than the main path: offer the facet
    assert decide(ranking, "ask_guidance", 0.9, T).path_ids == ("hammas", "lapset-pelko")
