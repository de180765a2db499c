"""The staff pages in a real browser (Playwright, Debian's Chromium, headless) against the web app
with a fake relay: in the professionals' console long unbroken strings in residents' messages,
summaries and colleagues' names wrap inside their boxes, on a phone-sized and a desktop-sized
window, and nothing overflows; nor does a long name in the management view. Issue 19: refusals and
failures in Finnish (never the server's English), the queue's title badge, announcement and tone, the
typing signal (throttled), the management charts' data tables with Finnish numbers, and both pages
signed in on a 320 px phone (no sideways scroll, headings in order, 44 px controls, readable labels)."""
from __future__ import annotations

import pytest

from actions.store.accounts import AccountStore
from actions.store.database import make_engine, make_session_factory
from tests import browsers
from tests.test_console import PASSWORD, Browser, console, server  # noqa: F401 - fixtures

pytestmark = browsers.NEEDS_CHROMIUM
browser = browsers.browser  # the fixture: one Chromium for this module
TIMEOUT = 30_000
UNBROKEN = "https://esimerkki.fi/" + "ajanvarausjarjestelmanosoite" * 40
LONG_NAME = "Hoitaja" + "x" * 190
OVERFLOWING = """() => {
  const page = document.documentElement;
  const boxes = ["header", "#queue", "#facts", "#transcript", "#conversation"].map(s => document.querySelector(s));
  const wider = boxes.filter(b => b.scrollWidth > b.clientWidth + 1).map(b => b.id || b.tagName);
  if (page.scrollWidth > page.clientWidth + 1) { wider.push("page"); }
  return wider;
}"""


@pytest.fixture
def window(browser):
    """`window(width)`: a new page of that width, closed after the test (no polling left behind)."""
    opened = []

    def open_page(width: int):
        page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        page.set_default_timeout(TIMEOUT)
        opened.append(page)
        return page

    yield open_page
    for page in opened:
        page.context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_long_unbroken_strings_wrap_and_nothing_overflows(window, console, database_url, width):  # noqa: F811
    if database_url.startswith("postgresql"):
        pytest.skip("the page does not depend on the database")
    accounts = AccountStore(make_session_factory(make_engine(database_url)))
    accounts.create("pitka", LONG_NAME, "professional", PASSWORD)
    accounts.create("toinen", "Toinen" + "y" * 190, "professional", PASSWORD)
    summary = {"topic_title": "Aihe" + "z" * 300, "recent_messages": [UNBROKEN, "kuumetta" * 60],
               "identity": {"name": "Nimi" + "n" * 200, "code": "010180-913X"}}
    mine, _ = console.handoffs.enqueue("a" * 32, summary)
    theirs, _ = console.handoffs.enqueue("b" * 32, {"topic_title": "Toinen aihe"})
    colleague = Browser(console.server.url)
    assert colleague.sign_in("toinen").status == 201
    assert colleague.call("POST", f"/handoffs/{theirs.id}/take").status == 200  # the queue names them
    console.server.relay.entries[:] = [
        {"index": 0, "who": "resident", "text": UNBROKEN, "at": 1},
        {"index": 1, "who": "professional", "name": LONG_NAME, "text": "v" * 700, "at": 2},
    ]

    page = window(width)
    page.goto(console.server.url.removesuffix("/api"))
    page.fill("#username", "pitka")
    page.fill("#password", PASSWORD)
    page.click("#sign-in button")
    page.wait_for_selector("#work:not([hidden])")
    page.wait_for_selector("#queue >> text=hoitaa Toinen")
    page.click("#queue .take")
    page.wait_for_selector("#transcript .entry.professional")
    page.wait_for_selector("#facts dd")
    assert page.evaluate(OVERFLOWING) == []
    for selector in ("#transcript .entry.resident .text", "#facts dd", "#who", "#queue li"):
        right = page.eval_on_selector_all(selector, "els => Math.max(...els.map(e => e.getBoundingClientRect().right))")
        assert right <= width, selector  # inside the window, not cut off beyond it
    assert UNBROKEN in page.inner_text("#transcript")  # all of it shown, wrapped


