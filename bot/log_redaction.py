"""Personal data never reaches a log line: every log record of the process is redacted when it is
made (identity codes, e-mail addresses, phone numbers), whoever logs it: our code, Rasa, Sanic,
rasa-sdk or a library at debug level.

SAML messages are held back as a whole, since the names and NameID in them cannot be recognised
by pattern. pysaml2 logs whole responses and assertions ("Signature Error: {... 'xml document':
...}", "--- AVA: {...}", the failing assertion itself), so what its loggers (`saml2`, `saml2.*`)
say is cut to general terms at every level: the message's fixed wording with each value withheld,
keeping only an exception's type, the general reason pysaml2 gives for a signature failure
("Signature Error: Signature failed to meet constraints on xmldsig [details withheld]") and
xmlsec1's reasons ("returncode=1; invalid data; data and digest do not match"); a traceback keeps
its frames and the exception's type, not its message. In any other record (our own, Sanic's) SAML
markup is cut from where it starts.

Installed by each of our processes at start, never on import: the actions server
(`actions/server.py`, before rasa-sdk imports the actions), the Rasa server (`bot/rasa_internals.install`,
called by our channels and NLU components when Rasa builds them) and the web app (`bot/web/__main__.py`).
"""
from __future__ import annotations

import logging
import re
import traceback
from typing import Any

from bot.personal_data import redact_identifiers

_MARK = "_sote_redacting"
SAML_LOGGER = "saml2"  # pysaml2's loggers: saml2, saml2.response, saml2.sigver, saml2.entity, ...
WITHHELD = "[withheld]"
SAML_WITHHELD = "[SAML withheld]"
GENERAL_MAX = 120
# a %-placeholder of a log message (its conversion type is group "type")
_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<type>[diouxXeEfFgGcrsa%])")
# pysaml2's signature errors carry a dict whose first entry is a general reason, then the document
_ERROR_CONTEXT = re.compile(r"""^\{\s*['"]message['"]\s*:\s*['"](?P<reason>[^'"{}<>\n]{1,200})['"]""")
# xmlsec1's own error lines (it never prints the document): "...:error=12:invalid data:data and digest do not match"
_XMLSEC_REASON = re.compile(r"\berror=\d+:(?P<reason>[A-Za-z][A-Za-z :]{2,120})$", re.MULTILINE)
# where free text turns into values: a colon, a dict, markup, a new line
_VALUES_START = re.compile(r"[:{<\n]")
# an XML declaration, a namespace-prefixed element (<ns0:Assertion, <saml:NameID) or one declaring a namespace
SAML_MARKUP = re.compile(r"<(?:\?xml\b|[A-Za-z_][\w.-]*:[A-Za-z_]|[A-Za-z_][\w.-]*\s[^<>]*\bxmlns\b)")


def _is_saml(record: logging.LogRecord) -> bool:
    return record.name == SAML_LOGGER or record.name.startswith(SAML_LOGGER + ".")


def _general(text: Any) -> str:
    """The wording before the first value ("Loading metadata failed; reason: ..." -> its first part)."""
    if not isinstance(text, str):
        return WITHHELD
    general = _VALUES_START.split(text, maxsplit=1)[0].strip()[:GENERAL_MAX]
    return general or WITHHELD


def _reason(value: Any) -> str:
    """What may be said of one logged value: pysaml2's general reason of a signature failure, or the
    type of an exception; nothing else."""
    text = str(value.args[0]) if isinstance(value, BaseException) and value.args else value
    found = _ERROR_CONTEXT.match(text) if isinstance(text, str) else None
    if found:
        return f"{found.group('reason')} [details withheld]"
    if isinstance(value, BaseException):
        return f"{type(value).__name__} [details withheld]"
    return WITHHELD


def saml_message(record: logging.LogRecord) -> str:
    """A pysaml2 record's message in general terms: its fixed wording, each value withheld."""
    if isinstance(record.msg, dict):  # pysaml2's log reports: {"message": ..., "entity": ..., ...}
        return _general(record.msg.get("message"))
    if not isinstance(record.msg, str):
        return WITHHELD
    if not record.args:  # formatted before logging (f-strings): only the wording before any value
        if record.msg.startswith("returncode="):  # xmlsec1 failed: its reasons are general terms
            reasons = dict.fromkeys(part.strip() for m in _XMLSEC_REASON.finditer(record.msg)
                                    for part in m.group("reason").split(":") if part.strip())
            return "; ".join([_general(record.msg), *reasons])
        return _general(record.msg)
    values = list(record.args) if isinstance(record.args, tuple) else []

    def placeholder(match: re.Match[str]) -> str:
        if match.group("type") == "%":
            return "%"
        return _reason(values.pop(0)) if values else WITHHELD

    return _PLACEHOLDER.sub(placeholder, record.msg)


def _saml_traceback(exc_info: Any) -> str:
    kind, _, trace = exc_info
    frames = "".join(traceback.format_tb(trace)) if trace is not None else ""
    return f"Traceback (most recent call last):\n{frames}{getattr(kind, '__name__', 'Exception')}: {WITHHELD}"


def without_saml_markup(text: str) -> str:
    """The text cut where SAML (or any namespaced XML) markup starts."""
    found = SAML_MARKUP.search(text)
    return text if found is None else text[:found.start()] + SAML_WITHHELD


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Replace the record's message (with its arguments filled in) and exception text by redacted ones."""
    if _is_saml(record):
        record.msg, record.args = redact_identifiers(saml_message(record)), ()
        if record.exc_info:
            record.exc_text = _saml_traceback(record.exc_info)
            record.exc_info = None  # no handler formats the exception's message again
        return record
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # a broken format string: leave it to logging's own error report
        return record
    redacted = redact_identifiers(without_saml_markup(message))
    if redacted != message or record.args:
        record.msg, record.args = redacted, ()
    if record.exc_info and not record.exc_text:
        record.exc_text = redact_identifiers(without_saml_markup(logging.Formatter().formatException(record.exc_info)))
    return record


def install_log_redaction() -> None:
    """Wrap the process's log-record factory once; calling it again changes nothing."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, _MARK, False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(previous(*args, **kwargs))

    setattr(factory, _MARK, True)
    logging.setLogRecordFactory(factory)
