"""Reading the staff doors' input: JSON bodies, query parameters and path ids, each checked field by field.

Anything malformed is `Invalid(field, reason)` (422); nothing unchecked reaches the stores. The team
API, the console and the management view all read their JSON bodies here, and only here.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
from typing import Any, Iterable, Mapping

from sanic.request import Request

from actions.store.tickets import TicketNotFound
from bot.bidi_controls import without_bidi_controls
from bot.web.team_errors import Invalid

logger = logging.getLogger(__name__)
MAX_ID = 2 ** 31 - 1  # PostgreSQL integer
SECRET_FIELDS = frozenset({"password"})
_ZONE_AFTER_SPACE = re.compile(r"(T[\d:.]+) (\d{2}(?::?\d{2})?)$")  # "+02:00" sent unencoded arrives as " 02:00"


NESTED_TOO_DEEPLY = "JSON nested too deeply; send a flat JSON object"  # the same on every route (no form sends it)


def json_body(request: Request, allowed: Iterable[str]) -> dict[str, Any]:
    """The body as a JSON object with only the allowed fields.

    JSON nested deeper than the parser's recursion limit (a few kilobytes of brackets do it) is
    refused like any other malformed body, with one log line for operators (never the body)."""
    if not request.body:
        raise Invalid("body", "send a JSON object")
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise Invalid("body", "not valid JSON") from None
    except RecursionError:
        logger.warning("refused a JSON body nested too deeply: %s %s (%d bytes)", request.method, request.path,
                       len(request.body))
        raise Invalid("body", NESTED_TOO_DEEPLY) from None
    if not isinstance(data, dict):
        raise Invalid("body", "must be a JSON object")
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise Invalid(unknown[0], "unknown field")
    return data


def text(data: Mapping[str, Any], name: str, *, required: bool = True, max_length: int = 200) -> str | None:
    """A string field (None if absent and optional); null, numbers and NUL characters are refused.

    Bidirectional control characters are removed (`bot/bidi_controls.py`): staff text is shown to
    residents and colleagues. A secret (`SECRET_FIELDS`) is compared, never shown: read as sent.
    """
    if name not in data:
        if required:
            raise Invalid(name, "missing")
        return None
    value = data[name]
    if not isinstance(value, str):
        raise Invalid(name, "must be a string")
    if "\x00" in value:
        raise Invalid(name, "must not contain NUL characters")
    if len(value) > max_length:
        raise Invalid(name, f"at most {max_length} characters")
    return value if name in SECRET_FIELDS else without_bidi_controls(value)


def choice(data: Mapping[str, Any], name: str, allowed: Iterable[str], *, required: bool = True) -> str | None:
    value = text(data, name, required=required)
    allowed = tuple(allowed)
    if value is not None and value not in allowed:
        raise Invalid(name, f"must be one of {', '.join(allowed)}")
    return value


def query(request: Request, allowed: Iterable[str]) -> dict[str, str]:
    """Query parameters, each at most once, none empty, none unknown."""
    values: dict[str, str] = {}
    for name, value in request.get_query_args(keep_blank_values=True):
        if name not in allowed:
            raise Invalid(name, "unknown query parameter")
        if name in values:
            raise Invalid(name, "given more than once")
        if not value.strip() or "\x00" in value:
            raise Invalid(name, "empty")
        values[name] = value.strip()
    return values


def integer(value: str, name: str, minimum: int = 1, maximum: int = MAX_ID) -> int:
    if not re.fullmatch(r"\d{1,12}", value):
        raise Invalid(name, "must be a whole number")
    number = int(value)
    if not minimum <= number <= maximum:
        raise Invalid(name, f"must be between {minimum} and {maximum}")
    return number


def ticket_id(value: str) -> int:
    """A ticket id from the path; a number beyond any stored id is simply not found."""
    if re.fullmatch(r"\d{1,30}", value) and int(value) > MAX_ID:
        raise TicketNotFound(value)
    return integer(value, "ticket_id")


def aware_datetime(value: str, name: str) -> dt.datetime:
    """ISO 8601 with a time zone ("2026-11-25T15:00:00+02:00", "...Z")."""
    cleaned = _ZONE_AFTER_SPACE.sub(r"\1+\2", value)
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        moment = dt.datetime.fromisoformat(cleaned)
    except ValueError:
        raise Invalid(name, "not an ISO 8601 date and time (2026-11-25T15:00:00+02:00)") from None
    if moment.tzinfo is None:
        raise Invalid(name, "give the time zone too (+02:00 or Z)")
    return moment


def boolean(value: str, name: str) -> bool:
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise Invalid(name, "must be true or false")


def body_id(data: Mapping[str, Any], name: str, *, required: bool = True) -> int | None:
    """A JSON body's row id (a whole number from 1; None if absent and optional); true/false, strings and
    fractions are refused."""
    if name not in data:
        if required:
            raise Invalid(name, "missing")
        return None
    value = data[name]
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise Invalid(name, f"a whole number from 1 to {MAX_ID}")
    return value


# -- contact records (issue 20): every refusal names the field and says why in Finnish ----------------
CONTACT_FIELDS = ("idempotency_key", "channel", "contactor", "reasons", "onward", "contact_at", "note", "service_area",
                  "path_id", "path_sent_via", "follow_up", "urgency", "callback_phone", "follow_up_consent",
                  "reach_time", "handoff_id")
CLOSE_CONTACT_FIELDS = ("contactor", "reasons", "service_area", "path_id", "note")  # a ticket's close may carry them
MAX_REASONS = 20


def finnish_body(request: Request, allowed: Iterable[str]) -> dict[str, Any]:
    """`json_body`, refusing in Finnish (the console shows the message as it is)."""
    try:
        return json_body(request, allowed)
    except Invalid as error:
        if error.field == "body" and error.message == NESTED_TOO_DEEPLY:
            raise
        if error.field == "body":
            raise Invalid("body", "Lomake on tyhjä tai ei ole JSON-olio: täytä kentät ja lähetä uudelleen.") from None
        raise Invalid(error.field or "body", f"Tuntematon kenttä: {error.field}.") from None


def finnish_text(data: Mapping[str, Any], name: str, *, required: bool = False, max_length: int = 200
                 ) -> str | None:
    """A string field; an empty string is absent (a form's untouched input)."""
    if name not in data or data[name] is None or data[name] == "":
        if required:
            raise Invalid(name, "Tämä kenttä puuttuu.")
        return None
    value = data[name]
    if not isinstance(value, str) or "\x00" in value:
        raise Invalid(name, "Kentän arvon pitää olla tekstiä.")
    if len(value) > max_length:
        raise Invalid(name, f"Enintään {max_length} merkkiä.")
    return without_bidi_controls(value)


def finnish_flag(data: Mapping[str, Any], name: str) -> bool:
    value = data.get(name, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise Invalid(name, "Arvon pitää olla true tai false.")
    return value


def string_list(data: Mapping[str, Any], name: str, *, required: bool = True) -> list[str] | None:
    if name not in data or data[name] is None:
        if required:
            raise Invalid(name, "Valitse vähintään yksi.")
        return None
    value = data[name]
    if not isinstance(value, list) or len(value) > MAX_REASONS or not all(isinstance(v, str) for v in value):
        raise Invalid(name, "Arvon pitää olla luettelo tunnisteita.")
    return value


def contact_time(data: Mapping[str, Any], name: str) -> dt.datetime | None:
    text_value = finnish_text(data, name, max_length=40)
    if text_value is None:
        return None
    try:
        return aware_datetime(text_value, name)
    except Invalid:
        raise Invalid(name, "Anna aika muodossa 2026-11-25T15:00:00+02:00 (aikavyöhykkeen kanssa).") from None


def local_day(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Invalid(name, "Anna päivä muodossa VVVV-KK-PP.") from None
