"""Team API errors: exceptions that carry their HTTP meaning, and the one place they become JSON.

Every error under /team/api is `{"error": code, "message": English for operators, "field": name or
null}`. Store exceptions are mapped here (the edge); anything unexpected is logged with its
traceback on the server and answered with a generic 500 that says nothing about the cause.
"""
from __future__ import annotations

from sanic import response
from sanic.exceptions import MethodNotSupported, NotFound, PayloadTooLarge, SanicException
from sanic.handlers import ErrorHandler
from sanic.log import error_logger
from sanic.request import Request
from sqlalchemy.exc import OperationalError

from actions.store.access import InputRefused, NotIdentified, StaffOnly
from actions.store.accounts import AccountError
from actions.store.contacts import ContactConflict
from actions.store.messages import ThreadClosed, ThreadNotFound
from actions.store.own_space import EnrolmentNotFound
from actions.store.handoffs import HandoffConflict, HandoffNotFound
from actions.store.tickets import ClaimConflict, StoreUnavailable, TicketError, TicketNotFound
from bot.web.relay_client import RelayUnavailable

API_PREFIX = "/team/api"
CONSOLE_API_PREFIX = "/console/api"  # the console's JSON API answers errors the same way
MANAGEMENT_API_PREFIX = "/management/api"
MAX_BODY_BYTES = 64 * 1024
API_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


class ApiProblem(Exception):
    """An answer other than success, decided by the API itself."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class Unauthenticated(ApiProblem):
    status, code = 401, "unauthenticated"


class Forbidden(ApiProblem):
    status, code = 403, "forbidden"


class Invalid(ApiProblem):
    """Malformed input; `field` names it ("body" for the body as a whole)."""

    status, code = 422, "invalid"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field)


def problem(exception: BaseException) -> tuple[int, str, str, str | None]:
    """(status, error code, message, field) for an exception raised while serving the API."""
    if isinstance(exception, ApiProblem):
        return exception.status, exception.code, exception.message, exception.field
    if isinstance(exception, (TicketError, AccountError)):
        return 422, "invalid", exception.message, exception.field
    if isinstance(exception, InputRefused):
        return 422, "invalid", exception.message, exception.field
    if isinstance(exception, EnrolmentNotFound):
        return 422, "invalid", "not one of this resident's programmes", "enrolment_id"
    if isinstance(exception, TicketNotFound):
        return 404, "not_found", "No ticket with this id.", None
    if isinstance(exception, NotIdentified):
        return 404, "not_found", "No identified resident behind this ticket: it was filed anonymously.", None
    if isinstance(exception, ThreadNotFound):
        return 404, "not_found", "This ticket has no secure-message thread (the resident chose another way to " \
                                 "be contacted, or filed it anonymously).", None
    if isinstance(exception, ThreadClosed):
        return 409, "conflict", "The ticket is closed: a new message needs a new contact request.", None
    if isinstance(exception, StaffOnly):
        return 403, "forbidden", "Only a professional reaches residents' matters.", None
    if isinstance(exception, ContactConflict) and exception.already_recorded:
        return 409, "already_recorded", str(exception).capitalize() + ".", None
    if isinstance(exception, ClaimConflict):
        return 409, "conflict", str(exception).capitalize() + ".", None
    if isinstance(exception, HandoffConflict):
        return 409, "conflict", str(exception).capitalize() + ".", None
    if isinstance(exception, HandoffNotFound):
        return 404, "not_found", "No such conversation in the queue.", None
    if isinstance(exception, RelayUnavailable):
        return 503, "unavailable", "The chat server cannot be reached; try again shortly.", None
    if isinstance(exception, (StoreUnavailable, OperationalError)):  # AccountStore lets OperationalError through
        return 503, "unavailable", "The ticket database cannot be reached; try again shortly.", None
    if isinstance(exception, NotFound):
        return 404, "not_found", "No such resource.", None
    if isinstance(exception, MethodNotSupported):
        return 405, "method_not_allowed", "This method is not allowed here.", None
    if isinstance(exception, PayloadTooLarge):
        return 413, "too_large", f"The request may be at most {MAX_BODY_BYTES} bytes.", None
    if isinstance(exception, SanicException) and 400 <= (exception.status_code or 500) < 500:
        return exception.status_code, "bad_request", "The request could not be read.", None
    return 500, "internal", "Something went wrong on the server; the error was logged.", None


def error_response(status: int, code: str, message: str, field: str | None = None, console: bool = False
                   ) -> response.HTTPResponse:
    headers = dict(API_HEADERS)
    if status == 401 and not console:
        headers["WWW-Authenticate"] = 'Bearer realm="team"'
    return response.json({"error": code, "message": message, "field": field}, status=status, headers=headers)


def is_api_path(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in (API_PREFIX, CONSOLE_API_PREFIX, MANAGEMENT_API_PREFIX))


class AppErrorHandler(ErrorHandler):
    """Sanic's error handler, except that team API requests get the API's JSON errors."""

    def default(self, request: Request, exception: BaseException) -> response.HTTPResponse:
        if request is None or not is_api_path(request.path):
            return super().default(request, exception)
        status, code, message, field = problem(exception)
        if status == 503:
            error_logger.warning("API %s %s: unavailable: %s", request.method, request.path, exception)
        elif status >= 500:
            error_logger.exception("Team API %s %s failed", request.method, request.path, exc_info=exception)
        return error_response(status, code, message, field, console=not request.path.startswith(API_PREFIX))
