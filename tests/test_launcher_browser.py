"""The embeddable launcher in a real browser (Playwright driving Debian's Chromium, headless), without a
trained model: the web app serves launcher.js and the embedded chat (/upotus) on http://127.0.0.1:<port>,
and a region's pages are served by a second small HTTP server on http://localhost:<port2> (another
origin) with the one script tag of docs/embedding.md and the Content-Security-Policy the document tells
the region to allow. A third server on another port is a site that is not an embed origin. The fake
Rasa socket answers the chat.

This Chromium blocks third-party cookies, and with them a frame's storage on another site (so do
private windows of browsers that otherwise allow them): the chat must work in the frame all the same,
for the page it is on (embed-storage.js). Where the frame's storage is allowed (Chrome's default
today: the `kept` browser, with the third-party cookie phase-out turned off), the conversation goes on
over the region's page changes."""
from __future__ import annotations

import http.server
import json
import re
import threading
import time
from typing import Any

import pytest
from sanic import Sanic

from bench.stack import free_port
from bot.settings import Settings
from bot.web.app import create_app
from tests import browsers
from tests.fake_rasa_socket import FakeRasaSocket
from tests.servers import ThreadedServer

Sanic.test_mode = True  # several apps served in one test process (Sanic rewrites its protocol once otherwise)

pytest.importorskip("playwright.sync_api")
pytestmark = browsers.NEEDS_CHROMIUM
browser = browsers.browser  # the fixture: one Chromium for this module
TIMEOUT = 15_000

GREETING_TEXT = "Hei! Olen chat-opas. Mistä haluat kysyä?"
REPLIES = {
    "/greet": [{"text": GREETING_TEXT, "buttons": [{"title": "Flunssa", "payload": "/flunssa"}]}],
    "mistä saan ajan": [{"text": "Ajan saat omalta terveysasemaltasi."}],
}
EMERGENCY = {"text": "Soita heti hätänumeroon 112.",
             "custom": {"emergency": True, "category": "breathing", "heading": "Hätätilanne: toimi heti",
                        "calls": [{"label": "Hätänumero", "number": "112"}]}}


class RegionSite:
    """A region's pages on their own origin: /sivu-1 and /sivu-2 both carry the launcher tag."""

    def __init__(self, chat_url: str, host: str = "localhost") -> None:
        def page(title: str, other: str, lang: str = "fi", attributes: str = 'data-label="Chat-opas"') -> bytes:
            return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>
<body><main><h1>{title}</h1><p><a id="next" href="{other}">Seuraava sivu</a></p></main>
<script src="{chat_url}/static/launcher.js" defer {attributes}></script>
</body></html>""".encode()

        pages = {"/sivu-1": page("Terveysasemat", "/sivu-2"), "/sivu-2": page("Perhepalvelut", "/sivu-1"),
                 # a Swedish page whose launcher keeps the Finnish default texts, and one given Swedish texts
                 "/sv-1": page("Hälsostationer", "/sv-2", lang="sv"),
                 "/sv-2": page("Familjetjänster", "/sv-1", lang="sv", attributes=(
                     'data-lang="sv" data-label="Chattguide" data-close-text="Stäng" '
                     'data-close-label="Stäng chattguiden" data-open-label="Öppna chattguiden"'))}
        # the policy docs/embedding.md asks of the region's page: the chat's origin for the script,
        # its stylesheet and the frame; nothing inline
        policy = (f"default-src 'self'; script-src 'self' {chat_url}; style-src 'self' {chat_url}; "
                  f"frame-src {chat_url}; img-src 'self'")

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                body = pages.get(self.path.split("?")[0], b"ei ole")
                self.send_response(200 if self.path.split("?")[0] in pages else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Security-Policy", policy)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                return

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://{host}:{self._server.server_address[1]}"  # not the app's origin
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=15)


@pytest.fixture(scope="module")
def fake_rasa():
    server = FakeRasaSocket(REPLIES)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def chat_url():
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="module")
def region(chat_url):
    site = RegionSite(chat_url)
    yield site
    site.stop()


@pytest.fixture(scope="module")
def stranger(chat_url):
    site = RegionSite(chat_url)  # the same pages on a site that is not an embed origin
    yield site
    site.stop()


@pytest.fixture(scope="module")
def neighbour(chat_url):
    """A region site on the chat's own site (127.0.0.1, another port: another origin, the same site), as
    www.alue.fi framing chat.alue.fi: the browser sends the chat's SameSite=Lax cookies to the frame."""
    site = RegionSite(chat_url, host="127.0.0.1")
    yield site
    site.stop()


