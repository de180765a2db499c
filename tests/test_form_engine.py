"""The stage engine of the conversation tasks (actions/form_engine.py) on a table of its own: the walk
in table order past answered and inapplicable rows, answers kept and failures reset, replies that
are no answer counted (or answered as another question where the row allows), and the one module
of cancel, skip and stop words."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import form_words
from actions.form_engine import UNREAD, Stage, StageTable, Taken
from guidance_library.instruments import fold


@dataclass
class Toy:
    """A form's state as the engine sees it, with its answers."""

    stage: str = ""
    failures: int = 0
    answers: dict = field(default_factory=dict)


def _number(state: Toy, text: str):
    return int(text) if text.isdigit() else UNREAD


def _keep(name: str):
    def keep(state: Toy, value, text: str) -> None:
        state.answers[name] = value
    return keep


def _unanswered(name: str):
    return lambda state, text: name not in state.answers


TABLE = StageTable(
    Stage("age", "Kuinka vanha olet?", lambda state, text: [{"title": "18", "payload": "/a"}], _number,
          _keep("age"), _unanswered("age")),
    Stage("pension", lambda state, text: f"Ikä {state.answers['age']}: saatko eläkettä?", lambda state, text: [],
          lambda state, text: {"kyllä": True, "ei": False}.get(text, UNREAD), _keep("pension"),
          lambda state, text: "pension" not in state.answers and state.answers.get("age", 0) >= 65,
          side_questions=False),
    Stage("note", "Jotain lisättävää?", lambda state, text: [],
          lambda state, text: None if text == "ohita" else (text or UNREAD), _keep("note"), _unanswered("note")),
)


def ask(state: Toy, prefix: str = "") -> list[dict]:
    dispatcher = CollectingDispatcher()
    assert TABLE.ask(dispatcher, state, "", prefix)
    return dispatcher.messages


def test_the_walk_asks_the_rows_in_order_and_skips_those_that_do_not_apply():
    state = Toy()
    [first] = ask(state, "Hei! ")
    assert state.stage == "age" and first["text"] == "Hei! Kuinka vanha olet?" and first["buttons"][0]["title"] == "18"
    assert TABLE.take(state, "40") is Taken.KEPT and state.answers == {"age": 40}
    [second] = ask(state)
    assert state.stage == "note"  # the pension question is for 65 and over only
    assert TABLE.take(state, "ohita") is Taken.KEPT and state.answers["note"] is None  # None is an answer (skipped)
    assert TABLE.next_stage(state, "") is None and not TABLE.ask(CollectingDispatcher(), state, "")


def test_a_row_asks_from_the_state_and_an_answered_row_is_not_asked_again():
    state = Toy(answers={"age": 70})
    [question] = ask(state)
    assert state.stage == "pension" and question["text"] == "Ikä 70: saatko eläkettä?" and question["buttons"] == []
    assert TABLE.take(state, "kyllä") is Taken.KEPT and state.answers["pension"] is True
    ask(state)
    assert state.stage == "note"


def test_an_invalid_answer_is_counted_as_a_failure_until_an_answer_resets_the_count():
    state = Toy()
    ask(state)
    assert TABLE.take(state, "vanha") is Taken.FAILED and state.failures == 1
    assert TABLE.take(state, "") is Taken.FAILED and state.failures == 2
    assert state.stage == "age" and state.answers == {}
    assert TABLE.take(state, "66") is Taken.KEPT and state.failures == 0


def test_a_reply_that_is_another_question_is_not_a_failure_where_the_row_allows_it():
    state = Toy()
    ask(state)
    assert TABLE.take(state, "missä on apteekki", aside=lambda: True) is Taken.ASIDE and state.failures == 0
    assert TABLE.take(state, "hmm", aside=lambda: False) is Taken.FAILED and state.failures == 1
    state = Toy(stage="pension", answers={"age": 70})
    asked = []
    assert TABLE.take(state, "missä on apteekki", aside=lambda: asked.append(1) or True) is Taken.FAILED
    assert asked == [] and state.failures == 1  # this row's replies are never taken for other questions


def test_an_unknown_stage_reads_nothing_but_may_still_be_asked_another_question():
    state = Toy(stage="removed")
    assert TABLE.take(state, "40") is Taken.FAILED and state.answers == {} and state.failures == 1
    assert TABLE.take(state, "40", aside=lambda: True) is Taken.ASIDE


def test_a_table_with_two_rows_of_one_name_is_refused():
    row = TABLE.rows[0]
    with pytest.raises(ValueError):
        StageTable(row, row)


@pytest.mark.parametrize("text, words, expected", [
    ("Lopeta nyt", form_words.ASSESSMENT_STOP, True), ("en halua jatkaa tätä", form_words.ASSESSMENT_STOP, True),
    ("en lopeta", form_words.ASSESSMENT_STOP, False), ("Peruuta!", form_words.CONTACT_CANCEL, True),
    ("keskeytä", form_words.CONTACT_CANCEL, True), ("haluan soiton", form_words.CONTACT_CANCEL, False),
    ("peru", form_words.CONTACT_CANCEL, True), ("peru se.", form_words.CONTACT_CANCEL, True),
    ("perua aika", form_words.CONTACT_CANCEL, False), ("perustoimeentulo", form_words.CONTACT_CANCEL, False),
    ("lopetan tupakoinnin", form_words.CONTACT_CANCEL, False), ("unohdan lääkkeet", form_words.CONTACT_CANCEL, False),
    ("en jaksa", form_words.ASSESSMENT_STOP, True), ("riittää jo", form_words.ASSESSMENT_STOP, True),
])
def test_cancel_and_stop_words_begin_the_message(text, words, expected):
    assert form_words.begins_with_one(text, words) is expected


@pytest.mark.parametrize("text, words, expected", [
    ("Ei.", form_words.CONTACT_SKIP, True), ("ei lisättävää!", form_words.CONTACT_SKIP, True),
    ("ei kiirettä", form_words.CONTACT_SKIP, False), ("poistu jonosta", form_words.QUEUE_LEAVE, True),
    ("lopeta jo", form_words.QUEUE_LEAVE, False),
])
def test_skip_and_leave_words_are_the_whole_message(text, words, expected):
    assert form_words.is_one_of(text, words) is expected


def test_the_words_are_folded_as_the_messages_are():
    for words in (form_words.CONTACT_CANCEL, form_words.CONTACT_SKIP, form_words.ASSESSMENT_STOP,
                  form_words.QUEUE_LEAVE):
        assert all(word == fold(word) for word in words), words  # a word not folded would never match
