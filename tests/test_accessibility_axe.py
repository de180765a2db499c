"""Accessibility of every page in a real browser: axe-core (tests/axe.py, WCAG 2.1 A and AA rules) finds
no violations in

* the resident chat with a conversation on it (a greeting with buttons, an answer with a list and a
  phone number, an emergency card), phone- and desktop-sized; offline, and with its restart dialog open;
* the accessibility statement and the privacy notice;
* the launcher's chat panel opened on a region's page of another origin (the host page and the frame);
* the professionals' console signed in, with a live conversation taken from the queue;
* the management view signed in, its figures drawn;

each in the light and in the dark colour scheme.

No trained model: the fake Rasa socket answers the scripted conversation of tests/sample_site.py, and
the console reads a fake relay. A failure lists each rule, its impact and the elements to fix.
"""
from __future__ import annotations

import http.server
import re
import threading

import pytest
from argon2 import PasswordHasher

from actions.store import accounts as accounts_module
from tests import axe, browsers, sample_site
from tests.fake_rasa_socket import FakeRasaSocket

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = browsers.NEEDS_CHROMIUM
browser = browsers.browser  # the fixture: one Chromium for this module
TIMEOUT = 20_000
LAUNCHER = sample_site.Path(__file__).resolve().parent.parent / "bot" / "web" / "static" / "launcher.js"


@pytest.fixture(scope="module", autouse=True)
def axe_installed():
    axe.axe_source()  # skips the module, saying how to install axe-core, where it is missing


