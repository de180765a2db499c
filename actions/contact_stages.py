"""The contact-request form as data: its typed state, how each answer is read, and its table of stages.

The state lives in the `contact_form` slot as a plain dict (Rasa stores slots as JSON):
{"form_id", "stage", "data", "failures"} for the form, {"mode": "status", "stage", "data",
"failures"} for the status check. `ContactForm` reads that dict and writes the same shape back, so
a conversation saved by an older version goes on where it was. An answer not given yet is missing
from "data" (None in `ContactAnswers`); a skipped one is an empty string.

The questions, in the order they are asked: what the matter is about, whose matter it is, the
resident's own words, urgency, how to be reached (only for an identified resident), the phone
number (not for a secure message) and when to call. The texts are in `actions.contact_messages`.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Mapping

from actions import contact_messages as texts
from actions import messages
from actions.form_engine import UNREAD, Reply, Stage, StageTable
from actions.form_words import CONTACT_SKIP, is_one_of
from actions.free_text import urgency_of
from actions.store.tickets import callback_phone
from guidance_library.instruments import fold

ANSWER_INTENT = "contact_answer"
MIN_WORDS_CHARS = 8

REASON_WORDS = (  # first match wins: the more specific matters first
    ("on_behalf", ("puolesta", "valtakirj", "edunvalvo")),
    ("booking", ("ajanvar", "aika", "ajan", "varaa", "varat", "perua", "perum", "peruu", "peruut", "siirt")),
    ("digital_help", ("digi", "sovellu", "kirjaud", "omakant", "verkossa", "chat", "sahkoinen")),
    ("documents", ("todistu", "lasku", "asiakirj", "lausun", "resept", "paatos", "maksu")),
    ("contact_details", ("yhteystie", "numero", "minne", "mihin", "osoite", "aukiolo")),
    ("social", ("sosiaal", "toimeentulo", "perustoimeentulo", "arje", "kotihoi", "lastensuojel", "asumi", "raha", "perhe", "vammais")),
    ("health", ("terve", "oire", "sairau", "kipu", "kipe", "laake", "mielenterv", "masenn", "hoito")),
)
ROLE_WORDS = (
    ("professional", ("ammattilai", "hoitaja", "tyossani", "asiakkaan")),
    ("relative", ("laheis", "omai", "aiti", "isa", "lapse", "lapsi", "puoliso", "mumm", "vaimo", "mies", "vanhem",
                  "tytar", "poika", "sisko", "veli", "isovanhem", "ystav")),
    ("resident", ("oma", "itse", "mina", "minun", "mun", "mulla", "minulla")),
    ("other", ("muu",)),
)


@dataclass
class ContactAnswers:
    """What the form has gathered (the slot's "data"); None is not asked or not known yet."""

    reason: str | None = None  # a value of contact_messages.REASONS
    role: str | None = None  # a value of contact_messages.ROLES
    words: str | None = None  # the resident's own words ("": skipped after a self-assessment)
    urgency: str | None = None  # "urgent" or "normal"
    method: str | None = None  # "phone" or "secure_message" (asked of an identified resident only)
    phone: str | None = None  # +358 form
    phone_display: str | None = None  # masked, for the summary
    reach_time: str | None = None
    assessment: dict | None = None  # the self-assessment's result, when the request follows one
    path_id: str | None = None  # the path the conversation was on (one the library has)
    topic_id: str | None = None
    topic_title: str | None = None
    subject: str | None = None  # whom the matter concerns, as the conversation named it ("ikääntynyt")
    reference: str | None = None  # the status check's reference, while its digits are asked
    worse_programme: str | None = None  # the programme whose "Tilanteeni on huonompi" started the request
    programmes: list | None = None  # an identified resident's programme progress, as the summary showed it

    @property
    def follows_up(self) -> bool:
        """The request follows a self-assessment or a programme: the resident's own words may be skipped."""
        return bool(self.assessment or self.worse_programme)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> ContactAnswers:
        """The answers of a slot's "data" (keys this version does not know are left out)."""
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})

    def as_dict(self) -> dict[str, Any]:
        """The slot's "data": only what is known, as the form has always stored it."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}


@dataclass
class ContactForm:
    """The contact-request form, or the status check, in progress."""

    stage: str = ""
    data: ContactAnswers = field(default_factory=ContactAnswers)
    failures: int = 0
    form_id: str | None = None  # one ticket per conversation and form id
    mode: str | None = None  # "status" for the status check

    @classmethod
    def from_slot(cls, value: Mapping[str, Any]) -> ContactForm:
        return cls(stage=str(value.get("stage") or ""), data=ContactAnswers.from_dict(value.get("data")),
                   failures=int(value.get("failures") or 0), form_id=value.get("form_id"), mode=value.get("mode"))

    def to_slot(self) -> dict[str, Any]:
        slot: dict[str, Any] = {"stage": self.stage, "data": self.data.as_dict(), "failures": self.failures}
        if self.form_id is not None:
            slot["form_id"] = self.form_id
        if self.mode is not None:
            slot["mode"] = self.mode
        return slot


@dataclass(frozen=True)
class ContactTurn:
    """What the rows are given each turn: the reply, and the identity (looked up once, when needed)."""

    reply: Reply
    identify: Callable[[], dict | None]

    @cached_property
    def identity(self) -> dict | None:
        return self.identify()

    @property
    def value(self) -> str | None:
        """The value a button of the form carries."""
        return self.reply.entity("form_value")

    @property
    def typed(self) -> bool:
        """Whether the reply was written, not a button of the form."""
        return self.reply.intent != ANSWER_INTENT


def button(title: str, value: str, **more: str) -> dict[str, str]:
    return {"title": title, "payload": messages.payload(ANSWER_INTENT, form_value=value, **more)}


def masked(phone: str) -> str:
    """"+358401234567" -> "040 ••• 4567": enough for the resident to recognise it, in the chat."""
    national = "0" + phone[4:]
    return f"{national[:3]} ••• {national[-4:]}"


def keyword_choice(text: str, table) -> str | None:
    """The first value whose keyword begins a word of the text (Finnish inflects at the end)."""
    words = fold(text).split()
    return next((value for value, keywords in table
                 if any(word.startswith(keyword) for keyword in keywords for word in words)), None)


# -- reading the answers: the value to keep, or UNREAD -----------------------------------------------
def _found(value: Any) -> Any:
    return UNREAD if value is None else value


def _choice(read: Callable[[ContactForm, ContactTurn], Any]) -> Callable[[ContactForm, ContactTurn], Any]:
    """A choice is read from a button, or from words that are not a question asked in the middle."""
    def reading(form: ContactForm, turn: ContactTurn) -> Any:
        if turn.value is None and turn.reply.looks_like_question:
            return UNREAD
        return read(form, turn)
    return reading


def _read_labelled(choices, words):
    """A button of `choices` (value, label), else the first value whose keyword the text has."""
    def read(form: ContactForm, turn: ContactTurn) -> Any:
        value = turn.value
        return value if value in dict(choices) else _found(keyword_choice(turn.reply.text, words))
    return read


def _read_words(form: ContactForm, turn: ContactTurn) -> Any:
    """A few words of the resident's own; after a self-assessment or a programme they may be skipped ("")."""
    text = turn.reply.text
    if form.data.follows_up and (turn.value == "skip" or is_one_of(text, CONTACT_SKIP)):
        return ""
    return text.strip() if turn.typed and len(text.strip()) >= MIN_WORDS_CHARS else UNREAD


