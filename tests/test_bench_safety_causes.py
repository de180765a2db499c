"""bench.safety --why: which layer or guard put 112 in front of the resident (totals by cause)."""
from bench.safety import CAUGHT, URGENT_WITH_112, cause, first_reply
from bot.constants import SAFETY, UNCERTAIN_TIER


def _parse(safety: dict, intent: str = "ask_guidance") -> dict:
    return {"text": "x", "intent": {"name": intent, "confidence": 0.9}, SAFETY: safety}


def test_the_emergency_answer_and_the_safety_question_name_their_layers():
    assert cause(_parse({"tier": "emergency", "layers": ["rules", "classifier"]}), "emergency") \
        == "answer by rules+classifier"
    assert cause(_parse({"tier": UNCERTAIN_TIER, "layers": ["classifier"]}), "safety_check") \
        == "question by classifier"


def test_the_guard_names_the_answer_it_stood_in_for_and_whether_a_sign_was_seen():
    quiet = {"tier": "none", "layers": [], "signal": True}
    assert cause(_parse(quiet, "out_of_scope"), "safety_check", seen=True) \
        == "question by the guard (out_of_scope, a sign seen)"
    assert cause(_parse(quiet), "safety_check", seen=False) \
        == "question by the guard (no_match, classifier floor only)"


def test_a_risk_signal_on_an_urgent_topic_is_an_answer_after_the_112_line_not_a_catch():
    ranking = [{"id": "myrkytys", "topic": "myrkytys", "score": 0.6}]
    parse = {**_parse({"tier": "none", "layers": [], "signal": True}), "text": "lapsi joi jotain outoa",
             "guidance_ranking": ranking}
    assert first_reply(parse) == URGENT_WITH_112 and URGENT_WITH_112 not in CAUGHT
    calm = {**parse, SAFETY: {"tier": "none", "layers": [], "signal": False}}
    assert first_reply(calm) == "answer"
    assert cause({**parse, "guidance_ranking": []}, "safety_check", seen=True) \
        == "question by the guard (no_match, a sign seen)"