@pytest.fixture(scope="module")
def fake_rasa():
    server = FakeRasaSocket(sample_site.REPLIES)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def site(fake_rasa, tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts_module, "PASSWORD_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        with sample_site.running_site(tmp_path_factory.mktemp("axe"), fake_rasa.url) as running:
            yield running


@pytest.fixture
def open_page(browser):
    """`open_page(**context_options)`: a new page in its own context, closed after the test."""
    contexts = []

    def new(**options):
        context = browser.new_context(locale="fi-FI", timezone_id="Europe/Helsinki", **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        return page

    yield new
    for context in contexts:
        context.close()


def assert_no_violations(page) -> None:
    found = axe.check_page(page)
    assert not found, axe.report(found)


def hold_conversation(chat) -> None:
    """The scripted conversation in a chat page or frame: greeting, the flu answer, an emergency."""
    chat.locator(".turn button", has_text="Flunssa ja kuume").first.click()
    chat.locator(".msg.bot", has_text="päivystysapuun 116 117").first.wait_for()
    chat.locator("#chat-input").fill(sample_site.EMERGENCY_QUESTION)
    chat.locator("#chat-input").press("Enter")
    chat.locator(".msg.emergency a.call").first.wait_for()


@pytest.mark.parametrize("width,height", [(390, 844), (1280, 800)], ids=["phone", "desktop"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_chat_with_a_conversation_has_no_violations(open_page, site, scheme, width, height):
    page = open_page(color_scheme=scheme, viewport={"width": width, "height": height})
    page.goto(site.url + "/")
    page.locator("#chat-log button", has_text="Flunssa ja kuume").wait_for()
    hold_conversation(page)
    page.wait_for_selector("#chat-status >> text=Yhteys on auki")
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")
    assert page.locator("#chat-log .msg").count() >= 4  # what axe looks at: the conversation is shown
    assert_no_violations(page)


def test_the_chat_offline_and_its_restart_dialog_have_no_violations(open_page, site, fake_rasa):
    page = open_page()
    page.goto(site.url + "/")
    page.locator("#chat-log button", has_text="Flunssa ja kuume").wait_for()
    fake_rasa.go_down()
    try:
        page.locator("#chat-offline").wait_for()  # the numbers to call while the chat is offline
        assert page.locator("#chat-offline a[href^='tel:']").count() >= 1
        assert_no_violations(page)
    finally:
        fake_rasa.come_back()
    page.wait_for_selector("#chat-status >> text=Yhteys on auki")
    page.locator("#chat-menu summary").click()
    page.locator("#chat-restart").click()
    dialog = page.locator("#restart-dialog")
    dialog.wait_for()
    assert dialog.evaluate("d => d.open")
    assert_no_violations(page)  # the page with its modal dialog open
    dialog.get_by_role("button", name="Peruuta").click()


@pytest.mark.parametrize("path", ["/saavutettavuusseloste", "/tietosuojaseloste"])
def test_the_accessibility_statement_and_privacy_notice_have_no_violations(open_page, site, path):
    page = open_page()
    answer = page.goto(site.url + path)
    assert answer is not None and answer.status == 200
    assert page.locator("h1").count() == 1
    assert_no_violations(page)


@pytest.mark.skipif(not LAUNCHER.exists(), reason="launcher not built yet (bot/web/static/launcher.js)")
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_launcher_panel_on_a_region_page_has_no_violations(open_page, site, scheme):
    page = open_page(color_scheme=scheme)
    page.goto(site.host_url + "/")
    page.locator("button.sote-chat-button").click()
    frame_element = page.locator("iframe").first
    frame_element.wait_for()
    chat = page.frame_locator("iframe").first
    chat.locator("#chat-log button", has_text="Flunssa ja kuume").wait_for()
    hold_conversation(chat)
    frames = [f for f in page.frames if f.url.startswith(site.url + "/upotus")]
    assert len(frames) == 1, "the chat panel's frame is not the app's /upotus"
    assert page.url.startswith(site.host_url) and site.host_url != site.url  # the host page: another origin
    found = axe.check_frame(page.main_frame) + axe.check_frame(frames[0])  # the host page, the chat inside
    assert not found, axe.report(found)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_console_with_a_live_conversation_has_no_violations(open_page, site, scheme):
    site.queue_resident()  # a resident of this test's own waits in the queue
    page = open_page(color_scheme=scheme)
    page.goto(site.url + "/console")
    page.fill("#username", sample_site.PROFESSIONAL[0])
    page.fill("#password", sample_site.PASSWORD)
    page.click("#sign-in button")
    page.locator("#queue li", has_text="Flunssa ja kuume").locator(".take").first.click()
    page.wait_for_selector("#transcript >> text=Haluaisin jutella hoitajan kanssa")
    page.wait_for_selector("#facts dd")
    assert page.locator("#conversation").is_visible()
    try:
        assert_no_violations(page)
    finally:
        page.click("#hand-back")  # the next test takes a resident of its own
        page.wait_for_selector("#status >> text=Keskustelu palautettu")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_management_view_with_figures_has_no_violations(open_page, site, scheme):
    page = open_page(color_scheme=scheme)
    page.goto(site.url + "/management")
    page.fill("#username", sample_site.MANAGER[0])
    page.fill("#password", sample_site.PASSWORD)
    page.click("#sign-in button")
    page.wait_for_selector("#figures:not([hidden])")
    expect(page.locator("#t-conversations")).to_have_text(re.compile(r"^\s*[1-9][0-9\s\u00a0]+$"))
    assert int(re.sub(r"\D", "", page.inner_text("#t-conversations"))) > 50  # the seeded weeks are counted
    page.wait_for_selector("#c-days svg, #c-days *")
    page.wait_for_selector("#feedback tbody tr")
    assert_no_violations(page)


# -- the checker itself -----------------------------------------------------------------------------

STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; frame-src *"


class CspPages:
    """A page with a known violation under a strict CSP, and one framing another origin's such page."""

    def __init__(self) -> None:
        self.inner = self._serve('<main><img src="/x.png"><p>sisällä</p></main>')
        self.outer = self._serve('<main><button type="button"></button>'
                                 f'<iframe title="sisempi" src="{self.inner[1]}/"></iframe></main>',
                                 host="localhost")

    @staticmethod
    def _serve(body: str, host: str = "127.0.0.1"):
        page = f'<!doctype html><html lang="fi"><head><title>koe</title></head><body>{body}</body></html>'.encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Security-Policy", STRICT_CSP)
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *_args) -> None:
                return

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server, f"http://{host}:{server.server_address[1]}"

    def stop(self) -> None:
        for server, _url in (self.inner, self.outer):
            server.shutdown()
            server.server_close()


def test_the_checker_finds_violations_in_a_page_and_its_cross_origin_frame_under_a_strict_csp(open_page):
    pages = CspPages()
    try:
        page = open_page()
        page.goto(pages.outer[1] + "/")
        page.frame_locator("iframe").locator("p").wait_for()
        found = axe.check_page(page)
        assert {(v.where.rstrip("/"), v.rule) for v in found} == {(pages.outer[1], "button-name"),
                                                                 (pages.inner[1], "image-alt")}
        message = axe.report(found)
        assert "[critical] image-alt" in message and "at img" in message and "at button" in message
        # the page's own policy still holds after axe was put in: an inline script is refused
        refused = page.evaluate("""() => new Promise(done => {
          document.addEventListener("securitypolicyviolation", e => done(e.violatedDirective));
          const script = document.createElement("script");
          script.textContent = "window.ranInline = true";
          document.body.appendChild(script);
          setTimeout(() => done(window.ranInline ? "ran" : "silent"), 1000);
        })""")
        assert refused.startswith("script-src")
    finally:
        pages.stop()
