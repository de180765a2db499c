"""The own space's one check (`resident_only`) and its one error edge: who the resident is, and how a
refusal becomes the JSON answer with its Finnish text (`own_space_texts.yml`).

Who the resident is comes only from the server side: the identity cookie's live identified session
and its person key (`bot/web/resident_session.py`); a change sent by another site's page is refused
before anything is read; and until this version of the service terms is accepted, a route that needs
them answers with the terms only. Store exceptions are mapped here (the edge): another person's
thread or enrolment is "not found", a database that cannot be reached is a 503.
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Any, Callable

from sanic import response
from sanic.request import Request
from sqlalchemy.exc import OperationalError

from actions.store.access import InputRefused
from actions.store.messages import MAX_BODY, ThreadClosed, ThreadNotFound
from actions.store.own_space import EnrolmentEnded, EnrolmentNotFound
from actions.store.person_key import NotAPersonKey
from actions.store.transactions import StoreUnavailable
from bot.blocking import blocking
from bot.web import own_space_views as views
from bot.web.own_space_input import Refused, invalid
from bot.web.own_space_texts import OwnSpaceTexts
from bot.web.resident_session import cross_site, live_session
from bot.web.routes import Handler
from bot.web.runtime import OwnSpace, runtime_of

logger = logging.getLogger(__name__)
HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


@dataclass(frozen=True)
class Resident:
    """What an own-space handler gets: whose space (the session's person key), the stores, the texts."""

    key: str
    own: OwnSpace
    texts: OwnSpaceTexts


def json_answer(data: Any, status: int = 200) -> response.HTTPResponse:
    """An own-space answer: JSON, never cached."""
    return response.json(data, status=status, headers=HEADERS)


def _refusal(texts: OwnSpaceTexts, problem: Refused) -> response.HTTPResponse:
    if problem.key == "invalid" and problem.field:
        message = texts.refusal(problem.field, **problem.values)
    else:
        message = texts.error(problem.key, **problem.values)
    return json_answer({"error": problem.key, "message": message, "field": problem.field}, problem.status)


def _as_refusal(error: Exception) -> Refused:
    """The edge: store exceptions as the own space's refusals."""
    if isinstance(error, Refused):
        return error
    if isinstance(error, InputRefused):
        limit = {"body": MAX_BODY}.get(error.field)
        return invalid(error.field, **({"limit": limit} if limit else {}))
    if isinstance(error, ThreadNotFound):
        return Refused(404, "request_not_found")
    if isinstance(error, ThreadClosed):
        return Refused(409, "thread_closed")
    if isinstance(error, EnrolmentNotFound):
        return Refused(404, "enrolment_not_found")
    if isinstance(error, EnrolmentEnded):
        return Refused(409, "enrolment_ended")
    if isinstance(error, NotAPersonKey):
        return Refused(401, "unidentified")
    return Refused(503, "unavailable")  # StoreUnavailable, OperationalError


def resident_only(*, change: bool = False, terms: bool = True) -> Callable[[Handler], Handler]:
    """The own space's one check: the handler runs as `handler(request, resident, **route_args)` only
    for a live identified session with a person key; a change must not come from another site's page;
    and, unless `terms` is False, this version of the terms must be accepted (else 403 with the terms)."""
    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def checked(request: Request, *args: Any, **kwargs: Any) -> response.HTTPResponse:
            runtime = runtime_of(request)
            texts = await blocking(runtime.own_space_texts)
            try:
                if change:
                    foreign = cross_site(request, runtime.settings.public_url)
                    if foreign:
                        logger.warning("own space: %s %s refused: sent by another site's page (%s)",
                                       request.method, request.path, foreign)
                        raise Refused(403, "foreign")
                session = await live_session(request)  # None also where identification is off
                if session is None or not session.person_key:
                    raise Refused(401, "unidentified")
                resident = Resident(session.person_key, await blocking(runtime.own_space), texts)
                if terms and not await blocking(resident.own.space.terms_accepted, resident.key, texts.terms.version):
                    return json_answer({"error": "terms_required", "message": texts.error("terms_required"),
                                        "field": None, "terms": views.terms_view(texts, False)}, 403)
                return await handler(request, resident, *args, **kwargs)
            except (Refused, InputRefused, ThreadNotFound, ThreadClosed, EnrolmentNotFound, EnrolmentEnded,
                    NotAPersonKey, StoreUnavailable, OperationalError) as error:
                if isinstance(error, (StoreUnavailable, OperationalError)):
                    logger.error("own space: %s %s: the database is unavailable: %s", request.method,
                                 request.path, type(error).__name__)
                return _refusal(texts, _as_refusal(error))
        return checked
    return decorate