@pytest.fixture(scope="module")
def web(fake_rasa, chat_url, region, neighbour, tmp_path_factory):
    port = int(chat_url.rsplit(":", 1)[1])
    database = f"sqlite:///{tmp_path_factory.mktemp('launcher') / 'assistant.db'}"  # never the developer's var/
    settings = Settings(webchat_port=port, public_socket_url=fake_rasa.url, database_url=database,
                        embed_origins=(region.url, neighbour.url))
    app = create_app(settings, name=f"test_launcher_{port}")
    running = ThreadedServer(app, port, chat_url + "/chat-config.json")
    yield app
    running.stop()


@pytest.fixture(scope="module")
def kept_browser(browser):
    """A Chromium that gives frames of another site their (partitioned) storage, as Chrome does today."""
    launched = browser.browser_type.launch(executable_path=str(browsers.CHROMIUM), headless=True,
                                           args=["--no-sandbox", "--disable-features=TrackingProtection3pcd"])
    yield launched
    launched.close()


def new_page(browser):
    context = browser.new_context(locale="fi-FI", timezone_id="Europe/Helsinki")
    opened = context.new_page()
    opened.set_default_timeout(TIMEOUT)
    return context, opened


@pytest.fixture()
def page(browser, web):
    context, opened = new_page(browser)
    yield opened
    context.close()


@pytest.fixture()
def kept_page(kept_browser, web):
    context, opened = new_page(kept_browser)
    yield opened
    context.close()


def chat_frame(page):
    return page.frame_locator("iframe.sote-chat-iframe")


def frame_of(page, chat_url: str):
    """The chat's frame as a Playwright Frame (for evaluating in it)."""
    for _ in range(200):
        for frame in page.frames:
            if frame.url.startswith(chat_url + "/upotus"):
                return frame
        page.wait_for_timeout(50)
    raise AssertionError("the chat frame did not appear")


def record_messages(page) -> None:
    """Keep every message the host page's window receives, as text, to check what crosses to it."""
    page.evaluate("""() => { window.__received = [];
      window.addEventListener("message", e => window.__received.push(JSON.stringify(e.data))); }""")


def until(page, expression: str, arg: Any = None) -> None:
    """Until `expression` (a function of `arg`) is true in the page, polled from here: the region's page
    allows no eval, which Playwright's own wait_for_function needs when it has to poll."""
    for _ in range(300):
        if page.evaluate(expression, arg):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"never true: {expression}")


def focused_is_launcher_button(page) -> bool:
    return page.evaluate("document.activeElement && document.activeElement.classList.contains('sote-chat-button')")


def wait_for_new_connection(fake_rasa, before: set[str]) -> None:
    """Until a socket that was not connected `before` is (the reloaded frame's)."""
    for _ in range(300):
        if set(fake_rasa.connected) - before:
            return
        time.sleep(0.05)
    raise AssertionError("the chat in the frame did not connect to the socket")


def test_the_button_opens_the_chat_in_a_frame_and_esc_closes_it_back_to_the_button(page, region, chat_url):
    page.goto(region.url + "/sivu-1")
    record_messages(page)
    button = page.get_by_role("button", name="Chat-opas", exact=True)
    button.wait_for()
    box = button.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    assert button.get_attribute("aria-expanded") == "false"
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    panel = page.get_by_role("dialog", name="Chat-opas", exact=True)
    assert panel.is_visible()
    iframe = page.locator("iframe.sote-chat-iframe")
    assert iframe.get_attribute("title")
    assert iframe.get_attribute("src").startswith(chat_url + "/upotus?isanta=")
    chat_frame(page).get_by_text(GREETING_TEXT).wait_for()  # the chat itself, from the app's origin
    frame = frame_of(page, chat_url)
    frame.wait_for_function("document.activeElement && document.activeElement.id === 'chat-input'")  # focus moved in
    # in the frame, identification opens the full page in a new tab (no cookies in another site's frame)
    assert frame.evaluate("document.getElementById('login-form').target") == "_blank"
    # the chat's links to its own pages open in a new tab: those pages are not for another site's frame
    with page.context.expect_page() as opened:
        chat_frame(page).get_by_role("link", name="Saavutettavuusseloste").click()
    statement = opened.value
    statement.wait_for_load_state()
    assert statement.url == chat_url + "/saavutettavuusseloste"
    assert statement.get_by_role("heading", level=1).inner_text() == "Saavutettavuusseloste"
    statement.close()
    frame.locator("#chat-input").focus()

    page.keyboard.press("Escape")  # pressed inside the frame: the bridge asks the launcher to close
    panel.wait_for(state="hidden")
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('sote-chat-button')")
    assert button.get_attribute("aria-expanded") == "false"

    page.keyboard.press("Enter")  # the button has the focus: open again, from the keyboard
    panel.wait_for(state="visible")
    page.get_by_role("button", name="Sulje chat-opas").focus()
    page.keyboard.press("Escape")  # pressed in the host page's panel
    panel.wait_for(state="hidden")
    assert focused_is_launcher_button(page)

    # nothing of the conversation crossed to the host page: only content-free signals came
    received = page.evaluate("window.__received")
    assert received and all(GREETING_TEXT not in item and "Hei" not in item for item in received)
    assert {json.loads(item)["type"] for item in received} <= {"ready", "unread", "close"}
    assert GREETING_TEXT not in page.evaluate("document.body.innerText")