def _read_urgency(form: ContactForm, turn: ContactTurn) -> Any:
    value = turn.value
    chosen = value if value in ("urgent", "normal") else urgency_of(turn.reply.text)
    return chosen if chosen in ("urgent", "normal") else UNREAD


def _read_method(form: ContactForm, turn: ContactTurn) -> Any:
    if turn.value in ("phone", "secure_message"):
        return turn.value
    folded = fold(turn.reply.text)
    return "phone" if "puhel" in folded or "soit" in folded else "secure_message" if "viest" in folded else UNREAD


def _read_phone(form: ContactForm, turn: ContactTurn) -> Any:
    return _found(callback_phone(turn.reply.text)) if turn.typed else UNREAD


def _read_reach_time(form: ContactForm, turn: ContactTurn) -> Any:
    value, text = turn.value, turn.reply.text
    return (value or text).strip()[:200] if (value or len(text.strip()) >= 3) else UNREAD


# -- keeping them, and which rows are still to be asked --------------------------------------------
def _kept_as(name: str) -> Callable[[ContactForm, Any, ContactTurn], None]:
    def keep(form: ContactForm, value: Any, turn: ContactTurn) -> None:
        setattr(form.data, name, value)
    return keep


def _keep_phone(form: ContactForm, value: str, turn: ContactTurn) -> None:
    form.data.phone = value
    form.data.phone_display = masked(value)