@pytest.mark.parametrize("width", [390, 1280])
def test_a_long_name_wraps_in_the_management_view(window, console, database_url, width):  # noqa: F811
    if database_url.startswith("postgresql"):
        pytest.skip("the page does not depend on the database")
    AccountStore(make_session_factory(make_engine(database_url))).create("johtaja", LONG_NAME, "manager", PASSWORD)
    page = window(width)
    page.goto(console.server.url.replace("/console/api", "/management"))
    page.fill("#username", "johtaja")
    page.fill("#password", PASSWORD)
    page.click("#sign-in button")
    page.wait_for_selector(f"#who >> text={LONG_NAME}")
    assert page.evaluate("""() => document.documentElement.scrollWidth <= document.documentElement.clientWidth
                            && document.querySelector("header").scrollWidth <= document.querySelector("header").clientWidth""")


# -- issue 19: Finnish messages, the queue's title badge and tone, the typing signal, the management charts' tables
CONSOLE_TITLE = "Ammattilaisen konsoli – chat-opas"
ENGLISH = ("another", "professional has", "conversation", "error", "failed", "sign in", "try again")


def finnish(n: int) -> str:
    """A whole number as Intl.NumberFormat("fi-FI") writes it: thousands with a non-breaking space."""
    return f"{n:,}".replace(",", "\u00a0")


def sign_in(page, url: str, username: str, ready: str) -> None:
    page.goto(url)
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#sign-in button")
    page.wait_for_selector(ready)


def relay_calls(console, kind: str, at_least: int, page) -> list:  # noqa: F811 - console: the fixture's value
    """The fake relay's calls of one kind, once there are `at_least` of them (waits for the page's requests)."""
    for _ in range(200):
        calls = [c for c in console.server.relay.calls if c[0] == kind]
        if len(calls) >= at_least:
            return calls
        page.wait_for_timeout(50)
    raise AssertionError(f"fewer than {at_least} {kind} calls: {console.server.relay.calls}")


def no_sideways_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


HEADINGS_IN_ORDER = """() => {
  const levels = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")]
    .filter(h => h.getClientRects().length).map(h => Number(h.tagName[1]));
  return levels.every((level, i) => i === 0 ? level === 1 : level <= levels[i - 1] + 1) ? [] : levels;
}"""
# a checkbox or radio button is pressed through its label (the whole row): the label is what must be big enough
SMALL_CONTROLS = """() => [...document.querySelectorAll("button, .button, summary, input, select, textarea")]
  .filter(e => e.getClientRects().length)
  .map(e => ["checkbox", "radio"].includes(e.type) ? [e, e.closest("label") || e] : [e, e])
  .filter(([e, target]) => target.getBoundingClientRect().height < 44 || target.getBoundingClientRect().width < 44)
  .map(([e]) => e.id || e.textContent)"""


def test_a_refused_take_over_is_told_in_finnish(window, console, database_url):  # noqa: F811
    if database_url.startswith("postgresql"):
        pytest.skip("the page does not depend on the database")
    handoff, _ = console.handoffs.enqueue("d" * 32, {"topic_title": "Flunssa"})
    colleague = Browser(console.server.url)
    assert colleague.sign_in("pro2").status == 201
    stale_queue = colleague.call("GET", "/queue").text  # the page keeps seeing the conversation as waiting
    page = window(1280)
    page.route("**/console/api/queue", lambda route: route.fulfill(status=200, content_type="application/json",
                                                                   body=stale_queue))
    sign_in(page, console.server.url.removesuffix("/api"), "pro", "#queue .take")
    assert colleague.call("POST", f"/handoffs/{handoff.id}/take").status == 200
    page.click("#queue .take")
    page.wait_for_selector("#status >> text=Toinen ammattilainen otti keskustelun jo.")
    shown = page.inner_text("#status").lower()
    assert not any(word in shown for word in ENGLISH), shown  # not the server's English
    assert "is-error" in page.get_attribute("#status", "class") and page.is_hidden("#conversation")


