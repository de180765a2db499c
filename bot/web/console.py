"""The professionals' door: the live-handoff console under /console.

Same accounts as the team API, role professional only. The session is a cookie (HttpOnly,
SameSite=Strict, Secure over https) holding an `AccountStore` session token; every state-changing
request must also carry the CSRF token (header X-CSRF-Token), an HMAC of the session token that
the page gets at sign-in and never lives in a cookie, and a cross-site Origin is refused outright.
The browser never sees a conversation id: handoffs are addressed by their row id, and every route
checks that the professional holds the conversation. Reads of a conversation are access-logged.

The queue marks the conversations whose resident got an emergency answer (category and time, read
from the transcript through the relay; no message text leaves it, so this is not logged as a read),
and the console shows a banner on such a conversation.

A background task returns conversations whose professional's heartbeat stopped to the queue, and
ends waits that ran too long (the resident is told and offered a contact request).
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import time
from pathlib import Path
from typing import Any, Awaitable, Callable

from sanic import Blueprint, response
from sanic.request import Request

from actions.store.handoffs import HandoffStore
from actions.store.models import REASONS, URGENCIES, Account, Handoff
from actions.store.tickets import StoreUnavailable, TicketDraft
from bot.handoff import PROFESSIONAL_ROLE, HandoffSettings
from bot.settings import library_sources
from bot.web import team_input as read
from bot.web.relay_client import Relay, RelayClient, RelayUnavailable
from bot.web.staff_session import csrf_ok, csrf_token, set_session_cookie, signed_in_account
from bot.web.staff_session import sign_in as staff_sign_in
from bot.web.team_api import blocking
from bot.web.team_errors import API_HEADERS, ApiProblem, Forbidden, Invalid
from bot.web.team_stores import TeamStores
from guidance_library.live import LiveLibrary
from guidance_library.rendering import render_path

logger = logging.getLogger(__name__)
CONSOLE_PREFIX = "/console"
CONSOLE_API = CONSOLE_PREFIX + "/api"
COOKIE = "console_session"
STATIC_DIR = Path(__file__).resolve().parent / "static" / "console"
MAX_MESSAGE = 2000
EMERGENCY_RECHECK_SECONDS = 5.0  # the queue's emergency marker: how often a conversation is read again
EMERGENCY_WAIT_SECONDS = 2.0    # and how long the queue waits for those reads
CONTACT_ROLES = ("resident", "relative", "professional", "other")
CONSENT_TEXT = ("Asukas antoi live-chatissa ammattilaiselle suostumuksen siihen, että keskustelun tiedot "
                "välitetään asiakasohjaukseen yhteydenottoa varten.")
PAGE_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                                "img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class NotHeld(ApiProblem):
    status, code = 409, "conflict"


class EmergencyMarks:
    """Which conversations in the queue got an emergency answer (the queue's marker): read from the
    transcript through the relay, only the entries not read yet, at most every `recheck` seconds per
    conversation, one read at a time, shared by all professionals. The queue waits for the reads at
    most `wait` seconds (a slow read finishes for the next refresh); a relay failure keeps what was
    known."""

    def __init__(self, recheck: float = EMERGENCY_RECHECK_SECONDS, wait: float = EMERGENCY_WAIT_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self.recheck = recheck
        self.wait = wait
        self.clock = clock
        self._known: dict[int, dict[str, Any]] = {}  # handoff id -> conversation, next index, mark, checked at
        self._reading: dict[int, asyncio.Task] = {}

    async def marks(self, relay: Relay, rows: list[Handoff]) -> dict[int, dict[str, Any] | None]:
        live = {h.id for h in rows}
        for gone in [i for i in self._known if i not in live]:
            del self._known[gone]
        for handoff in rows:
            if handoff.id not in self._reading and self._due(handoff):
                task = asyncio.ensure_future(self._read(relay, handoff))
                self._reading[handoff.id] = task
                task.add_done_callback(lambda _task, i=handoff.id: self._reading.pop(i, None))
        pending = [self._reading[h.id] for h in rows if h.id in self._reading]
        if pending:
            await asyncio.wait(pending, timeout=self.wait)
        return {h.id: (self._known.get(h.id) or {}).get("mark") for h in rows}

    def _due(self, handoff: Handoff) -> bool:
        known = self._known.get(handoff.id)
        return (known is None or known["conversation"] != handoff.conversation_id
                or self.clock() - known["checked"] >= self.recheck)

    async def _read(self, relay: Relay, handoff: Handoff) -> None:
        known = self._known.get(handoff.id)
        if known is None or known["conversation"] != handoff.conversation_id:
            known = {"conversation": handoff.conversation_id, "next": 0, "mark": None, "checked": 0.0}
        try:
            entries = await relay.transcript(handoff.conversation_id, known["next"])
        except RelayUnavailable as error:
            logger.warning("emergency marks: handoff %s not read: %s", handoff.id, error)
            entries = []
        for entry in entries:
            known["next"] = max(known["next"], int(entry.get("index", 0)) + 1)
            if entry.get("emergency"):
                known["mark"] = {"category": entry.get("category"), "at": entry.get("at")}
        known["checked"] = self.clock()
        self._known[handoff.id] = known


def _time(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.timezone.utc).isoformat() if value is not None else None


Handler = Callable[..., Awaitable[response.HTTPResponse]]


def console_blueprint(stores: Callable[[], TeamStores], settings: HandoffSettings, relay: Relay | None = None,
                      library: LiveLibrary | None = None) -> Blueprint:
    """The console page and its JSON API; `relay` (tests: a fake) reaches the Rasa server."""
    blueprint = Blueprint("console", url_prefix=CONSOLE_PREFIX)
    state: dict[str, Any] = {"relay": relay, "library": library}
    emergencies = EmergencyMarks()

    def get_relay() -> Relay:
        if state["relay"] is None:
            state["relay"] = RelayClient(settings.rasa_url, settings.token())
        return state["relay"]

    def get_library():
        if state["library"] is None:
            state["library"] = LiveLibrary(library_sources(), lambda lib: lib)
        return state["library"].current()

    async def team_stores() -> tuple[TeamStores, HandoffStore]:
        team = await blocking(stores)
        if team.handoffs is None:
            raise StoreUnavailable("no handoff store configured")
        return team, team.handoffs

    def signed_in(*, change: bool) -> Callable[[Handler], Handler]:
        """The handler gets (request, team, handoffs, account, ...) for a professional's live session;
        a change also needs the CSRF token and no cross-site Origin."""
        def decorate(handler: Handler) -> Handler:
            @functools.wraps(handler)
            async def checked(request: Request, *args: Any, **kwargs: Any) -> response.HTTPResponse:
                if change and not csrf_ok(request, request.cookies.get(COOKIE) or ""):
                    raise Forbidden("Missing or wrong CSRF token.", code="csrf")  # before touching the stores
                team, handoffs = await team_stores()
                account = await signed_in_account(request, COOKIE, team, (PROFESSIONAL_ROLE,), change=change,
                                                  page="console", blocking=blocking)
                return await handler(request, team, handoffs, account, *args, **kwargs)
            return checked
        return decorate

    @blueprint.middleware("response")
    async def headers(request: Request, answer: response.HTTPResponse) -> None:
        if request.path.startswith(CONSOLE_API):
            for name, value in API_HEADERS.items():
                answer.headers[name] = value

    @blueprint.get("")
    async def page(_: Request) -> response.HTTPResponse:
        return await response.file(STATIC_DIR / "console.html", headers=PAGE_HEADERS)

    # -- session ----------------------------------------------------------------------------------
    @blueprint.post("/api/session")
    async def sign_in(request: Request) -> response.HTTPResponse:
        team, _ = await team_stores()
        token, account = await staff_sign_in(request, team, (PROFESSIONAL_ROLE,), blocking)
        answer = response.json(_me(account, token), status=201)
        set_session_cookie(request, answer, COOKIE, token, CONSOLE_PREFIX)
        return answer

    def _me(account: Account, token: str) -> dict[str, Any]:
        return {"csrf_token": csrf_token(token),
                "account": {"username": account.username, "display_name": account.display_name}}

    @blueprint.get("/api/session")
    @signed_in(change=False)
    async def me(request: Request, _team: TeamStores, _handoffs: HandoffStore, account: Account
                 ) -> response.HTTPResponse:
        return response.json(_me(account, request.cookies.get(COOKIE) or ""))

    @blueprint.delete("/api/session")
    @signed_in(change=True)
    async def sign_out(request: Request, team: TeamStores, handoffs: HandoffStore, account: Account
                       ) -> response.HTTPResponse:
        for held in await blocking(handoffs.held_by, account):  # nobody left holding them: back to the queue
            released = await blocking(handoffs.release, account, held.id)
            if released is not None:
                await _tell(released, "requeued")
        await blocking(team.accounts.sign_out, request.cookies.get(COOKIE) or "")
        answer = response.empty()
        set_session_cookie(request, answer, COOKIE, "", CONSOLE_PREFIX)
        return answer

    # -- the queue --------------------------------------------------------------------------------
    @blueprint.get("/api/queue")
    @signed_in(change=False)
    async def queue(request: Request, team: TeamStores, handoffs: HandoffStore, account: Account
                    ) -> response.HTTPResponse:
        rows = await blocking(handoffs.queue)
        names = await _display_names(team, [h.taken_by for h in rows if h.taken_by])
        now = handoffs.now()
        marks = await emergencies.marks(get_relay(), rows)
        return response.json({"handoffs": [_queue_entry(h, account, names, now, marks.get(h.id)) for h in rows],
                              "max_wait_seconds": settings.max_wait_seconds})

    async def _display_names(team: TeamStores, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        accounts = await blocking(team.accounts.list_accounts)
        return {a.id: a.display_name for a in accounts if a.id in ids}

    def _queue_entry(handoff: Handoff, account: Account, names: dict[int, str], now: dt.datetime,
                     emergency: dict[str, Any] | None) -> dict:
        summary = handoff.summary or {}
        return {"id": handoff.id, "status": handoff.status,
                "waiting_seconds": max(0, int((now - handoff.queued_at).total_seconds())),
                "requested_at": _time(handoff.requested_at), "topic_title": summary.get("topic_title"),
                "reason": summary.get("reason"), "has_assessment": bool(summary.get("assessment")),
                "identified": bool(summary.get("identity")),
                "taken_by": names.get(handoff.taken_by) if handoff.taken_by else None,
                "mine": handoff.taken_by == account.id,
                "emergency": emergency}  # the latest emergency answer the resident got: category, time

    # -- one conversation -------------------------------------------------------------------------
    async def _tell(handoff: Handoff, event: str, name: str | None = None) -> None:
        await get_relay().control(handoff.conversation_id, event, handoff.id, name)

    def _detail(handoff: Handoff) -> dict[str, Any]:
        return {"id": handoff.id, "status": handoff.status, "summary": handoff.summary or {},
                "requested_at": _time(handoff.requested_at), "taken_at": _time(handoff.taken_at),
                "ticket_id": handoff.ticket_id}

    @blueprint.post("/api/handoffs/<handoff_id:int>/take")
    @signed_in(change=True)
    async def take(request: Request, team: TeamStores, handoffs: HandoffStore, account: Account, handoff_id: int
                   ) -> response.HTTPResponse:
        handoff = await blocking(handoffs.take, account, handoff_id)
        try:
            await _tell(handoff, "taken", account.display_name)
        except RelayUnavailable:
            await blocking(handoffs.release, account, handoff_id)  # the resident could not be told: not taken
            raise
        return response.json(_detail(handoff))

    @blueprint.get("/api/handoffs/<handoff_id:int>")
    @signed_in(change=False)
    async def conversation(request: Request, team: TeamStores, handoffs: HandoffStore, account: Account,
                           handoff_id: int) -> response.HTTPResponse:
        params = read.query(request, ("after",))
        after = read.integer(params["after"], "after", 0) if "after" in params else 0
        handoff = await blocking(handoffs.held, account, handoff_id)
        entries = await get_relay().transcript(handoff.conversation_id, after)
        if entries or after == 0:  # every read that shows something of the conversation is logged
            shown = f"messages {entries[0]['index']}-{entries[-1]['index']}" if entries else "summary"
            await blocking(handoffs.log_read, account, handoff, shown)
        return response.json({**_detail(handoff), "transcript": entries})

    @blueprint.post("/api/handoffs/<handoff_id:int>/heartbeat")
    @signed_in(change=True)
    async def heartbeat(request: Request, team: TeamStores, handoffs: HandoffStore, account: Account,
                        handoff_id: int) -> response.HTTPResponse:
        handoff = await blocking(handoffs.heartbeat, account, handoff_id)
        return response.json({"id": handoff.id, "status": handoff.status})

    @blueprint.post("/api/handoffs/<handoff_id:int>/messages")
    @signed_in(change=True)
    async def send_message(request: Request, team: TeamStores, handoffs: HandoffStore, account: Account,
                           handoff_id: int) -> response.HTTPResponse:
        body = read.json_body(request, ("text",))
        text = (read.text(body, "text", max_length=MAX_MESSAGE) or "").strip()
        if not text:
            raise Invalid("text", "a message cannot be empty")
        handoff = await blocking(handoffs.held, account, handoff_id)
        await get_relay().message(handoff.conversation_id, text, account.display_name)
        return response.json({"ok": True}, status=201)

    @blueprint.get("/api/paths")
    @signed_in(change=False)
    async def paths(request: Request, team: TeamStores, handoffs: HandoffStore, account: Account
                    ) -> response.HTTPResponse:
        params = read.query(request, ("q",))
        words = params.get("q", "").lower().split()
        library = get_library()
        found = [p for p in library.paths
                 if all(w in f"{p.title} {p.id} {p.topic}".lower() for w in words)][:20]
        return response.json({"paths": [{"id": p.id, "title": p.title, "topic": p.topic} for p in found]})

    @blueprint.post("/api/handoffs/<handoff_id:int>/path")
    @signed_in(change=True)
    async def send_path(request: Request, team: TeamStores, handoffs: HandoffStore, account: Account,
                        handoff_id: int) -> response.HTTPResponse:
        body = read.json_body(request, ("path_id",))
        library = get_library()
        path = library.get(read.text(body, "path_id", max_length=120) or "")
        if path is None:
            raise Invalid("path_id", "no published guidance path with this id")
        handoff = await blocking(handoffs.held, account, handoff_id)
        rendered = render_path(path, library)
        await get_relay().message(handoff.conversation_id, rendered.text, account.display_name,
                                  [{"name": link.name, "url": link.url} for link in rendered.links], path.id)
        return response.json({"ok": True, "path_id": path.id, "title": rendered.title}, status=201)

    @blueprint.post("/api/handoffs/<handoff_id:int>/ticket")
    @signed_in(change=True)
    async def make_ticket(request: Request, team: TeamStores, handoffs: HandoffStore, account: Account,
                          handoff_id: int) -> response.HTTPResponse:
        body = read.json_body(request, ("reason", "contact_role", "urgency", "words", "phone", "reach_time",
                                        "consent"))
        if body.get("consent") is not True:
            raise Invalid("consent", "record the resident's consent first (true)")
        reason = read.choice(body, "reason", REASONS)
        role = read.choice(body, "contact_role", CONTACT_ROLES)
        urgency = read.choice(body, "urgency", URGENCIES)
        words = read.text(body, "words", max_length=2000)
        phone = read.text(body, "phone", max_length=40)
        reach_time = read.text(body, "reach_time", required=False, max_length=200) or ""
        handoff = await blocking(handoffs.held, account, handoff_id)
        summary = handoff.summary or {}
        identity = summary.get("identity") or {}
        prefilled = {key: summary[key] for key in ("topic_title", "subject", "recent_messages") if summary.get(key)}
        prefilled["from_live_chat"] = f"account:{account.username}"
        draft = TicketDraft(conversation_id=handoff.conversation_id,
                            channel="identified_chat" if identity.get("code") else "anonymous_chat",
                            contact_role=role, reason=reason, urgency=urgency, resident_words=words or "",
                            contact_method="phone", phone=phone, reach_time=reach_time, consent_text=CONSENT_TEXT,
                            consent_at=team.tickets.now(), topic_id=summary.get("topic_id"),
                            path_id=summary.get("path_id"), prefilled=prefilled,
                            assessment=summary.get("assessment"), identity_code=identity.get("code"),
                            identity_name=identity.get("name"))
        ticket, _created = await blocking(team.tickets.create, draft,
                                          f"{handoff.conversation_id}:handoff-{handoff.id}")
        await blocking(handoffs.attach_ticket, account, handoff_id, ticket.id)
        return response.json({"ticket_id": ticket.id, "reference": ticket.reference,
                              "answer_by": _time(ticket.answer_by)}, status=201)

    @blueprint.post("/api/handoffs/<handoff_id:int>/hand-back")
    @signed_in(change=True)
    async def hand_back(request: Request, team: TeamStores, handoffs: HandoffStore, account: Account,
                        handoff_id: int) -> response.HTTPResponse:
        handoff = await blocking(handoffs.hand_back, account, handoff_id)
        await _tell(handoff, "returned")
        return response.json(_detail(handoff))

    # -- housekeeping -----------------------------------------------------------------------------
    async def sweep() -> None:
        """One round: stale heartbeats back to the queue, long waits expired; the residents are told."""
        team = await blocking(stores)
        handoffs = team.handoffs
        if handoffs is None:  # stores without a live queue (the team API's own tests)
            return
        timeout = dt.timedelta(seconds=settings.heartbeat_timeout_seconds)
        for handoff in await blocking(handoffs.release_stale, timeout):
            await _tell_quietly(handoff, "requeued")
        for handoff in await blocking(handoffs.expire_waiting, dt.timedelta(seconds=settings.max_wait_seconds)):
            await _tell_quietly(handoff, "expired")

    async def _tell_quietly(handoff: Handoff, event: str) -> None:
        try:
            await _tell(handoff, event)
        except RelayUnavailable as error:
            logger.warning("handoff %s %s, but the resident could not be told: %s", handoff.id, event, error)

    async def housekeeping() -> None:
        interval = max(1.0, min(5.0, settings.heartbeat_timeout_seconds / 3))
        while True:
            try:
                await sweep()
            except (StoreUnavailable, ApiProblem) as error:
                logger.warning("handoff housekeeping skipped a round: %s", error)
            except RuntimeError as error:  # the worker threads are gone: the server is stopping
                if "shutdown" in str(error):
                    return
                raise
            except Exception:  # the loop must survive anything one round does; logged with its traceback
                logger.exception("handoff housekeeping failed")
            await asyncio.sleep(interval)

    @blueprint.listener("after_server_start")
    async def start_housekeeping(app: Any, _loop: Any) -> None:
        blueprint.ctx.housekeeping = asyncio.get_running_loop().create_task(housekeeping())

    @blueprint.listener("before_server_stop")
    async def stop_housekeeping(_app: Any, _loop: Any) -> None:
        task = getattr(blueprint.ctx, "housekeeping", None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    blueprint.ctx.sweep = sweep
    return blueprint
