"""The load benchmark's pure parts: percentiles, the ordering check, the residents' scripts (offline)."""
from __future__ import annotations

import random

import pytest

from bench.load_report import Conversation, Turn, check_conversation, figures, ordering_summary, percentile, table
from bench.load_residents import Phrases, finnish_conversation, moodbot_conversation


def user(text: str) -> dict:
    return {"event": "user", "text": text}


def bot(text: str) -> dict:
    return {"event": "bot", "text": text}


def conversation(*turns: tuple[str, list[str]], error_last: str | None = None) -> Conversation:
    """Turn k sent at second k, its replies arriving 0.1 s later."""
    made = Conversation("c1", [Turn(text, float(k), list(replies), [k + 0.1] * len(replies), 0.1)
                               for k, (text, replies) in enumerate(turns)])
    if error_last:
        made.turns[-1].error = error_last
        made.turns[-1].replies = []
    return made


SESSION_START = [{"event": "action", "name": "action_session_start"}, {"event": "session_started"},
                 {"event": "action", "name": "action_listen"}]


def test_percentile_interpolates_between_ranks():
    assert percentile([], 50) is None
    assert percentile([5.0], 99) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == pytest.approx(2.5)
    assert percentile(list(map(float, range(1, 101))), 95) == pytest.approx(95.05)
    assert percentile([3.0, 1.0, 2.0], 100) == 3.0


def test_a_clean_conversation_passes():
    sent = conversation(("hei", ["Hei! Olen chat-opas."]), ("hammaslääkäri", ["Hammashoitoon...", "Oliko apua?"]))
    events = SESSION_START + [user("hei"), bot("Hei! Olen chat-opas."), {"event": "action", "name": "action_listen"},
                              user("hammaslääkäri"), bot("Hammashoitoon..."), bot("Oliko apua?")]
    assert check_conversation(sent, events) == ([], 0)


def test_reordered_user_messages_are_found():
    sent = conversation(("hei", ["A"]), ("kiitos", ["B"]))
    events = [user("kiitos"), bot("A"), user("hei"), bot("B")]
    problems, _ = check_conversation(sent, events)
    assert len(problems) == 1 and "reordered" in problems[0]


def test_an_interleaved_message_is_found():
    """The second message was taken before the first one's reply: the turns interleave."""
    sent = conversation(("hei", ["A"]), ("kiitos", ["B"]))
    events = [user("hei"), user("kiitos"), bot("A"), bot("B")]
    problems, _ = check_conversation(sent, events)
    assert problems and "turn 1" in problems[0] and "next message was taken first" in problems[0]


def test_a_foreign_message_in_the_tracker_is_found():
    sent = conversation(("hei", ["A"]))
    problems, _ = check_conversation(sent, [user("hei"), bot("A"), user("someone else"), bot("C")])
    assert any("foreign user message" in problem for problem in problems)


def test_client_side_reply_of_another_conversation_is_found():
    sent = conversation(("hei", ["Reply meant for someone else"]))
    problems, _ = check_conversation(sent, [user("hei"), bot("A")])
    assert problems == ["c1: turn 1 received another conversation's message: 'Reply meant for someone else'"]


def test_client_side_reordered_replies_are_found():
    sent = conversation(("hei", ["B"]), ("kiitos", ["A"]))
    problems, _ = check_conversation(sent, [user("hei"), bot("A"), user("kiitos"), bot("B")])
    assert problems == ["c1: turn 1 received bot messages out of order"]


def test_a_late_reply_keeps_the_order_and_gets_back_to_its_turn():
    """The first turn's second message arrived only after the next message was sent (at 1.1 s)."""
    sent = conversation(("hei", ["A1"]), ("kiitos", ["A2", "B"]))
    assert check_conversation(sent, [user("hei"), bot("A1"), bot("A2"), user("kiitos"), bot("B")]) == ([], 1)
    assert sent.turns[0].latency == pytest.approx(1.1)


def test_a_reply_after_the_resident_left_is_a_late_turn():
    sent = conversation(("hei", ["A1"]))
    assert check_conversation(sent, [user("hei"), bot("A1"), bot("A2")]) == ([], 1)


def test_texts_split_at_blank_lines_compare_equal():
    """REST and stock socket.io split a text at blank lines; the tracker keeps it whole."""
    sent = conversation(("hei", ["Hei!", "Miten voin auttaa?"]))
    assert check_conversation(sent, [user("hei"), bot("Hei!\n\nMiten voin auttaa?")]) == ([], 0)


def test_a_timed_out_last_message_may_be_missing_from_the_tracker():
    sent = conversation(("hei", ["A"]), ("kiitos", []), error_last="timeout")
    assert check_conversation(sent, [user("hei"), bot("A")]) == ([], 0)
    assert check_conversation(sent, [user("hei"), bot("A"), user("kiitos")]) == ([], 0)


def test_figures_count_errors_and_throughput():
    ok = conversation(("hei", ["A"]), ("kiitos", ["B"]))
    failed = conversation(("hei", []), error_last="http 502")
    row = figures("ours-1", "rest", 2, [ok, failed], elapsed=2.0, ordering=ordering_summary([], 2))
    assert (row.messages, row.replies, dict(row.errors), row.throughput) == (3, 2, {"http 502": 1}, 1.0)
    assert row.ordering == "ok (2 conversations)"
    assert ordering_summary(["x"], 5, unreadable=1, late=2) == "1 violation(s) (5 conversations; 1 tracker(s) unreadable; 2 late turn(s))"
    assert "| ours-1 | rest | 2 | 2 | 3 | 2 | 1 http 502 | 100 / 100 / 100 | 1.0 | ok (2 conversations) |" in table([row])


def test_finnish_resident_presses_the_offered_feedback_button():
    phrases = Phrases(["miten saan ajan hammaslääkärille"], ["sää huomenna"], ["haluan kuolla"])
    seen = set()
    for seed in range(30):
        script = finnish_conversation(random.Random(seed), phrases, "socketio")
        assert next(script) == "/greet"
        script.send([{"text": "Hei!"}])
        answer = [{"text": "Vastaus", "buttons": [{"title": "Kyllä", "payload": '/feedback{"helpful": "yes"}'}]}]
        try:
            seen.add(script.send(answer))
        except StopIteration:  # some residents just leave
            seen.add(None)
    assert '/feedback{"helpful": "yes"}' in seen


def test_moodbot_user_answers_did_that_help():
    script = moodbot_conversation(random.Random(1))
    next(script)
    message = script.send([{"text": "Hey! How are you?"}])
    if message.endswith("?"):
        message = script.send([{"text": "I am a bot, powered by Rasa."}])
    answer = script.send([{"text": "Here is something to cheer you up:"}, {"text": "Did that help you?"}])
    assert answer in {"yes", "no", "yes it did", "not really"}
