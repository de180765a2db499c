"""bench.safety --why: which layer or guard put 112 in front of the resident (totals by cause)."""
from bench.safety import cause
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


def test_the_guard_before_an_urgent_topic_is_told_apart_and_no_text_is_named():
    ranking = [{"id": "myrkytys", "topic": "myrkytys", "score": 0.6}]
    parse = {**_parse({"tier": "none", "layers": [], "signal": True}), "text": "lapsi joi jotain outoa",
             "guidance_ranking": ranking}
    label = cause(parse, "safety_check", seen=True)
    assert label == "question by the guard (urgent topic, a sign seen)"
    assert "lapsi" not in label and "joi" not in label
