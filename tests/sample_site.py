"""A sample of the whole web app for the accessibility tests (tests/test_accessibility_axe.py) and the
README's screenshots (docs/screenshots/make.py), without a trained model or anything outside:

* the scripted Finnish conversation the fake Rasa socket answers (a greeting with buttons, an answer
  about flu with a list and a phone number, an emergency answer);
* a SQLite store with a professional and a manager, a resident waiting in the live queue and a few
  weeks of analytics events and contact requests, so the management view has figures to draw;
* the web app itself (`create_app`) on a free port with a fake relay holding the waiting resident's
  conversation, and a region's sample page on another origin (http://localhost:<port>) that embeds the
  chat with the launcher.
"""
from __future__ import annotations

import datetime as dt
import http.server
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from actions.store.accounts import AccountStore
from actions.store.analytics import record_event
from actions.store.database import make_engine, make_session_factory
from actions.store.handoffs import HandoffStore
from actions.store.office_hours import OfficeHours
from actions.store.tickets import TicketDraft, TicketStore
from bench.stack import free_port
from bot.handoff import HandoffSettings
from bot.settings import Settings
from bot.web.app import create_app
from bot.web.team_stores import TeamStores
from tests.servers import ThreadedServer
from tests.test_console import FakeRelay

HELSINKI = ZoneInfo("Europe/Helsinki")
PASSWORD = "salasana-joka-on-pitka"
PROFESSIONAL = ("hoitaja", "Hilla Hoitaja")
MANAGER = ("johtaja", "Johanna Johtaja")

GREETING = {"text": "Hei! Olen alueen sosiaali- ja terveyspalvelujen chat-opas. Mistä haluat kysyä?",
            "buttons": [{"title": "Flunssa ja kuume", "payload": "/flunssa"},
                        {"title": "Ajanvaraus", "payload": "/ajanvaraus"},
                        {"title": "Tee itsearvio", "payload": "/assessment"}]}
FLU_QUESTION = "Minulla on ollut kuumetta ja yskää kaksi päivää. Mitä teen?"
FLU_ANSWER = {"text": ("Flunssa paranee yleensä itsestään noin viikossa. Voit hoitaa sitä kotona:\n"
                       "- Lepää ja juo riittävästi.\n"
                       "- Kuumetta ja kipua voit lievittää käsikauppalääkkeellä.\n"
                       "- Pysy kotona, kunnes olet kuumeeton.\n"
                       "Jos kuume kestää yli kolme päivää tai hengitys vaikeutuu, soita päivystysapuun 116 117."),
              "buttons": [{"title": "Oliko tästä apua? Kyllä", "payload": "/feedback_helpful"},
                          {"title": "Ei ollut", "payload": "/feedback_not_helpful"}]}
EMERGENCY_QUESTION = "mun isä ei hengitä"
EMERGENCY = {"text": ("Soita heti hätänumeroon 112.\n- Pysy puhelimessa ja toimi ohjeiden mukaan.\n"
                      "- Älä jätä häntä yksin."),
             "custom": {"emergency": True, "category": "breathing", "heading": "Hätätilanne: toimi heti",
                        "calls": [{"label": "Hätänumero", "number": "112"},
                                  {"label": "Myrkytystietokeskus", "number": "0800 147 111"}]}}
REPLIES = {"/greet": [GREETING], "/flunssa": [FLU_ANSWER], FLU_QUESTION: [FLU_ANSWER],
           EMERGENCY_QUESTION: [EMERGENCY]}

# the waiting residents' conversation as the relay gives it to the console
QUEUED_SUMMARY = {"topic_title": "Flunssa ja kuume", "subject": "oma",
                  "recent_messages": ["Minulla on ollut kuumetta kolme päivää.",
                                      "Haluaisin jutella hoitajan kanssa."]}
PATHS = ("ajanvaraus-terveysasema", "mielenterveyspalvelut-lyhytterapia", "lastenneuvola-ajan-peruminen",
         "ajanvaraus-terveysasema-kiireellinen")