def test_a_page_change_on_the_region_site_reopens_the_panel_with_the_same_conversation(kept_page, region, chat_url):
    page = kept_page
    page.goto(region.url + "/sivu-1")
    page.get_by_role("button", name="Chat-opas", exact=True).click()
    chat = chat_frame(page)
    chat.get_by_text(GREETING_TEXT).wait_for()
    chat.locator("#chat-input").fill("mistä saan ajan")
    chat.locator("#chat-input").press("Enter")
    chat.get_by_text("Ajan saat omalta terveysasemaltasi.").wait_for()

    page.click("#next")  # the region's own link: a new page of the region's site
    page.wait_for_url(region.url + "/sivu-2")
    panel = page.get_by_role("dialog", name="Chat-opas", exact=True)
    panel.wait_for(state="visible")  # reopened by itself
    chat = chat_frame(page)
    chat.get_by_text("Ajan saat omalta terveysasemaltasi.").wait_for()  # the same conversation
    assert chat.get_by_text("mistä saan ajan").count() == 1
    assert chat.get_by_text(GREETING_TEXT).count() == 1  # not greeted again: not a new conversation
    assert not focused_is_launcher_button(page)  # a page load does not move the focus by itself

    page.get_by_role("button", name="Sulje chat-opas").click()
    page.goto(region.url + "/sivu-1")  # closed stays closed after the next page change
    page.get_by_role("button", name="Chat-opas", exact=True).wait_for()
    assert page.get_by_role("dialog", name="Chat-opas", exact=True).is_hidden()


def test_messages_arriving_while_closed_show_an_unread_badge(kept_page, region, chat_url, fake_rasa):
    page = kept_page
    page.goto(region.url + "/sivu-1")
    button = page.locator(".sote-chat-button")
    button.click()
    chat_frame(page).get_by_text(GREETING_TEXT).wait_for()
    page.get_by_role("button", name="Sulje chat-opas").click()
    badge = page.locator(".sote-chat-badge")
    assert badge.is_hidden()

    fake_rasa.emit_to_all("bot_uttered", {"text": "Ammattilainen vastasi sinulle."})
    badge.wait_for(state="visible")
    assert badge.inner_text() == "1"
    page.get_by_role("button", name=re.compile(r"^Chat-opas\W+1 uusi viesti$")).wait_for()  # the badge's text alternative
    assert page.get_by_role("status").filter(has_text="1 uusi viesti").count() == 1

    before = set(fake_rasa.connected)
    page.reload()  # the region's page changes while closed: the frame is loaded hidden and still counts
    frame_of(page, chat_url).get_by_text("Ammattilainen vastasi sinulle.").wait_for(state="attached")
    page.get_by_role("button", name=re.compile(r"^Chat-opas\W+1 uusi viesti$")).wait_for()  # still unread
    wait_for_new_connection(fake_rasa, before)
    frame_of(page, chat_url).wait_for_function(
        "!document.getElementById('chat-status').textContent.includes('Yhdistetään')")
    fake_rasa.emit_to_all("bot_uttered", {"text": "Toinen viesti."})
    fake_rasa.emit_to_all("bot_uttered", {"text": "Kolmas viesti."})
    page.get_by_role("button", name=re.compile(r"^Chat-opas\W+3 uutta viestiä$")).wait_for()
    assert page.locator(".sote-chat-badge").inner_text() == "3"

    page.locator(".sote-chat-button").click()  # opened: read, the badge goes
    page.locator(".sote-chat-badge").wait_for(state="hidden")
    chat_frame(page).get_by_text("Kolmas viesti.").wait_for()
    page.get_by_role("button", name="Sulje chat-opas").click()
    assert page.locator(".sote-chat-badge").is_hidden()  # nothing new since it was open