def test_every_error_status_has_a_finnish_text_and_never_the_servers_english(window, console, database_url):  # noqa: F811
    if database_url.startswith("postgresql"):
        pytest.skip("the page does not depend on the database")
    page = window(1280)
    page.goto(console.server.url.removesuffix("/api"))
    english = "The server said something in English; try again"
    texts = page.evaluate("""([message]) => [0, 400, 401, 403, 404, 405, 409, 413, 418, 422, 429, 500, 502, 503]
      .flatMap(status => ["take", "handoff", "ticket", "sign-in", "report", undefined].map(action =>
        [status, action || "", window.StaffMessages.problem(
          {status, data: {error: "conflict", message: message, field: "words"}}, action)]))""", [english])
    for status, action, text in texts:
        assert text and english.lower() not in text.lower() and "try again" not in text.lower(), (status, action, text)
    by = {(status, action): text for status, action, text in texts}
    assert by[(0, "")] == "Yhteys palvelimeen katkesi, yritä uudelleen."
    assert by[(401, "")] == "Istunto on päättynyt. Kirjaudu uudelleen."
    assert by[(409, "take")] == "Toinen ammattilainen otti keskustelun jo."
    assert by[(422, "")] == "Tarkista asia: arvo puuttuu, on liian pitkä tai ei kelpaa."  # the field named in Finnish
    assert by[(429, "")].startswith("Liian monta yritystä") and by[(502, "")].startswith("Palvelimella tapahtui virhe")


def test_a_failed_sign_in_is_told_in_finnish(window, console, database_url):  # noqa: F811
    if database_url.startswith("postgresql"):
        pytest.skip("the page does not depend on the database")
    page = window(1280)
    page.goto(console.server.url.removesuffix("/api"))
    page.fill("#username", "pro")
    page.fill("#password", "väärä-salasana-123")
    page.click("#sign-in button")
    page.wait_for_selector("#status >> text=Kirjautuminen ei onnistunut. Tarkista käyttäjätunnus ja salasana.")
    page.fill("#username", "editor")
    page.fill("#password", PASSWORD)
    page.click("#sign-in button")
    page.wait_for_selector("#status >> text=Tällä tunnuksella ei ole pääsyä tälle sivulle.")


def test_a_queue_join_updates_the_title_badge_is_announced_and_sounds(window, console, database_url):  # noqa: F811
    if database_url.startswith("postgresql"):
        pytest.skip("the page does not depend on the database")
    console.handoffs.enqueue("e" * 32, {"topic_title": "Flunssa"})  # waiting before the page opens: no announcement
    page = window(1280)
    sign_in(page, console.server.url.removesuffix("/api"), "pro", "#queue .take")
    page.wait_for_function("t => document.title === t", arg=f"(1) {CONSOLE_TITLE}")
    assert page.inner_text("#queue-news") == ""
    assert page.inner_text("#sound-toggle") == "Äänimerkki päällä"
    page.click("h1")  # browsers allow sound only after the person has used the page
    console.handoffs.enqueue("f" * 32, {"topic_title": "Kuume"})
    page.wait_for_function("t => document.title === t", arg=f"(2) {CONSOLE_TITLE}")
    page.wait_for_selector("#queue-news >> text=Jonoon tuli uusi asukas: Kuume. Jonossa odottaa nyt 2.")
    assert page.get_attribute("#queue-news", "role") == "status"
    assert page.evaluate("window.ConsolePage.tonesPlayed") == 1

    page.click("#sound-toggle")
    assert page.inner_text("#sound-toggle") == "Äänimerkki pois"
    assert page.get_attribute("#sound-toggle", "aria-checked") == "false"
    assert page.evaluate("localStorage.getItem('console.sound')") == "off"
    console.server.relay.entries[:] = [{"index": 0, "who": "bot", "text": "Soita 112.", "at": 1, "emergency": True,
                                        "category": "chest_pain"}]
    console.handoffs.enqueue("g" * 32, {"topic_title": "Rintakipu"})
    page.wait_for_function("t => document.title === t", arg=f"(3) {CONSOLE_TITLE}")
    page.wait_for_selector("#queue-news >> text=Jonoon tuli hätäohjeen saanut asukas (rintakipu")
    assert page.evaluate("window.ConsolePage.tonesPlayed") == 1  # the sound was turned off

    page.reload()
    page.wait_for_selector("#sound-toggle:not([hidden])")
    assert page.inner_text("#sound-toggle") == "Äänimerkki pois"  # the choice is kept
    page.click("#sign-out")
    page.wait_for_selector("#sign-in:not([hidden])")
    assert page.title() == CONSOLE_TITLE


