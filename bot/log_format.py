"""Log lines as JSON in production (`ASSISTANT_LOG_FORMAT=json`), one object per line, for the
region's log collector; plain text otherwise. The redaction (`bot.log_redaction`) runs when a record
is made, so the JSON carries the already redacted message."""
from __future__ import annotations

import datetime as dt
import json
import logging
import os

ENV_LOG_FORMAT = "ASSISTANT_LOG_FORMAT"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s - %(message)s"
SERVER_LOGGERS = ("sanic.root", "sanic.error", "sanic.access")  # Sanic's loggers have handlers of their own


class JsonFormatter(logging.Formatter):
    """time (UTC, ISO 8601), level, logger, message, and the exception's type and trace if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, str | None] = {"time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            entry["exception"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            entry["trace"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def json_logs_wanted() -> bool:
    return os.environ.get(ENV_LOG_FORMAT, "").strip().lower() == "json"


def use_json_if_wanted() -> None:
    """With ASSISTANT_LOG_FORMAT=json, the handlers the process has (the root's: ours or Rasa's, and
    Sanic's own) write JSON lines."""
    if json_logs_wanted():
        for name in ("", *SERVER_LOGGERS):
            for handler in logging.getLogger(name).handlers:
                handler.setFormatter(JsonFormatter())


def configure_logging(level: int = logging.INFO) -> None:
    """A process of ours starting: a root handler in plain text, or JSON lines when wanted."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=level, format=TEXT_FORMAT)
    use_json_if_wanted()


def error_summary(error: BaseException, limit: int = 300) -> str:
    """An error for an operator's log line: its class and the first line of its message, cut to `limit`."""
    message = str(error).splitlines()[0][:limit] if str(error) else ""
    return f"{error.__class__.__name__}: {message}" if message else error.__class__.__name__