def test_a_count_above_99_is_announced_once_per_change_like_any_other(page, region, chat_url):
    page.goto(region.url + "/sivu-1")
    page.locator(".sote-chat-button").click()
    chat_frame(page).get_by_text(GREETING_TEXT).wait_for()
    page.get_by_role("button", name="Sulje chat-opas").click()
    status = page.locator(".sote-chat-root [role=status]")
    page.evaluate("""() => { window.__said = [];
      new MutationObserver(() => window.__said.push(document.querySelector('.sote-chat-root [role=status]')
        .textContent)).observe(document.querySelector('.sote-chat-root [role=status]'),
                              { childList: true, characterData: true, subtree: true }); }""")
    frame = frame_of(page, chat_url)

    def signal(count: int) -> None:  # the frame's own signal, as the bridge posts it
        frame.evaluate("""([count, host]) => window.parent.postMessage(
            { source: "sote-chat", type: "unread", count: count }, host)""", [count, page.url.split("/sivu")[0]])

    signal(150)
    until(page, "() => window.__said.includes('Chat-oppaassa on 150 uutta viestiä.')")
    assert page.locator(".sote-chat-badge").inner_text() == "99"
    page.get_by_role("button", name=re.compile(r"^Chat-opas\W+150 uutta viestiä$")).wait_for()
    signal(150)  # the same count again: nothing new to say
    signal(151)
    until(page, "() => window.__said.includes('Chat-oppaassa on 151 uutta viestiä.')")
    said = page.evaluate("window.__said")
    assert said.count("Chat-oppaassa on 150 uutta viestiä.") == 1, said
    assert status.inner_text() == "Chat-oppaassa on 151 uutta viestiä."


def test_an_emergency_answer_arriving_while_closed_is_only_counted_on_the_host_page(page, region, chat_url, fake_rasa):
    """That the resident was given emergency guidance is health information: the host page (and any
    analytics or session-replay script on it) learns only that one new message came."""
    page.goto(region.url + "/sivu-1")
    record_messages(page)
    page.locator(".sote-chat-button").click()
    chat_frame(page).get_by_text(GREETING_TEXT).wait_for()
    page.get_by_role("button", name="Sulje chat-opas").click()
    panel = page.get_by_role("dialog", name="Chat-opas", exact=True)
    assert panel.is_hidden()
    fake_rasa.emit_to_all("bot_uttered", EMERGENCY)
    page.get_by_role("button", name=re.compile(r"^Chat-opas\W+1 uusi viesti$")).wait_for()  # counted like any
    assert page.locator(".sote-chat-badge").inner_text() == "1"
    frame_of(page, chat_url).locator(".msg.emergency").wait_for(state="attached")  # it is there, in the frame
    assert panel.is_hidden()  # not opened by itself: that would tell the page what kind of message came
    assert page.get_by_role("status").filter(has_text="Chat-oppaassa on 1 uusi viesti.").count() == 1

    received = [json.loads(item) for item in page.evaluate("window.__received")]
    assert {message["type"] for message in received} == {"ready", "unread"}
    for message in received:  # no signal but these: ready (with its storage kind) and a bare count
        allowed = {"ready": {"source", "type", "storage"}, "unread": {"source", "type", "count"}}[message["type"]]
        assert set(message) == allowed, message
    assert received[-1] == {"source": "sote-chat", "type": "unread", "count": 1}
    host_text = page.evaluate("document.documentElement.textContent")
    assert not any(word in host_text for word in ("kiireellinen", "Hätä", "112", "hätä"))


