"""The residents' public pages over HTTP (the accessibility statement and the privacy notice, filled from
the region profile and the retention settings), the embedded chat's framing policy, the launcher's
headers, and the embed-origin setting."""
from __future__ import annotations

import dataclasses
import re
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from types import MappingProxyType

import pytest
from sanic import Sanic

from bench.stack import free_port
from bot.settings import PrivacySettings, Settings, parse_embed_origins
from bot.web.app import create_app
from bot.web.public_pages import render_page
from guidance_library.loader import DEFAULT_NATIONAL, DEFAULT_PROFILE, LibraryInvalid, load_library, load_profile
from tests.servers import ThreadedServer

Sanic.test_mode = True  # several apps served in one test process (Sanic rewrites its protocol once otherwise)

EMBED_ORIGIN = "https://www.hyvinvointialue.example"
PRIVACY = PrivacySettings(transcript_days=17, identified_transcript_days=23, analytics_days=401)


@pytest.fixture(scope="module")
def web_url(tmp_path_factory):
    port = free_port()
    database = f"sqlite:///{tmp_path_factory.mktemp('public') / 'assistant.db'}"  # never the developer's var/
    app = create_app(Settings(webchat_port=port, database_url=database, privacy=PRIVACY, embed_origins=(EMBED_ORIGIN,)),
                     name=f"test_public_pages_{port}")
    url = f"http://127.0.0.1:{port}"
    running = ThreadedServer(app, port, url + "/chat-config.json")
    yield url
    running.stop()


@pytest.fixture(scope="module")
def library():
    return load_library()


def get(url: str) -> tuple[str, dict[str, str]]:
    with urllib.request.urlopen(url) as answer:
        return answer.read().decode(), {k.lower(): v for k, v in answer.headers.items()}


