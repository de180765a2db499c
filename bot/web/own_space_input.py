"""Reading the own space's input: the JSON body, and what a resident records in a programme, checked
against the programme's own data (`guidance_library/programme.py`) before anything reaches a store.

Anything wrong is `Refused` (an HTTP status, the key of its Finnish text in `own_space_texts.yml`,
the field and the values the text names); the door turns it into the answer. A refused request
stores nothing: every check here runs before the one store call that writes.

What a programme step stores as its value (the professional's view reads the same shapes):
exercise `text` -> the text; `choice` -> the option's value; `number` -> the number; a diary entry
-> {"day": "YYYY-MM-DD", "amount": standard drinks}; a check-in -> the option's value.
"""
from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any, Iterable, Mapping

from sanic.request import Request

from actions.store.access import InputRefused, plain_text
from guidance_library.programme import Diary, Module

MAX_BODY_BYTES = 16 * 1024   # the largest body the own space takes (a 4000-character message is ~16 kB at worst)
MAX_EXERCISE_TEXT = 2000     # characters of an exercise's written answer
MAX_KEY = 120                # an idempotency key (the stores' limit)


class Refused(Exception):
    """A request the own space does not carry out: status, text key, field and the text's values."""

    def __init__(self, status: int, key: str, field: str | None = None, **values: Any) -> None:
        super().__init__(f"{status} {key} {field or ''}".strip())
        self.status = status
        self.key = key
        self.field = field
        self.values = values


def invalid(field_name: str, **values: Any) -> Refused:
    """A 400 naming the field whose value was refused."""
    return Refused(400, "invalid", field_name, **values)


def json_object(request: Request, allowed: Iterable[str]) -> dict[str, Any]:
    """The body as a JSON object of only the allowed fields (sent as JSON, at most `MAX_BODY_BYTES`)."""
    body = request.body or b""
    if len(body) > MAX_BODY_BYTES:
        raise Refused(413, "too_large")
    if "json" not in (request.headers.get("content-type") or "").lower():
        raise Refused(415, "not_json")  # a cross-site form cannot send JSON without asking first
    try:
        data = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise Refused(400, "not_json") from None
    if not isinstance(data, dict):
        raise Refused(400, "not_json")
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise invalid(str(unknown[0])[:40])
    return data


def string(data: Mapping[str, Any], name: str, limit: int = 200) -> str:
    """A required string field of at most `limit` characters (refused otherwise, never cut)."""
    value = data.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise invalid(name, limit=limit)
    return value


def optional_string(data: Mapping[str, Any], name: str, limit: int = 200) -> str | None:
    return None if data.get(name) is None else string(data, name, limit)


def submit_key(data: Mapping[str, Any]) -> str:
    """The page's idempotency key of this submit (a double click sends the same one)."""
    return string(data, "idempotency_key", MAX_KEY).strip()


def _number(value: Any) -> float | None:
    """A JSON number (never a boolean, NaN or infinity), or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def shown_number(value: float | None) -> str:
    """A limit as a resident reads it: 7, not 7.0; 1,5 with a decimal comma."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def exercise_value(module: Module, value: Any) -> Any:
    """The value of a module's exercise of kind text, choice or number (a diary: `diary_entry`)."""
    exercise = module.exercise
    if exercise.records == "text":
        if not isinstance(value, str):
            raise invalid("text", limit=MAX_EXERCISE_TEXT)
        try:
            return plain_text(value, MAX_EXERCISE_TEXT, "text")
        except InputRefused:
            raise invalid("text", limit=MAX_EXERCISE_TEXT) from None
    if exercise.records == "choice":
        if not isinstance(value, str) or value not in {option.value for option in exercise.options}:
            raise invalid("choice")
        return value
    if exercise.records == "number":
        number = _number(value)
        low = exercise.minimum if exercise.minimum is not None else 0.0
        high = exercise.maximum if exercise.maximum is not None else 1000.0
        if number is None or not low <= number <= high:
            raise invalid("number", minimum=shown_number(low), maximum=shown_number(high))
        return int(number) if number.is_integer() else number
    raise invalid("value")  # a diary module's entries come through `diary_entry`


def diary_entry(diary: Diary, data: Mapping[str, Any], started: dt.date, today: dt.date) -> dict[str, Any]:
    """A diary day: a date from the enrolment's start to today, and an amount 0..`max_per_day` in
    halves at the finest (standard drinks are counted, not measured)."""
    raw_day = data.get("day")
    try:
        day = dt.date.fromisoformat(raw_day) if isinstance(raw_day, str) and len(raw_day) == 10 else None
    except ValueError:
        day = None
    if day is None or not started <= day <= today:
        raise invalid("day")
    amount = _number(data.get("amount"))
    if amount is None or not 0 <= amount <= diary.max_per_day or not (amount * 2).is_integer():
        raise invalid("amount", maximum=shown_number(diary.max_per_day))
    return {"day": day.isoformat(), "amount": int(amount) if amount.is_integer() else amount}


def check_in_answer(module: Module, value: Any) -> str:
    """One of the module's check-in options."""
    if not isinstance(value, str) or value not in {option.value for option in module.check_in.options}:
        raise invalid("answer")
    return value
