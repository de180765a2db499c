"""Personal data never reaches a log line: every log record of the process is redacted when it is
made (identity codes, e-mail addresses, phone numbers), whoever logs it: our code, Rasa, Sanic,
rasa-sdk or a library at debug level.

Installed by each of our processes at start: the actions server (`actions/__init__.py`), the Rasa
server (`bot/components/__init__.py`, loaded with the model) and the web app (`bot/web/__main__.py`).
"""
from __future__ import annotations

import logging
from typing import Any

from bot.personal_data import redact_identifiers

_MARK = "_sote_redacting"


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Replace the record's message (with its arguments filled in) and exception text by redacted ones."""
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # a broken format string: leave it to logging's own error report
        return record
    redacted = redact_identifiers(message)
    if redacted != message or record.args:
        record.msg, record.args = redacted, ()
    if record.exc_info and not record.exc_text:
        record.exc_text = redact_identifiers(logging.Formatter().formatException(record.exc_info))
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
