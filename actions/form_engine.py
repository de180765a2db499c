"""Conversation tasks as tables of stages, and the small engine that walks a table.

The contact-request form and the self-assessment each ask a row of questions one by one, read the
resident's reply by button or in their own words, keep what was read and go on; a reply that is not
an answer is either another question asked in the middle (answered, then the task goes on) or a
failure, counted so that the task can offer help after a few. Each task describes its questions as
rows (`Stage`): what is asked, which buttons are offered, how a reply is read, where the answer is
kept, and whether the row is still to be asked. The next stage is the first row, in table order,
still to be asked, so adding a question is adding a row. What is done when no row is left (the
summary and consent, the result) stays with the task's action.
"""
from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from typing import Any, Callable, ClassVar, Generic, List, Protocol, TypeVar

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.base import LibraryAction, latest_entity, latest_intent_and_text
from actions.guidance import SIDE_QUESTION_INTENTS, SIDE_QUESTION_MIN_WORDS, side_decision
from actions.guidance_decision import Outcome
from guidance_library.models import GuidanceLibrary

# Said before a task's question is asked again after "Ei ole hätää" (the safety question came in between).
AFTER_SAFE = f"{messages.SAFE_THANKS} {messages.SAFE_CONTINUE_TASK}\n\n"


class FormState(Protocol):
    """What the engine needs of a task's state: the stage asked last and the failures in a row."""

    stage: str
    failures: int


S = TypeVar("S", bound=FormState)
T = TypeVar("T")  # what a task's rows are given each turn: the reply, and what the task needs besides


class _Unread:
    """The type of UNREAD: a reply that is no answer (None can be an answer: a skipped question)."""

    def __repr__(self) -> str:
        return "UNREAD"


UNREAD: Any = _Unread()


@dataclass(frozen=True)
class Reply:
    """The resident's latest message as the rows read it."""

    tracker: Tracker
    intent: str | None
    text: str

    @classmethod
    def latest(cls, tracker: Tracker) -> Reply:
        intent, text = latest_intent_and_text(tracker)
        return cls(tracker, intent, text)

    def entity(self, name: str) -> str | None:
        """An entity of the message (a button's payload carries the answer as one)."""
        return latest_entity(self.tracker, name)

    @cached_property
    def looks_like_question(self) -> bool:
        """A longer message that the library answers well is a question in the middle, not an answer
        (worked out only when a row asks: it runs the guidance decision)."""
        return (self.intent in SIDE_QUESTION_INTENTS and len(self.text.split()) >= SIDE_QUESTION_MIN_WORDS
                and side_decision(self.tracker).outcome is Outcome.ANSWER)


@dataclass(frozen=True)
class Stage(Generic[S, T]):
    """One row of a task's table.

    `ask` is the question (a text, or made from the state), `buttons` the buttons offered with it,
    `read` the answer read from the turn (UNREAD when the reply is none), `keep` stores an answer in
    the state, and `pending` says whether the row is still to be asked. `problem` is what the task
    says before asking again after a reply it could not read; `side_questions` whether such a reply
    may be another question asked in the middle."""

    name: str
    ask: str | Callable[[S, T], str]
    buttons: Callable[[S, T], list[dict[str, str]]]
    read: Callable[[S, T], Any]
    keep: Callable[[S, Any, T], None]
    pending: Callable[[S, T], bool]
    problem: str = ""
    side_questions: bool = True


class Taken(Enum):
    """What became of a reply to the stage asked."""

    KEPT = "kept"            # read and kept: ask the next stage
    ASIDE = "aside"          # another question, already answered: ask the same stage again
    FAILED = "failed"        # neither: counted in the state's failures, ask again


class StageTable(Generic[S, T]):
    """A task's rows, in the order they are asked, and the walk through them."""

    def __init__(self, *rows: Stage[S, T]) -> None:
        names = [row.name for row in rows]
        if len(set(names)) != len(names):
            raise ValueError(f"stage names repeat: {names}")
        self.rows = rows

    def row(self, name: str | None) -> Stage[S, T] | None:
        return next((row for row in self.rows if row.name == name), None)

    def next_stage(self, state: S, turn: T) -> Stage[S, T] | None:
        """The first row still to be asked; None when the table is done."""
        return next((row for row in self.rows if row.pending(state, turn)), None)

    def ask(self, dispatcher: CollectingDispatcher, state: S, turn: T, prefix: str = "") -> bool:
        """Ask the next stage (after `prefix`) and note it in the state; False when none is left."""
        stage = self.next_stage(state, turn)
        if stage is None:
            return False
        state.stage = stage.name
        question = stage.ask if isinstance(stage.ask, str) else stage.ask(state, turn)
        dispatcher.utter_message(text=prefix + question, buttons=stage.buttons(state, turn))
        return True

    def take(self, state: S, turn: T, aside: Callable[[], bool] = lambda: False) -> Taken:
        """Read the reply to the stage asked. An answer is kept and the failures start again from
        nothing; a reply that is none is offered to `aside` (which answers it if it is another
        question) where the row allows, and is otherwise counted as a failure. A state whose stage
        is no row of the table reads nothing (but may still be asked something else)."""
        stage = self.row(state.stage)
        value = UNREAD if stage is None else stage.read(state, turn)
        if stage is not None and value is not UNREAD:
            stage.keep(state, value, turn)
            state.failures = 0
            return Taken.KEPT
        if (stage is None or stage.side_questions) and aside():
            return Taken.ASIDE
        state.failures += 1
        return Taken.FAILED


class TaskAction(LibraryAction):
    """An action that runs a conversation task kept in one slot (the contact-request form, the
    self-assessment): each turn it reads the latest reply and the slot, then `start`s a task when
    none is in progress (or the reply `starts_afresh`), and otherwise `resume`s the one that is."""

    slot_name: ClassVar[str] = ""

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                library: GuidanceLibrary) -> List[EventType]:
        reply = Reply.latest(tracker)
        slot = tracker.get_slot(self.slot_name)
        if not slot or self.starts_afresh(reply):
            return self.start(dispatcher, reply, library, slot)
        return self.resume(dispatcher, reply, library, slot)

    def starts_afresh(self, reply: Reply) -> bool:
        """Whether the reply starts the task anew even though one is in progress."""
        return False

    @abstractmethod
    def start(self, dispatcher: CollectingDispatcher, reply: Reply, library: GuidanceLibrary,
              slot: Any) -> List[EventType]:
        """A reply with no task in progress (`slot` is the slot's empty value), or one that starts it anew."""

    @abstractmethod
    def resume(self, dispatcher: CollectingDispatcher, reply: Reply, library: GuidanceLibrary,
               slot: dict) -> List[EventType]:
        """A reply to the task in progress, whose state is `slot`."""