def test_a_site_that_is_not_an_embed_origin_cannot_frame_the_chat(page, stranger, region, chat_url):
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(stranger.url + "/sivu-1")
    with page.expect_response(lambda answer: answer.url.startswith(chat_url + "/upotus?")) as answered:
        page.get_by_role("button", name="Chat-opas", exact=True).click()  # the script loads, the frame is asked
    assert answered.value.status == 200  # the chat answered the frame's request: the refusal is the browser's
    # the frame's navigation is over: the browser refused it (CSP frame-ancestors) instead of showing it
    def refusals() -> int:  # Chromium: "Framing '<chat>/' violates ... "frame-ancestors ...". ... blocked."
        return sum("frame-ancestors" in text and chat_url + "/" in text and "blocked" in text for text in console)

    for _ in range(200):
        if refusals():
            break
        page.wait_for_timeout(50)
    assert refusals() == 1, console
    frame = page.locator("iframe.sote-chat-iframe").element_handle().content_frame()
    assert not frame.url.startswith(chat_url)
    assert frame.locator("#chat-log").count() == 0
    assert page.locator(".sote-chat-badge").is_hidden()

    # the same launcher on a listed origin, in the same browser, does show the chat: the refusal above is
    # the policy, not a chat that fails to load anywhere
    page.goto(region.url + "/sivu-1")
    page.get_by_role("button", name="Chat-opas", exact=True).click()
    chat_frame(page).get_by_text(GREETING_TEXT).wait_for()
    assert frame_of(page, chat_url).locator("#chat-log").count() == 1
    assert refusals() == 1  # no new refusal


def test_on_the_chat_s_own_site_the_frame_stays_anonymous_and_sends_the_identified_forms_to_a_new_tab(
        page, neighbour, chat_url):
    """The identification cookie (SameSite=Lax, path /auth) reaches a same-site frame's requests. Were the
    frame to turn identified, its logout, erasure and restart would navigate it to pages that refuse to be
    framed: so its /auth/ requests carry no cookies (embed-anonymous.js)."""
    page.context.add_cookies([{"name": "sote_identified", "value": "kokeilu", "domain": "127.0.0.1",
                               "path": "/auth"}])
    asked: list[tuple[str, bool]] = []  # (the asking page, whether the cookie came along)

    def session_view(route) -> None:  # the server's view were this cookie a live identified session
        with_cookie = "sote_identified=kokeilu" in (route.request.all_headers().get("cookie") or "")
        asked.append((route.request.frame.url, with_cookie))
        view = {"available": True, "identified": with_cookie}
        if with_cookie:
            view.update(token="t", conversation_id="c" * 32, name="Testi Asukas", expires_at="2099-01-01T00:00:00",
                        notice="Olet nyt tunnistautunut.")
        route.fulfill(status=200, content_type="application/json", body=json.dumps(view))

    page.context.route(chat_url + "/auth/session", session_view)
    own = page.context.new_page()  # the chat's own page, in a tab of its own: the cookie goes, it is identified
    own.goto(chat_url + "/")
    own.locator("#logout-form").wait_for()
    own.close()
    assert asked == [(chat_url + "/", True)]

    page.goto(neighbour.url + "/sivu-1")
    page.get_by_role("button", name="Chat-opas", exact=True).click()
    chat_frame(page).get_by_text(GREETING_TEXT).wait_for()  # a fresh anonymous conversation
    frame = frame_of(page, chat_url)
    frame.wait_for_function("document.getElementById('identify') && !document.getElementById('identify').hidden")
    assert len(asked) == 2 and asked[1][0].startswith(chat_url + "/upotus?") and asked[1][1] is False
    assert frame.locator("#logout-form").is_hidden() and frame.locator("#erase-form").is_hidden()
    assert frame.locator("#identity-status").is_hidden()
    for form in ("login-form", "logout-form", "erase-form"):  # were any sent, a new tab, never the frame
        assert frame.evaluate(f"document.getElementById('{form}').target") == "_blank"

    # a restart in the anonymous frame stays in the frame: a new conversation, no logout
    frame.locator("#chat-menu summary").click()
    frame.locator("#chat-restart").click()
    frame.locator("#restart-dialog [data-action=confirm]").click()
    chat_frame(page).get_by_text(GREETING_TEXT).wait_for()
    assert frame.url.startswith(chat_url + "/upotus?")
    assert len(page.context.pages) == 1


