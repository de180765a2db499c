"""The emergency answer and the safety question in real browsers (Playwright driving Debian's
Chromium, headless), without a trained model: the page and its real chat.js are served by the web
app, and a small socket.io server stands in for Rasa's web chat channel, answering scripted messages
with the `bot_uttered` events of the message contract:

* emergency: text, custom {"emergency": true, "category", "heading", "calls": [{"label", "number"}]};
* safety question: text, buttons /safety_in_danger and /safety_ok, custom {"safety_check": true,
  "heading", "calls"}; the buttons and the custom data may come in one event or in separate ones;
* older emergency answers: only {"emergency": true, "category"}.

The professionals' console is served by the same app with a fake relay whose transcript holds an
emergency answer: the queue item is marked and the conversation opens with a banner."""
from __future__ import annotations

import asyncio
import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from argon2 import PasswordHasher

from actions.store.office_hours import OfficeHours
from actions.store import accounts as accounts_module
from actions.store.accounts import AccountStore
from actions.store.database import make_engine, make_session_factory
from actions.store.handoffs import HandoffStore
from actions.store.tickets import TicketStore
from bench.stack import free_port
from bot.handoff import HandoffSettings
from bot.settings import Settings
from bot.web.app import create_app
from bot.web.team_stores import TeamStores
from tests import browsers
from tests.servers import ThreadedServer
from tests.fake_rasa_socket import FakeRasaSocket
from tests.test_console import FakeRelay

pytest.importorskip("playwright.sync_api")
pytestmark = browsers.NEEDS_CHROMIUM
browser = browsers.browser  # the fixture: one Chromium for this module
TIMEOUT = 15_000
PASSWORD = "salasana-joka-on-pitka"

GREETING = {"text": "Hei! Mistä haluat kysyä?", "buttons": [{"title": "Flunssa", "payload": "/flunssa"},
                                                             {"title": "Tee itsearvio", "payload": "/assessment"}]}
EMERGENCY_TEXT = ("Soita heti hätänumeroon 112.\n- Pysy puhelimessa ja toimi ohjeiden mukaan.\n"
                  "- Älä jätä häntä yksin.")
EMERGENCY = {"text": EMERGENCY_TEXT,
             "custom": {"emergency": True, "category": "breathing", "heading": "Hätätilanne: toimi heti",
                        "calls": [{"label": "Hätänumero", "number": "112"},
                                  {"label": "MIELI ry:n Kriisipuhelin", "number": "09 2525 0111"},
                                  {"label": "Myrkytystietokeskus", "number": "+358 800-147 111"}]}}
SAFETY_TEXT = "Oletko sinä tai joku muu nyt vaarassa? Jos olet, soita heti 112."
SAFETY_BUTTONS = [{"title": "Kyllä, soita 112", "payload": "/safety_in_danger"},
                  {"title": "Ei ole hätää", "payload": "/safety_ok"}]
SAFETY_CUSTOM = {"safety_check": True, "heading": "Tarkistetaan, oletko turvassa",
                 "calls": [{"label": "Hätänumero", "number": "112"}]}
REPLIES = {
    "/greet": [GREETING],
    "mun isä ei hengitä": [EMERGENCY],
    "vanha hätä": [{"text": "Soita heti 112.", "custom": {"emergency": True, "category": "general"}}],
    "kirjaimia numerossa": [{"text": "Soita heti 112.", "custom": {
        "emergency": True, "category": "general", "heading": "Hätätilanne",
        "calls": [{"label": "Huijausnumero", "number": "0700 HUIJAUS"},
                  {"label": "Skripti", "number": "javascript:alert(1)"},
                  {"label": "Hätänumero", "number": "112"}]}}],
    "yhdessä": [{"text": SAFETY_TEXT, "buttons": SAFETY_BUTTONS, "custom": SAFETY_CUSTOM}],
    "napit ensin": [{"text": SAFETY_TEXT, "buttons": SAFETY_BUTTONS}, {"custom": SAFETY_CUSTOM}],
    "kortti ensin": [{"custom": SAFETY_CUSTOM}, {"text": SAFETY_TEXT, "buttons": SAFETY_BUTTONS}],
    "/safety_ok": [{"text": "Hyvä kuulla. Kerro, missä asiassa voin auttaa."}],
}


