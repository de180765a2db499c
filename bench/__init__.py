"""Benchmarks that print figures (README, bench/RESULTS.md); never pass/fail tests."""
from __future__ import annotations

import logging


def quiet_rasa_logs() -> None:
    """Rasa 3.6 logs every parsed message's text through structlog at debug level, and structlog
    prints everything when nobody configured it: a benchmark loading the model in process would show
    the evaluation sets' messages (blind sets must stay unread). Only warnings and errors get through."""
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    logging.getLogger("rasa").setLevel(logging.WARNING)