def _unanswered(name: str) -> Callable[[ContactForm, ContactTurn], bool]:
    return lambda form, turn: getattr(form.data, name) is None


def _method_pending(form: ContactForm, turn: ContactTurn) -> bool:
    """Only an identified resident can be answered by a secure message."""
    return form.data.method is None and turn.identity is not None


def _phone_pending(form: ContactForm, turn: ContactTurn) -> bool:
    return form.data.phone is None and form.data.method != "secure_message"


# -- what is asked ----------------------------------------------------------------------------------
def _cancel() -> dict[str, str]:
    return button(texts.BUTTON_CANCEL, "cancel")


def _buttons(*pairs: tuple[str, str]) -> Callable[[ContactForm, ContactTurn], list[dict[str, str]]]:
    """Buttons of (label, value) pairs, and the cancel button last."""
    return lambda form, turn: [button(label, value) for label, value in pairs] + [_cancel()]


def _ask_words(form: ContactForm, turn: ContactTurn) -> str:
    return texts.ASK_WORDS_AFTER_ASSESSMENT if form.data.follows_up else texts.ASK_WORDS


def _words_buttons(form: ContactForm, turn: ContactTurn) -> list[dict[str, str]]:
    """The resident's own words may be skipped only after a self-assessment or from a programme (its
    result or progress says enough)."""
    return ([button(texts.BUTTON_SKIP_WORDS, "skip")] if form.data.follows_up else []) + [_cancel()]


CONTACT_STAGES: StageTable[ContactForm, ContactTurn] = StageTable(
    Stage("reason", texts.ASK_REASON, _buttons(*((label, value) for value, label in texts.REASONS)),
          _choice(_read_labelled(texts.REASONS, REASON_WORDS)), _kept_as("reason"), _unanswered("reason"),
          texts.NOT_UNDERSTOOD),
    Stage("role", texts.ASK_ROLE, _buttons(*((label, value) for value, label in texts.ROLES)),
          _choice(_read_labelled(texts.ROLES, ROLE_WORDS)), _kept_as("role"), _unanswered("role"),
          texts.NOT_UNDERSTOOD),
    Stage("words", _ask_words, _words_buttons, _read_words, _kept_as("words"), _unanswered("words"),
          texts.WORDS_TOO_SHORT, side_questions=False),
    Stage("urgency", texts.ASK_URGENCY, _buttons((texts.BUTTON_URGENT, "urgent"), (texts.BUTTON_NORMAL, "normal")),
          _choice(_read_urgency), _kept_as("urgency"), _unanswered("urgency"), texts.NOT_UNDERSTOOD),
    Stage("method", texts.ASK_METHOD, _buttons((texts.BUTTON_PHONE, "phone"), (texts.BUTTON_SECURE, "secure_message")),
          _choice(_read_method), _kept_as("method"), _method_pending, texts.NOT_UNDERSTOOD),
    Stage("phone", texts.ASK_PHONE, _buttons(), _read_phone, _keep_phone, _phone_pending, texts.PHONE_NOT_VALID,
          side_questions=False),
    Stage("reach_time", texts.ASK_REACH_TIME, _buttons(*((label, label) for label in texts.REACH_TIMES)),
          _read_reach_time, _kept_as("reach_time"), _unanswered("reach_time"), texts.NOT_UNDERSTOOD,
          side_questions=False),
)