@pytest.fixture(scope="module")
def fake_rasa():
    server = FakeRasaSocket(REPLIES)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def web(fake_rasa, tmp_path_factory):
    """The web app: the resident page pointed at the fake socket, and the console on SQLite with a fake relay."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts_module, "PASSWORD_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('emergency') / 'store.db'}")
        sessions = make_session_factory(engine)
        accounts = AccountStore(sessions)
        accounts.create("hoitaja", "Hilla Hoitaja", "professional", PASSWORD)
        stores = TeamStores(TicketStore(sessions, OfficeHours()), accounts, None, HandoffStore(sessions))
        relay = FakeRelay()
        port = free_port()
        settings = Settings(webchat_port=port, public_socket_url=fake_rasa.url,
                            handoff=HandoffSettings(internal_token="x", max_wait_seconds=3600,
                                                    heartbeat_timeout_seconds=3600))
        app = create_app(settings, name=f"test_emergency_{port}", team_stores=lambda: stores, relay=relay)
        url = f"http://127.0.0.1:{port}"
        running = ThreadedServer(app, port, url + "/chat-config.json")
        app.ctx.test_url, app.ctx.test_relay, app.ctx.test_stores = url, relay, stores
        yield app
        running.stop()
        engine.dispose()


@pytest.fixture()
def page(browser, web):
    context = browser.new_context(locale="fi-FI", timezone_id="Europe/Helsinki")
    opened = context.new_page()
    opened.set_default_timeout(TIMEOUT)
    opened.goto(web.ctx.test_url + "/")
    opened.locator("#chat-log button", has_text="Flunssa").wait_for()  # the greeting, its buttons usable
    yield opened
    context.close()


def say(page, text: str) -> None:
    page.fill("#chat-input", text)
    page.press("#chat-input", "Enter")


def greeting_buttons(page):
    return page.locator("#chat-log .turn").first.locator("button")


def assert_all_disabled(buttons) -> None:
    assert buttons.count() > 0
    assert all(buttons.nth(i).is_disabled() for i in range(buttons.count()))


def reload(page) -> None:
    page.reload()
    page.wait_for_selector("#chat-log .msg")
    page.wait_for_selector("#chat-status >> text=Yhteys on auki")


def test_an_emergency_answer_has_a_heading_big_call_links_and_is_announced(page, fake_rasa):
    assert greeting_buttons(page).first.is_enabled()
    say(page, "mun isä ei hengitä")
    card = page.locator("#chat-log .msg.emergency")
    card.wait_for()
    assert card.get_by_role("heading", name="Hätätilanne: toimi heti").is_visible()
    links = card.locator("a.call")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
        "tel:112", "tel:0925250111", "tel:+358800147111"]
    assert [links.nth(i).inner_text().split() for i in range(links.count())] == [
        ["Hätänumero", "112"], ["MIELI", "ry:n", "Kriisipuhelin", "09", "2525", "0111"],
        ["Myrkytystietokeskus", "+358", "800-147", "111"]]
    assert all(links.nth(i).bounding_box()["height"] >= 44 for i in range(links.count()))
    assert card.locator(".card-text li").all_inner_texts() == ["Pysy puhelimessa ja toimi ohjeiden mukaan.",
                                                               "Älä jätä häntä yksin."]
    alert = page.locator("#chat-alert")
    assert alert.get_attribute("role") == "alert" and alert.get_attribute("aria-live") == "assertive"
    page.wait_for_selector("#chat-alert >> text=Soita heti hätänumeroon 112")
    announced = alert.inner_text()
    assert "Hätätilanne: toimi heti" in announced and "Älä jätä häntä yksin" in announced
    assert_all_disabled(greeting_buttons(page))  # a stale click cannot start a form or an assessment

    reload(page)
    card = page.locator("#chat-log .msg.emergency")
    assert card.get_by_role("heading", name="Hätätilanne: toimi heti").is_visible()
    assert card.locator("a.call").count() == 3
    assert card.locator("a.call").nth(1).get_attribute("href") == "tel:0925250111"
    assert_all_disabled(greeting_buttons(page))  # remembered
    page.wait_for_timeout(300)
    assert page.inner_text("#chat-alert") == ""  # the transcript re-rendered from storage is not announced again


def test_an_older_emergency_answer_gets_the_default_heading_and_112(page):
    say(page, "vanha hätä")
    card = page.locator("#chat-log .msg.emergency")
    card.wait_for()
    assert card.get_by_role("heading", name="Hätätilanne").is_visible()
    assert [card.locator("a.call").nth(i).get_attribute("href") for i in range(card.locator("a.call").count())] \
        == ["tel:112"]


def test_a_number_with_letters_or_a_script_is_not_a_link(page):
    say(page, "kirjaimia numerossa")
    card = page.locator("#chat-log .msg.emergency")
    card.wait_for()
    assert [card.locator("a").nth(i).get_attribute("href") for i in range(card.locator("a").count())] == ["tel:112"]
    assert card.locator(".call-unlinked").all_inner_texts() == ["Huijausnumero 0700 HUIJAUS",
                                                                "Skripti javascript:alert(1)"]
    assert page.locator("a[href*='HUIJAUS'], a[href^='javascript']").count() == 0


@pytest.mark.parametrize("message", ["yhdessä", "napit ensin", "kortti ensin"])
def test_the_safety_question_keeps_its_own_buttons_and_sends_safety_ok(page, fake_rasa, message):
    say(page, message)
    page.locator("#chat-log .msg.safety-check .card-heading", has_text="Tarkistetaan, oletko turvassa").wait_for()
    page.wait_for_selector("#chat-log .msg.safety-check >> text=Oletko sinä tai joku muu nyt vaarassa?")
    assert page.locator("#chat-log .msg.safety-check").count() == 1  # one card, whichever way the parts came
    card = page.locator("#chat-log .turn", has=page.locator(".msg.safety-check"))
    assert card.locator("a.call").get_attribute("href") == "tel:112"
    assert_all_disabled(greeting_buttons(page))
    own = card.locator(".buttons button")
    assert own.all_inner_texts() == ["Kyllä, soita 112", "Ei ole hätää"]
    assert own.nth(0).is_enabled() and own.nth(1).is_enabled()
    page.wait_for_selector("#chat-alert >> text=Oletko sinä tai joku muu nyt vaarassa?")

    reload(page)  # the safety question still waits for its answer; the older buttons stay disabled
    card = page.locator("#chat-log .turn", has=page.locator(".msg.safety-check"))
    assert card.locator(".buttons button").nth(1).is_enabled()
    assert_all_disabled(greeting_buttons(page))

    sent_before = len(fake_rasa.received)
    card.get_by_role("button", name="Ei ole hätää").click()
    page.wait_for_selector("#chat-log .msg.bot >> text=Hyvä kuulla.")
    assert fake_rasa.received[sent_before:] == ["/safety_ok"]
    assert_all_disabled(card.locator(".buttons button"))  # once clicked, the group is closed
    reload(page)
    card = page.locator("#chat-log .turn", has=page.locator(".msg.safety-check"))
    assert_all_disabled(card.locator(".buttons button"))


def test_the_console_shows_an_emergency_in_the_queue_and_on_the_conversation(browser, web):
    at = dt.datetime(2026, 1, 15, 12, 34, tzinfo=dt.timezone.utc)
    shown = at.astimezone(ZoneInfo("Europe/Helsinki")).strftime("%H:%M")
    web.ctx.test_relay.entries[:] = [
        {"index": 0, "who": "resident", "text": "mun isä ei hengitä", "at": at.timestamp() - 5},
        {"index": 1, "who": "bot", "text": "Soita heti 112.", "at": at.timestamp(), "emergency": True,
         "category": "breathing"},
        {"index": 2, "who": "resident", "text": "haluan puhua ihmisen kanssa", "at": at.timestamp() + 60}]
    handoff, _ = web.ctx.test_stores.handoffs.enqueue("0123456789abcdef0123456789abcdef",
                                                      {"topic_title": "Hätänumero 112"})
    context = browser.new_context(locale="fi-FI", timezone_id="Europe/Helsinki")
    pro = context.new_page()
    pro.set_default_timeout(TIMEOUT)
    pro.goto(web.ctx.test_url + "/console")
    pro.fill("#username", "hoitaja")
    pro.fill("#password", PASSWORD)
    pro.click("#sign-in button")
    marker = pro.locator("#queue li.emergency .queue-emergency")
    marker.wait_for()
    assert marker.inner_text() == f"HÄTÄOHJE ANNETTU: hengitysvaikeus klo {shown} –"
    pro.click("#queue .take")
    banner = pro.locator("#emergency-banner")
    pro.wait_for_selector("#emergency-banner >> text=Asiakas sai hätäohjeen")
    assert banner.get_attribute("role") == "alert"
    assert banner.inner_text() == f"Asiakas sai hätäohjeen: hengitysvaikeus klo {shown}"
    assert "[hätäohje]" in pro.locator("#transcript .entry.emergency").inner_text()
    pro.wait_for_timeout(3000)  # the console polls on: nothing is added twice
    assert pro.locator("#emergency-banner p").count() == 1
    pro.click("#hand-back")
    pro.wait_for_selector("#status >> text=Keskustelu palautettu")
    assert web.ctx.test_stores.handoffs.get(handoff.id).status == "returned"
    context.close()


def test_the_queue_marker_reads_only_new_entries_not_too_often_and_survives_a_relay_failure():
    from types import SimpleNamespace

    from bot.channels.relay import transcript_entries
    from bot.web.console import EmergencyMarks
    from bot.web.relay_client import RelayUnavailable

    assert transcript_entries([{"event": "bot", "text": "Soita 112", "timestamp": 7,
                                "data": {"custom": {"emergency": True, "category": "stroke"}}}])[0] == {
        "index": 0, "who": "bot", "at": 7, "text": "Soita 112", "emergency": True, "category": "stroke"}

    class Relay:
        def __init__(self):
            self.entries, self.reads, self.down = [], [], False

        async def transcript(self, conversation_id, after=0):
            self.reads.append((conversation_id, after))
            if self.down:
                raise RelayUnavailable("down")
            return [e for e in self.entries if e["index"] >= after]

    def run(coroutine):  # in a thread of its own: Playwright's sync API keeps a loop running in this one
        done = {}
        worker = threading.Thread(target=lambda: done.update(value=asyncio.run(coroutine)))
        worker.start()
        worker.join(10)
        return done["value"]

    now = {"t": 100.0}
    marks, relay = EmergencyMarks(recheck=5, clock=lambda: now["t"]), Relay()
    rows = [SimpleNamespace(id=1, conversation_id="a" * 32)]
    relay.entries = [{"index": 0, "who": "resident", "text": "hei"}]
    assert run(marks.marks(relay, rows)) == {1: None}
    relay.entries.append({"index": 1, "who": "bot", "emergency": True, "category": "stroke", "at": 7})
    assert run(marks.marks(relay, rows)) == {1: None} and len(relay.reads) == 1  # not read again yet
    now["t"] += 5
    assert run(marks.marks(relay, rows)) == {1: {"category": "stroke", "at": 7}}
    assert relay.reads == [("a" * 32, 0), ("a" * 32, 1)]  # only what was not read before
    relay.down, now["t"] = True, now["t"] + 5
    assert run(marks.marks(relay, rows)) == {1: {"category": "stroke", "at": 7}}
    assert run(marks.marks(relay, [])) == {} and not marks._known  # gone from the queue: forgotten