def test_where_the_frame_gets_no_storage_the_chat_still_works_for_the_page_it_is_on(page, region, chat_url):
    page.goto(region.url + "/sivu-1")
    page.get_by_role("button", name="Chat-opas", exact=True).click()
    chat = chat_frame(page)
    chat.get_by_text(GREETING_TEXT).wait_for()
    assert frame_of(page, chat_url).evaluate("document.documentElement.getAttribute('data-storage')") == "page"
    chat.locator("#chat-input").fill("mistä saan ajan")
    chat.locator("#chat-input").press("Enter")
    chat.get_by_text("Ajan saat omalta terveysasemaltasi.").wait_for()
    page.get_by_role("button", name="Sulje chat-opas").click()
    page.click("#next")
    page.wait_for_url(region.url + "/sivu-2")
    page.get_by_role("button", name="Chat-opas", exact=True).wait_for()
    # closed, and no conversation to go on: no hidden frame starting a new one (and a false badge)
    assert page.locator("iframe.sote-chat-iframe").count() == 0
    assert page.locator(".sote-chat-badge").is_hidden()


def test_a_hidden_frame_that_cannot_keep_the_conversation_is_taken_away_without_a_badge(page, region, chat_url):
    """The launcher believed the frame keeps the conversation (say the panel was closed before the frame
    said otherwise): the next page loads the frame hidden, the frame says its storage lasts only the page,
    and the launcher drops it instead of letting a new conversation's greeting count as unread."""
    page.goto(region.url + "/sivu-1")
    page.get_by_role("button", name="Chat-opas", exact=True).wait_for()
    key = "sote-chat-launcher:" + chat_url
    page.evaluate("([key]) => sessionStorage.setItem(key, JSON.stringify({open: false, started: true, kept: true}))",
                  [key])
    with page.expect_response(lambda answer: answer.url.startswith(chat_url + "/upotus?")):
        page.click("#next")  # the next page loads the frame hidden, to count
    until(page, "([key]) => JSON.parse(sessionStorage.getItem(key)).kept === false", [key])
    until(page, "() => document.querySelectorAll('iframe.sote-chat-iframe').length === 0")
    assert page.locator(".sote-chat-badge").is_hidden()
    page.get_by_role("button", name="Chat-opas", exact=True).click()  # opened: a frame again, the chat works
    chat_frame(page).get_by_text(GREETING_TEXT).wait_for()


@pytest.mark.parametrize("path", ["/saavutettavuusseloste", "/tietosuojaseloste"])
def test_the_public_pages_have_no_accessibility_violations(page, chat_url, path):
    from tests import axe

    page.goto(chat_url + path)
    page.get_by_role("heading", level=1).wait_for()
    violations = axe.check_page(page)
    assert not violations, axe.report(violations)


def test_the_launcher_s_texts_carry_their_own_language_and_every_text_can_be_given(page, region):
    page.goto(region.url + "/sv-1")  # a Swedish page, the launcher's default Finnish texts: marked Finnish
    button = page.get_by_role("button", name="Chat-opas", exact=True)
    button.wait_for()
    assert page.locator(".sote-chat-root").get_attribute("lang") == "fi"
    button.click()
    # the chat is there (and has told the launcher it is ready: its conversation ends with this page here)
    chat_frame(page).get_by_text(GREETING_TEXT).wait_for()
    close = page.get_by_role("button", name="Sulje chat-opas")
    assert close.inner_text() == "Sulje"
    close.click()

    page.goto(region.url + "/sv-2")  # the region gives the texts in Swedish, and says so
    button = page.get_by_role("button", name="Chattguide", exact=True)
    button.wait_for()
    assert page.locator(".sote-chat-root").get_attribute("lang") == "sv"
    assert button.get_attribute("title") == "Öppna chattguiden"
    button.click()
    close = page.get_by_role("button", name="Stäng chattguiden")
    assert close.inner_text() == "Stäng"
    close.click()
    page.get_by_role("dialog", name="Chattguide").wait_for(state="hidden")


def test_the_launcher_on_a_small_screen_fills_the_window_and_keeps_the_close_button_in_reach(browser, web, region):
    context = browser.new_context(locale="fi-FI", viewport={"width": 360, "height": 640})
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        page.goto(region.url + "/sivu-1")
        page.get_by_role("button", name="Chat-opas", exact=True).click()
        chat_frame(page).get_by_text(GREETING_TEXT).wait_for()
        panel = page.get_by_role("dialog", name="Chat-opas", exact=True).bounding_box()
        assert panel["width"] >= 359 and panel["height"] >= 639
        close = page.get_by_role("button", name="Sulje chat-opas")
        box = close.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44 and box["y"] >= 0
        close.click()
        page.wait_for_function("document.activeElement && document.activeElement.classList.contains('sote-chat-button')")
    finally:
        context.close()