def test_typing_in_the_reply_box_tells_the_resident_at_most_every_few_seconds(window, console, database_url):  # noqa: F811
    if database_url.startswith("postgresql"):
        pytest.skip("the page does not depend on the database")
    conversation = "h" * 32
    console.handoffs.enqueue(conversation, {"topic_title": "Flunssa"})
    page = window(1280)
    page.clock.install()
    sign_in(page, console.server.url.removesuffix("/api"), "pro", "#queue .take")
    page.click("#queue .take")
    page.wait_for_selector("#conversation:not([hidden])")
    console.server.relay.calls.clear()
    page.clock.pause_at(page.evaluate("Date.now()") + 1000)  # the page's clock stands still while typing
    page.type("#message", "Hei")
    relay_calls(console, "typing", 1, page)
    page.type("#message", " vaan")  # the same moment: nothing more goes
    page.clock.fast_forward(3500)
    page.type("#message", "!")
    calls = relay_calls(console, "typing", 2, page)
    assert calls == [("typing", conversation, "Pro")] * 2  # once per three seconds; the first name only

    page.route("**/console/api/handoffs/*/messages", lambda route: route.abort())
    page.click("#send")
    page.wait_for_selector("#status >> text=Yhteys palvelimeen katkesi, yritä uudelleen.")
    assert page.input_value("#message") == "Hei vaan!"  # kept for another try


def test_the_console_fits_a_320_px_phone_with_usable_controls(window, console, database_url):  # noqa: F811
    if database_url.startswith("postgresql"):
        pytest.skip("the page does not depend on the database")
    console.handoffs.enqueue("i" * 32, {"topic_title": "Hammassärky ja turvotus", "recent_messages": [UNBROKEN]})
    console.handoffs.enqueue("j" * 32, {"topic_title": "Toinen"})
    page = window(320)
    sign_in(page, console.server.url.removesuffix("/api"), "pro", "#queue .take")
    page.click("#queue .take >> nth=0")
    page.wait_for_selector("#facts dd")
    page.click("#ticket summary")
    page.fill("#path-query", "flunssa")
    page.click("#path-search")
    page.wait_for_selector("#paths .send-path")
    assert no_sideways_scroll(page), page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert page.evaluate(HEADINGS_IN_ORDER) == []
    assert page.evaluate(SMALL_CONTROLS) == []


# -- the management view ----------------------------------------------------------------------------------------
from tests.test_management import MONDAY, PERIOD, management  # noqa: E402,F401 - the fixture


def busy_day(database_url: str, conversations: int) -> None:
    """Many conversations on Tuesday 24.11.2026 at 12.xx local time (thousands show their separator)."""
    from actions.store.analytics import record_event
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session, session.begin():
        for n in range(conversations):
            record_event(session, "conversation_started", f"busy-{n}", at=MONDAY.replace(day=24, hour=12))
    engine.dispose()


def signed_in_to_management(window, url: str, width: int):
    """The management view signed in, its first figures (the default period) shown."""
    page = window(width)
    sign_in(page, url, "johtaja", "#figures:not([hidden])")
    page.wait_for_function("() => document.getElementById('t-conversations').textContent !== ''")
    return page


def management_page(window, url: str, width: int):
    page = signed_in_to_management(window, url, width)
    page.fill("#from", "2026-11-23")
    page.fill("#to", "2026-11-29")
    page.click("#period button[type=submit]")
    page.wait_for_function("() => document.getElementById('t-conversations').textContent === '1\u00a0238'")
    return page


