"""The staff pages in a real browser (Playwright, Debian's Chromium, headless) against the web app
with a fake relay: in the professionals' console long unbroken strings in residents' messages,
summaries and colleagues' names wrap inside their boxes, on a phone-sized and a desktop-sized
window, and nothing overflows; nor does a long name in the management view."""
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
