"""The self-assessment conversation as data: its typed state and its table of stages.

The state lives in the `assessment` slot as a plain dict (Rasa stores slots as JSON): {"id",
"stage", "answers", "background", "failures", "run"}, and once the result is in, "result", with
"crisis" and "below" when they hold. `AssessmentState` reads that dict and writes the same shape back, so a
questionnaire saved by an older version goes on where it was.

Two stages ask the instrument's questions one at a time: the background questions (age, sex: they
choose the cut-off) and then the items. Each question is asked until it is answered, skipped or the
resident stops; what follows the last item (the result and the offer of a professional's contact)
is `actions.assessment`'s. The texts are the instrument files' and `actions.messages`'.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from actions import messages
from actions.form_engine import UNREAD, Reply, Stage, StageTable
from guidance_library.instruments import (BackgroundQuestion, Instrument, Item, Option, match_answer, match_choice,
                                          questions_left)

ANSWER_INTENT = "assessment_answer"
MAX_FAILURES = 2  # after this many replies in a row that are no answer, skipping, stopping and a human are offered


@dataclass
class AssessmentState:
    """A self-assessment in progress: the answers so far and, at the end, the result."""

    id: str
    stage: str = ""
    answers: dict[str, int | None] = field(default_factory=dict)  # item id -> points (None: skipped)
    background: dict[str, str] = field(default_factory=dict)  # background question id -> choice
    failures: int = 0
    crisis: bool = False  # an item's answer called for the crisis guidance
    result: dict[str, Any] | None = None
    below: bool = False  # the result is below the threshold: contact is offered only if wanted
    run: str = ""  # this questionnaire's run: a retried action keeps its result in the own space once

    @classmethod
    def from_slot(cls, value: Mapping[str, Any]) -> AssessmentState:
        """The state of a slot value (copies: the tracker's own value is never changed)."""
        return cls(id=str(value.get("id") or ""), stage=str(value.get("stage") or ""),
                   answers=dict(value.get("answers") or {}), background=dict(value.get("background") or {}),
                   failures=int(value.get("failures") or 0), crisis=bool(value.get("crisis")),
                   result=value.get("result"), below=bool(value.get("below")), run=str(value.get("run") or ""))

    def to_slot(self) -> dict[str, Any]:
        slot: dict[str, Any] = {"id": self.id, "stage": self.stage, "answers": self.answers,
                                "background": self.background, "failures": self.failures}
        if self.crisis:
            slot["crisis"] = True
        if self.result is not None:
            slot["result"] = self.result
        if self.below:
            slot["below"] = True
        if self.run:
            slot["run"] = self.run
        return slot


@dataclass(frozen=True)
class AssessmentTurn:
    """What the rows are given each turn: the reply, the instrument, and what to do on a crisis answer."""

    reply: Reply
    instrument: Instrument
    on_crisis: Callable[[Item], None] = lambda item: None

    @property
    def control(self) -> str | None:
        """A control button's value: "skip", "stop" or "human"."""
        return self.reply.entity("control")


def pending_background(state: AssessmentState, turn: AssessmentTurn) -> BackgroundQuestion | None:
    return next((q for q in turn.instrument.background
                 if q.id not in state.background and q.applies(state.background)), None)


def _current_item(state: AssessmentState, turn: AssessmentTurn) -> tuple[int, Item]:
    index = questions_left(turn.instrument, state.answers)[0]
    return index, turn.instrument.items[index]


def _button(title: str, **entities: str) -> dict[str, str]:
    return {"title": title, "payload": messages.payload(ANSWER_INTENT, **entities)}


# -- background questions ---------------------------------------------------------------------------
def _background_pending(state: AssessmentState, turn: AssessmentTurn) -> bool:
    """Background questions come before the first item, never after."""
    return state.stage in ("", "background") and pending_background(state, turn) is not None


def _ask_background(state: AssessmentState, turn: AssessmentTurn) -> str:
    return pending_background(state, turn).text


def _background_buttons(state: AssessmentState, turn: AssessmentTurn) -> list[dict[str, str]]:
    return [_button(c.label, choice=c.value) for c in pending_background(state, turn).options]


def _read_background(state: AssessmentState, turn: AssessmentTurn) -> Any:
    """A choice by button or in words; "skip" is the choice "untold" where the question has one."""
    question = pending_background(state, turn)
    if question is None:
        return UNREAD
    value = turn.reply.entity("choice")
    choice = next((c for c in question.options if c.value == value), None) or match_choice(question, turn.reply.text)
    if choice is None and turn.control == "skip":
        choice = next((c for c in question.options if c.value == "untold"), None)
    return UNREAD if choice is None else choice.value


def _keep_background(state: AssessmentState, value: str, turn: AssessmentTurn) -> None:
    state.background[pending_background(state, turn).id] = value


# -- items ------------------------------------------------------------------------------------------
def _items_pending(state: AssessmentState, turn: AssessmentTurn) -> bool:
    return bool(questions_left(turn.instrument, state.answers))


def _ask_item(state: AssessmentState, turn: AssessmentTurn) -> str:
    index, _ = _current_item(state, turn)
    return f"{index + 1}/{len(turn.instrument.items)}. {turn.instrument.question(index)}"


def _item_buttons(state: AssessmentState, turn: AssessmentTurn) -> list[dict[str, str]]:
    """The options; after repeated replies that were no answer, also skip, stop and a human."""
    _, item = _current_item(state, turn)
    buttons = [_button(o.label, points=str(o.points)) for o in item.options]
    if state.failures >= MAX_FAILURES:
        buttons += [_button(messages.BUTTON_SKIP, control="skip"), _button(messages.BUTTON_STOP, control="stop"),
                    _button(messages.BUTTON_CONTACT, control="human")]
    return buttons


def _read_item(state: AssessmentState, turn: AssessmentTurn) -> Any:
    """An option by button or in words (not a question asked in the middle); None when skipped."""
    _, item = _current_item(state, turn)
    reply = turn.reply
    points = reply.entity("points")
    option = next((o for o in item.options if str(o.points) == points), None) if points is not None else None
    if option is None and reply.intent != ANSWER_INTENT and not reply.looks_like_question:
        option = match_answer(item, reply.text)
    if option is None:
        return None if turn.control == "skip" else UNREAD
    return option


def _keep_item(state: AssessmentState, option: Option | None, turn: AssessmentTurn) -> None:
    """The points (None: skipped); an answer above the item's crisis limit brings the crisis guidance at once."""
    _, item = _current_item(state, turn)
    state.answers[item.id] = None if option is None else option.points
    if option is not None and item.crisis_above is not None and option.points > item.crisis_above:
        state.crisis = True
        turn.on_crisis(item)


ASSESSMENT_STAGES: StageTable[AssessmentState, AssessmentTurn] = StageTable(
    Stage("background", _ask_background, _background_buttons, _read_background, _keep_background,
          _background_pending),
    Stage("items", _ask_item, _item_buttons, _read_item, _keep_item, _items_pending),
)