def test_the_management_tables_hold_the_charts_figures_in_finnish_format(window, management, database_url):  # noqa: F811
    if database_url.startswith("postgresql"):
        pytest.skip("the page does not depend on the database")
    busy_day(database_url, 1234)
    page = management_page(window, management, 1280)
    report = page.evaluate(f"fetch('/management/api/report{PERIOD}').then(r => r.json())")
    assert report["conversations"] == 1238
    assert page.inner_text("#t-fallback") == "33,3\u00a0%"  # 2 of 6 questions
    assert page.inner_text("#t-contact") == "0,2\u00a0%"   # 2 of 1 238 conversations
    assert page.inner_text("#t-overdue") == "0"
    toggle = page.locator("#c-days .table-toggle")
    assert (toggle.inner_text(), toggle.get_attribute("aria-expanded")) == ("Näytä taulukkona", "false")
    assert toggle.get_attribute("aria-controls") == "c-days-table" and page.is_hidden("#c-days-table")
    titles = page.eval_on_selector_all("#c-days-figure rect title", "ts => ts.map(t => t.textContent)")
    toggle.click()
    assert (toggle.inner_text(), toggle.get_attribute("aria-expanded")) == ("Näytä kaaviona", "true")
    assert page.is_visible("#c-days-table table") and page.is_hidden("#c-days-figure")
    rows = page.eval_on_selector_all("#c-days-table tbody tr", "rs => rs.map(r => [...r.cells].map(c => c.textContent))")
    day = lambda iso: f"{int(iso[8:])}.{int(iso[5:7])}.{iso[:4]}"  # noqa: E731
    assert rows == [[day(d["day"]), finnish(d["count"])] for d in report["conversations_per_day"]]
    assert ["24.11.2026", "1\u00a0234"] in rows
    assert titles == [f"{label}: {count}" for label, count in rows]  # the chart shows the same figures
    assert page.eval_on_selector_all("#c-days-table th", "ths => ths.map(t => t.scope)") == ["col", "col"] + ["row"] * 7
    page.click("#c-hours .table-toggle")
    hours = page.eval_on_selector_all("#c-hours-table tbody tr", "rs => rs.map(r => [...r.cells].map(c => c.textContent))")
    assert ["klo 12–13", "1\u00a0234"] in hours and len(hours) == 24
    page.click("#c-outcomes .table-toggle")
    outcomes = page.eval_on_selector_all("#c-outcomes-table tbody tr", "rs => rs.map(r => [...r.cells].map(c => c.textContent))")
    assert sorted(outcomes) == sorted([["vastaus löytyi", "3"], ["ei vastausta", "1"], ["aiheen ulkopuolella", "1"],
                                       ["tarkentava kysymys", "1"]])
    toggle.click()  # back to the chart, drawn again
    assert page.is_visible("#c-days-figure svg") and page.is_hidden("#c-days-table")
    for figure in page.eval_on_selector_all("figure.chart", "fs => fs.map(f => f.getAttribute('aria-labelledby'))"):
        assert page.inner_text(f"#{figure}")  # every chart is named by a visible heading


def test_a_refused_period_is_told_in_finnish(window, management, database_url):  # noqa: F811
    if database_url.startswith("postgresql"):
        pytest.skip("the page does not depend on the database")
    page = signed_in_to_management(window, management, 1280)
    page.fill("#from", "2026-12-03")
    page.fill("#to", "2026-12-01")
    page.click("#period button[type=submit]")
    page.wait_for_selector("#status >> text=Tarkista ajanjakso")
    assert "period" not in page.inner_text("#status").lower()


def test_the_management_view_fits_a_320_px_phone(window, management, database_url):  # noqa: F811
    if database_url.startswith("postgresql"):
        pytest.skip("the page does not depend on the database")
    busy_day(database_url, 1234)
    page = management_page(window, management, 320)
    page.click("#c-outcomes .table-toggle")
    assert no_sideways_scroll(page), page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert page.evaluate(HEADINGS_IN_ORDER) == []
    assert page.evaluate(SMALL_CONTROLS) == []
    for chart in ("#c-days-figure", "#c-hours-figure"):  # the labels under the columns do not overlap
        boxes = page.eval_on_selector_all(f"{chart} svg > text[text-anchor=middle]",
                                          "ts => ts.map(t => t.getBoundingClientRect()).map(r => [r.left, r.right])")
        assert len(boxes) >= 2, (chart, boxes)
        assert all(right <= next_left for (_, right), (next_left, _) in zip(boxes, boxes[1:])), (chart, boxes)
        size = page.eval_on_selector(f"{chart} svg > text", "t => parseFloat(getComputedStyle(t).fontSize)"
                                     " * t.getScreenCTM().a")
        assert size >= 11, (chart, size)  # readable on the phone, not shrunk with the chart