def queued_transcript(now: dt.datetime) -> list[dict[str, Any]]:
    start = now.timestamp() - 240
    return [
        {"index": 0, "who": "resident", "text": "Minulla on ollut kuumetta kolme päivää.", "at": start},
        {"index": 1, "who": "bot", "text": FLU_ANSWER["text"], "at": start + 2},
        {"index": 2, "who": "resident", "text": "Kuume ei laske. Haluaisin jutella hoitajan kanssa.", "at": start + 90},
        {"index": 3, "who": "bot", "text": "Siirrän sinut ammattilaiselle. Odota hetki.", "at": start + 92},
    ]


def _draft(conversation: str, at: dt.datetime, **changes: Any) -> TicketDraft:
    values: dict[str, Any] = dict(
        conversation_id=conversation, channel="anonymous_chat", contact_role="resident", reason="health",
        urgency="normal", resident_words="Kuume on jatkunut viikon, toivon soittoa.", contact_method="phone",
        phone="040 123 4567", reach_time="iltapäivisin", consent_text="Saa välittää asiakasohjaukseen.",
        consent_at=at, topic_id=None, path_id=PATHS[0])
    values.update(changes)
    return TicketDraft(**values)


def seed(sessions: Any, now: dt.datetime) -> None:
    """Staff accounts, four weeks of conversations in the region's daytime before `now` (fewer at weekends),
    their questions' outcomes and feedback, a few earlier handoffs and contact requests (some closed)."""
    accounts = AccountStore(sessions)
    pro = accounts.create(PROFESSIONAL[0], PROFESSIONAL[1], "professional", PASSWORD)
    accounts.create(MANAGER[0], MANAGER[1], "manager", PASSWORD)
    outcomes = ("answer", "answer", "answer", "clarify", "no_match", "answer", "answer", "out_of_scope")
    hours = (8, 9, 10, 12, 14, 16, 19, 21, 11, 13)
    today = now.astimezone(HELSINKI).replace(hour=0, minute=0, second=0, microsecond=0)
    with sessions() as session, session.begin():
        for day in range(29):
            midnight = today - dt.timedelta(days=day)
            count = 2 + (day * 5) % 4 if midnight.weekday() >= 5 else 5 + (day * 7) % 6
            for n in range(count):
                at = midnight + dt.timedelta(hours=hours[(n + day) % len(hours)], minutes=(n * 13) % 60)
                if at > now:
                    continue
                conversation = f"sample-{day}-{n}"
                record_event(session, "conversation_started", conversation, at=at)
                outcome = outcomes[(day + n) % len(outcomes)]
                path = PATHS[(day * 3 + n) % len(PATHS)] if outcome == "answer" else None
                record_event(session, "guidance", conversation, at=at, outcome=outcome, path_id=path)
                if path is not None and n % 2 == 0:
                    record_event(session, "feedback", conversation, at=at, path_id=path,
                                 outcome="helpful" if (day + n) % 4 else "not_helpful")
        record_event(session, "emergency", "sample-3-1", at=today - dt.timedelta(days=3, hours=-10),
                     outcome="breathing")
        record_event(session, "assessment_completed", "sample-2-0", at=today - dt.timedelta(days=2, hours=-9),
                     outcome="phq9:contact_offered")
    clock = {"now": today - dt.timedelta(days=6, hours=-10)}
    tickets = TicketStore(sessions, OfficeHours(), clock=lambda: clock["now"])
    handoffs = HandoffStore(sessions, clock=lambda: clock["now"])
    for conversation in ("sample-6-0", "sample-6-1", "sample-4-2"):
        earlier, _ = handoffs.enqueue(conversation, {"topic_title": "Ajanvaraus"})
        handoffs.take(pro, earlier.id)
        handoffs.hand_back(pro, earlier.id)
    done, _ = tickets.create(_draft("sample-6-1", clock["now"], urgency="urgent"), "sample-6-1:form")
    late, _ = tickets.create(_draft("sample-6-2", clock["now"], contact_role="relative", reason="social"),
                             "sample-6-2:form")
    tickets.create(_draft("sample-1-0", clock["now"], reason="booking"), "sample-1-0:form")
    tickets.claim(pro, done.id)
    clock["now"] += dt.timedelta(hours=2)
    tickets.close(pro, done.id, "referred_within_region")
    tickets.claim(pro, late.id)
    clock["now"] += dt.timedelta(days=5)
    tickets.close(pro, late.id, "no_further_need")