class Outline(HTMLParser):
    """The page's headings in order, its links, and whether it holds script, style or inline styles."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.links: list[str] = []
        self.forbidden: list[str] = []

    def handle_starttag(self, tag, attrs):
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "a":
            self.links.append(dict(attrs).get("href") or "")
        if tag in ("script", "style") or any(name == "style" or name.startswith("on") for name, _ in attrs):
            self.forbidden.append(tag)


def outline(page: str) -> Outline:
    parsed = Outline()
    parsed.feed(page)
    return parsed


def assert_strict_page(page: str, headers: dict[str, str]) -> Outline:
    policy = headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'self';" in policy  # only the chat's own pages may frame these
    assert headers["x-content-type-options"] == "nosniff"
    assert '<html lang="fi">' in page
    parsed = outline(page)
    assert parsed.forbidden == []
    assert parsed.headings[0] == 1 and parsed.headings.count(1) == 1
    for before, after in zip(parsed.headings, parsed.headings[1:]):
        assert after <= before + 1, f"a heading level is skipped: {parsed.headings}"
    assert "/" in parsed.links  # back to the chat
    return parsed


def test_the_accessibility_statement_is_filled_from_the_region_profile(web_url, library):
    page, headers = get(web_url + "/saavutettavuusseloste")
    parsed = assert_strict_page(page, headers)
    accessibility = library.profile.region["accessibility"]
    assert library.profile.region["name"] in page
    assert "WCAG 2.1" in page and "axe-core" in page and "näppäimistöllä" in page
    assert "ruotsinkielinen palvelu ei ole vielä käytettävissä" in page.lower()  # a known gap, said plainly
    assert "Seloste on laadittu 7.12.2026." in page  # the profile's 2026-12-07, as Finns write dates
    assert f"mailto:{accessibility['feedback_email']}" in parsed.links
    assert accessibility["feedback_url"] in parsed.links
    assert f"Vastaamme {accessibility['response_days']} päivän kuluessa" in page
    assert "Lupa- ja valvontaviraston saavutettavuusvalvonta" in page
    assert "https://www.saavutettavuusvaatimukset.fi" in parsed.links
    assert "/tietosuojaseloste" in parsed.links


def test_the_privacy_notice_states_the_retention_the_settings_give(web_url, library):
    page, headers = get(web_url + "/tietosuojaseloste")
    parsed = assert_strict_page(page, headers)
    privacy = library.profile.region["privacy"]
    assert library.profile.region["name"] in page  # the controller
    assert f"mailto:{privacy['dpo_email']}" in parsed.links and f"mailto:{privacy['contact_email']}" in parsed.links
    # the periods of this app's settings (17/23/401), not the defaults (30/30/730)
    assert "ei ole ollut viestejä 17 päivään" in page
    assert "ei ole ollut viestejä 23 päivään" in page
    assert "poistetaan 401 päivän kuluttua" in page
    assert "30 päiv" not in page and "730" not in page
    assert "Tietosuojavaltuutetun toimisto" in page and "https://tietosuoja.fi" in parsed.links
    for basis in ("6 artiklan 1 kohdan e alakohta", "612/2021", "703/2023"):
        assert basis in page
    assert privacy["transfers"] in page  # where the data goes is the region's to say
    assert "/saavutettavuusseloste" in parsed.links


@pytest.mark.parametrize("path", ["/saavutettavuusseloste", "/tietosuojaseloste"])
def test_the_pages_of_the_example_region_say_it_is_made_up(web_url, library, path):
    assert library.profile.example  # the shipped profile is the made-up example region
    page, _ = get(web_url + path)
    assert "Huom: tämä on esimerkkialue." in page


def test_a_profile_value_with_markup_is_shown_as_text(library):
    region = dict(library.profile.region)
    region["name"] = '<script>alert("alue")</script>'
    region["accessibility"] = {**region["accessibility"], "feedback_url": "javascript:alert(1)",
                               "feedback_email": 'a@b.fi"><img src=x onerror=alert(1)>'}
    profile = dataclasses.replace(library.profile, region=MappingProxyType(region), example=False)
    hostile = dataclasses.replace(library, profile=profile)
    for key in ("accessibility", "privacy"):
        page = render_page(key, hostile, Settings())
        assert "<script>" not in page and "<img" not in page
        assert "&lt;script&gt;alert(&quot;alue&quot;)&lt;/script&gt;" in page
        assert outline(page).forbidden == []
        assert "Huom: tämä on esimerkkialue." not in page  # example: false
    page = render_page("accessibility", hostile, Settings())
    assert not any(link.startswith("javascript:") for link in outline(page).links)


# -- the accessibility statement's required part in a real region's profile -----------------------------

STATEMENT_LINES = {
    "statement_date": '    statement_date: "2026-12-07"\n',
    "response_days": "    response_days: 14\n",
    "feedback_url": "    feedback_url: https://hyvinvointialue.example.fi/saavutettavuuspalaute\n",
    "feedback_email": "    feedback_email: saavutettavuus@hyvinvointialue.example.fi\n",
}


def real_region_profile(tmp_path: Path, drop: tuple[str, ...] = (), change: dict[str, str] | None = None) -> Path:
    """The shipped profile as a real region's (`example: false`), without the `drop`ped accessibility
    fields and with `change`d values."""
    text = DEFAULT_PROFILE.read_text(encoding="utf-8")
    assert "example: true\n" in text and all(line in text for line in STATEMENT_LINES.values())
    text = text.replace("example: true\n", "example: false\n")
    for name in drop:
        text = text.replace(STATEMENT_LINES[name], "")
    for name, value in (change or {}).items():
        text = text.replace(STATEMENT_LINES[name], f"    {name}: {value}\n")
    file = tmp_path / "profile.yml"
    file.write_text(text, encoding="utf-8")
    return file


@pytest.mark.parametrize("drop, named", [
    (("statement_date",), "region.accessibility.statement_date"),
    (("response_days",), "region.accessibility.response_days"),
    (("feedback_url", "feedback_email"), "region.accessibility.feedback_url tai region.accessibility.feedback_email"),
])
def test_a_real_region_profile_without_the_statement_s_date_response_time_or_feedback_channel_is_refused(
        tmp_path, drop, named):
    with pytest.raises(LibraryInvalid) as refused:
        load_profile(real_region_profile(tmp_path, drop=drop), DEFAULT_NATIONAL)
    report = refused.value.report()
    assert named + " puuttuu" in report and "profile.yml" in report
    assert len(refused.value.problems) == 1  # only what is missing


def test_a_real_region_profile_without_the_whole_accessibility_section_is_refused(tmp_path):
    file = real_region_profile(tmp_path, drop=tuple(STATEMENT_LINES))
    file.write_text(file.read_text(encoding="utf-8").replace("  accessibility:\n", ""), encoding="utf-8")
    with pytest.raises(LibraryInvalid) as refused:
        load_profile(file, DEFAULT_NATIONAL)
    assert "region.accessibility puuttuu" in refused.value.report()


@pytest.mark.parametrize("name, value", [("response_days", "30"), ("response_days", "0"), ("response_days", "kaksi"),
                                         ("statement_date", '"7.12.2026"'), ("statement_date", '"2026-02-30"'),
                                         ("feedback_url", "http://alue.example.fi/palaute"),
                                         ("feedback_email", "saavutettavuus")])
def test_a_bad_statement_value_is_refused_naming_the_field(tmp_path, name, value):
    with pytest.raises(LibraryInvalid) as refused:
        load_profile(real_region_profile(tmp_path, change={name: value}), DEFAULT_NATIONAL)
    assert f"region.accessibility.{name}:" in refused.value.report()


def test_one_feedback_channel_is_enough_and_the_response_time_is_the_same_everywhere(tmp_path, library):
    profile, _ = load_profile(real_region_profile(tmp_path, drop=("feedback_url",), change={"response_days": "10"}),
                              DEFAULT_NATIONAL)
    assert not profile.example and profile.region["accessibility"]["response_days"] == 10
    page = render_page("accessibility", dataclasses.replace(library, profile=profile), Settings())
    assert page.count("10 päivän kuluessa") == 2  # the feedback paragraph and the supervision paragraph
    assert "14 päivän" not in page
    assert "mailto:saavutettavuus@hyvinvointialue.example.fi" in page and "saavutettavuuspalaute" not in page
    assert "Seloste on laadittu 7.12.2026." in page


def test_the_example_profile_need_not_have_the_section_and_its_pages_still_render(tmp_path, library):
    file = tmp_path / "profile.yml"
    text = DEFAULT_PROFILE.read_text(encoding="utf-8")
    for line in STATEMENT_LINES.values():
        text = text.replace(line, "")
    file.write_text(text.replace("  accessibility:\n", ""), encoding="utf-8")
    profile, _ = load_profile(file, DEFAULT_NATIONAL)
    assert profile.example and "accessibility" not in profile.region
    page = render_page("accessibility", dataclasses.replace(library, profile=profile), Settings())
    assert "Lupa- ja valvontaviraston saavutettavuusvalvonta" in page and "{" not in page


# -- the embedded chat and the launcher's files ------------------------------------------------------------

def test_only_the_configured_origins_may_frame_the_embedded_chat(web_url):
    page, headers = get(web_url + "/upotus?isanta=" + EMBED_ORIGIN)
    assert f"frame-ancestors 'self' {EMBED_ORIGIN};" in headers["content-security-policy"]
    assert '<script src="/static/embed-bridge.js"></script>' in page
    # page-long storage and the anonymous frame (no cookies on /auth/) come before the chat's own scripts
    chat_scripts = [m.start() for m in re.finditer(r'<script src="/static/(?!embed-)', page)]
    assert chat_scripts and page.index("embed-storage.js") < page.index("embed-anonymous.js") < min(chat_scripts)
    assert f'<meta name="sote-chat-host" content="{EMBED_ORIGIN}">' in page
    assert 'id="chat-log"' in page  # the chat page itself
    _, full = get(web_url + "/")
    assert "frame-ancestors 'self';" in full["content-security-policy"]  # the full page: only itself


@pytest.mark.parametrize("host", ["https://evil.example", '"><script>alert(1)</script>', ""])
def test_the_bridge_is_told_no_origin_but_a_configured_one(web_url, host):
    page, _ = get(web_url + "/upotus?isanta=" + urllib.request.quote(host, safe=""))
    assert "sote-chat-host" not in page and "<script>alert" not in page


@pytest.mark.parametrize("asset", ["launcher.js", "launcher.css"])
def test_the_launcher_files_are_served_for_other_origins_without_sniffing(web_url, asset):
    body, headers = get(f"{web_url}/static/{asset}")
    assert body
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "public, max-age=300"
    assert headers["cross-origin-resource-policy"] == "cross-origin"
    assert "access-control-allow-origin" not in headers  # a plain script tag needs no CORS
    assert ("javascript" if asset.endswith(".js") else "text/css") in headers["content-type"]


def test_the_launcher_scripts_build_their_dom_without_html_strings(web_url):
    for script in ("launcher.js", "embed-bridge.js", "embed-anonymous.js", "embed-storage.js"):
        body, _ = get(f"{web_url}/static/{script}")
        assert "innerHTML" not in body and "insertAdjacentHTML" not in body and "document.write" not in body
        assert 'postMessage(message, "*")' not in body  # always an exact target origin


# -- the setting -------------------------------------------------------------------------------------------

def test_embed_origins_are_origins_only():
    assert parse_embed_origins("https://www.Alue.fi, https://omat.alue.fi:8443 https://www.alue.fi/") == (
        "https://www.alue.fi", "https://omat.alue.fi:8443")
    assert parse_embed_origins("https://www.alue.fi:443") == ("https://www.alue.fi",)  # as location.origin
    assert parse_embed_origins("") == ()
    assert parse_embed_origins("http://localhost:8000") == ("http://localhost:8000",)


@pytest.mark.parametrize("value", ["https://www.alue.fi/chat", "https://*.alue.fi", "*", "http://www.alue.fi",
                                   "www.alue.fi", "https://user@www.alue.fi", "https://www.alue.fi?x=1",
                                   "https://www.alue.fi:99999", "https://www.alue.fi:0", "'self'", "https://www.alue.fi;"])
def test_a_bad_embed_origin_stops_the_start_naming_the_setting(monkeypatch, value):
    monkeypatch.setenv("ASSISTANT_EMBED_ORIGINS", value)
    with pytest.raises(ValueError, match="ASSISTANT_EMBED_ORIGINS"):
        Settings.from_env()