class HostPage:
    """A region's sample page on an origin of its own that loads the chat's launcher script from the app.

    By default it is http://localhost:<its own port>: another origin and another site than the app's
    (http://127.0.0.1:<port>), as a region's www.alue.fi framing a chat served elsewhere is; a browser
    that blocks third-party storage (Chromium's incognito contexts, which Playwright's are) then denies the
    framed chat its sessionStorage (embed-storage.js stands in). `hostname="127.0.0.1"` makes it the
    same site (another port), as www.alue.fi framing chat.alue.fi."""

    def __init__(self, app_url: str, hostname: str = "localhost") -> None:
        body = host_page_html(app_url).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                self.send_response(200 if self.path in ("/", "/index.html") else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                return

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://{hostname}:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=15)


def host_page_html(app_url: str) -> str:
    """The sample region page: some content of its own and the launcher script tag as docs/embedding.md
    tells a region to add it."""
    return f"""<!doctype html>
<html lang="fi">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Esimerkin hyvinvointialue – Sosiaali- ja terveyspalvelut</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0; color: #1a1a1a; background: #fff; line-height: 1.5; }}
header {{ background: #00454f; color: #fff; padding: 1rem 2rem; }}
header a {{ color: #fff; }}
main {{ max-width: 46rem; padding: 1rem 2rem 8rem; }}
</style></head>
<body>
<header><p><strong>Esimerkin hyvinvointialue</strong></p>
<nav aria-label="Päävalikko"><a href="/">Etusivu</a> · <a href="/">Terveyspalvelut</a> · <a href="/">Sosiaalipalvelut</a></nav>
</header>
<main>
<h1>Terveysasemat</h1>
<p>Terveysasemilla hoidetaan äkilliset sairaudet, pitkäaikaissairaudet ja terveyden edistäminen.
Ajan voit varata soittamalla omalle terveysasemallesi tai sähköisesti.</p>
<h2>Kysy chat-oppaalta</h2>
<p>Chat-opas neuvoo sosiaali- ja terveyspalveluissa ympäri vuorokauden. Avaa se sivun oikeasta alakulmasta.
Hätätilanteessa soita 112.</p>
</main>
<script src="{app_url}/static/launcher.js" defer></script>
</body></html>
"""


@dataclass
class Site:
    """The running sample: the app's URL, its fake relay and stores, and the region page's URL."""

    url: str
    host_url: str
    relay: FakeRelay
    stores: TeamStores

    def queue_resident(self) -> int:
        """Another resident (a new conversation) waiting in the live queue; the handoff's id."""
        assert self.stores.handoffs is not None
        waiting, _ = self.stores.handoffs.enqueue(secrets.token_hex(16), QUEUED_SUMMARY)
        return waiting.id


@contextmanager
def running_site(folder: Path, socket_url: str, now: dt.datetime | None = None,
                 host_name: str = "localhost") -> Iterator[Site]:
    """The web app on a free port (SQLite in `folder`, the chat pointed at `socket_url`), seeded, with
    a resident waiting in the live queue (`Site.queue_resident` adds more); and the region's sample page
    (on `host_name`: see HostPage)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    engine = make_engine(f"sqlite:///{folder / 'sample.db'}")
    sessions = make_session_factory(engine)
    seed(sessions, now)
    handoffs = HandoffStore(sessions)
    stores = TeamStores(TicketStore(sessions, OfficeHours()), AccountStore(sessions), None, handoffs, sessions)
    relay = FakeRelay()
    relay.entries[:] = queued_transcript(now)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    host = HostPage(url, host_name)
    embedding = {"embed_origins": (host.url,)} if "embed_origins" in {f.name for f in fields(Settings)} else {}
    settings = Settings(webchat_port=port, public_socket_url=socket_url, **embedding,
                        handoff=HandoffSettings(internal_token="sample", max_wait_seconds=3600,
                                                heartbeat_timeout_seconds=3600, always_open=True))
    app = create_app(settings, name=f"sample_site_{port}", team_stores=lambda: stores, relay=relay)
    server = ThreadedServer(app, port, url + "/chat-config.json")
    try:
        site = Site(url, host.url, relay, stores)
        site.queue_resident()
        yield site
    finally:
        server.stop()
        host.stop()
        engine.dispose()
